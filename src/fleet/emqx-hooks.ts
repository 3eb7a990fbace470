import express, { type Router } from 'express';
import { ENROL_CLIENT_PREFIX, ENROL_USERNAME, isEnrolSession, mayPublish, maySubscribe, type BrokerIdentity } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { BrokerAuth } from './broker-auth';
import { GATEWAY_USERNAME } from './fleet-keys';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * EMQX 5's HTTP authentication and authorization hooks (docs/protocol.md 9.2), the same rules as
 * the embedded broker's. EMQX posts the JSON body its authenticator/authorizer is configured with:
 *
 *   POST /emqx/authn  {"clientid":"${clientid}","username":"${username}","password":"${password}"}
 *        → 200 {"result":"allow"|"deny","is_superuser":bool}   (gateways are superusers)
 *   POST /emqx/authz  {"clientid":"${clientid}","username":"${username}","action":"${action}","topic":"${topic}"}
 *        → 200 {"result":"allow"|"deny"}
 *
 * A malformed body is answered `deny`, never an error status (which EMQX takes as `ignore`).
 */
export function emqxHooks({ auth, logger }: { auth: BrokerAuth; logger: Logger }): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));
  router.post('/authn', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clientId = str(body.clientid) ?? '';
    const username = str(body.username);
    const decision = await auth.authenticate(clientId, username, str(body.password)).catch((err: unknown) => {
      logger.error({ err, clientId }, 'EMQX authentication hook failed');
      return { ok: false as const, reason: 'server error', code: 5 as const };
    });
    if (!decision.ok) logger.warn({ clientId, username, reason: decision.reason }, 'MQTT connection refused (EMQX hook)');
    // Anonymous identities (SDES_ALLOW_UNENROLLED_AGENTS) may do anything, as on the embedded broker.
    const superuser = decision.ok && (decision.identity.kind === 'gateway' || decision.identity.kind === 'anonymous');
    res.json({ result: decision.ok ? 'allow' : 'deny', is_superuser: superuser });
  });
  router.post('/authz', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clientId = str(body.clientid) ?? '';
    const topic = str(body.topic) ?? '';
    const action = str(body.action);
    const identity = identityOf(clientId, str(body.username));
    const allowed =
      identity !== null &&
      topic !== '' &&
      (action === 'publish' ? mayPublish(identity, topic) : action === 'subscribe' ? maySubscribe(identity, topic) : false);
    if (!allowed) logger.warn({ clientId, action, topic }, `MQTT ${action ?? 'request'} refused (EMQX hook)`);
    res.json({ result: allowed ? 'allow' : 'deny' });
  });
  return router;
}

/** Who an authenticated EMQX client is, from its user name (checked by /authn) and client id. */
function identityOf(clientId: string, username: string | undefined): BrokerIdentity | null {
  if (username === GATEWAY_USERNAME) return { kind: 'gateway' };
  if (username === ENROL_USERNAME) {
    const session = clientId.startsWith(ENROL_CLIENT_PREFIX) ? clientId.slice(ENROL_CLIENT_PREFIX.length) : '';
    return isEnrolSession(session) ? { kind: 'enrol', session } : null;
  }
  return username && username === clientId ? { kind: 'agent', clientId } : null;
}
