import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

/*
 * Authentication of protocol messages beyond the broker (docs/protocol.md 9.3): commands carry an
 * Ed25519 signature of the installation's key, event batches and statuses an HMAC-SHA256 of the
 * agent's own event key. Each is a last JSON field appended to the message as it was encoded, so a
 * verifier needs no canonical JSON: it cuts the field off the bytes it received and checks the rest.
 *
 *   wire    = J[0 .. len-1] + ',"sig":"' + base64(signature) + '"}'     (commands; `"mac"` for events, statuses)
 *   signed  = "sdes-cmd-v1\n" + topic + "\n" + J                          ("sdes-events-v1\n", "sdes-status-v1\n")
 *
 * J is the message's UTF-8 JSON object (ending with `}`) without the field. The topic is part of
 * what is signed, so a command for one agent cannot be replayed to another.
 */

const COMMAND_CONTEXT = 'sdes-cmd-v1\n';
const EVENTS_CONTEXT = 'sdes-events-v1\n';
const STATUS_CONTEXT = 'sdes-status-v1\n';
const TRAILER = /,"(sig|mac)":"([A-Za-z0-9+/=_-]{1,200})"\}\s*$/;

export type MessageAuthResult = { ok: true; body: Buffer } | { ok: false; error: string };

function signedBytes(context: string, topic: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${context}${topic}\n`, 'utf8'), body]);
}

function append(body: Buffer, field: 'sig' | 'mac', value: Buffer): Buffer {
  const text = body.toString('utf8').trimEnd();
  if (!text.startsWith('{') || !text.endsWith('}') || text === '{}') throw new Error('only a non-empty JSON object can carry a signature');
  return Buffer.from(`${text.slice(0, -1)},"${field}":"${value.toString('base64')}"}`, 'utf8');
}

/** Splits `wire` into the JSON it authenticates and the value of its trailing `sig`/`mac` field. */
function split(wire: Buffer, field: 'sig' | 'mac'): { body: Buffer; value: Buffer } | { error: string } {
  const text = wire.toString('utf8');
  const match = TRAILER.exec(text);
  if (!match || match[1] !== field) return { error: `no "${field}" field at the end of the message` };
  return { body: Buffer.from(`${text.slice(0, match.index)}}`, 'utf8'), value: Buffer.from(match[2], 'base64') };
}

/** The installation's command key pair; `publicKey` is the base64 of its raw 32 bytes, as agents are given it. */
export interface CommandKeys {
  privateKey: KeyObject;
  publicKey: string;
}

export function generateCommandKeys(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: rawPublicKey(publicKey) };
}

export function loadCommandKeys(privateKeyPem: string): CommandKeys {
  const privateKey = createPrivateKey(privateKeyPem);
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

function rawPublicKey(key: KeyObject): string {
  // The SPKI DER of an Ed25519 key is a fixed 12-byte prefix and the 32 raw bytes.
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('base64');
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A verifying key from the base64 of its raw 32 bytes; throws with a message naming what is wrong. */
export function commandVerifyKey(publicKey: string): KeyObject {
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== 32) throw new Error(`gateway key must be the base64 of 32 bytes (an Ed25519 public key), got ${raw.length} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The wire form of an encoded command for `topic`, signed with the installation's key. */
export function signCommand(keys: CommandKeys, topic: string, body: Buffer): Buffer {
  const body2 = Buffer.from(body.toString('utf8').trimEnd(), 'utf8');
  return append(body2, 'sig', sign(null, signedBytes(COMMAND_CONTEXT, topic, body2), keys.privateKey));
}

/** Checks a command's signature; on success returns the JSON without the signature. Never throws. */
export function verifyCommand(key: KeyObject, topic: string, wire: Buffer): MessageAuthResult {
  const parts = split(wire, 'sig');
  if ('error' in parts) return { ok: false, error: `unsigned command: ${parts.error}` };
  try {
    if (!verify(null, signedBytes(COMMAND_CONTEXT, topic, parts.body), key, parts.value))
      return { ok: false, error: 'command signature does not match the gateway key' };
  } catch (error) {
    return { ok: false, error: `command signature unreadable: ${(error as Error).message}` };
  }
  return { ok: true, body: parts.body };
}

/**
 * The key object of each agent key, made once: an HMAC over a raw Buffer key imports the key
 * again on every call, three times the cost of the HMAC of a frame header itself. Keyed by the
 * Buffer (the registry and the agent keep one per agent), so a dropped key takes its entry along.
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();

function keyObjectOf(key: Buffer): KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    object = createSecretKey(key);
    keyObjects.set(key, object);
  }
  return object;
}

function mac(context: string, key: Buffer, topic: string, body: Buffer): Buffer {
  return createHmac('sha256', keyObjectOf(key)).update(`${context}${topic}\n`, 'utf8').update(body).digest();
}

function authenticate(context: string, key: Buffer, topic: string, body: Buffer): Buffer {
  const body2 = Buffer.from(body.toString('utf8').trimEnd(), 'utf8');
  return append(body2, 'mac', mac(context, key, topic, body2));
}

function verifyMac(context: string, what: string, key: Buffer, topic: string, wire: Buffer): MessageAuthResult {
  const parts = split(wire, 'mac');
  if ('error' in parts) return { ok: false, error: `unauthenticated ${what}: ${parts.error}` };
  const expected = mac(context, key, topic, parts.body);
  if (parts.value.length !== expected.length || !timingSafeEqual(parts.value, expected))
    return { ok: false, error: `${what} HMAC does not match the agent key` };
  return { ok: true, body: parts.body };
}

/** The wire form of an encoded event batch for `topic`, authenticated with the agent's event key. */
export const authenticateEvents = (eventKey: Buffer, topic: string, body: Buffer): Buffer => authenticate(EVENTS_CONTEXT, eventKey, topic, body);

/** Checks an event batch's HMAC; on success returns the JSON without it. Never throws. */
export const verifyEvents = (eventKey: Buffer, topic: string, wire: Buffer): MessageAuthResult => verifyMac(EVENTS_CONTEXT, 'events', eventKey, topic, wire);

/**
 * The wire form of an encoded status (ONLINE, or OFFLINE, the Will included) for `topic`,
 * authenticated with the agent's event key. A Will is fixed at connect, and so is everything it
 * says: its `at` is the time of that connection, which names the connection (docs/protocol.md 9.3).
 */
export const authenticateStatus = (eventKey: Buffer, topic: string, body: Buffer): Buffer => authenticate(STATUS_CONTEXT, eventKey, topic, body);

/** Checks a status's HMAC; on success returns the JSON without it. Never throws. */
export const verifyStatus = (eventKey: Buffer, topic: string, wire: Buffer): MessageAuthResult => verifyMac(STATUS_CONTEXT, 'status', eventKey, topic, wire);

/*
 * Transfer frames (docs/protocol.md §12, 9.3) carry the HMAC in their JSON header, keyed by the
 * agent's event key in both directions: only that agent and the gateway know it. The header of a
 * chunk names the chunk's SHA-256, which the receiver checks, so the HMAC of the header covers
 * the bytes too.
 */
const TRANSFER_CONTEXT = 'sdes-xfer-v1\n';

function frameParts(frame: Buffer): { header: Buffer; body: Buffer } | null {
  if (frame.length < 4) return null;
  const length = frame.readUInt32BE(0);
  if (4 + length > frame.length) return null;
  return { header: frame.subarray(4, 4 + length), body: frame.subarray(4 + length) };
}

function joinFrame(header: Buffer, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length, 0);
  return Buffer.concat([length, header, body]);
}

/** A transfer frame's JSON header for `topic` with its HMAC appended: give it to encodeFrame as its `sealHeader`. */
export function sealFrameHeader(key: Buffer, topic: string, json: Buffer): Buffer {
  const header = Buffer.from(json.toString('utf8').trimEnd(), 'utf8');
  return append(header, 'mac', mac(TRANSFER_CONTEXT, key, topic, header));
}

/** A transfer frame for `topic` with its header's HMAC. Throws on a payload that is not a frame (a bug of the caller). */
export function authenticateFrame(key: Buffer, topic: string, frame: Buffer): Buffer {
  const parts = frameParts(frame);
  if (!parts) throw new Error('not a transfer frame');
  return joinFrame(sealFrameHeader(key, topic, parts.header), parts.body);
}

/**
 * Checks a transfer frame's header HMAC; on success returns the frame as it came, `mac` field
 * included: the frame parsers ignore fields they do not know, and a chunk is not copied again to
 * cut 60 bytes out of its header. Never throws.
 */
export function verifyFrame(key: Buffer, topic: string, frame: Buffer): MessageAuthResult {
  const parts = frameParts(frame);
  if (!parts) return { ok: false, error: 'not a transfer frame' };
  const split2 = split(parts.header, 'mac');
  if ('error' in split2) return { ok: false, error: `unauthenticated transfer frame: ${split2.error}` };
  const expected = mac(TRANSFER_CONTEXT, key, topic, split2.body);
  if (split2.value.length !== expected.length || !timingSafeEqual(split2.value, expected))
    return { ok: false, error: 'transfer frame HMAC does not match the agent key' };
  return { ok: true, body: frame };
}
