import { timingSafeEqual } from 'node:crypto';
import { ENROL_CLIENT_PREFIX, ENROL_USERNAME, isEnrolSession, mayPublish, maySubscribe, type BrokerIdentity } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { AgentRegistry } from './agent-registry';
import { GATEWAY_USERNAME } from './fleet-keys';

/** A connection's identity as decided at CONNECT; `anonymous` only where unenrolled agents are allowed. */
export type ConnectionIdentity = BrokerIdentity | { kind: 'anonymous' };

export type AuthDecision = { ok: true; identity: ConnectionIdentity } | { ok: false; reason: string; code: 4 | 5 };

export interface BrokerAuthOptions {
  registry: AgentRegistry;
  gatewaySecret: string;
  enrolmentTokens: () => string[];
  /** SDES_ALLOW_UNENROLLED_AGENTS: a connection without user name acts as before credentials existed (development only). */
  allowAnonymous: boolean;
  logger: Logger;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Who may connect as what (docs/protocol.md 9): the gateways with `sdes-gateway` and the
 * installation's secret; an agent with its client id as user name and its secret, under that
 * client id only (no takeover of another's id); an enrolling agent with `sdes-enrol` and a token,
 * under a client id `sdes-enrol-{session}`. Shared by the embedded broker and EMQX's HTTP hook.
 */
export function createBrokerAuth({ registry, gatewaySecret, enrolmentTokens, allowAnonymous, logger }: BrokerAuthOptions) {
  async function authenticate(clientId: string, username: string | undefined, password: string | undefined): Promise<AuthDecision> {
    if (username === undefined || username === '') {
      if (allowAnonymous) return { ok: true, identity: { kind: 'anonymous' } };
      return { ok: false, code: 5, reason: 'anonymous connections are refused: connect with a credential (enrol with an enrolment token)' };
    }
    const secret = password ?? '';
    if (username === GATEWAY_USERNAME) {
      return same(secret, gatewaySecret) ? { ok: true, identity: { kind: 'gateway' } } : { ok: false, code: 4, reason: 'wrong gateway secret' };
    }
    if (username === ENROL_USERNAME) {
      const session = clientId.startsWith(ENROL_CLIENT_PREFIX) ? clientId.slice(ENROL_CLIENT_PREFIX.length) : '';
      if (!isEnrolSession(session)) return { ok: false, code: 5, reason: `an enrolment connection needs a client id ${ENROL_CLIENT_PREFIX}{16-64 hex}` };
      if (!enrolmentTokens().some((t) => same(secret, t))) return { ok: false, code: 4, reason: 'wrong enrolment token' };
      return { ok: true, identity: { kind: 'enrol', session } };
    }
    if (username !== clientId) return { ok: false, code: 5, reason: `client id ${clientId} does not belong to the credential of ${username}` };
    const standing = registry.standing(clientId);
    if (standing.kind === 'revoked') return { ok: false, code: 5, reason: `the credential of ${clientId} is revoked` };
    if (!(await registry.checkSecret(clientId, secret))) return { ok: false, code: 4, reason: `wrong or unknown credential for ${clientId}` };
    return { ok: true, identity: { kind: 'agent', clientId } };
  }

  return {
    authenticate,
    mayPublish(identity: ConnectionIdentity, topic: string): boolean {
      return identity.kind === 'anonymous' || mayPublish(identity, topic);
    },
    maySubscribe(identity: ConnectionIdentity, filter: string): boolean {
      return identity.kind === 'anonymous' || maySubscribe(identity, filter);
    },
    logger,
  };
}
export type BrokerAuth = ReturnType<typeof createBrokerAuth>;
