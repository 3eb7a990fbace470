/**
 * Transfer benchmark (issue 9), in one run:
 *  1. the broker's raw throughput: a plain publisher and subscriber moving BENCH_MB in chunks of
 *     the transfer chunk size (256 KiB), QoS 1, the publisher keeping 8 unacknowledged (the
 *     agents' window);
 *  2. SEND_FILE/RECV_FILE of BENCH_MB from a SERVER to one STORE (real `sdes agent` processes):
 *     end-to-end time and throughput. The sender publishes each chunk once on the file's session
 *     topic, which the broker delivers to the gateway (the stored copy) and to the store;
 *  3. BROADCAST of BENCH_BROADCAST_MB to BENCH_STORES stores against the same to one store: the
 *     bytes published for the stores: the SERVER's chunks on the upload's session topic (once; the
 *     gateway and the online stores read them there) and the chunks stores pulled from the gateway
 *     on their transfer-down;
 *  4. peak resident memory of each agent process (VmHWM) and of the gateway (this process);
 *  5. with BENCH_BIG_MB, SEND_FILE/RECV_FILE of a file that big (2048 for the 2 GB target) to one
 *     store, the resident memory of the gateway and both agents sampled every 200 ms meanwhile.
 * Each phase also prints the CPU seconds of the gateway, the agents and the broker (when it is a
 * local `mosquitto`, or BENCH_BROKER_PID; it serves every other user of the broker too) and CPU
 * milliseconds per MiB moved: on a shared machine the steadier figure.
 *
 * Environment: MQTT_URL (default: the gateway's embedded broker), DATABASE_URL (a server: the bench
 * makes and drops its own database; default PGlite in a temporary folder), BENCH_MB (100; 0 skips
 * the raw figure and SEND/RECV), BENCH_BROADCAST_MB (20; 0 skips BROADCAST), BENCH_STORES (20),
 * BENCH_BIG_MB (unset: no big transfer), BENCH_PROFILE_DIR (CPU profiles of the gateway per phase), BENCH_OUT (bench/results), BENCH_AGENT_NODE_ARGS (Node options
 * of the agent processes), BENCH_LOG (the gateway's log level; silent by default), BENCH_AGENT_LOG_DIR (the agents' logs;
 * BENCH_AGENT_LOG sets their level). The agents enrol
 * with a random token of this run, as in production.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import mqtt from 'mqtt';
import pino from 'pino';
import { GATEWAY_USERNAME } from '../../src/fleet';
import { startGateway, type Gateway } from '../../src/gateway';
import { DEFAULT_TRANSFER_CHUNK_BYTES, parseTransferDown, parseTransferSessionTopic, parseTransferUp, TOPIC_ROOT, transferDownTopic } from '../../src/protocol';
import { silentLogger } from '../../src/runtime/logger';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { ExecutionService } from '../../src/services/execution.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import type { ServiceContext } from '../../src/services/service-context';
import type { StepInput } from '../../src/services/step-script';
import { TaskService } from '../../src/services/task.service';
import { scratchDatabase } from '../support/scratch-database';
import { profilePhase } from './phase-profile';
import { formatCpu, onlyProcessNamed, startMeter } from './process-meter';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MB ?? 100) * MB;
const BROADCAST_SIZE = Number(process.env.BENCH_BROADCAST_MB ?? 20) * MB;
const STORES = Number(process.env.BENCH_STORES ?? 20);
const BIG_SIZE = Number(process.env.BENCH_BIG_MB ?? 0) * MB;
/** A folder for CPU profiles of the gateway, one per phase (gateway-send-recv.cpuprofile, …). */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/results');
const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const CHUNK = DEFAULT_TRANSFER_CHUNK_BYTES;
/** Node options of the agent processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (agents are stopped with SIGTERM, so profiles are written). */
const AGENT_NODE_ARGS = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** A folder for the agents' logs (`hq.log`, `s0.log`, …; their JSON lines carry `time`, to read with the gateway's BENCH_LOG). */
const AGENT_LOG_DIR = process.env.BENCH_AGENT_LOG_DIR;
/** The agents enrol with it (real credentials, as in production: every transfer frame carries its HMAC). */
const ENROLMENT_TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeRandom(file: string, bytes: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  for (let done = 0; done < bytes; done += MB) await handle.write(randomBytes(Math.min(MB, bytes - done)));
  await handle.close();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Raw broker throughput: one publisher, one subscriber, the same bytes in the same chunks. */
async function rawThroughput(url: string, login: { username: string; password: string }, bytes: number): Promise<number> {
  const id = `bench-raw-${process.pid}`;
  const sub = await mqtt.connectAsync(url, { clientId: `${id}-sub`, clean: true, ...login });
  const pub = await mqtt.connectAsync(url, { clientId: `${id}-pub`, clean: true, ...login });
  const topic = `bench/raw/${id}`;
  await sub.subscribeAsync(topic, { qos: 1 });
  const chunks = Math.ceil(bytes / CHUNK);
  const body = randomBytes(CHUNK);
  let received = 0;
  const done = new Promise<void>((resolve) => sub.on('message', () => ++received === chunks && resolve()));
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < chunks; i++) {
    const p = pub.publishAsync(topic, body, { qos: 1 });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([sub.endAsync(), pub.endAsync()]);
  return bytes / MB / seconds;
}

interface AgentProc {
  clientId: string;
  root: string;
  proc: ChildProcess;
}

async function main() {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-bench-xfer-'));
  const database = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : undefined;
  const gateway: Gateway = await startGateway({
    config: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: database?.url,
      dataDir: path.join(base, 'data'),
      mqttUrl: process.env.MQTT_URL,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      logLevel: process.env.BENCH_LOG ?? 'silent',
      adminPassword: 'bench-admin-password',
      enrolmentTokens: [ENROLMENT_TOKEN],
    },
    // BENCH_LOG=info shows the gateway's log (JSON on stdout).
    logger: process.env.BENCH_LOG ? pino({ level: process.env.BENCH_LOG }) : silentLogger(),
  });
  const em = () => gateway.db.orm.em.fork() as EntityManager;
  const ctx = (): ServiceContext => ({ em: em(), clock: gateway.clock, pubsub: gateway.pubsub, dispatcher: gateway.dispatcher });
  const sql = <T>(q: string, p: unknown[] = []) => em().execute<T[]>(q, p);
  const agents: AgentProc[] = [];
  const prefix = `bx-${process.pid}`;

  const spawnAgent = async (name: string, role: 'SERVER' | 'STORE'): Promise<AgentProc> => {
    const clientId = `${prefix}-${name}`;
    const root = path.join(base, clientId, 'root');
    await fs.mkdir(root, { recursive: true });
    const proc = spawn(
      process.execPath,
      [
        ...AGENT_NODE_ARGS,
        CLI,
        'agent',
        '--broker',
        gateway.brokerUrl,
        '--client-id',
        clientId,
        '--role',
        role,
        '--root',
        root,
        '--state-dir',
        path.join(base, clientId, 'state'),
        '--enrolment-token',
        ENROLMENT_TOKEN,
      ],
      {
        stdio: AGENT_LOG_DIR ? ['ignore', 'pipe', 'pipe'] : 'ignore',
        env: { ...process.env, NODE_OPTIONS: '', ...(process.env.BENCH_AGENT_LOG ? { SDES_LOG_LEVEL: process.env.BENCH_AGENT_LOG } : {}) },
      },
    );
    if (AGENT_LOG_DIR) {
      const log = createWriteStream(path.join(AGENT_LOG_DIR, `${name}.log`));
      proc.stdout?.pipe(log);
      proc.stderr?.pipe(log);
    }
    const agent = { clientId, root, proc };
    agents.push(agent);
    for (const until = Date.now() + 60_000; ;) {
      if (Date.now() > until) throw new Error(`agent ${clientId} did not come ONLINE within 60 s`);
      const [row] = await sql<{ id: number; status: string }>('select id, status from client where mqtt_client_id = ?', [clientId]);
      if (row?.status === 'ONLINE') {
        await new ClientService(ctx()).setEnabled(row.id, true);
        return agent;
      }
      await sleep(100);
    }
  };
  const idOf = async (a: AgentProc) => (await sql<{ id: number }>('select id from client where mqtt_client_id = ?', [a.clientId]))[0].id;
  const runJob = async (script: StepInput[], targets: AgentProc[]) => {
    const task = await new TaskService(ctx()).create({ name: `${prefix}-${Math.random()}` });
    await new TaskService(ctx()).saveScript(task.id, script);
    const job = await new JobService(ctx()).create({ name: `${prefix}-${Math.random()}`, duration: 600 });
    await new BindingService(ctx()).bindJobTasks(job.id, [task.id]);
    await new BindingService(ctx()).bindJobClients(job.id, await Promise.all(targets.map(idOf)));
    // The run's end comes as its live RUN event (a poll of the database every 50 ms cost this
    // process, counted as the gateway, about a tenth of its CPU in a SEND/RECV); a poll each
    // second stays as the fallback.
    const progress = gateway.pubsub.subscribe('EXECUTION_PROGRESS');
    const started = performance.now();
    const run = await new ExecutionService(ctx()).createRun(job.id, { trigger: 'MANUAL' });
    let ended = false;
    const announced = (async () => {
      for await (const event of progress) if (event.level === 'RUN' && event.runId === run.id && event.status !== 'RUNNING') break;
    })();
    try {
      for (;;) {
        const [row] = await sql<{ status: string }>('select status from job_run where id = ?', [run.id]);
        if (row.status !== 'RUNNING') {
          if (row.status !== 'SUCCESS') throw new Error(`run ${run.id} ended ${row.status}`);
          return (performance.now() - started) / 1000;
        }
        // After the event, again for the status as stored (every 50 ms should it not be stored yet).
        await (ended ? sleep(50) : Promise.race([announced.then(() => (ended = true)), sleep(1_000)]));
      }
    } finally {
      await progress.return?.();
    }
  };
  const peakMiB = async (a: AgentProc) => Number(/VmHWM:\s+(\d+) kB/.exec(await fs.readFile(`/proc/${a.proc.pid}/status`, 'utf8'))![1]) / 1024;

  try {
    // The bench's own MQTT clients log in as the gateway (the embedded broker refuses anonymous ones).
    const login = { username: GATEWAY_USERNAME, password: gateway.fleet.keys.gatewaySecret };
    const brokerPid = process.env.MQTT_URL ? Number(process.env.BENCH_BROKER_PID) || onlyProcessNamed('mosquitto') : undefined;
    const broker = brokerPid ? { mosquitto: brokerPid } : {};
    const result: Record<string, unknown> = {
      at: new Date().toISOString(),
      broker: process.env.MQTT_URL ? 'external' : 'embedded',
      database: database ? 'postgres' : 'pglite',
      loadAverage: os.loadavg()[0],
    };
    let raw = NaN;
    if (SIZE) {
      const meter = startMeter({ 'bench+gateway': undefined, ...broker });
      raw = await rawThroughput(gateway.brokerUrl, login, SIZE);
      meter.stop();
      console.log(`raw broker: ${raw.toFixed(1)} MiB/s (${SIZE / MB} MiB in ${CHUNK / 1024} KiB chunks, QoS 1); CPU ${formatCpu(meter.cpu(), SIZE / MB)}`);
      Object.assign(result, { sizeMiB: SIZE / MB, rawMiBps: raw, rawCpuSeconds: meter.cpu() });
    }

    const hq = await spawnAgent('hq', 'SERVER');
    const stores: AgentProc[] = [];
    for (let i = 0; i < STORES; i++) stores.push(await spawnAgent(`s${i}`, 'STORE'));
    /** SEND_FILE of `name` (`bytes` long) from hq to the first store; CPU and sampled RSS of the three processes. */
    const sendRecv = async (name: string, bytes: number, phase: string) => {
      await writeRandom(path.join(hq.root, name), bytes);
      const meter = startMeter({ gateway: undefined, hq: hq.proc.pid, s0: stores[0].proc.pid, ...broker });
      const seconds = await profilePhase(PROFILE_DIR, phase, () =>
        runJob(
          [
            { type: 'SEND_FILE', filePath: name },
            { type: 'RECV_FILE', targetFilePath: `in/${name}`, createFilePath: true },
          ],
          [hq, stores[0]],
        ),
      );
      meter.stop();
      const cpu = meter.cpu();
      const expected = await sha256(path.join(hq.root, name));
      if ((await sha256(path.join(stores[0].root, 'in', name))) !== expected) throw new Error(`SEND/RECV of ${name}: checksum differs`);
      const phases = await sql<{ type: string; seconds: number }>(
        `select s.type, extract(epoch from (s.ended_at - s.started_at))::float as seconds from step_result s join task_result t on t.id = s.task_result_id
         join report r on r.id = t.report_id join client c on c.id = r.client_id
         where ((s.type = 'SEND_FILE' and c.mqtt_client_id = ?) or (s.type = 'RECV_FILE' and c.mqtt_client_id = ?))
           and r.run_id = (select max(run_id) from report where client_id = c.id) order by s.id`,
        [hq.clientId, stores[0].clientId],
      );
      // How the store got the chunks: from the sender's session topic, or pulled from the store.
      const [received] = await sql<{ message: string }>(
        `select m.message from step_message m join step_result s on s.id = m.step_result_id join task_result t on t.id = s.task_result_id
         join report r on r.id = t.report_id join client c on c.id = r.client_id
         where s.type = 'RECV_FILE' and c.mqtt_client_id = ? and m.message like '%bytes received%'
           and r.run_id = (select max(run_id) from report where client_id = c.id) order by m.id desc limit 1`,
        [stores[0].clientId],
      );
      const streamed = /(\d+) of (\d+) chunks from the sender's stream/.exec(received?.message ?? '');
      return {
        seconds,
        MiBps: bytes / MB / seconds,
        cpu,
        peakRss: meter.peakRss(),
        steps: phases,
        streamed: streamed ? `${streamed[1]} of ${streamed[2]}` : 'none',
      };
    };

    if (SIZE) {
      const one = await sendRecv('big.bin', SIZE, 'send-recv');
      console.log(
        `  steps: ${one.steps.map((p) => `${p.type} ${Number(p.seconds).toFixed(1)} s`).join(', ')} (RECV_FILE includes its wait for the SEND); ` +
          `chunks the store took from the sender's session topic: ${one.streamed}`,
      );
      console.log(
        `SEND/RECV ${SIZE / MB} MiB to 1 store: ${one.seconds.toFixed(1)} s end to end, ${one.MiBps.toFixed(1)} MiB/s ` +
          `(${((one.MiBps / raw) * 100).toFixed(0)} % of raw; each chunk published once, delivered to the gateway and the store)`,
      );
      console.log(`  CPU: ${formatCpu(one.cpu, SIZE / MB)}`);
      result.sendRecv = { seconds: one.seconds, MiBps: one.MiBps, ofRaw: one.MiBps / raw, cpuSeconds: one.cpu, peakRssMiB: one.peakRss };
    }

    if (BROADCAST_SIZE) {
      // BROADCAST: count what goes down to the stores, once for one store, then for all.
      await writeRandom(path.join(hq.root, 'bc.bin'), BROADCAST_SIZE);
      const spy = await mqtt.connectAsync(gateway.brokerUrl, { clientId: `${prefix}-spy`, clean: true, ...login });
      let sessionBytes = 0;
      let repairBytes = 0;
      spy.on('message', (topic, payload) => {
        if (parseTransferSessionTopic(topic)) {
          const f = parseTransferUp(payload);
          if (f.ok && f.value.header.kind === 'upload.chunk') sessionBytes += f.value.body.length;
          return;
        }
        const f = parseTransferDown(payload);
        if (f.ok && f.value.header.kind === 'fetch.data') repairBytes += f.value.body.length;
      });
      // What is published for the stores: the SERVER's chunks once on the upload's session topic
      // (the gateway and the online stores read them there), plus what each store pulls from the gateway.
      await spy.subscribeAsync([...stores.map((s) => transferDownTopic(s.clientId)), `${TOPIC_ROOT}/transfers/${hq.clientId}/+`], { qos: 0 });
      const broadcastTo = async (members: AgentProc[]) => {
        const group = await new GroupService(ctx()).create({ groupName: `${prefix}-${Math.random()}` });
        await new GroupService(ctx()).bindClients(group.id, await Promise.all(members.map(idOf)));
        sessionBytes = 0;
        repairBytes = 0;
        const pids = Object.fromEntries(members.map((m, i) => [`s${i}`, m.proc.pid]));
        const meter = startMeter({ gateway: undefined, hq: hq.proc.pid, ...pids, ...broker }, 1_000);
        const seconds = await profilePhase(PROFILE_DIR, `broadcast-${members.length}`, () =>
          runJob([{ type: 'BROADCAST', filePath: 'bc.bin', targetFilePath: `bc-${group.id}.bin`, groups: [group.id] }], [hq]),
        );
        meter.stop();
        // The stores' CPU summed: what 20 processes on the same cores cost together.
        const { gateway: g, hq: h, mosquitto, ...perStore } = meter.cpu();
        const cpu = { gateway: g, hq: h, stores: Object.values(perStore).reduce((a, b) => a + b, 0), ...(mosquitto === undefined ? {} : { mosquitto }) };
        for (const m of members)
          if ((await sha256(path.join(m.root, `bc-${group.id}.bin`))) !== (await sha256(path.join(hq.root, 'bc.bin'))))
            throw new Error('BROADCAST: checksum differs');
        return { seconds, down: sessionBytes + repairBytes, session: sessionBytes, pulled: repairBytes, cpu };
      };
      const one = await broadcastTo([stores[0]]);
      const all = await broadcastTo(stores);
      await spy.endAsync();
      console.log(
        `BROADCAST ${BROADCAST_SIZE / MB} MiB: 1 store ${one.seconds.toFixed(1)} s, ` +
          `${STORES} stores ${all.seconds.toFixed(1)} s (${(all.seconds / one.seconds).toFixed(2)}x); ` +
          `published for the stores ${(all.down / MB).toFixed(1)} MiB (${(all.down / BROADCAST_SIZE).toFixed(2)}x the file): ` +
          `${(all.session / MB).toFixed(1)} MiB by the SERVER on the upload's session topic, ${(all.pulled / MB).toFixed(1)} MiB by the gateway to stores that missed chunks`,
      );
      console.log(`  CPU, 1 store: ${formatCpu(one.cpu, BROADCAST_SIZE / MB)}`);
      console.log(`  CPU, ${STORES} stores: ${formatCpu(all.cpu, BROADCAST_SIZE / MB)}`);
      result.broadcast = {
        sizeMiB: BROADCAST_SIZE / MB,
        stores: STORES,
        oneStoreSeconds: one.seconds,
        allStoresSeconds: all.seconds,
        downMiB: all.down / MB,
        sessionMiB: all.session / MB,
        pulledMiB: all.pulled / MB,
        oneStoreCpuSeconds: one.cpu,
        allStoresCpuSeconds: all.cpu,
      };
    }
    const agentPeaks = await Promise.all(agents.map(async (a) => ({ clientId: a.clientId, peakMiB: Math.round(await peakMiB(a)) })));
    const gatewayPeak = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(
      `peak memory: gateway ${gatewayPeak} MiB; agents ${agentPeaks.map((a) => `${a.clientId.replace(`${prefix}-`, '')} ${a.peakMiB}`).join(', ')} MiB`,
    );
    result.peakMiB = { gatewayProcess: gatewayPeak, agents: agentPeaks };

    if (BIG_SIZE) {
      // Alone after the rest: the peaks sampled here are this transfer's (VmHWM would keep the earlier phases').
      const big = await sendRecv('huge.bin', BIG_SIZE, 'big');
      await Promise.all([fs.rm(path.join(hq.root, 'huge.bin')), fs.rm(path.join(stores[0].root, 'in', 'huge.bin'))]);
      console.log(
        `SEND/RECV ${BIG_SIZE / MB} MiB to 1 store: ${big.seconds.toFixed(1)} s, ${big.MiBps.toFixed(1)} MiB/s; ` +
          `resident memory sampled meanwhile (peak): ${Object.entries(big.peakRss)
            .map(([l, m]) => `${l} ${m} MiB`)
            .join(', ')}`,
      );
      console.log(`  CPU: ${formatCpu(big.cpu, BIG_SIZE / MB)}`);
      result.big = { sizeMiB: BIG_SIZE / MB, seconds: big.seconds, MiBps: big.MiBps, cpuSeconds: big.cpu, peakRssMiB: big.peakRss };
    }
    await fs.mkdir(OUT, { recursive: true });
    await fs.writeFile(path.join(OUT, `transfer-${result.database}-${result.broker}.json`), JSON.stringify(result, null, 2));
  } finally {
    // SIGTERM first: an agent run with --cpu-prof writes its profile on a clean exit.
    await Promise.all(
      agents.map(async (a) => {
        if (a.proc.exitCode !== null) return;
        const exited = new Promise((resolve) => a.proc.once('exit', resolve));
        a.proc.kill('SIGTERM');
        if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) a.proc.kill('SIGKILL');
      }),
    );
    await gateway.stop();
    await database?.drop();
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
