import type { Actor } from '../auth/actor';
import type { FrontDoorDeps } from '../http/deps';
import type { Logger } from '../runtime/logger';
import type { ServiceContext } from '../services/service-context';
import { createLoaders, type Loaders } from './loaders';
import { createServices, type Services } from './services';

/** What every resolver gets: the operation's services (one EntityManager fork, the acting user) and its loaders. */
export interface GraphqlContext {
  services: Services;
  loaders: Loaders;
  logger: Logger;
  /**
   * Finds the actor of the request (HTTP): run once the operation has passed the cost check, so
   * that a refused operation costs no database statement; it sets `services.ctx.actor`.
   */
  authenticate?: () => Promise<Actor>;
  /** HTTP: waits for an admission slot if the operation (of this estimated cost) needs one (src/graphql/admission.ts). */
  admit?: (cost: number) => Promise<void>;
}

/**
 * A context for one operation: a fresh EntityManager fork (so identity maps never leak between
 * requests), the services built on it for `actor`, and DataLoaders that batch within this
 * operation only. HTTP calls it per request; graphql-ws per subscribe message.
 */
export function createGraphqlContext(
  { orm, clock, pubsub, logger, dispatcher, files, remoteFolders, auth }: FrontDoorDeps,
  actor: Actor,
  em = orm.em.fork(),
): GraphqlContext {
  const svc: ServiceContext = { em, clock, pubsub, dispatcher, files, remoteFolders, actor, loginLimiter: auth?.loginLimiter };
  const services = createServices(svc);
  return { services, loaders: createLoaders(services), logger };
}
