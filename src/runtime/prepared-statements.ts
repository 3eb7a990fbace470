import { createHash } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/**
 * Named prepared statements for the statements a dashboard sends again and again (a page of jobs
 * as it pages and refreshes; issue 12). PostgreSQL plans a statement every time it is sent as
 * text, and the job page's plan (a subquery per count, a lateral window of tasks) took longer to
 * make than to run: about 1 ms of the 2 ms the page took. A named statement without parameters
 * is planned once per connection and kept. PostGraphile does the same (its pgPrepareAndRun).
 *
 * Only where every pooled connection is a session of its own: the embedded PGlite multiplexes all
 * of them onto one session, where two connections would prepare the same name. A pooler in
 * transaction mode (PgBouncer before 1.21) does not keep them either: DATABASE_PREPARED_STATEMENTS=false.
 */

/** Statements kept prepared per connection; the least recently used is deallocated beyond it. */
export const PREPARED_PER_CONNECTION = 100;

/** The part of pg's Client used here. */
interface PgConnection {
  query(config: { name: string; text: string }): Promise<{ rows: unknown[] }>;
  query(text: string): Promise<unknown>;
  /**
   * pg's own record of the names it has parsed on this connection (it sends Parse only for a name
   * not in it): a deallocated name must leave it too, or pg would bind a statement that is gone.
   */
  connection?: { parsedStatements?: Record<string, string> };
}

/** The part of knex's client (MikroORM's pool) used here. */
interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/** Knex clients (one per MikroORM instance) whose connections may hold prepared statements. */
const enabled = new WeakSet<object>();
/** Per connection, the names it holds, least recently used first. */
const held = new WeakMap<PgConnection, Set<string>>();

/** Lets `executePrepared` prepare statements on `orm`'s connections (call for a PostgreSQL server, not PGlite). */
export function usePreparedStatements(orm: MikroORM): void {
  enabled.add(orm.em.getConnection().getKnex().client as object);
}

function statementName(text: string): string {
  return `sdes_${createHash('sha1').update(text).digest('hex')}`;
}

/** Marks `name` as used on `connection` and deallocates the least recently used beyond the bound. */
function hold(connection: PgConnection, name: string): void {
  let names = held.get(connection);
  if (!names) held.set(connection, (names = new Set()));
  names.delete(name);
  names.add(name);
  if (names.size <= PREPARED_PER_CONNECTION) return;
  const oldest = names.values().next().value!;
  names.delete(oldest);
  forget(connection, oldest);
}

/** Deallocates `name` on `connection`; pg queues it before any later query on the connection. */
function forget(connection: PgConnection, name: string): void {
  held.get(connection)?.delete(name);
  delete connection.connection?.parsedStatements?.[name];
  // A failure leaves the statement on the server until the connection closes; nothing else depends on it.
  connection.query(`deallocate "${name}"`).catch(() => undefined);
}

/**
 * Runs `sql` with `params` as `em.execute` does (the same text: MikroORM writes the values into
 * it), as a named prepared statement on a pooled connection of its own when `orm` allows them
 * (usePreparedStatements), else through `em.execute`; inside a transaction always `em.execute`,
 * on the transaction's connection. Errors are MikroORM's, as from `em.execute`.
 */
export async function executePrepared<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const knex = em.getConnection().getKnex();
  if (!enabled.has(knex.client as object) || em.getTransactionContext()) return em.execute<T[]>(sql, [...params]);
  const text = em.getPlatform().formatQuery(sql, [...params]);
  const name = statementName(text);
  const pool = knex.client as unknown as PoolClient;
  const connection = await pool.acquireConnection();
  try {
    hold(connection, name);
    try {
      return (await connection.query({ name, text })).rows as T[];
    } catch (err) {
      // A table changed under the statement (a migration by another gateway): prepare it anew once.
      if ((err as { code?: string }).code !== '0A000') throw err;
      forget(connection, name);
      hold(connection, name);
      return (await connection.query({ name, text })).rows as T[];
    }
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    await pool.releaseConnection(connection);
  }
}
