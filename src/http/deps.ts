import type { MikroORM } from '@mikro-orm/postgresql';
import type { FileStoreService } from '../files/file-store.service';
import type { LivePubSub } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import type { RunDispatcher } from '../services/service-context';

/** What the two front doors (GraphQL, REST) are built from. */
export interface FrontDoorDeps {
  orm: MikroORM;
  clock: Clock;
  pubsub: LivePubSub;
  logger: Logger;
  dispatcher?: RunDispatcher;
  /** The file store (src/files); the /v1/files routes and the GraphQL file fields answer UNAVAILABLE without it. */
  files?: FileStoreService;
}
