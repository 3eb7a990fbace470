/**
 * The binary frame of the transfer sub-protocol (docs/protocol.md §12): a 4-byte big-endian
 * header length, the header as UTF-8 JSON, then the body (a chunk's bytes; empty for control
 * frames). One frame is one MQTT payload.
 */

/** Largest header accepted: control headers are a few hundred bytes; an offer lists up to MAX_OFFER_FILES files. */
export const MAX_TRANSFER_HEADER_BYTES = 64 * 1024;
/** Default chunk: a few hundred KiB keeps a frame far below any broker's packet limit. */
export const DEFAULT_TRANSFER_CHUNK_BYTES = 256 * 1024;
/** Largest chunk either side accepts; with the header it stays under the 8 MiB broker packet bound. */
export const MAX_TRANSFER_CHUNK_BYTES = 4 * 1024 * 1024;
/** Smallest chunk a side may ask for. */
export const MIN_TRANSFER_CHUNK_BYTES = 4 * 1024;

/**
 * A chunk read into a buffer with room for its frame's header in front (`slab` = room bytes, then
 * the chunk): encodeFrame writes the header there and returns a view of the slab, so sending a
 * chunk costs one buffer and no copy of its bytes.
 */
export interface ChunkWithRoom {
  slab: Buffer;
  room: number;
}

/** Room enough for any chunk header with its HMAC (they are about 250 bytes). */
export const CHUNK_HEADER_ROOM = 512;

/** A buffer for a chunk of `length` bytes with room for its header: read the chunk into `data`. */
export function allocChunk(length: number, room = CHUNK_HEADER_ROOM): { chunk: ChunkWithRoom; data: Buffer } {
  const slab = Buffer.allocUnsafe(room + length);
  return { chunk: { slab, room }, data: slab.subarray(room) };
}

export type DecodedFrame = { ok: true; header: unknown; body: Buffer } | { ok: false; error: string };

const EMPTY = Buffer.alloc(0);

/**
 * Builds a frame; `header` is serialised as JSON, then given to `sealHeader` when there is one (it
 * adds the HMAC, docs/protocol.md 9.3). The chunk is copied once, into the frame (not at all when
 * it comes with room for the header, allocChunk): sealing works on the header alone. Throws when
 * the header or body exceed the bounds (a bug of the caller).
 */
export function encodeFrame(header: object, content: Buffer | ChunkWithRoom = EMPTY, sealHeader?: (json: Buffer) => Buffer): Buffer {
  const plain = Buffer.from(JSON.stringify(header), 'utf8');
  const json = sealHeader ? sealHeader(plain) : plain;
  if (json.length > MAX_TRANSFER_HEADER_BYTES) throw new Error(`transfer header of ${json.length} bytes exceeds ${MAX_TRANSFER_HEADER_BYTES}`);
  const body = Buffer.isBuffer(content) ? content : content.slab.subarray(content.room);
  if (!Buffer.isBuffer(content) && 4 + json.length <= content.room && body.length <= MAX_TRANSFER_CHUNK_BYTES) {
    // The header goes in front of the chunk, in the room left for it: no copy of the chunk.
    const start = content.room - json.length - 4;
    content.slab.writeUInt32BE(json.length, start);
    json.copy(content.slab, start + 4);
    return content.slab.subarray(start);
  }
  // Gzipped bodies of incompressible data grow a little: allow a few KiB over the chunk bound.
  if (body.length > MAX_TRANSFER_CHUNK_BYTES + 64 * 1024) throw new Error(`transfer body of ${body.length} bytes exceeds ${MAX_TRANSFER_CHUNK_BYTES}`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  return Buffer.concat([length, json, body]);
}

/** Splits a frame into its parsed JSON header and its body. Never throws. */
export function decodeFrame(payload: Buffer | Uint8Array): DecodedFrame {
  const buffer = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  if (buffer.length < 4) return { ok: false, error: `transfer frame of ${buffer.length} bytes: at least the 4-byte header length is needed` };
  const headerLength = buffer.readUInt32BE(0);
  if (headerLength > MAX_TRANSFER_HEADER_BYTES) return { ok: false, error: `transfer header length ${headerLength} exceeds ${MAX_TRANSFER_HEADER_BYTES}` };
  if (4 + headerLength > buffer.length) return { ok: false, error: `transfer header length ${headerLength} runs past the frame's ${buffer.length} bytes` };
  const body = buffer.subarray(4 + headerLength);
  if (body.length > MAX_TRANSFER_CHUNK_BYTES + 64 * 1024)
    return { ok: false, error: `transfer body of ${body.length} bytes exceeds ${MAX_TRANSFER_CHUNK_BYTES}` };
  let header: unknown;
  try {
    header = JSON.parse(buffer.subarray(4, 4 + headerLength).toString('utf8'));
  } catch (error) {
    return { ok: false, error: `transfer header is not JSON: ${(error as Error).message}` };
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return { ok: false, error: 'transfer header is not a JSON object' };
  return { ok: true, header, body };
}
