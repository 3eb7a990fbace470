import type { Role } from './permissions';

/** Where a request came from, for the audit log and the login limits. */
export interface RequestOrigin {
  /** The peer address (the socket's, or the first X-Forwarded-For hop when TRUST_PROXY is set). */
  address?: string;
  /** Which door: rest, graphql (HTTP), graphql-ws, cli. */
  door: 'rest' | 'graphql' | 'graphql-ws' | 'cli' | 'gateway';
  /**
   * Set when a browser says the request comes from another site (Sec-Fetch-Site, or an Origin
   * that is not the gateway's nor allowed): such a request may read but never change anything.
   */
  crossSite?: string;
}

/**
 * Who is acting. Front doors build it from the request's credential; services read it for
 * authorisation and audit (src/auth/operation.ts). `anonymous` is a request without a valid
 * credential: it may only log in.
 */
export type Actor =
  | ({ kind: 'user'; userId: number; username: string; role: Role; sessionId: number } & RequestOrigin)
  | ({ kind: 'apikey'; apiKeyId: number; keyId: string; name: string; role: Role } & RequestOrigin)
  | ({ kind: 'cli'; name: string; role: 'admin' } & RequestOrigin)
  | ({ kind: 'anonymous'; role?: undefined; /** Why a credential that was sent is not valid. */ problem?: string } & RequestOrigin);

/** How the audit log names an actor: the username, `apikey:<name>`, `cli:<os user>`, or `anonymous`. */
export function actorName(actor: Actor | undefined): string {
  if (!actor) return 'gateway';
  switch (actor.kind) {
    case 'user':
      return actor.username;
    case 'apikey':
      return `apikey:${actor.name}`;
    case 'cli':
      return `cli:${actor.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

export function anonymous(origin: RequestOrigin, problem?: string): Actor {
  return { kind: 'anonymous', ...origin, ...(problem ? { problem } : {}) };
}
