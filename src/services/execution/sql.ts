import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one SQL statement with its parameters bound by the PostgreSQL driver ($1, $2, ...), in the
 * entity manager's transaction when it has one.
 *
 * `em.execute` formats every parameter into the SQL text on the client (MikroORM's formatQuery,
 * knex's quoting): for the large JSON documents ingestion sends (hundreds of kB per batch) that
 * costs much CPU and makes PostgreSQL parse it all again as SQL. Here the JSON travels as a
 * parameter. Placeholders are `?` as with `em.execute`; bind arrays as one literal (intArray).
 */
export async function queryBound<T extends unknown[] = Record<string, unknown>[]>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T> {
  const query = em.getKnex().raw(sql, params as never[]);
  const trx = em.getTransactionContext();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows: T };
  return result.rows;
}
