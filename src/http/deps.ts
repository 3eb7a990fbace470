import type { MikroORM } from '@mikro-orm/postgresql';
import type { FileStoreService } from '../files/file-store.service';
import type { CredentialCache } from '../auth/credential-cache';
import type { LoginLimiter } from '../auth/login-limiter';
import type { LivePubSub } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import type { RunDispatcher } from '../services/service-context';
import type { RemoteFolderService } from '../services/transfer/remote-folders';
import type { Admission } from './admission';

/** How the front doors tell who is asking (src/auth). */
export interface FrontDoorAuth {
  /** Failed-login counters (default: in memory, for one process; the gateway uses PostgreSQL). */
  loginLimiter?: LoginLimiter;
  /** Credentials verified a moment ago, trusted for a short time (default: none, every request asks the database; the gateway keeps them 2 s). */
  credentials?: CredentialCache;
  /** Browser origins besides the gateway's own that may change things and open WebSockets (SDES_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Take the client's address from X-Forwarded-For (SDES_TRUST_PROXY=true behind a reverse proxy). */
  trustProxy?: boolean;
}

/** What the two front doors (GraphQL, REST) are built from. */
export interface FrontDoorDeps {
  orm: MikroORM;
  clock: Clock;
  pubsub: LivePubSub;
  logger: Logger;
  dispatcher?: RunDispatcher;
  /** The file store (src/files); the /v1/files routes and the GraphQL file fields answer UNAVAILABLE without it. */
  files?: FileStoreService;
  /** Operators' view of agents' folders (src/services/transfer); its routes and fields answer UNAVAILABLE without it. */
  remoteFolders?: RemoteFolderService;
  auth?: FrontDoorAuth;
  /** Slots for costly requests, one for both doors (src/http/admission.ts); each door makes its own with the defaults without it. */
  admission?: Admission;
}
