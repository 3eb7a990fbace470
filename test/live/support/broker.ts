import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';

/** The broker a test talks to: MQTT_URL (Mosquitto in CI) when set, else an embedded aedes on an ephemeral port. */
export interface TestBroker {
  url: string;
  /** Only the embedded broker can be restarted (a fresh one: no retained messages, no sessions). */
  restartable: boolean;
  /** Cuts a client's connection broker-side, as a pulled cable would (embedded broker only). */
  dropClient(clientId: string): boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBroker(): Promise<TestBroker> {
  if (process.env.MQTT_URL) {
    const noop = async () => undefined;
    return { url: process.env.MQTT_URL, restartable: false, dropClient: () => false, stop: noop, start: noop, close: noop };
  }
  return startAedes();
}

/**
 * A broker of the test's own that it may stop and start: a Mosquitto process on a free port when
 * MQTT_URL is set (the CI flavour) and `mosquitto` is installed, else an embedded aedes.
 */
export async function startPrivateBroker(): Promise<TestBroker> {
  if (process.env.MQTT_URL && spawnSync('mosquitto', ['-h']).error === undefined) return startMosquitto();
  return startAedes();
}

/** A TCP port nothing listens on now (for a broker a test starts itself). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startMosquitto(): Promise<TestBroker> {
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // The settings docs/protocol.md recommends for a fleet; no persistence, so a restart loses everything.
  await fs.writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\npersistence false\n`);
  let proc: ChildProcess | undefined;
  const start = async () => {
    if (proc) return;
    proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      if (i > 100) throw new Error(`mosquitto did not listen on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    if (!proc) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
    proc = undefined;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    restartable: true,
    dropClient: () => false,
    stop,
    start,
    async close() {
      await stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function startAedes(): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  let broker = await Aedes.createBroker();
  let server: net.Server;
  const sockets = new Set<net.Socket>();
  let port = 0;
  const listen = async () => {
    server = net.createServer(broker.handle);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    restartable: true,
    dropClient(clientId) {
      const client = (broker as unknown as { clients: Record<string, { conn: net.Socket }> }).clients[clientId];
      if (!client) return false;
      client.conn.destroy();
      return true;
    },
    stop,
    async start() {
      if (running) return;
      broker = await Aedes.createBroker();
      await listen();
      running = true;
    },
    close: stop,
  };
}

/** Clears the retained statuses of these agents so a shared broker does not collect them run after run. */
export async function clearRetained(url: string, topics: string[]): Promise<void> {
  if (!topics.length) return;
  const client = await mqtt.connectAsync(url, {
    clientId: `sdes-test-clear-${process.pid}-${Math.random().toString(36).slice(2)}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  try {
    await Promise.all(topics.map((t) => client.publishAsync(t, '', { qos: 1, retain: true })));
  } finally {
    await client.endAsync();
  }
}

/** A raw MQTT client for sending what a broken or hostile agent might (with a login where the broker wants one). */
export async function rawClient(url: string, clientId: string, login: { username?: string; password?: string } = {}) {
  return mqtt.connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, ...login });
}
