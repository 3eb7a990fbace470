import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client as WsClient } from 'graphql-ws';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { createAgent, type Agent } from '../../src/agent/agent';
import type { Gateway } from '../../src/gateway';
import { liveRelayTopic, statusTopic } from '../../src/protocol';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { JobService } from '../../src/services/job.service';
import type { ServiceContext } from '../../src/services/service-context';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import { createE2eDatabase, gatewayTools, startE2eGateway, E2E_ENROLMENT_TOKEN } from '../e2e/support/fleet';
import { clearRetained } from './support/broker';
import { bearer, loginOverRest } from '../support/auth';

type Progress = { level: string; status: string; runId: number; reportId: string | null; taskId: number | null; stepId: number | null };

/**
 * Two gateway processes' worth of gateway (startGateway twice) on one database and one broker:
 * a run started through one is watched live through the other.
 */
describe('two gateways on one broker', () => {
  const prefix = `gw2-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let a: Gateway;
  let b: Gateway | undefined;
  let agent: Agent;
  let base: string;
  const sockets: WsClient[] = [];
  const ctx = (gw: Gateway): ServiceContext => ({ em: gw.db.orm.em.fork() as never, clock: gw.clock, pubsub: gw.pubsub, dispatcher: gw.dispatcher });

  /** Collects executionProgress events of a job from a gateway's graphql-ws endpoint. */
  const watch = async (gw: Gateway, jobId: number) => {
    const token = await loginOverRest(gw.url);
    const ws = createClient({
      url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    sockets.push(ws);
    const seen: Progress[] = [];
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    ws.on('connected', () => setTimeout(subscribed, 200));
    ws.subscribe<{ executionProgress: Progress }>(
      { query: `subscription { executionProgress(jobId: ${jobId}) { level status runId reportId taskId stepId } }` },
      { next: ({ data }) => void seen.push(data!.executionProgress), error: () => undefined, complete: () => undefined },
    );
    await ready;
    return seen;
  };
  const tools = gatewayTools(() => a);
  const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs?: number): Promise<T> => tools.waitFor(what, async () => probe(), timeoutMs);

  beforeAll(async () => {
    db = await createE2eDatabase();
    a = await startE2eGateway({ ...db, mqttUrl: process.env.MQTT_URL });
    // The second gateway shares the first one's database and broker (embedded ones included).
    b = await startE2eGateway({ databaseUrl: db.databaseUrl ?? String(a.db.orm.config.get('clientUrl')), dataDir: db.dataDir, mqttUrl: a.brokerUrl });
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-gw2-')));
    agent = createAgent({
      brokerUrl: a.brokerUrl,
      clientId: `${prefix}-store`,
      role: 'STORE',
      roots: [path.join(base, 'root')],
      stateDir: path.join(base, 'state'),
      reconnectPeriodMs: 100,
      enrolmentToken: E2E_ENROLMENT_TOKEN,
    });
    await agent.start();
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await agent?.stop();
    await b?.stop();
    await a?.stop();
    if (process.env.MQTT_URL) await clearRetained(process.env.MQTT_URL, [statusTopic(`${prefix}-store`)]).catch(() => undefined);
    await db?.drop();
    await fs.rm(base, { recursive: true, force: true });
  });

  it('share one installation id', async () => {
    const [ia, ib] = await Promise.all([new SettingsService(ctx(a)).installationId(), new SettingsService(ctx(b!)).installationId()]);
    expect(ia).toMatch(/^[0-9a-f]{32}$/);
    expect(ib).toBe(ia);
  });

  it('shows a run started through one gateway live on the other, each change once', async () => {
    let clientId = 0;
    for (let i = 0; i < 400 && !clientId; i++) {
      const [row] = await a.db.orm.em.fork().execute<{ id: number }[]>('select id from client where mqtt_client_id = ?', [`${prefix}-store`]);
      if (row) clientId = row.id;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(clientId).toBeGreaterThan(0);
    await new ClientService(ctx(a)).setEnabled(clientId, true);
    const task = await new TaskService(ctx(a)).create({ name: `${prefix}-task` });
    await new TaskService(ctx(a)).saveScript(task.id, [
      { type: 'GET_FILE_STATUS', filePath: 'missing.txt', block: false, retryTimes: 0 },
      { type: 'DELETE_FILE', filePath: 'nothing-here.txt', retryTimes: 0 },
    ]);
    const job = await new JobService(ctx(a)).create({ name: `${prefix}-job` });
    await new BindingService(ctx(a)).bindJobTasks(job.id, [task.id]);
    await new BindingService(ctx(a)).bindJobClients(job.id, [clientId]);

    // Each learns of the other from its retained presence.
    await waitFor('the gateways to know each other', () => (a.relay.peers().length === 1 && b!.relay.peers().length === 1) || undefined);
    const onB = await watch(b!, job.id);
    const onA = await watch(a, job.id);
    // Logged in on b, run through a: the session lives in the database both share.
    const res = await fetch(`${a.url}/v1/jobs/${job.id}/run`, { headers: bearer(await loginOverRest(b!.url)) });
    expect(res.status).toBe(200);

    const runEnd = (seen: Progress[]) => seen.find((p) => p.level === 'RUN' && p.status !== 'RUNNING' && p.status !== 'PENDING');
    const endB = await waitFor('the run ending, seen on the other gateway', () => runEnd(onB)).catch((err) => {
      console.log(JSON.stringify({ onA, onB }));
      throw err;
    });
    await waitFor('the run ending, seen on the gateway that started it', () => runEnd(onA));
    expect(endB.status).toBe('SUCCESS');
    for (const seen of [onA, onB]) {
      const levels = new Set(seen.map((p) => p.level));
      expect([...levels].sort()).toEqual(['REPORT', 'RUN', 'STEP', 'TASK']);
      const keys = seen.map((p) => `${p.level}|${p.reportId}|${p.taskId}|${p.stepId}|${p.status}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Both saw the same changes (order across levels may differ).
    const keysOf = (seen: Progress[]) => seen.map((p) => `${p.level}|${p.reportId}|${p.taskId}|${p.stepId}|${p.status}`).sort();
    await waitFor('the same changes on both', () => keysOf(onA).join() === keysOf(onB).join() || undefined, 5_000);
  });

  it('drops malformed relay messages and keeps relaying', async () => {
    const installation = await new SettingsService(ctx(a)).installationId();
    // A gateway's identity: the broker lets no other client publish on the relay.
    const raw = await mqtt.connectAsync(a.brokerUrl, {
      clientId: `${prefix}-raw`,
      protocolVersion: 4,
      username: 'sdes-gateway',
      password: a.fleet.keys.gatewaySecret,
    });
    for (const payload of [
      'not json',
      '{"v":1}',
      JSON.stringify({ v: 1, origin: 'other', events: [{ topic: 'EXECUTION_PROGRESS', payload: { level: 'NOPE' } }] }),
    ]) {
      await raw.publishAsync(liveRelayTopic(installation, 'intruder'), payload, { qos: 0 });
    }
    await raw.endAsync();
    const seen: { entity: string; action: string; id: number }[] = [];
    const iterator = b!.pubsub.subscribe('ENTITY_CHANGED');
    const reading = (async () => {
      for await (const e of iterator) seen.push(e);
    })();
    const createdId = (await new JobService(ctx(a)).create({ name: `${prefix}-after-junk` })).id;
    await waitFor(
      'a change made through one gateway, seen on the other',
      () => seen.some((e) => e.entity === 'JOB' && e.action === 'CREATED' && e.id === createdId) || undefined,
    );
    await iterator.return?.(undefined);
    await reading;
  });

  it('forgets a gateway that stops, and then relays nothing', async () => {
    await b!.stop();
    b = undefined;
    await waitFor('the stopped gateway to be forgotten', () => a.relay.peers().length === 0 || undefined);
  });
});
