import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Gateway } from '../../src/gateway';
import { encodeMessage, eventsTopic, statusTopic } from '../../src/protocol';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { JobService, type JobInput } from '../../src/services/job.service';
import type { StepInput } from '../../src/services/step-script';
import { TaskService } from '../../src/services/task.service';
import { clearRetained, rawClient, startPrivateBroker, type TestBroker } from '../live/support/broker';
import { runEnded, runRecords } from '../live/support/records';
import { createE2eDatabase, ensureBuilt, gatewayLogin, gatewayTools, spawnAgent, startE2eGateway, type AgentProcess } from './support/fleet';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const write = async (file: string, content: string, mode?: number) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content, { mode });
};
const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * The whole system: the gateway as `sdes serve` starts it (embedded broker and database, or
 * MQTT_URL / DATABASE_URL), three `sdes agent` processes (one SERVER, two STORE) in temporary
 * folders, jobs run through REST and watched through graphql-ws, and the faults the issue lists.
 */
describe('fleet (end to end)', () => {
  const prefix = `e2e-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let gateway: Gateway;
  let base: string;
  let brokerUrl: string;
  const agents: Record<'hq' | 's1' | 's2', AgentProcess> = {} as never;
  const extraAgents: AgentProcess[] = [];
  let privateBroker: TestBroker | undefined;
  const t = gatewayTools(() => gateway);

  const clientId = async (a: AgentProcess) => (await t.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [a.clientId]))[0].id;
  const online = (a: AgentProcess, timeoutMs?: number) => t.waitFor(`${a.clientId} ONLINE`, async () => (await t.statusOf(a.clientId)) === 'ONLINE', timeoutMs);
  const createJob = async (tasks: StepInput[][], targets: AgentProcess[], job: JobInput = {}) => {
    const ctx = t.ctx();
    const taskIds: number[] = [];
    for (const [i, script] of tasks.entries()) {
      const task = await new TaskService(ctx).create({ name: `${prefix}-task-${i}` });
      await new TaskService(ctx).saveScript(task.id, script);
      taskIds.push(task.id);
    }
    const created = await new JobService(ctx).create({ name: `${prefix}-job`, ...job });
    await new BindingService(ctx).bindJobTasks(created.id, taskIds);
    await new BindingService(ctx).bindJobClients(created.id, await Promise.all(targets.map(clientId)));
    return { jobId: created.id, taskIds };
  };
  /** Runs a job the way an operator does: GET /v1/jobs/{jobId}/run. */
  const runJob = async (jobId: number) => {
    const answer = await t.rest(`/jobs/${jobId}/run`);
    expect(answer.status).toBe(200);
    const [run] = await t.sql<{ id: number }>('select id from job_run where job_id = ? order by id desc limit 1', [jobId]);
    return run.id;
  };

  beforeAll(async () => {
    ensureBuilt();
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-fleet-')));
    db = await createE2eDatabase();
    gateway = await startE2eGateway({ ...db, mqttUrl: process.env.MQTT_URL });
    brokerUrl = gateway.brokerUrl;
    agents.hq = await spawnAgent(brokerUrl, `${prefix}-hq`, 'SERVER', base);
    agents.s1 = await spawnAgent(brokerUrl, `${prefix}-s1`, 'STORE', base);
    agents.s2 = await spawnAgent(brokerUrl, `${prefix}-s2`, 'STORE', base);
    for (const a of Object.values(agents)) {
      await online(a, 30_000);
      await new ClientService(t.ctx()).setEnabled(await clientId(a), true);
    }
  });

  afterAll(async () => {
    const all = [...Object.values(agents), ...extraAgents];
    await Promise.all(all.map((a) => a?.kill()));
    await gateway?.stop();
    await privateBroker?.close();
    if (process.env.MQTT_URL)
      await clearRetained(
        process.env.MQTT_URL,
        all.map((a) => statusTopic(a.clientId)),
      ).catch(() => undefined);
    await db?.drop();
    await fs.rm(base, { recursive: true, force: true });
  });

  /** Copies of every events message the agents publish, to replay them later. */
  const captured: { topic: string; payload: Buffer }[] = [];

  it('runs a job with every step type on three agents; REST, GraphQL and the files agree', async () => {
    // With the gateways' own identity: the broker lets no one else read agents' events.
    const spy = await rawClient(brokerUrl, `${prefix}-spy`, gatewayLogin(gateway));
    spy.on('message', (topic, payload) => captured.push({ topic, payload: Buffer.from(payload) }));
    await spy.subscribeAsync(
      Object.values(agents).map((a) => eventsTopic(a.clientId)),
      { qos: 1 },
    );

    for (const a of Object.values(agents)) {
      await write(path.join(a.root, 'in/data.csv'), `sku;price\n1;${a.clientId}\n`);
      await write(path.join(a.root, 'in/go.flag'), '');
      await write(path.join(a.root, 'bin/run.sh'), '#!/bin/sh\nmkdir -p ../out\necho "hello from $(hostname)"\necho done > ../out/ran.txt\n', 0o755);
    }
    const { jobId, taskIds } = await createJob(
      [
        [
          { type: 'COPY_FILE', filePath: 'in/data.csv', targetFilePath: 'work/data.csv', createFilePath: true, overWrite: 'OVERWRITE' },
          { type: 'GET_FILE_STATUS', filePath: 'work/data.csv' },
          { type: 'EXECUTE_FILE', filePath: 'bin/run.sh', duration: 10 },
          {
            type: 'IF',
            conditions: [{ type: 'GET_FILE_STATUS', filePath: 'work/data.csv' }],
            true: [{ type: 'COPY_FILE', filePath: 'work/data.csv', targetFilePath: 'out/if-true.csv', createFilePath: true }],
            false: [{ type: 'COPY_FILE', filePath: 'work/data.csv', targetFilePath: 'out/if-false.csv', createFilePath: true }],
          },
          {
            type: 'IF',
            conditions: [{ type: 'GET_FILE_STATUS', filePath: 'in/missing.flag' }],
            true: [{ type: 'DELETE_FILE', filePath: 'work/data.csv' }],
            false: [{ type: 'COPY_FILE', filePath: 'work/data.csv', targetFilePath: 'out/else.csv', createFilePath: true }],
          },
          { type: 'COPY_FILE', filePath: 'in/nothing.txt', targetFilePath: 'out/nothing.txt', block: false, retryTimes: 0 },
          { type: 'DELETE_FILE', filePath: 'in/data.csv' },
        ],
        [
          { type: 'WAIT_FLAG_FILE', filePath: 'in/go.flag', interval: 50, timeOut: 5_000 },
          { type: 'DELETE_FILE', filePath: 'in/go.flag' },
        ],
      ],
      Object.values(agents),
    );

    // A dashboard watching the job through graphql-ws.
    const token = await t.login();
    const ws: WsClient = createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const progress: { level: string; status: string; clientId: number | null }[] = [];
    const messages: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      ws.subscribe<{ executionProgress: (typeof progress)[number] }>(
        { query: `subscription { executionProgress(jobId: ${jobId}) { level status clientId runId reportId taskId stepId startTime endTime } }` },
        {
          next: ({ data }) => {
            progress.push(data!.executionProgress);
            if (data!.executionProgress.level === 'RUN' && data!.executionProgress.status !== 'RUNNING') resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    ws.subscribe<{ stepMessage: { message: string } }>(
      { query: `subscription { stepMessage(jobId: ${jobId}) { message clientId taskId stepId startTime endTime } }` },
      { next: ({ data }) => messages.push(data!.stepMessage.message), error: () => undefined, complete: () => undefined },
    );
    await sleep(300); // the subscriptions are registered

    const runId = await runJob(jobId);
    await ended;
    const rec = await runEnded(t, runId);
    await ws.dispose();
    await spy.endAsync();

    // Database: four levels.
    expect(rec.run.status).toBe('SUCCESS');
    expect(rec.reports.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(rec.tasks.map((x) => x.status)).toEqual(Array(6).fill('SUCCESS'));
    for (const report of rec.reports) {
      const steps = rec.steps.filter((s) => s.report_id === report.id);
      const byType = steps.map((s) => `${s.type}${s.parent_step_id ? '(branch)' : ''}:${s.status}`);
      expect(byType).toEqual([
        'COPY_FILE:SUCCESS',
        'GET_FILE_STATUS:SUCCESS',
        'EXECUTE_FILE:SUCCESS',
        'IF:SUCCESS',
        'COPY_FILE(branch):SUCCESS',
        'IF:SUCCESS',
        'COPY_FILE(branch):SUCCESS',
        'COPY_FILE:FAILED',
        'DELETE_FILE:SUCCESS',
        'WAIT_FLAG_FILE:SUCCESS',
        'DELETE_FILE:SUCCESS',
      ]);
      const ifTrue = steps.find((s) => s.step.targetFilePath === 'out/if-true.csv');
      const ifElse = steps.find((s) => s.step.targetFilePath === 'out/else.csv');
      expect(ifTrue?.parent_step_id).toBe(steps[3].step_id);
      expect(ifElse?.parent_step_id).toBe(steps[5].step_id);
      // Timings nest: report ⊇ tasks ⊇ steps; the run ends with its last report.
      for (const task of rec.tasks.filter((x) => x.report_id === report.id)) {
        expect(task.started_at!).toBeGreaterThanOrEqual(report.started_at!);
        expect(task.ended_at!).toBeLessThanOrEqual(report.ended_at!);
        for (const s of steps.filter((st) => st.task_id === task.task_id)) {
          expect(s.started_at! >= task.started_at! && s.ended_at! <= task.ended_at!).toBe(true);
        }
      }
      expect(rec.run.ended_at!).toBeGreaterThanOrEqual(report.ended_at!);
    }
    const output = rec.messages.filter((m) => m.message.includes('hello from'));
    expect(output).toHaveLength(3);

    // Files on disk, as the steps say.
    for (const a of Object.values(agents)) {
      expect(await fs.readFile(path.join(a.root, 'work/data.csv'), 'utf8')).toContain(a.clientId);
      expect(await fs.readFile(path.join(a.root, 'out/ran.txt'), 'utf8')).toBe('done\n');
      expect(await exists(path.join(a.root, 'out/if-true.csv'))).toBe(true);
      expect(await exists(path.join(a.root, 'out/if-false.csv'))).toBe(false);
      expect(await exists(path.join(a.root, 'out/else.csv'))).toBe(true);
      expect(await exists(path.join(a.root, 'out/nothing.txt'))).toBe(false);
      expect(await exists(path.join(a.root, 'in/data.csv'))).toBe(false);
      expect(await exists(path.join(a.root, 'in/go.flag'))).toBe(false);
    }

    // graphql-ws saw every level, and the program's output as it arrived.
    expect(new Set(progress.map((p) => p.level))).toEqual(new Set(['RUN', 'REPORT', 'TASK', 'STEP']));
    expect(progress.filter((p) => p.level === 'REPORT' && p.status === 'SUCCESS')).toHaveLength(3);
    expect(messages.filter((m) => m.includes('hello from'))).toHaveLength(3);

    // REST: the log routes show the same four levels.
    const jobs = await t.rest<{ total: number; list: { status: string }[] }>(`/logs/jobs?status=ALL&jobId=${jobId}&pageNo=1&pageSize=10`);
    expect(jobs.body).toMatchObject({ total: 1, list: [{ status: 'SUCCESS' }] });
    const clients = await t.rest<{ total: number; list: { status: string; reportId: string; clientId: number }[] }>(
      `/logs/jobs/clients?status=ALL&jobId=${jobId}&pageNo=1&pageSize=10`,
    );
    expect(clients.body.total).toBe(3);
    for (const row of clients.body.list) {
      expect(row.status).toBe('SUCCESS');
      const tasks = await t.rest<{ list: { status: string; taskId: number }[] }>(
        `/logs/jobs/clients/tasks?clientId=${row.clientId}&jobId=${jobId}&reportId=${encodeURIComponent(row.reportId)}&pageNo=1&pageSize=10`,
      );
      expect(tasks.body.list.map((x) => [x.taskId, x.status])).toEqual(taskIds.map((id) => [id, 'SUCCESS']));
      const scripts = await t.rest<{ code: string; data: { total: number; list: { type: string; messages: { message: string }[] }[] } }>(
        `/logs/jobs/clients/tasks/scripts?clientId=${row.clientId}&jobId=${jobId}&reportId=${encodeURIComponent(row.reportId)}&taskId=${taskIds[0]}&pageNo=1&pageSize=50`,
      );
      expect(scripts.body.code).toBe('SUCCESS');
      expect(scripts.body.data.total).toBe(9);
      expect(
        scripts.body.data.list
          .find((s) => s.type === 'EXECUTE_FILE')!
          .messages.map((m) => m.message)
          .join('\n'),
      ).toContain('hello from');
    }
  });

  it('stores nothing twice when old events are replayed, and survives malformed messages', async () => {
    expect(captured.length).toBeGreaterThan(0);
    const count = async () =>
      (await t.sql<{ n: number }>('select (select count(*) from step_result)::int + (select count(*) from step_message)::int as n'))[0].n;
    const before = await count();
    const intruder = await rawClient(brokerUrl, `${prefix}-replayer`, gatewayLogin(gateway));
    for (const { topic, payload } of captured) await intruder.publishAsync(topic, payload, { qos: 1 });
    for (const payload of ['', 'null', '{"v":1}', '{"v":1,"stream":"x","events":[{"seq":1}]}', Buffer.from([0xff, 0xfe, 0x00])]) {
      await intruder.publishAsync(eventsTopic(agents.s1.clientId), payload, { qos: 1 });
      await intruder.publishAsync(`${statusTopic(agents.s1.clientId)}`, payload, { qos: 1 });
    }
    await intruder.publishAsync('sdes/v1/agents/a/b/c/events', encodeMessage({ v: 1, stream: 'x', events: [] } as never), { qos: 1 });
    await intruder.endAsync();
    await sleep(1_000);
    expect(await count()).toBe(before);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    // The malformed statuses changed no presence.
    expect(await t.statusOf(agents.s1.clientId)).toBe('ONLINE');
  });

  it('retries the report of an agent killed mid-step when attempts are left', async () => {
    const job = await createJob([[{ type: 'WAIT_FLAG_FILE', filePath: 'in/retry.flag', interval: 50, timeOut: 60_000 }]], [agents.s2], {
      duration: 120,
      maxRetries: 1,
      retryWait: 0,
    });
    const runId = await runJob(job.jobId);
    await t.waitFor('the step running', async () => (await runRecords(t, runId)).steps.some((s) => s.status === 'RUNNING'));
    await agents.s2.kill();
    await t.waitFor('OFFLINE by the Will', async () => (await t.statusOf(agents.s2.clientId)) === 'OFFLINE');
    // The restarted agent closes the interrupted work FAILED; the sweep retries it. The gateway's own
    // tick may retry it before a poll sees FAILED (retryWait 0), so a retried attempt counts too.
    await agents.s2.restart();
    await t.waitFor(
      'the interrupted attempt FAILED',
      async () => {
        const [report] = (await runRecords(t, runId)).reports;
        return report.status === 'FAILED' || report.attempt >= 1;
      },
      30_000,
      () => `agent output after the restart:\n${agents.s2.output.join('').slice(-4000)}`,
    );
    expect((await runRecords(t, runId)).reports[0].message).toMatch(/the agent stopped while the report was running/);
    await write(path.join(agents.s2.root, 'in/retry.flag'), '');
    await online(agents.s2, 30_000);
    await gateway.lifecycle.sweep();
    const done = await runEnded(t, runId, 30_000);
    expect(done.run.status).toBe('SUCCESS');
    expect(done.reports[0]).toMatchObject({ status: 'SUCCESS', attempt: 1 });
  });

  it('closes the task and step an agent killed mid-step left RUNNING once it restarts; every row has an end', async () => {
    const job = await createJob([[{ type: 'WAIT_FLAG_FILE', filePath: 'in/crash.flag', interval: 50, timeOut: 60_000 }]], [agents.s2], { duration: 120 });
    const runId = await runJob(job.jobId);
    await t.waitFor('the step running', async () => (await runRecords(t, runId)).steps.some((s) => s.status === 'RUNNING'));
    await agents.s2.kill(); // SIGKILL: no clean stop, nothing closed by the agent
    await t.waitFor('OFFLINE by the Will', async () => (await t.statusOf(agents.s2.clientId)) === 'OFFLINE');
    await agents.s2.restart();
    const rec = await runEnded(t, runId, 30_000);
    expect(rec.run.status).toBe('FAILED');
    expect(rec.reports[0].message).toMatch(/^the agent stopped while the report was running/);
    const rows = [...rec.reports, ...rec.tasks, ...rec.steps];
    expect(rows.map((r) => r.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(rows.filter((r) => r.ended_at === null)).toEqual([]);
    expect(rec.steps[0].ended_at).toBe(rec.reports[0].ended_at);
    expect(rec.messages.at(-1)?.message).toMatch(/^closed FAILED by the gateway: the report ended FAILED before this step finished: the agent stopped/);
  });

  it('ends the report of an agent killed mid-step FAILED at the deadline; nothing stays RUNNING', async () => {
    const job = await createJob([[{ type: 'WAIT_FLAG_FILE', filePath: 'in/never.flag', interval: 50, timeOut: 60_000 }]], [agents.s2], { duration: 4 });
    const runId = await runJob(job.jobId);
    await t.waitFor('the step running', async () => (await runRecords(t, runId)).steps.some((s) => s.status === 'RUNNING'));
    await agents.s2.kill();
    await t.waitFor('OFFLINE by the Will', async () => (await t.statusOf(agents.s2.clientId)) === 'OFFLINE');
    const { deadline_at } = (await runRecords(t, runId)).run;
    await sleep(Math.max(0, deadline_at - Date.now()) + 50);
    await gateway.lifecycle.sweep();
    const rec = await runRecords(t, runId);
    expect(rec.run.status).toBe('FAILED');
    expect(rec.reports[0].status).toBe('FAILED');
    expect(rec.reports[0].message).toMatch(/timed out/);
    expect([...rec.reports, ...rec.tasks, ...rec.steps].filter((r) => r.status === 'RUNNING' || r.status === 'PENDING')).toEqual([]);
  });

  it('completes a run although the gateway restarted in the middle of it', async () => {
    const job = await createJob([[{ type: 'WAIT_FLAG_FILE', filePath: 'in/restart.flag', interval: 50, timeOut: 60_000 }]], [agents.s1]);
    const runId = await runJob(job.jobId);
    await t.waitFor('the step running', async () => (await runRecords(t, runId)).steps.some((s) => s.status === 'RUNNING'));
    const port = Number(new URL(brokerUrl).port);
    await gateway.stop();
    // The agent finishes while no gateway listens; its events wait in its journal.
    await write(path.join(agents.s1.root, 'in/restart.flag'), '');
    await sleep(500);
    gateway = await startE2eGateway({ ...db, mqttUrl: process.env.MQTT_URL, mqttPort: port });
    const rec = await runEnded(t, runId, 40_000);
    expect(rec.run.status).toBe('SUCCESS');
    expect(rec.steps.map((s) => s.status)).toEqual(['SUCCESS']);
  });

  it('has presence right again within 10 s of a broker restart', async () => {
    privateBroker = await startPrivateBroker();
    await gateway.stop();
    gateway = await startE2eGateway({ ...db, mqttUrl: privateBroker.url });
    const stays = await spawnAgent(privateBroker.url, `${prefix}-stays`, 'STORE', base);
    const dies = await spawnAgent(privateBroker.url, `${prefix}-dies`, 'STORE', base);
    extraAgents.push(stays, dies);
    await online(stays, 30_000);
    await online(dies, 30_000);
    const before = (await t.sql<{ connected_at: string }>('select connected_at from client where mqtt_client_id = ?', [stays.clientId]))[0].connected_at;

    await privateBroker.stop();
    await dies.kill(); // gone while the broker is down: no Will will ever say so
    await sleep(500);
    await privateBroker.start();
    const restarted = Date.now();
    await t.waitFor(
      'presence right again',
      async () => {
        const [row] = await t.sql<{ status: string; connected_at: string }>('select status, connected_at from client where mqtt_client_id = ?', [
          stays.clientId,
        ]);
        return row.status === 'ONLINE' && new Date(row.connected_at) > new Date(before) && (await t.statusOf(dies.clientId)) === 'OFFLINE';
      },
      10_000,
    );
    expect(Date.now() - restarted).toBeLessThan(10_000);
  });
});
