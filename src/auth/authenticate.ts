import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../runtime/clock';
import { ApiKeyService } from '../services/api-key.service';
import { SessionService } from '../services/session.service';
import { anonymous, type Actor, type RequestOrigin } from './actor';
import type { CredentialCache } from './credential-cache';

/**
 * The actor of an `Authorization` value: `Bearer <session token>`, `Bearer <keyId>:<secret>` or
 * `Basic base64(<keyId>:<secret>)`. Without one, or with one that is not valid, the actor is
 * anonymous and carries the reason (an operation that needs a credential answers 401 with it).
 * With `credentials`, a value verified a moment ago is not checked again (credential-cache.ts).
 */
export async function authenticate(
  { em, clock, credentials }: { em: EntityManager; clock: Clock; credentials?: CredentialCache },
  authorization: string | undefined,
  origin: RequestOrigin,
): Promise<Actor> {
  if (!authorization) return anonymous(origin);
  if (credentials) return credentials.actorOf(authorization, origin, () => verify({ em, clock }, authorization, origin));
  return verify({ em, clock }, authorization, origin);
}

async function verify(ctx: { em: EntityManager; clock: Clock }, authorization: string, origin: RequestOrigin): Promise<Actor> {
  const [scheme, ...rest] = authorization.trim().split(/\s+/);
  const value = rest.join(' ');
  switch (scheme.toLowerCase()) {
    case 'bearer': {
      if (!value) return anonymous(origin, 'Authorization: Bearer needs a token');
      const colon = value.indexOf(':');
      if (colon > 0) return apiKeyActor(ctx, value.slice(0, colon), value.slice(colon + 1), origin);
      const checked = await new SessionService(ctx).check(value, origin);
      return checked.ok ? checked.actor : anonymous(origin, checked.problem);
    }
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return anonymous(origin, 'HTTP Basic needs base64 of keyId:secret');
      if (!decoded.startsWith('ak_')) {
        return anonymous(origin, 'HTTP Basic takes an API key (keyId:secret), not a username and password: log in with POST /v1/auth/login');
      }
      return apiKeyActor(ctx, decoded.slice(0, colon), decoded.slice(colon + 1), origin);
    }
    default:
      return anonymous(origin, `Authorization scheme "${scheme}" is not accepted: use Bearer or Basic`);
  }
}

async function apiKeyActor(ctx: { em: EntityManager; clock: Clock }, keyId: string, secret: string, origin: RequestOrigin): Promise<Actor> {
  const checked = await new ApiKeyService(ctx).check(keyId, secret, origin);
  return checked.ok ? checked.actor : anonymous(origin, checked.problem);
}
