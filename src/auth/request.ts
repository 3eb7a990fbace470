import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FrontDoorAuth } from '../http/deps';
import type { Clock } from '../runtime/clock';
import type { Actor, RequestOrigin } from './actor';
import { authenticate } from './authenticate';

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The peer's address, without the IPv4-mapped prefix; the first X-Forwarded-For hop behind a trusted proxy. */
export function clientAddress(req: IncomingMessage, trustProxy = false): string | undefined {
  const forwarded = trustProxy ? header(req, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  const address = forwarded || req.socket.remoteAddress;
  return address?.replace(/^::ffff:/, '');
}

/** Whether `origin` (a browser's Origin header) is the gateway's own (same host as the request) or an allowed one. */
export function originAllowed(req: IncomingMessage, origin: string, allowed: readonly string[] = []): boolean {
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === header(req, 'host');
  } catch {
    return false;
  }
}

/**
 * Why a browser request comes from another site, or undefined. Browsers say so themselves:
 * `Sec-Fetch-Site` (every current browser) and `Origin` (on every cross-origin request but a
 * simple GET such as an `<img>`). Scripts and legacy consumers send neither and are not
 * affected. Such a request may still read (a credential is needed anyway) but never change.
 */
export function crossSiteReason(req: IncomingMessage, allowed: readonly string[] = []): string | undefined {
  const origin = header(req, 'origin');
  if (origin && origin !== 'null' && originAllowed(req, origin, allowed)) return undefined;
  const site = header(req, 'sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  if (origin) return `Origin: ${origin}`;
  return undefined;
}

export function requestOrigin(req: IncomingMessage, door: RequestOrigin['door'], auth: FrontDoorAuth = {}): RequestOrigin {
  const crossSite = crossSiteReason(req, auth.allowedOrigins);
  return { door, address: clientAddress(req, auth.trustProxy), ...(crossSite ? { crossSite } : {}) };
}

/** The actor of an HTTP request, from its Authorization header. */
export function actorOfRequest(
  deps: { em: EntityManager; clock: Clock; auth?: FrontDoorAuth },
  req: IncomingMessage,
  door: RequestOrigin['door'],
): Promise<Actor> {
  return authenticate({ ...deps, credentials: deps.auth?.credentials }, header(req, 'authorization'), requestOrigin(req, door, deps.auth));
}
