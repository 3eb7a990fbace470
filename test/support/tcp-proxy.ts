import net from 'node:net';

/** One MQTT control packet as it crossed the proxy, split by its fixed header (MQTT 3.1.1 §2.2). */
export interface WirePacket {
  /** The packet type, 1–14 (3 = PUBLISH). */
  type: number;
  /** The fixed header's low four bits (for a PUBLISH: DUP, QoS, RETAIN). */
  flags: number;
  /** The whole packet's size on the wire: fixed header, remaining length and the rest. */
  bytes: number;
  /** The bytes after the fixed header (the variable header and the payload). */
  rest: Buffer;
  /** The whole packet as it came. */
  raw: Buffer;
}

/** The PUBLISH packet type. */
export const MQTT_PUBLISH = 3;

/** A PUBLISH's topic and payload (MQTT 3.1.1 §3.3; a 3.1.1 packet has no properties). */
export function publishOf(packet: WirePacket): { topic: string; payload: Buffer } {
  const topicLength = packet.rest.readUInt16BE(0);
  const topic = packet.rest.subarray(2, 2 + topicLength).toString('utf8');
  const qos = (packet.flags >> 1) & 3;
  return { topic, payload: packet.rest.subarray(2 + topicLength + (qos > 0 ? 2 : 0)) };
}

/** Splits one direction of an MQTT byte stream into packets, whatever the TCP segments. */
function packetSplitter(onPacket: (packet: WirePacket) => void) {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (pending.length < 2) return;
      // The remaining length: 1 to 4 bytes, 7 bits each, the high bit saying another follows.
      let remaining = 0;
      let at = 1;
      for (let shift = 0; ; shift += 7, at++) {
        if (at >= pending.length) return;
        remaining += (pending[at] & 0x7f) << shift;
        if ((pending[at] & 0x80) === 0) break;
      }
      const bytes = at + 1 + remaining;
      if (pending.length < bytes) return;
      onPacket({ type: pending[0] >> 4, flags: pending[0] & 0x0f, bytes, rest: pending.subarray(at + 1, bytes), raw: pending.subarray(0, bytes) });
      pending = pending.subarray(bytes);
    }
  };
}

export interface TcpProxyOptions {
  /** Where connections go on: `mqtt://host:port` (or `tcp://`). */
  target: string;
  /** Each MQTT packet the target sent to a client; `connection` counts from 1 in the order clients connected. */
  onPacketToClient?: (packet: WirePacket, connection: number) => void;
  /** Each MQTT packet a client sent to the target. */
  onPacketToTarget?: (packet: WirePacket, connection: number) => void;
  /**
   * Each MQTT packet the target sends a client, before it goes on: other bytes to send instead (a
   * chunk damaged on the way, say), or undefined to send it as it came. With it, the proxy passes
   * whole packets on, one at a time.
   */
  alterToClient?: (packet: WirePacket, connection: number) => Buffer | undefined;
}

/** A TCP proxy on 127.0.0.1 that counts the bytes crossing it, in each direction. */
export interface TcpProxy {
  /** The proxy's address with the target's scheme, to give a client instead of the target's. */
  url: string;
  /** Bytes the target sent to clients over every connection so far. */
  readonly bytesToClient: number;
  /** Bytes clients sent to the target over every connection so far. */
  readonly bytesToTarget: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops accepting, cuts every open connection and waits for the listener to close. */
  close(): Promise<void>;
}

/**
 * Starts a proxy between clients and `target`, counting every byte each way: what a client
 * received is what the broker really sent it, whatever the broker (embedded or Mosquitto). With
 * `onPacketTo*`, the bytes are split into MQTT packets as well, so a test can tell a chunk from a
 * control message.
 */
export async function startTcpProxy({ target, onPacketToClient, onPacketToTarget, alterToClient }: TcpProxyOptions): Promise<TcpProxy> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  let bytesToClient = 0;
  let bytesToTarget = 0;
  let connections = 0;
  const server = net.createServer((client) => {
    const connection = ++connections;
    const upstream = net.connect(Number(to.port), to.hostname);
    sockets.add(client).add(upstream);
    const toClient =
      (onPacketToClient || alterToClient) &&
      packetSplitter((packet) => {
        onPacketToClient?.(packet, connection);
        if (!alterToClient) return;
        // The target's pace holds: while the client's socket is full, nothing more is read.
        if (!client.write(alterToClient(packet, connection) ?? packet.raw)) upstream.pause();
      });
    const toTarget = onPacketToTarget && packetSplitter((packet) => onPacketToTarget(packet, connection));
    upstream.on('data', (chunk: Buffer) => {
      bytesToClient += chunk.length;
      toClient?.(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      bytesToTarget += chunk.length;
      toTarget?.(chunk);
    });
    if (alterToClient) client.on('drain', () => upstream.resume());
    else upstream.pipe(client);
    client.pipe(upstream);
    // One side gone (a killed agent, a stopped broker): the other is cut too, as without a proxy.
    const cut = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) socket.on('close', cut).on('error', cut);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${to.protocol}//127.0.0.1:${port}`,
    get bytesToClient() {
      return bytesToClient;
    },
    get bytesToTarget() {
      return bytesToTarget;
    },
    get connections() {
      return connections;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
