import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MqttClient } from 'mqtt';
import {
  ENROL_REQUESTS_FILTER,
  PROTOCOL_VERSION,
  enrolCredentialTopic,
  enrolRequestSchema,
  parseEnrolTopic,
  proofMatches,
  sealCredential,
  type EnrolAnswer,
} from '../protocol';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { AgentCredentialService } from '../services/agent-credential.service';
import type { AgentRegistry } from './agent-registry';

/** How long an enrolment answer stays retained: the agent's default wait for one (src/agent/enrolment.ts). */
export const ANSWER_RETAINED_MS = 120_000;

export interface EnrolmentResponder {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The gateway's side of enrolment (docs/protocol.md 9.1): checks a request's token proof, gives
 * the client id its credential (AgentCredentialService) and answers, encrypted to the agent's
 * one-time key, on the session's credential topic. The token is checked here too, not only by the
 * broker, because an external broker may let anyone publish. A bad request costs only itself.
 */
export function createEnrolmentResponder({
  mqtt,
  orm,
  clock,
  logger,
  registry,
  tokens,
  gatewayKey,
  credentialKey,
  shareGroup,
}: {
  mqtt: MqttClient;
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  registry: AgentRegistry;
  tokens: () => string[];
  /** The installation's command public key, given to the agent with its credential. */
  gatewayKey: string;
  credentialKey: Buffer;
  /** With several gateways, one answers each request (without it each answers, with the same credential). */
  shareGroup?: string;
}): EnrolmentResponder {
  // Answers are retained for a while: an enrolling agent that lost its connection before the
  // answer came (on Mosquitto every enrolling client has the id `sdes-enrol`, so agents enrolling
  // together close each other's connections) finds it on its next subscription. The answer is
  // sealed to its asker, so keeping it on the broker tells nobody else anything; it is cleared
  // once the agent had time to read it, or when this gateway stops.
  const retained = new Map<string, NodeJS.Timeout>();
  const clear = (session: string) => {
    clearTimeout(retained.get(session));
    retained.delete(session);
    mqtt.publish(enrolCredentialTopic(session), '', { qos: 1, retain: true });
  };
  const answer = (session: string, message: EnrolAnswer) => {
    mqtt.publish(enrolCredentialTopic(session), JSON.stringify(message), { qos: 1, retain: true }, (err) => {
      if (err) logger.warn({ err, session }, 'enrolment answer not confirmed by the broker; the agent asks again');
    });
    clearTimeout(retained.get(session));
    retained.set(session, setTimeout(() => clear(session), ANSWER_RETAINED_MS).unref());
  };
  const refuse = (session: string, error: string, detail: Record<string, unknown> = {}) => {
    logger.warn({ session, ...detail, reason: error }, 'enrolment refused');
    answer(session, { v: PROTOCOL_VERSION, type: 'refused', error });
  };

  const handle = async (topic: string, payload: Buffer) => {
    const where = parseEnrolTopic(topic);
    if (!where || where.channel !== 'request') return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return refuse(where.session, 'enrolment request is not JSON');
    }
    const parsed = enrolRequestSchema.safeParse(json);
    if (!parsed.success) {
      return refuse(where.session, `invalid enrolment request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const request = parsed.data;
    // No answer: on a shared broker another installation's gateway may hold this token.
    if (!proofMatches(tokens(), where.session, request))
      return void logger.warn({ session: where.session, clientId: request.clientId }, 'enrolment request with a wrong token ignored');
    const outcome = await new AgentCredentialService({ em: orm.em.fork() as EntityManager, clock }).enrol({ ...request, credentialKey });
    if (!outcome.ok) return refuse(where.session, outcome.error, { clientId: request.clientId });
    await registry.refresh();
    const credential = {
      clientId: request.clientId,
      username: request.clientId,
      secret: outcome.secret,
      eventKey: outcome.eventKey.toString('base64'),
      gatewayKey,
    };
    answer(where.session, sealCredential(request.publicKey, where.session, credential));
    logger.info({ clientId: request.clientId, renewed: outcome.renewed || undefined }, `agent ${request.clientId} enrolled`);
  };

  const onMessage = (topic: string, payload: Buffer) => {
    if (!topic.endsWith('/request') || !parseEnrolTopic(topic)) return;
    handle(topic, payload).catch((err) => logger.error({ err, topic }, 'enrolment request failed'));
  };

  return {
    async start() {
      mqtt.on('message', onMessage);
      await mqtt.subscribeAsync(shareGroup ? `$share/${shareGroup}/${ENROL_REQUESTS_FILTER}` : ENROL_REQUESTS_FILTER, { qos: 1 });
    },
    async stop() {
      mqtt.off('message', onMessage);
      for (const session of [...retained.keys()]) clear(session);
    },
  };
}
