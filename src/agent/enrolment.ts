import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import {
  ENROL_CLIENT_PREFIX,
  ENROL_USERNAME,
  PROTOCOL_VERSION,
  agentCredentialSchema,
  enrolAnswerSchema,
  enrolCredentialTopic,
  enrolProof,
  enrolRequestTopic,
  newEnrolKeys,
  openCredential,
  type AgentCredential,
} from '../protocol';
import type { Logger } from '../runtime/logger';

/** Where an enrolled agent keeps its credential, in its state folder (mode 0600). */
export const CREDENTIAL_FILE = 'credential.json';

export class EnrolmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrolmentError';
  }
}

/** The credential in `stateDir`, or undefined when there is none; a damaged file throws naming it. */
export function loadCredential(stateDir: string, clientId: string): AgentCredential | undefined {
  const file = path.join(stateDir, CREDENTIAL_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnrolmentError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = agentCredentialSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new EnrolmentError(`${file} is not an SDES agent credential: delete it and enrol again`);
  if (parsed.data.clientId !== clientId)
    throw new EnrolmentError(`${file} is the credential of ${parsed.data.clientId}, not of ${clientId}: one state folder per agent`);
  return parsed.data;
}

function saveCredential(stateDir: string, credential: AgentCredential): void {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, CREDENTIAL_FILE);
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(credential, null, 2), { mode: 0o600 });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}

/**
 * Exchanges the fleet's enrolment token for this agent's own credential (docs/protocol.md 9.1)
 * and keeps it in `stateDir`. Asks again every `retryMs` until answered; a refusal (an id already
 * taken, a wrong token) throws with the gateway's reason.
 */
export async function enrol({
  brokerUrl,
  clientId,
  token,
  stateDir,
  logger,
  protocolVersion = 4,
  retryMs = 5_000,
  timeoutMs = 120_000,
}: {
  brokerUrl: string;
  clientId: string;
  token: string;
  stateDir: string;
  logger: Logger;
  protocolVersion?: 4 | 5;
  retryMs?: number;
  timeoutMs?: number;
}): Promise<AgentCredential> {
  const session = randomBytes(16).toString('hex');
  const keys = newEnrolKeys();
  const request = JSON.stringify({
    v: PROTOCOL_VERSION,
    type: 'enrol',
    clientId,
    publicKey: keys.publicKey,
    proof: enrolProof(token, session, clientId, keys.publicKey),
  });
  const client = mqtt.connect(brokerUrl, {
    clientId: `${ENROL_CLIENT_PREFIX}${session}`,
    username: ENROL_USERNAME,
    password: token,
    protocolVersion,
    clean: true,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
  });
  logger.info({ broker: brokerUrl }, `enrolling ${clientId} with the enrolment token`);
  try {
    const credential = await new Promise<AgentCredential>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = setTimeout(
        () => reject(new EnrolmentError(`no enrolment answer within ${timeoutMs} ms: is the gateway running, and the token right?`)),
        timeoutMs,
      );
      const ask = () => {
        client.publish(enrolRequestTopic(session), request, { qos: 1 });
        timer = setTimeout(ask, retryMs);
      };
      client.on('connect', async () => {
        clearTimeout(timer);
        try {
          await client.subscribeAsync(enrolCredentialTopic(session), { qos: 1 });
          ask();
        } catch (err) {
          logger.warn({ err }, 'enrolment subscription refused; retrying');
        }
      });
      client.on('error', (err) => {
        // CONNACK 4/5 (MQTT 5: 0x86/0x87): the broker refused the token; asking again cannot help.
        const code = (err as { code?: number }).code;
        if (code === 4 || code === 5 || code === 134 || code === 135) {
          clearTimeout(deadline);
          return reject(new EnrolmentError(`the broker refused the enrolment token (${err.message}): check --enrolment-token`));
        }
        logger.warn({ err: err.message }, `enrolment connection: ${err.message} (retrying)`);
      });
      client.on('message', (_topic, payload) => {
        // The gateway clearing its retained answer (docs/protocol.md 9.1).
        if (payload.length === 0) return;
        let answer;
        try {
          answer = enrolAnswerSchema.parse(JSON.parse(payload.toString('utf8')));
        } catch {
          return logger.warn('malformed enrolment answer dropped');
        }
        clearTimeout(timer);
        clearTimeout(deadline);
        if (answer.type === 'refused') return reject(new EnrolmentError(`enrolment refused by the gateway: ${answer.error}`));
        try {
          const credential = openCredential(keys.privateKey, session, answer);
          if (credential.clientId !== clientId) return reject(new EnrolmentError(`enrolment answer for ${credential.clientId}, not ${clientId}`));
          resolve(credential);
        } catch (err) {
          reject(new EnrolmentError(`enrolment answer cannot be opened: ${(err as Error).message}`));
        }
      });
    });
    saveCredential(stateDir, credential);
    logger.info({ file: path.join(stateDir, CREDENTIAL_FILE) }, `enrolled: credential of ${clientId} saved`);
    return credential;
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
