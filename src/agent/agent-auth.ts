import { authenticateEvents, authenticateStatus, commandVerifyKey, sealFrameHeader, verifyCommand, verifyFrame } from '../protocol';
import type { Logger } from '../runtime/logger';
import { EnrolmentError, enrol, loadCredential } from './enrolment';

/** How an agent proves itself and checks the gateway (docs/protocol.md 9). */
export interface AgentAuth {
  username?: string;
  password?: string;
  /** The wire form of an events payload: with the agent's HMAC once enrolled. */
  sealEvents(topic: string, body: Buffer): Buffer;
  /** The wire form of a status (ONLINE, OFFLINE, the Will): with the agent's HMAC once enrolled. */
  sealStatus(topic: string, body: Buffer): Buffer;
  /** The command to handle, or null when it must be refused (logged): unsigned or signed by another key. */
  checkCommand(topic: string, payload: Buffer): Buffer | null;
  /** Seals the header of a transfer frame for the agent's transfer-up (its HMAC) once enrolled; undefined: sent as it is. */
  transferSeal(topic: string): ((json: Buffer) => Buffer) | undefined;
  /** A transfer-down frame to handle, or null when its HMAC is missing or wrong (logged). */
  checkTransfer(topic: string, payload: Buffer): Buffer | null;
}

/**
 * The agent's credential: the one in its state folder; else, with an enrolment token, a new one
 * from the gateway; else the configured user name and password (a broker of one's own policy).
 * Commands are verified against the gateway key of the credential or of `--gateway-key`; an
 * agent with neither takes unsigned commands, and says so at start.
 */
export async function resolveAgentAuth(options: {
  brokerUrl: string;
  clientId: string;
  stateDir: string;
  logger: Logger;
  enrolmentToken?: string;
  gatewayKey?: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
}): Promise<AgentAuth> {
  const { logger } = options;
  let credential = loadCredential(options.stateDir, options.clientId);
  if (!credential && options.enrolmentToken) {
    credential = await enrol({
      brokerUrl: options.brokerUrl,
      clientId: options.clientId,
      token: options.enrolmentToken,
      stateDir: options.stateDir,
      logger,
      protocolVersion: options.protocolVersion,
    });
  }
  if (credential && options.gatewayKey && credential.gatewayKey !== options.gatewayKey) {
    throw new EnrolmentError(`the credential's gateway key differs from --gateway-key: delete ${options.stateDir}/credential.json and enrol again`);
  }
  const gatewayKey = options.gatewayKey ?? credential?.gatewayKey;
  const verifyKey = gatewayKey ? commandVerifyKey(gatewayKey) : undefined;
  if (!verifyKey) logger.warn('no gateway key (not enrolled, no --gateway-key): commands are NOT verified');
  const eventKey = credential ? Buffer.from(credential.eventKey, 'base64') : undefined;
  return {
    username: credential?.username ?? options.username,
    password: credential?.secret ?? options.password,
    sealEvents: (topic, body) => (eventKey ? authenticateEvents(eventKey, topic, body) : body),
    sealStatus: (topic, body) => (eventKey ? authenticateStatus(eventKey, topic, body) : body),
    checkCommand(topic, payload) {
      if (!verifyKey) return payload;
      const checked = verifyCommand(verifyKey, topic, payload);
      if (checked.ok) return checked.body;
      logger.warn({ topic, bytes: payload.length, reason: checked.error }, `refused a command: ${checked.error}`);
      return null;
    },
    transferSeal: (topic) => (eventKey ? (json) => sealFrameHeader(eventKey, topic, json) : undefined),
    checkTransfer(topic, payload) {
      if (!eventKey) return payload;
      const checked = verifyFrame(eventKey, topic, payload);
      if (checked.ok) return checked.body;
      logger.warn({ topic, bytes: payload.length, reason: checked.error }, `refused a transfer frame: ${checked.error}`);
      return null;
    },
  };
}
