import type net from 'node:net';
import { Duplex, Transform } from 'node:stream';

/**
 * Watches the MQTT packets a client sends and cuts the connection as soon as one announces more
 * than `maxBytes` (fixed header included, as MQTT 5's Maximum Packet Size counts), before its
 * body is read: aedes has no such limit and would buffer a 64 MB PUBLISH, then deliver it.
 * MQTT 3.1.1 has no way to say why, so the connection is closed (the client's Will applies).
 *
 * Returns the stream to hand to the broker in place of the socket: the socket's bytes, unchanged,
 * after the scan. Only the fixed headers are read (type byte and Remaining Length), so it costs
 * next to nothing per byte.
 */
export function limitPacketSize(socket: net.Socket, maxBytes: number, onTooLarge: (size: number) => void): Duplex {
  let state: 'header' | 'length' | 'body' = 'header';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;

  /** Scans one chunk; the size of the first packet over the limit, or 0. */
  const scan = (chunk: Buffer): number => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'header') {
        i++;
        state = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
      } else if (state === 'length') {
        const byte = chunk[i++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (byte & 0x80) {
          // A Remaining Length takes at most 4 bytes; a 5th is malformed: refuse it as too large.
          if (lengthBytes === 4) return Number.MAX_SAFE_INTEGER;
          continue;
        }
        const size = 1 + lengthBytes + length;
        if (size > maxBytes) return size;
        remaining = length;
        state = remaining > 0 ? 'body' : 'header';
      } else {
        const skip = Math.min(remaining, chunk.length - i);
        i += skip;
        remaining -= skip;
        if (remaining === 0) state = 'header';
      }
    }
    return 0;
  };

  const inbound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const tooLarge = scan(chunk);
      if (!tooLarge) return done(null, chunk);
      onTooLarge(tooLarge);
      socket.destroy();
      done();
    },
  });
  socket.pipe(inbound);
  socket.once('close', () => inbound.destroy());
  const stream = Duplex.from({ readable: inbound, writable: socket });
  // What a broker (or its authentication) may read from its connection.
  for (const key of ['remoteAddress', 'remotePort', 'remoteFamily'] as const) Object.defineProperty(stream, key, { get: () => socket[key] });
  return stream;
}
