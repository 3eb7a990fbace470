/**
 * The subscribers of bench/subscriptions, in a process of their own (forked by subscriptions.ts),
 * so that their client-side work does not run on the gateway's event loop: N graphql-ws sockets
 * watching `clientStatusChanged` and N MQTT clients on the agent's status topic.
 *
 * IPC, parent → child: `open` (urls, session, N), `arm` (the next flip's `at` and status),
 * `close`; child → parent: `opened`, `armed`, `receipts` (arrival times on the shared clock,
 * performance.timeOrigin + performance.now(), once every subscriber has the flip or on `collect`).
 */
import { performance } from 'node:perf_hooks';
import { createClient, type Client as WsClient } from 'graphql-ws';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { statusTopic } from '../../src/protocol/protocol.topics';

export type ToSubscribers =
  | { type: 'open'; wsUrl: string; brokerUrl: string; authorization: string; agent: string; n: number; mqttN: number }
  | { type: 'arm'; at: number; status: 'ONLINE' | 'OFFLINE' }
  | { type: 'collect' }
  | { type: 'close' };
export type FromSubscribers =
  { type: 'opened' } | { type: 'armed' } | { type: 'receipts'; gql: number[]; mqtt: number[] } | { type: 'failed'; message: string };

/** Receipts of the current flip. MQTT subscribers see the agent's own `at`; GraphQL ones its status (an OFFLINE's `at` there is the gateway's receive time). */
let current: { at: number; status: string; gql: number[]; mqtt: number[]; reported: boolean } | undefined;
let n = 0;
let mqttN = 0;
const send = (m: FromSubscribers) => process.send!(m);
const clock = () => performance.timeOrigin + performance.now();

function report(): void {
  if (!current || current.reported) return;
  current.reported = true;
  send({ type: 'receipts', gql: current.gql, mqtt: current.mqtt });
}

function received(side: 'gql' | 'mqtt', key: number | string): void {
  const now = clock();
  // A retained status, or a late one of an earlier flip (flips alternate their status).
  if (!current || current.reported || (side === 'mqtt' ? current.at : current.status) !== key) return;
  current[side].push(now);
  if (current.gql.length === n && current.mqtt.length === mqttN) report();
}

/** Opens `count` clients `batch` at a time, so that neither server's accept queue is flooded. */
async function inBatches<T>(count: number, open: (i: number) => Promise<T>, batch = 100): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => open(i + k)))));
  return out;
}

async function openGraphql(url: string, authorization: string, agent: string): Promise<WsClient> {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization } });
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (e) => reject(new Error(`graphql-ws closed: ${(e as { code?: number }).code}`)));
  });
  client.subscribe<{ clientStatusChanged: { status: string } }>(
    { query: `subscription { clientStatusChanged(mqttClientId: "${agent}") { mqttClientId status at } }` },
    {
      next: (r) => (r.errors ? send({ type: 'failed', message: JSON.stringify(r.errors) }) : received('gql', r.data!.clientStatusChanged.status)),
      error: (err) => send({ type: 'failed', message: String(err) }),
      complete: () => undefined,
    },
  );
  return client;
}

async function openMqtt(brokerUrl: string, agent: string, i: number): Promise<MqttClient> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-watcher-${i}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  client.on('message', (_topic, payload) => {
    if (payload.length) received('mqtt', (JSON.parse(payload.toString('utf8')) as { at: number }).at);
  });
  await client.subscribeAsync(statusTopic(agent), { qos: 1 });
  return client;
}

let gqlClients: WsClient[] = [];
let mqttClients: MqttClient[] = [];

process.on('message', (m: ToSubscribers) => {
  void (async () => {
    if (m.type === 'open') {
      n = m.n;
      mqttN = m.mqttN;
      gqlClients = await inBatches(n, () => openGraphql(m.wsUrl, m.authorization, m.agent));
      mqttClients = await inBatches(mqttN, (i) => openMqtt(m.brokerUrl, m.agent, i));
      send({ type: 'opened' });
    } else if (m.type === 'arm') {
      current = { at: m.at, status: m.status, gql: [], mqtt: [], reported: false };
      send({ type: 'armed' });
    } else if (m.type === 'collect') {
      report();
    } else {
      await Promise.all(gqlClients.map((c) => c.dispose()));
      await Promise.all(mqttClients.map((c) => c.endAsync(true).catch(() => undefined)));
      process.exit(0);
    }
  })().catch((err: unknown) => send({ type: 'failed', message: String((err as Error)?.stack ?? err) }));
});
