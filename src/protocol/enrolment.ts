import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import { PROTOCOL_VERSION, TOPIC_ROOT, isValidClientId } from './protocol.topics';

/*
 * Enrolment (docs/protocol.md 9.1): an agent holding the fleet's enrolment token and no credential
 * connects as the enrolment identity (username `sdes-enrol`, password the token, client id
 * `sdes-enrol-{session}`), publishes a request on `sdes/v1/enrol/{session}/request` and reads its
 * credential on `sdes/v1/enrol/{session}/credential`. The request proves the token by an HMAC
 * rather than carrying it, and the credential is encrypted to a one-time X25519 key of the agent,
 * so a broker without ACLs shows an eavesdropper neither.
 */

export const ENROL_USERNAME = 'sdes-enrol';
export const ENROL_CLIENT_PREFIX = 'sdes-enrol-';

const sessionPattern = /^[a-f0-9]{16,64}$/;
export const isEnrolSession = (session: string) => sessionPattern.test(session);
export const enrolRequestTopic = (session: string) => `${TOPIC_ROOT}/enrol/${session}/request`;
export const enrolCredentialTopic = (session: string) => `${TOPIC_ROOT}/enrol/${session}/credential`;
/** What a gateway subscribes to for enrolments. */
export const ENROL_REQUESTS_FILTER = `${TOPIC_ROOT}/enrol/+/request`;

/** `sdes/v1/enrol/{session}/{request|credential}` → its parts; null otherwise. */
export function parseEnrolTopic(topic: string): { session: string; channel: 'request' | 'credential' } | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[2] !== 'enrol') return null;
  if (!isEnrolSession(parts[3]) || (parts[4] !== 'request' && parts[4] !== 'credential')) return null;
  return { session: parts[3], channel: parts[4] };
}

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]+=*$/)
  .max(200);

export const enrolRequestSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('enrol'),
  clientId: z.string().refine(isValidClientId, 'a client id of 1-128 characters without "/", "+", "#"'),
  /** The agent's X25519 public key (base64 of 32 bytes); the credential comes back encrypted to it. */
  publicKey: base64,
  /** HMAC-SHA256(token, "sdes-enrol-v1\n" + session + "\n" + clientId + "\n" + publicKey), base64. */
  proof: base64,
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

export const enrolAnswerSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('credential'), publicKey: base64, iv: base64, tag: base64, data: z.string().max(10_000) }),
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('refused'), error: z.string().max(1000) }),
]);
export type EnrolAnswer = z.infer<typeof enrolAnswerSchema>;

/** What an enrolled agent keeps in `{stateDir}/credential.json` (mode 0600). */
export const agentCredentialSchema = z.object({
  clientId: z.string(),
  /** Broker user name (the client id) and password. */
  username: z.string(),
  secret: z.string().min(16),
  /** Key of the events HMAC, base64. */
  eventKey: base64,
  /** The installation's Ed25519 public key: commands must be signed by it. */
  gatewayKey: base64,
});
export type AgentCredential = z.infer<typeof agentCredentialSchema>;

export function enrolProof(token: string, session: string, clientId: string, publicKey: string): string {
  return createHmac('sha256', token).update(`sdes-enrol-v1\n${session}\n${clientId}\n${publicKey}`).digest('base64');
}

/** Constant-time check of a request's proof against each token the gateway accepts. */
export function proofMatches(tokens: string[], session: string, request: EnrolRequest): boolean {
  const given = Buffer.from(request.proof, 'base64');
  let ok = false;
  for (const token of tokens) {
    const expected = Buffer.from(enrolProof(token, session, request.clientId, request.publicKey), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const rawX25519 = (key: KeyObject) => (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('base64');
const x25519Key = (publicKey: string) => {
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== 32) throw new Error(`publicKey must be the base64 of 32 bytes (X25519), got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
};
const aesKey = (shared: Buffer) => createHash('sha256').update('sdes-enrol-key-v1\n').update(shared).digest();

export function newEnrolKeys(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawX25519(publicKey) };
}

/** Gateway side: the credential, encrypted to the agent's key (AES-256-GCM, the session as associated data). */
export function sealCredential(agentPublicKey: string, session: string, credential: AgentCredential): EnrolAnswer {
  const mine = generateKeyPairSync('x25519');
  const key = aesKey(diffieHellman({ privateKey: mine.privateKey, publicKey: x25519Key(agentPublicKey) }));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(session));
  const data = Buffer.concat([cipher.update(JSON.stringify(credential), 'utf8'), cipher.final()]);
  return {
    v: PROTOCOL_VERSION,
    type: 'credential',
    publicKey: rawX25519(mine.publicKey),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Agent side: decrypts and checks a credential answer; throws with a readable message. */
export function openCredential(privateKey: KeyObject, session: string, answer: Extract<EnrolAnswer, { type: 'credential' }>): AgentCredential {
  const key = aesKey(diffieHellman({ privateKey, publicKey: x25519Key(answer.publicKey) }));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(answer.iv, 'base64'));
  decipher.setAAD(Buffer.from(session));
  decipher.setAuthTag(Buffer.from(answer.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(answer.data, 'base64')), decipher.final()]).toString('utf8');
  return agentCredentialSchema.parse(JSON.parse(text));
}
