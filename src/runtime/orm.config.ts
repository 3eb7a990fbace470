import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from '../migrations';

/**
 * The one ORM configuration. Reflect-metadata (not ts-morph) keeps start-up near 70 ms; entity
 * decorators therefore name their column types explicitly.
 */
export function ormOptions({ clientUrl, poolMax = 10, debug = false }: { clientUrl: string; poolMax?: number; debug?: boolean }): Options {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // The gateway logs what was applied in its own structured lines.
      silent: true,
    },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug,
    discovery: { warnWhenNoEntities: true },
  });
}
