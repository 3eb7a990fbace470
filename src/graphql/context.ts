import type { FrontDoorDeps } from '../http/deps';
import type { Logger } from '../runtime/logger';
import type { ServiceContext } from '../services/service-context';
import { createLoaders, type Loaders } from './loaders';
import { createServices, type Services } from './services';

/** What every resolver gets: the operation's services (one EntityManager fork) and its loaders. */
export interface GraphqlContext {
  services: Services;
  loaders: Loaders;
  logger: Logger;
}

/**
 * A context for one operation: a fresh EntityManager fork (so identity maps never leak between
 * requests), the services built on it, and DataLoaders that batch within this operation only.
 * HTTP calls it per request; graphql-ws per subscribe message.
 */
export function createGraphqlContext({ orm, clock, pubsub, logger, dispatcher, files }: FrontDoorDeps): GraphqlContext {
  const svc: ServiceContext = { em: orm.em.fork(), clock, pubsub, dispatcher, files };
  const services = createServices(svc);
  return { services, loaders: createLoaders(services), logger };
}
