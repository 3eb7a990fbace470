import type { EntityManager } from '@mikro-orm/postgresql';
import type { FileStoreService } from '../files/file-store.service';
import type { LivePubSub, EntityChangedEvent } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import { errors } from './errors';
import type { RemoteFolderService } from './transfer/remote-folders';
import type { Actor } from '../auth/actor';
import type { LoginLimiter } from '../auth/login-limiter';

/**
 * What every service method runs with: the request's own EntityManager (a fork per request),
 * the clock, and the live pub/sub that change events go to.
 */
export interface ServiceContext {
  em: EntityManager;
  clock: Clock;
  pubsub?: LivePubSub;
  /** Hands a new run to the live layer for dispatch; absent where nothing dispatches (tests of the model alone). */
  dispatcher?: RunDispatcher;
  /** The gateway's file store (src/files): one instance per gateway, it runs on its own EntityManager forks. */
  files?: FileStoreService;
  /** Agents' folders, listed and fetched on demand (src/services/transfer/remote-folders.ts). */
  remoteFolders?: RemoteFolderService;
  /**
   * Who asks: set by the front doors (REST, GraphQL, CLI) from the request's credential; absent
   * when the gateway itself acts (scheduler, live layer). src/auth/operation.ts authorises and
   * audits with it.
   */
  actor?: Actor;
  /** The login limits (per user, per address); absent where nobody logs in (tests of the model alone). */
  loginLimiter?: LoginLimiter;
}

export interface RunDispatcher {
  /** Called after the run's records are committed. */
  runCreated(runId: number): void;
}

export function publishChange(ctx: ServiceContext, entity: EntityChangedEvent['entity'], action: EntityChangedEvent['action'], id: number): void {
  ctx.pubsub?.publish('ENTITY_CHANGED', { entity, action, id, at: ctx.clock.now().getTime() });
}

/** The gateway's remote folders, or UNAVAILABLE where none runs. */
export function remoteFoldersOf(ctx: ServiceContext): RemoteFolderService {
  if (!ctx.remoteFolders) throw errors.unavailable('remote folders are not served by this gateway');
  return ctx.remoteFolders;
}

/** The gateway's file store, or UNAVAILABLE where none runs (both doors call it through this). */
export function fileStoreOf(ctx: ServiceContext): FileStoreService {
  if (!ctx.files) throw errors.unavailable('the file store is not running on this gateway');
  return ctx.files;
}
