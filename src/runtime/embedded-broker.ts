import net from 'node:net';
import type { Logger } from './logger';
import { limitPacketSize } from './mqtt-packet-limit';
import { StartupError } from './startup-error';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Largest MQTT packet the embedded broker takes by default (MQTT_MAX_PACKET_BYTES): above the
 * protocol's largest payload (a 4 MiB dispatch, src/protocol/protocol.parse.ts) with its topic.
 */
export const DEFAULT_MAX_PACKET_BYTES = 8 * 1024 * 1024;

/** An in-process MQTT 3.1.1 broker (aedes) for a machine with no broker of its own. */
export async function startEmbeddedBroker({
  port,
  host = '0.0.0.0',
  logger,
  maxPacketBytes = DEFAULT_MAX_PACKET_BYTES,
}: {
  port: number;
  host?: string;
  logger: Logger;
  maxPacketBytes?: number;
}): Promise<EmbeddedBroker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) =>
    broker.handle(
      limitPacketSize(socket, maxPacketBytes, (size) =>
        logger.warn({ remote: socket.remoteAddress, size, maxPacketBytes }, 'MQTT packet larger than MQTT_MAX_PACKET_BYTES: connection closed'),
      ),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      broker.close();
      if (err.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            `MQTT_PORT ${port} is already in use: set MQTT_PORT to a free port for the embedded broker, or set MQTT_URL=mqtt://host:port to use the broker that is listening there`,
          ),
        );
      } else reject(new StartupError(`the embedded broker cannot listen on MQTT_PORT ${port}: ${err.message}`));
    });
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  logger.info({ port: actual }, 'embedded MQTT broker listening');
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
