import type { MikroORM } from '@mikro-orm/postgresql';
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
}
