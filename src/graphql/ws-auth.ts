import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Actor } from '../auth/actor';
import { authenticate } from '../auth/authenticate';
import { roleMay } from '../auth/permissions';
import { clientAddress, originAllowed } from '../auth/request';
import type { FrontDoorDeps } from '../http/deps';
import { ApiKeyService } from '../services/api-key.service';
import { SessionService } from '../services/session.service';

/** graphql-ws's close codes for these cases (its own CloseCode names them so too). */
export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = 4403;

type Extra = { socket: WebSocket; request: IncomingMessage };
export type WsContext = Context<Record<string, unknown> | undefined, Extra>;

interface SocketAuth {
  authorization: string;
  actor: Actor;
}

export interface WsAuth {
  /** For graphql-ws `onConnect`: true admits the socket; otherwise it is already closed (4401 or 4403, with the reason). */
  connect(ctx: WsContext): Promise<boolean>;
  /**
   * The actor of a new operation on the socket (undefined once it is closed). The credential is
   * checked again in the background, which counts as activity for a session and closes the
   * socket if it no longer holds: the operation itself does not wait for the database.
   */
  actorFor(ctx: WsContext): Actor | undefined;
  /** Closes the sockets whose session ended or expired, or whose key was revoked (runs every `sweepMs`). */
  sweep(): Promise<void>;
  stop(): void;
}

/** A close reason is at most 123 bytes. */
function close(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, Buffer.from(reason).subarray(0, 120).toString());
}

/**
 * Authentication of GraphQL over WebSocket: the browser's Origin must be the gateway's own or
 * allowed (else 4403), and `connection_init` must carry `{authorization: "Bearer <token>"}`
 * (or HTTP Basic / Bearer of an API key; else 4401). An open socket whose session is logged
 * out, expires after adminTimeOut minutes without activity, or whose key is revoked, is closed 4401.
 */
export function createWsAuth(deps: FrontDoorDeps, { sweepMs = 5_000 }: { sweepMs?: number } = {}): WsAuth {
  const sockets = new Map<WebSocket, SocketAuth>();
  const em = () => deps.orm.em.fork() as EntityManager;
  const check = (request: IncomingMessage, authorization: string) =>
    authenticate({ em: em(), clock: deps.clock, credentials: deps.auth?.credentials }, authorization, {
      door: 'graphql-ws',
      address: clientAddress(request, deps.auth?.trustProxy),
    });

  let sweeping = false;
  const auth: WsAuth = {
    async connect(ctx) {
      const { socket, request } = ctx.extra;
      const origin = request.headers.origin;
      if (origin && !originAllowed(request, origin, deps.auth?.allowedOrigins)) {
        close(socket, WS_FORBIDDEN, `Forbidden: Origin ${origin} may not open GraphQL WebSockets (SDES_ALLOWED_ORIGINS)`);
        return false;
      }
      const params = ctx.connectionParams ?? {};
      const authorization = params.authorization ?? params.Authorization;
      if (typeof authorization !== 'string' || !authorization) {
        close(socket, WS_UNAUTHORIZED, 'Unauthorized: connection_init payload needs {"authorization": "Bearer <token>"}');
        return false;
      }
      const actor = await check(request, authorization);
      if (actor.kind === 'anonymous') {
        close(socket, WS_UNAUTHORIZED, `Unauthorized: ${actor.problem ?? 'invalid credential'}`);
        return false;
      }
      if (!roleMay(actor.role, 'read')) {
        close(socket, WS_FORBIDDEN, `Forbidden: role ${actor.role} may not read`);
        return false;
      }
      sockets.set(socket, { authorization, actor });
      socket.once('close', () => sockets.delete(socket));
      return true;
    },
    actorFor(ctx) {
      const entry = sockets.get(ctx.extra.socket);
      if (!entry) return undefined;
      void check(ctx.extra.request, entry.authorization).then(
        (actor) => {
          if (actor.kind !== 'anonymous') return;
          sockets.delete(ctx.extra.socket);
          close(ctx.extra.socket, WS_UNAUTHORIZED, `Unauthorized: ${actor.problem ?? 'invalid credential'}`);
        },
        (err: unknown) => deps.logger.warn({ err }, 'checking the credential of a GraphQL WebSocket failed'),
      );
      return entry.actor;
    },
    async sweep() {
      if (sweeping || !sockets.size) return;
      sweeping = true;
      try {
        const entries = [...sockets];
        const sessionIds = entries.flatMap(([, a]) => (a.actor.kind === 'user' ? [a.actor.sessionId] : []));
        const keyIds = entries.flatMap(([, a]) => (a.actor.kind === 'apikey' ? [a.actor.apiKeyId] : []));
        const ctx = { em: em(), clock: deps.clock };
        const [open, valid] = await Promise.all([new SessionService(ctx).stillOpen(sessionIds), new ApiKeyService(ctx).stillValid(keyIds)]);
        for (const [socket, { actor }] of entries) {
          const ok = actor.kind === 'user' ? open.has(actor.sessionId) : actor.kind === 'apikey' ? valid.has(actor.apiKeyId) : false;
          if (ok) continue;
          sockets.delete(socket);
          close(
            socket,
            WS_UNAUTHORIZED,
            actor.kind === 'apikey' ? 'Unauthorized: the API key was revoked' : 'Unauthorized: the session expired or was logged out',
          );
        }
      } catch (err) {
        deps.logger.warn({ err }, 'checking the sessions of open GraphQL WebSockets failed');
      } finally {
        sweeping = false;
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => void auth.sweep(), sweepMs);
  timer.unref();
  return auth;
}
