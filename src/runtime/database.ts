import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client as PgClient } from 'pg';
import type { Logger } from './logger';
import { ormOptions } from './orm.config';
import { usePreparedStatements } from './prepared-statements';
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
  /** Named prepared statements for the pages dashboards repeat (default true; PostgreSQL servers only, src/runtime/prepared-statements.ts). */
  preparedStatements?: boolean;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * PGlite behind its socket server so that MikroORM talks to it through `pg` exactly as to a real
 * PostgreSQL. Connections are multiplexed onto the one PGlite instance, one transaction at a time.
 * Both run on a worker thread (embedded-postgres.worker.js): PGlite executes synchronously, and
 * on the gateway's own thread it would stall everything else while it works.
 */
async function startEmbedded(dataDir: string, logger: Logger) {
  const dir = path.join(dataDir, 'pg');
  await fs.mkdir(dir, { recursive: true });
  const worker = new Worker(path.join(__dirname, 'embedded-postgres.worker.js'), { workerData: { dir } });
  const conn = await new Promise<string>((resolve, reject) => {
    const onMessage = (m: { type: string; conn?: string; error?: string }) => {
      if (m.type === 'ready') resolve(m.conn!);
      else if (m.type === 'failed') reject(new Error(m.error));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded database thread exited (code ${code})`)));
  });
  worker.removeAllListeners();
  let stopping = false;
  worker.on('error', (err) => logger.error({ err }, 'embedded PostgreSQL failed'));
  worker.on('exit', (code) => {
    if (!stopping) logger.error({ code }, 'embedded PostgreSQL stopped unexpectedly');
  });
  logger.info({ dataDir: dir }, 'embedded PostgreSQL (PGlite) ready');
  return {
    url: `postgres://postgres@${conn}/postgres`,
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = once(worker, 'exit');
      worker.postMessage('stop');
      await exited;
    },
  };
}

/** Opens the database, embedded or external, and applies the committed migrations. */
export async function openDatabase({
  databaseUrl,
  dataDir,
  logger,
  migrate = true,
  poolMax,
  preparedStatements = true,
}: OpenDatabaseOptions): Promise<Database> {
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
  // PGlite's socket server puts every connection on one session: there, no prepared statements.
  if (!embedded && preparedStatements) usePreparedStatements(orm);
  // /healthz asks on a connection of its own: through the pool it would wait behind every query
  // queued there, and report the load rather than whether the database answers.
  let health: PgClient | undefined;
  const healthClient = async (): Promise<PgClient> => {
    if (health) return health;
    const client = new PgClient({ connectionString: clientUrl });
    client.on('error', () => undefined); // reported by the next ping
    await client.connect();
    return (health = client);
  };
  return {
    orm,
    kind: embedded ? 'embedded' : 'external',
    displayUrl: embedded ? `embedded:${path.join(dataDir, 'pg')}` : redact(clientUrl),
    async ping() {
      try {
        await (await healthClient()).query('select 1');
        return true;
      } catch {
        const dead = health;
        health = undefined;
        await dead?.end().catch(() => undefined);
        return false;
      }
    },
    async close() {
      await health?.end().catch(() => undefined);
      health = undefined;
      await orm.close(true);
      await embedded?.stop();
    },
  };
}
