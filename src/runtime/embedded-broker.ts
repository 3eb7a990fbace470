import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from './logger';
import { limitPacketSize } from './mqtt-packet-limit';
import { StartupError } from './startup-error';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Closes the connection of this client id, if any (a revoked credential). */
  disconnect(clientId: string): boolean;
  close(): Promise<void>;
}

/**
 * Who may connect and use which topics (src/fleet/broker-auth.ts). `identity` is whatever
 * `authenticate` decided, handed back to the topic checks of that connection. Without hooks the
 * broker takes anyone (the test brokers).
 */
export interface EmbeddedBrokerAuth<I = unknown> {
  authenticate(
    clientId: string,
    username: string | undefined,
    password: string | undefined,
  ): Promise<{ ok: true; identity: I } | { ok: false; reason: string; code: 4 | 5 }>;
  mayPublish(identity: I, topic: string): boolean;
  maySubscribe(identity: I, filter: string): boolean;
}

/** MQTT_TLS_CERT / MQTT_TLS_KEY: PEM files; the broker then speaks MQTT over TLS (mqtts://). */
export interface EmbeddedBrokerTls {
  certFile: string;
  keyFile: string;
}

/**
 * Largest MQTT packet the embedded broker takes by default (MQTT_MAX_PACKET_BYTES): above the
 * protocol's largest payload (a 4 MiB dispatch, src/protocol/protocol.parse.ts) with its topic.
 */
export const DEFAULT_MAX_PACKET_BYTES = 8 * 1024 * 1024;

/** An in-process MQTT 3.1.1 broker (aedes) for a machine with no broker of its own. */
export async function startEmbeddedBroker({
  port,
  host = '127.0.0.1',
  logger,
  maxPacketBytes = DEFAULT_MAX_PACKET_BYTES,
  auth,
  tls: tlsFiles,
}: {
  port: number;
  host?: string;
  logger: Logger;
  maxPacketBytes?: number;
  auth?: EmbeddedBrokerAuth;
  tls?: EmbeddedBrokerTls;
}): Promise<EmbeddedBroker> {
  const { Aedes } = await import('aedes');
  const identities = new WeakMap<object, unknown>();
  const broker = await Aedes.createBroker(auth ? aedesHooks(auth, identities, logger) : {});
  const onSocket = (socket: net.Socket) =>
    broker.handle(
      limitPacketSize(socket, maxPacketBytes, (size) =>
        logger.warn({ remote: socket.remoteAddress, size, maxPacketBytes }, 'MQTT packet larger than MQTT_MAX_PACKET_BYTES: connection closed'),
      ),
    );
  let server: net.Server;
  if (tlsFiles) {
    let cert: Buffer, key: Buffer;
    try {
      [cert, key] = [fs.readFileSync(tlsFiles.certFile), fs.readFileSync(tlsFiles.keyFile)];
    } catch (err) {
      throw new StartupError(`cannot read MQTT_TLS_CERT/MQTT_TLS_KEY (${(err as Error).message}): give PEM files the gateway may read`);
    }
    server = tls.createServer({ cert, key }, onSocket);
  } else server = net.createServer(onSocket);
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
  logger.info({ port: actual, host, tls: !!tlsFiles, auth: !!auth }, 'embedded MQTT broker listening');
  const sockets = new Set<net.Socket>();
  server.on(tlsFiles ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `${tlsFiles ? 'mqtts' : 'mqtt'}://${local.includes(':') ? `[${local}]` : local}:${actual}`,
    port: actual,
    disconnect(clientId) {
      const client = (broker as unknown as { clients: Record<string, { close(): void }> }).clients[clientId];
      if (!client) return false;
      client.close();
      return true;
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type AedesOptions = NonNullable<Parameters<(typeof import('aedes', { with: { 'resolution-mode': 'import' } }))['Aedes']['createBroker']>[0]>;

/** The aedes hooks of `auth`; every refusal is logged with who tried what. */
function aedesHooks(auth: EmbeddedBrokerAuth, identities: WeakMap<object, unknown>, logger: Logger): AedesOptions {
  return {
    authenticate(client, username, password, done) {
      auth.authenticate(client.id, username ?? undefined, password?.toString('utf8')).then(
        (decision) => {
          if (decision.ok) {
            identities.set(client, decision.identity);
            return done(null, true);
          }
          logger.warn({ clientId: client.id, username, reason: decision.reason }, 'MQTT connection refused');
          done(Object.assign(new Error(decision.reason), { returnCode: decision.code }), false);
        },
        (err: unknown) => {
          logger.error({ err, clientId: client.id }, 'MQTT authentication failed');
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 }), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      // No client: the broker's own publications.
      if (!client) return done(null);
      if (auth.mayPublish(identities.get(client), packet.topic)) return done(null);
      logger.warn({ clientId: client.id, topic: packet.topic }, "MQTT publish refused: not this identity's topic; connection closed");
      done(new Error(`publish to ${packet.topic} not allowed`));
    },
    authorizeSubscribe(client, subscription, done) {
      if (auth.maySubscribe(identities.get(client), subscription.topic)) return done(null, subscription);
      logger.warn({ clientId: client.id, filter: subscription.topic }, "MQTT subscription refused: not this identity's topic");
      // A null subscription is a SUBACK 128 for this filter (the connection stays).
      done(null, null);
    },
  };
}
