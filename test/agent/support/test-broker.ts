import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A real aedes broker on an ephemeral port; `stop()` then `start()` brings a fresh one back on the same port. */
export interface TestBroker {
  url: string;
  port: number;
  /** Destroys the broker-side socket of a client, as a crashed machine or a cut cable would. */
  dropClient(clientId: string): boolean;
  stop(): Promise<void>;
  /** Starts a fresh broker (no retained messages, no sessions) on the same port after `stop`. */
  start(): Promise<void>;
}

export async function startTestBroker(port = 0): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  let broker = await Aedes.createBroker();
  let server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const boundPort = await listen(port);
  let running = true;

  const stop = async () => {
    if (!running) return;
    running = false;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };

  return {
    url: `mqtt://127.0.0.1:${boundPort}`,
    port: boundPort,
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
      server = net.createServer(broker.handle);
      await listen(boundPort);
      running = true;
    },
  };
}
