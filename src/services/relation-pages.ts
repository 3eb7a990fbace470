import { ReferenceKind, type Collection, type EntityClass, type EntityMetadata, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { executePrepared } from '../runtime/prepared-statements';
import { errors } from './errors';
import { intArray } from './filters';
import { pageWindow, type Page, type PageRequest, type PageWindow } from './paging';

/**
 * Reads for pages of rows, a fixed number of statements whatever the page size: a window of the
 * related rows of many parents at once (the GraphQL dataloaders), and a list page with its total.
 */

/**
 * An entity's own columns as plain data: what the batch reads return. Rows are not managed by
 * the EntityManager (no identity map, no change tracking): hydrating entities costs several
 * times more than the query for a page of dashboard rows (bench/graphql-vs-sql). Read them; to
 * change one, load it with the service's `get()`.
 */
export type EntityRow<T> = { [K in keyof T as T[K] extends Collection<object> ? never : K]: T[K] };

export interface RelationQuery<T extends object> {
  entity: EntityClass<T>;
  /** The table of `entity`, joined on `id`. */
  table: string;
  /**
   * Selects `child_id` (and the `order` columns) of ONE parent, whose id is `p.id`: it runs as a
   * lateral subquery per parent, so each parent's window is cut with the indexes. No `?` in it.
   */
  children: string;
  /** Columns of `children` that sort a parent's list before `child_id` (default: by child id only). */
  order?: string[];
}

/**
 * Rows of `entity`'s table (column names, as `select t.*` gives them) as EntityRows: property
 * names and JS values (dates, json), by the ORM's own compiled result mapper. Columns named
 * `__...` (a parent id, a total) are left out.
 */
export function toEntityRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: readonly Record<string, unknown>[]): EntityRow<T>[] {
  const comparator = em.getComparator();
  return rows.map((row) => {
    const own: Record<string, unknown> = {};
    for (const key in row) if (!key.startsWith('__')) own[key] = row[key];
    return comparator.mapResult(entity.name, own as never) as unknown as EntityRow<T>;
  });
}

const COLUMN = /^[a-z_]+$/;

/** The sort columns of a window of `children` (checked: they are written into the SQL). */
function windowColumns({ order = [] }: RelationQuery<object>, { offset, limit }: PageWindow): string[] {
  if (!Number.isInteger(offset) || offset < 0) throw errors.invalid('offset', 'an integer from 0', offset);
  if (!Number.isInteger(limit) || limit < 0) throw errors.invalid('first', 'an integer from 0', limit);
  const columns = [...order, 'child_id'];
  if (!columns.every((c) => COLUMN.test(c))) throw new TypeError(`relation window: order columns must be plain names: ${order.join(', ')}`);
  return columns;
}

/**
 * One window (`offset`, `limit`) of each parent's related rows, in one statement, in the order
 * of `parentIds` ([] for a parent with none).
 */
export async function relationPages<T extends object>(
  em: EntityManager,
  query: RelationQuery<T>,
  parentIds: readonly number[],
  window: PageWindow,
): Promise<EntityRow<T>[][]> {
  const columns = windowColumns(query, window);
  if (!parentIds.length || window.limit === 0) return parentIds.map(() => []);
  const sql = `select p.id as "__parent", t.* from unnest(?::int[]) with ordinality as p(id, ord)
    cross join lateral (select * from (${query.children}) c order by ${columns.join(', ')} limit ${window.limit} offset ${window.offset}) c
    join "${query.table}" t on t.id = c.child_id
    order by p.ord, ${columns.map((c) => `c.${c}`).join(', ')}`;
  const rows = await em.execute<Record<string, unknown>[]>(sql, [intArray([...new Set(parentIds)])]);
  return groupRows(parentIds, rows, (r) => Number(r.__parent)).map((list) => toEntityRows(em, query.entity, list));
}

/**
 * The same window as relationPages, for the one parent of a page row `r` (see rowPage's
 * `columns`): a JSON array of the related rows, so that a list page can bring a nested list
 * along in its own statement. With `fields` (entity properties), only those and `id` are read
 * (see `scalarFields`). Read the column back with `fromRelationColumn`.
 */
export function relationColumn(em: EntityManager, query: RelationQuery<object>, window: PageWindow, fields?: readonly string[]): string {
  const columns = windowColumns(query, window);
  const picked = scalarFields(em, query.entity, fields);
  const row = picked ? `json_build_object(${picked.columns.map((c) => `'${c}', t."${c}"`).join(', ')})` : 't';
  return `(select coalesce(json_agg(${row} order by ${columns.map((c) => `c.${c}`).join(', ')}), '[]'::json) from (select r.id) p(id)
    cross join lateral (select * from (${query.children}) c order by ${columns.join(', ')} limit ${window.limit} offset ${window.offset}) c
    join "${query.table}" t on t.id = c.child_id)`;
}

/** A relationColumn's value as EntityRows (JSON gives dates as strings: the ORM's mapper reads them back). */
export function fromRelationColumn<T extends object>(em: EntityManager, entity: EntityClass<T>, value: unknown): EntityRow<T>[] {
  return toEntityRows(em, entity, value as Record<string, unknown>[]);
}

/**
 * The properties of `fields` (entity property names) plus `id`, with their columns, when every
 * one is a scalar property stored in one column; undefined (read every column) otherwise, or
 * without `fields`. Reading fewer columns is what makes a page cheap to build, send and parse:
 * a dashboard list rarely shows more than a few of them. Rows read so have only those properties.
 */
export function scalarFields(
  em: EntityManager,
  entity: EntityClass<object>,
  fields: readonly string[] | undefined,
): { props: string[]; columns: string[] } | undefined {
  if (!fields) return undefined;
  const meta = em.getMetadata().get(entity.name);
  const picked = new Map<string, string>();
  for (const name of ['id', ...fields]) {
    const prop = meta.properties[name as never] as { kind?: string; fieldNames?: string[]; persist?: boolean } | undefined;
    if (!prop || prop.kind !== ReferenceKind.SCALAR || prop.persist === false || prop.fieldNames?.length !== 1 || !COLUMN.test(prop.fieldNames[0]))
      return undefined;
    picked.set(name, prop.fieldNames[0]);
  }
  return { props: [...picked.keys()], columns: [...picked.values()] };
}

/** Whether a filter has a condition on a relation (anything but the entity's own columns), at any depth of $and/$or/$not. */
function joinsRelation(meta: EntityMetadata, where: unknown): boolean {
  if (Array.isArray(where)) return where.some((w) => joinsRelation(meta, w));
  if (!where || typeof where !== 'object') return false;
  return Object.entries(where).some(([key, value]) => {
    if (key === '$and' || key === '$or' || key === '$not') return joinsRelation(meta, value);
    const prop = meta.properties[key as never] as { kind?: string } | undefined;
    return !prop || prop.kind !== ReferenceKind.SCALAR;
  });
}

const ORDER_DIRECTION = /^(asc|desc)( nulls (first|last))?$/i;
const COLUMN_ALIAS = /^[a-z][a-zA-Z0-9]*$/;

/** A page of rows, each with the extra columns asked for (see rowPage). */
export interface RowPage<T, C extends string = never> extends Page<EntityRow<T>> {
  /** Per item, the values of the extra columns. */
  extras: Record<C, unknown>[];
}

interface CompiledPage {
  /** `select ... from (<page without its window>) r order by ...` with `__total` and the extra columns. */
  sql: string;
  bindings: unknown[];
  countSql: string;
  countBindings: unknown[];
}

/**
 * Compiled row pages by entity, filter, order and extra columns. A list asked for again with the
 * same filter (a dashboard paging through jobs) skips MikroORM's query builder, which costs more
 * CPU than PostgreSQL takes to answer the page. Bounded: the oldest entry goes first.
 */
const compiledPages = new Map<string, CompiledPage>();
const COMPILED_PAGES_MAX = 500;

/**
 * A cache key for a filter or an order: JSON of plain data only (objects, arrays, strings,
 * numbers, booleans, null, dates). Anything else (a RegExp, an entity) could print the same for
 * different SQL, so it is not cached (undefined).
 */
function plainKey(value: unknown): string | undefined {
  let plain = true;
  const key = JSON.stringify(value, function (this: Record<string, unknown>, k, v: unknown) {
    const raw = k === '' ? value : this[k];
    // Tagged, so that a string can never read like a date (their SQL is the same, their binding not).
    if (raw instanceof Date) return `D:${raw.toISOString()}`;
    if (typeof raw === 'string') return `S:${raw}`;
    if (raw === undefined) return v;
    if (typeof raw === 'bigint' || typeof raw === 'function' || typeof raw === 'symbol') plain = false;
    else if (
      typeof raw === 'object' &&
      raw !== null &&
      !Array.isArray(raw) &&
      Object.getPrototypeOf(raw) !== Object.prototype &&
      Object.getPrototypeOf(raw) !== null
    )
      plain = false;
    return v;
  });
  return plain ? key : undefined;
}

function compilePage<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  orderBy: QueryOrderMap<T>[],
  columns: Record<string, string>,
  fields?: readonly string[],
): CompiledPage {
  const meta = em.getMetadata().get(entity.name);
  // The sort keys are read too: the outer select sorts by them.
  const sortFields = orderBy.flatMap((map) => Object.keys(map));
  const picked = fields && scalarFields(em, entity, [...fields, ...sortFields]);
  // Two fresh builders: cloning one costs more than building it again. A condition on a
  // relation joins its table, which can repeat a row: only then count distinct ids (dearer).
  const page = em
    .createQueryBuilder(entity, 'e')
    .select(picked ? (picked.props as never[]) : '*')
    .where(where)
    .orderBy(orderBy)
    .getKnexQuery()
    .toSQL();
  const count = em.createQueryBuilder(entity, 'e').count('id', joinsRelation(meta, where)).where(where).getKnexQuery().toSQL();
  // The outer select must sort again: a subquery's order is not kept by SQL's rules.
  const columnOf = new Map(meta.props.map((p) => [p.name, p.fieldNames?.[0]]));
  const order = orderBy.flatMap((map) =>
    Object.entries(map as Record<string, unknown>).map(([prop, direction]) => {
      const column = columnOf.get(prop);
      if (!column || typeof direction !== 'string' || !ORDER_DIRECTION.test(direction))
        throw new TypeError(`rowPage sorts by scalar fields only: ${prop} ${String(direction)}`);
      return `r."${column}" ${direction}`;
    }),
  );
  const extra = Object.entries(columns).map(([alias, sql]) => {
    if (!COLUMN_ALIAS.test(alias)) throw new TypeError(`rowPage column alias must be a plain name: ${alias}`);
    return `, ${sql} as "__${alias}"`;
  });
  return {
    // The window (checked integers) is added where the page is read: `<sql> limit n offset m`.
    sql: `select r.*, (${count.sql}) as "__total"${extra.join('')} from (${page.sql} limit ${WINDOW_MARK}) r${order.length ? ` order by ${order.join(', ')}` : ''}`,
    bindings: [...count.bindings, ...page.bindings],
    countSql: count.sql,
    countBindings: [...count.bindings],
  };
}

/** Where a compiled page takes its window; no `?` and nothing a filter can produce. */
const WINDOW_MARK = '/*window*/';

/**
 * One page of `entity` rows matching `where`, sorted by scalar fields, with the total, in one
 * statement and without hydrating entities. The page and the count are the two queries
 * `em.findAndCount` would send (built by MikroORM's QueryBuilder, so every filter the services
 * write works, relations included); the count rides along as a scalar subquery, and so can
 * `columns`: SQL expressions over the page row `r` (e.g. a correlated count), by alias. A page
 * past the end asks for the count on its own. With `fields`, only those properties (and `id`)
 * are read when they are all plain columns (scalarFields).
 */
export async function rowPage<T extends object, C extends string = never>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  orderBy: QueryOrderMap<T>[],
  { offset, limit }: PageWindow,
  columns: Record<C, string> = {} as Record<C, string>,
  fields?: readonly string[],
): Promise<RowPage<T, C>> {
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 0)
    throw new TypeError(`rowPage window must be integers from 0: ${offset}, ${limit}`);
  const filterKey = plainKey([where, orderBy]);
  const key = filterKey === undefined ? undefined : `${entity.name}\n${filterKey}\n${JSON.stringify(columns)}\n${fields?.join(',') ?? '*'}`;
  let compiled = key === undefined ? undefined : compiledPages.get(key);
  if (!compiled) {
    compiled = compilePage(em, entity, where, orderBy, columns, fields);
    if (key !== undefined) {
      if (compiledPages.size >= COMPILED_PAGES_MAX) compiledPages.delete(compiledPages.keys().next().value!);
      compiledPages.set(key, compiled);
    }
  }
  // A prepared statement per page text: a dashboard asks for the same pages again and again.
  const rows = await executePrepared<Record<string, unknown>>(em, compiled.sql.replace(WINDOW_MARK, `${limit} offset ${offset}`), compiled.bindings);
  const total = rows.length
    ? Number(rows[0].__total)
    : offset > 0
      ? Number((await em.execute<{ count: number }[]>(compiled.countSql, compiled.countBindings as never[]))[0].count)
      : 0;
  const aliases = Object.keys(columns) as C[];
  return {
    items: toEntityRows(em, entity, rows),
    total,
    extras: rows.map((row) => Object.fromEntries(aliases.map((a) => [a, row[`__${a}`]])) as Record<C, unknown>),
  };
}

/** One page of managed entities matching `where`, sorted, with the total: `em.findAndCount` over a page request. */
export async function entityPage<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  orderBy: QueryOrderMap<T>[] | QueryOrderMap<T>,
  page: PageRequest,
): Promise<Page<T>> {
  const { offset, limit } = pageWindow(page);
  const [items, total] = await em.findAndCount(entity, where, { orderBy: orderBy as never, offset, limit });
  return { items: items as T[], total };
}

/**
 * Throws NOT_FOUND (`what` and the id) unless a row of `entity` has this id: a list scoped to a
 * parent (a task's jobs) answers NOT_FOUND for an unknown parent, not an empty page.
 */
export async function assertExists<T extends object>(em: EntityManager, entity: EntityClass<T>, id: number, what: string): Promise<void> {
  if (!(await em.count(entity, { id } as FilterQuery<T>))) throw errors.notFound(what, id);
}

/**
 * The condition of a list scoped to a parent (a task's jobs, a job's clients): NOT_FOUND for an
 * unknown parent, else `id in` the ids that `sql` selects (as `id`) with `bindings`.
 */
export async function scopeWhere<P extends object>(
  em: EntityManager,
  parent: { entity: EntityClass<P>; id: number; what: string },
  sql: string,
  bindings: readonly unknown[],
): Promise<{ id: { $in: number[] } }> {
  await assertExists(em, parent.entity, parent.id, parent.what);
  const rows = await em.execute<{ id: number }[]>(sql, [...bindings]);
  return { id: { $in: rows.map((r) => r.id) } };
}

/** Entities by id in one statement, in the order of `ids` (null where none). */
export async function entitiesByIds<T extends { id: number }>(em: EntityManager, entity: EntityClass<T>, ids: readonly number[]): Promise<(T | null)[]> {
  if (!ids.length) return [];
  const found = (await em.find(entity, { id: { $in: [...ids] } } as never)) as T[];
  const byId = new Map(found.map((e) => [e.id, e]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Groups rows by a key into lists, in the order of `keys` ([] for a key with none). */
export function groupRows<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const byKey = new Map<K, R[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = byKey.get(k);
    if (list) list.push(row);
    else byKey.set(k, [row]);
  }
  return keys.map((k) => byKey.get(k) ?? []);
}
