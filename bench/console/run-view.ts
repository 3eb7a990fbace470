/**
 * The console's run view while a large run streams: N simulated agents (bench/fanout's, one
 * child process), the gateway in this process, Chromium on the run view of a job aimed at all of
 * them. It counts animation frames and long tasks (PerformanceObserver 'longtask') from "Run now"
 * until the view shows the run ended, and prints frames per second and the longest task.
 *   bench/console/run.sh                 (BENCH_AGENTS=2000 by default; SDES_CHROMIUM as the tests)
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { startGateway } from '../../src/gateway';
import { silentLogger } from '../../src/runtime/logger';
import { BindingService } from '../../src/services/binding.service';
import { JobService } from '../../src/services/job.service';
import type { ServiceContext } from '../../src/services/service-context';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import type { FromAgents, ToAgents } from '../fanout/agents-process';

const N = Number(process.env.BENCH_AGENTS ?? 2000);
const CHROMIUM = process.env.SDES_CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'bench-console-password';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts frames and long tasks in the page from the moment it loads. */
const PROBE = `(() => {
  const m = (window.__bench = { frames: 0, longTasks: [], start: 0 });
  const tick = () => { m.frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) m.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
})()`;

const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/results');

/** bench/results/console-run-view.json (every run) and .md (the latest), with the load average. */
function writeResults(result: Record<string, unknown>, line: string): void {
  fs.mkdirSync(OUT, { recursive: true });
  const jsonFile = path.join(OUT, 'console-run-view.json');
  const all = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as unknown[]) : [];
  all.push({ ...result, loadAfter: os.loadavg() });
  fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const md = [
    '# Console run view under a large run',
    '',
    `${String(result.at)} · \`bench/console/run.sh\` · Node ${process.version} · ${os.cpus().length} CPUs; load average (1, 5, 15 min) before ${(result.load as number[]).map((x) => x.toFixed(2)).join(' ')}, after ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    '',
    line,
    '',
    'Frames are counted with requestAnimationFrame and long tasks with PerformanceObserver("longtask") in the page, from the run view opening to the last client drawn as ended; the agents are bench/fanout\'s simulated ones, in one child process on the same machine as the gateway and Chromium.',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(OUT, 'console-run-view.md'), md);
}

async function main(): Promise<void> {
  const load = os.loadavg();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-bench-console-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', SDES_DATA_DIR: dataDir, SDES_ADMIN_PASSWORD: PASSWORD });
  const gateway = await startGateway({ config, logger: silentLogger() });
  const ctx = (): ServiceContext => ({
    em: gateway.db.orm.em.fork() as EntityManager,
    clock: gateway.clock,
    pubsub: gateway.pubsub,
    dispatcher: gateway.dispatcher,
  });
  const child = fork(path.join(__dirname, '../fanout/agents-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await new SettingsService(ctx()).update('client', { autoEnableNewClient: true });
    const ids = Array.from({ length: N }, (_, i) => `view-${String(i).padStart(5, '0')}`);
    const ready = new Promise<FromAgents>((resolve) => child.once('message', resolve));
    // The agents enrol with the installation's token, as real ones would (the broker refuses anonymous clients).
    child.send({
      type: 'start',
      brokerUrl: gateway.brokerUrl,
      clientIds: ids,
      resendAfterMs: 10_000,
      protocolVersion: 4,
      stateBase: path.join(dataDir, 'agents'),
      enrolmentToken: gateway.fleet.enrolmentTokens()[0],
    } satisfies ToAgents);
    await ready;
    for (;;) {
      const [{ n }] = await ctx().em.execute<{ n: number }[]>(`select count(*)::int as n from client where status = 'ONLINE' and enable`);
      if (n >= N) break;
      await sleep(200);
    }
    const task = await new TaskService(ctx()).create({ name: 'bench: 3 steps' });
    await new TaskService(ctx()).saveScript(task.id, [
      { type: 'COPY_FILE', filePath: 'in/prices.csv', targetFilePath: 'out/', createFilePath: true },
      { type: 'GET_FILE_STATUS', filePath: 'out/prices.csv' },
      { type: 'DELETE_FILE', filePath: 'in/prices.csv' },
    ]);
    const job = await new JobService(ctx()).create({ name: `run view, ${N} clients` });
    await new BindingService(ctx()).bindJobTasks(job.id, [task.id]);
    const clientIds = (await ctx().em.execute<{ id: number }[]>('select id from client order by id')).map((r) => r.id);
    await new BindingService(ctx()).bindJobClients(job.id, clientIds);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
    });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(gateway.url);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.goto(`${gateway.url}/jobs/${job.id}`);
    await page.locator('[data-dry-run="ONLINE"]').waitFor();
    await page.evaluate(PROBE);
    const started = Date.now();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.evaluate('window.__bench.frames = 0; window.__bench.longTasks.length = 0');
    const viewAt = Date.now();
    await page.locator('[data-run-status="SUCCESS"], [data-run-status="FAILED"]').waitFor({ timeout: 300_000 });
    // Until the last client's row is drawn as ended, not only the run's badge.
    await page.waitForFunction(`document.body.innerText.includes('${N} of ${N} clients finished')`, undefined, { timeout: 120_000 });
    const streamedMs = Date.now() - viewAt;
    const m = (await page.evaluate('window.__bench')) as { frames: number; longTasks: number[] };
    const longest = Math.max(0, ...m.longTasks);
    const blocked = m.longTasks.reduce((a, b) => a + b, 0);
    const fps = m.frames / (streamedMs / 1000);
    const line =
      `console run view, ${N} clients: run streamed in ${streamedMs} ms (${Date.now() - started} ms from Run now); ` +
      `${fps.toFixed(1)} frames/s; ${m.longTasks.length} long tasks, longest ${longest.toFixed(0)} ms, ${blocked.toFixed(0)} ms in all`;
    console.log(line);
    writeResults(
      {
        at: new Date().toISOString(),
        clients: N,
        streamedMs,
        framesPerSecond: fps,
        longTasks: m.longTasks.length,
        longestTaskMs: longest,
        blockedMs: blocked,
        load,
      },
      line,
    );
    await browser.close();
  } finally {
    child.send({ type: 'stop' } satisfies ToAgents);
    await sleep(2000);
    if (child.exitCode === null) child.kill('SIGKILL');
    await gateway.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
