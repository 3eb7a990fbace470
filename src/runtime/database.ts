import fs from 'node:fs/promises';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from './logger';
import { ormOptions } from './orm.config';
import { StartupError } from './startup-error';

export interface Database {
  orm: MikroORM;
  /** embedded = PGlite under the data folder; external = DATABASE_URL. */
  kind: 'embedded' | 'external';
  /** The URL with any password removed, for logs and /healthz. */
  displayUrl: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  /** Apply committed migrations (default true). */
  migrate?: boolean;
  poolMax?: number;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * PGlite behind its socket server so that MikroORM talks to it through `pg` exactly as to a real
 * PostgreSQL. Connections are multiplexed onto the one PGlite instance, one transaction at a time.
 */
async function startEmbedded(dataDir: string, logger: Logger) {
  const dir = path.join(dataDir, 'pg');
  await fs.mkdir(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  logger.info({ dataDir: dir }, 'embedded PostgreSQL (PGlite) ready');
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Opens the database, embedded or external, and applies the committed migrations. */
export async function openDatabase({ databaseUrl, dataDir, logger, migrate = true, poolMax }: OpenDatabaseOptions): Promise<Database> {
  const embedded = databaseUrl ? undefined : await startEmbedded(dataDir, logger);
  const clientUrl = databaseUrl ?? embedded!.url;
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(ormOptions({ clientUrl, poolMax: poolMax ?? (embedded ? 4 : 10) }));
    await orm.em.getConnection().execute('select 1');
  } catch (err) {
    await embedded?.stop().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    if (databaseUrl) {
      throw new StartupError(
        `cannot reach DATABASE_URL=${redact(databaseUrl)} (${reason}): start that PostgreSQL or fix the URL, or unset DATABASE_URL to use the embedded database under SDES_DATA_DIR`,
      );
    }
    throw new StartupError(`cannot open the embedded database under SDES_DATA_DIR=${dataDir} (${reason})`);
  }
  if (migrate) {
    const applied = await orm.getMigrator().up();
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return {
    orm,
    kind: embedded ? 'embedded' : 'external',
    displayUrl: embedded ? `embedded:${path.join(dataDir, 'pg')}` : redact(clientUrl),
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await orm.close(true);
      await embedded?.stop();
    },
  };
}
