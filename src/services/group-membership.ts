import { Attribute, Group, GROUP_TYPES } from '../entities';
import { errors } from './errors';
import { intArray } from './filters';
import type { ServiceContext } from './service-context';

export const GROUP_OPERATIONS = ['EQ', 'NE', 'CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'IN', 'GT', 'GE', 'LT', 'LE'] as const;
export type GroupOperation = (typeof GROUP_OPERATIONS)[number];

/** Client fields a dynamic group may query, by the names the API uses, and their SQL as text. */
const CLIENT_FIELDS: Record<string, string> = {
  clientId: 'c.id::text',
  mqttClientId: 'c.mqtt_client_id',
  username: 'c.username',
  ip: 'c.ip',
  ipAddress: 'c.ip',
  hostname: 'c.hostname',
  role: 'c.role',
  status: 'c.status',
  enable: 'c.enable::text',
  enabled: 'c.enable::text',
  connectedAt: '(extract(epoch from c.connected_at) * 1000)::bigint::text',
  disconnectedAt: '(extract(epoch from c.disconnected_at) * 1000)::bigint::text',
  createAt: '(extract(epoch from c.created_at) * 1000)::bigint::text',
  createdAt: '(extract(epoch from c.created_at) * 1000)::bigint::text',
};

export const CLIENT_QUERY_PROPERTIES = Object.keys(CLIENT_FIELDS);

// No '?' in the pattern: knex would read it as a binding.
const NUMERIC = `'^\\s*-{0,1}[0-9]+(\\.[0-9]+){0,1}\\s*$'`;

function splitList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      /* fall through to a comma list */
    }
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The SQL condition and parameters for `expr operation value`. */
function condition(expr: string, operation: GroupOperation, value: string): { sql: string; params: unknown[] } {
  switch (operation) {
    case 'EQ':
      return { sql: `${expr} = ?`, params: [value] };
    case 'NE':
      return { sql: `${expr} is distinct from ?`, params: [value] };
    case 'CONTAINS':
      return { sql: `${expr} ilike ('%' || ? || '%')`, params: [escape(value)] };
    case 'STARTS_WITH':
      return { sql: `${expr} ilike (? || '%')`, params: [escape(value)] };
    case 'ENDS_WITH':
      return { sql: `${expr} ilike ('%' || ?)`, params: [escape(value)] };
    case 'IN': {
      const list = splitList(value);
      // knex binds a JS array as a comma list: array[?] takes it; an empty list matches nobody.
      return list.length ? { sql: `${expr} = any(array[?]::text[])`, params: [list] } : { sql: 'false', params: [] };
    }
    case 'GT':
    case 'GE':
    case 'LT':
    case 'LE': {
      const op = { GT: '>', GE: '>=', LT: '<', LE: '<=' }[operation];
      // Numbers compare as numbers, anything else as text: "10" > "9" must hold for a store number.
      if (/^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
        return { sql: `(case when ${expr} ~ ${NUMERIC} then (${expr})::numeric end) ${op} ?::numeric`, params: [value] };
      }
      return { sql: `${expr} ${op} ?`, params: [value] };
    }
  }
}

function escape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Checks a dynamic group's query: the property must be a client field or an attribute name,
 * the operation one of GROUP_OPERATIONS, the value present.
 */
export async function checkGroupQuery(
  ctx: ServiceContext,
  q: { queryProperty?: string | null; queryOperation?: string | null; queryValue?: string | null },
): Promise<void> {
  if (!q.queryProperty) throw errors.invalid('queryProperty', `a client field (${CLIENT_QUERY_PROPERTIES.join(', ')}) or an attribute name`);
  if (!CLIENT_FIELDS[q.queryProperty] && !(await ctx.em.count(Attribute, { name: q.queryProperty }))) {
    throw errors.invalid('queryProperty', `a client field (${CLIENT_QUERY_PROPERTIES.join(', ')}) or an attribute name`, q.queryProperty);
  }
  if (!q.queryOperation || !(GROUP_OPERATIONS as readonly string[]).includes(q.queryOperation)) {
    throw errors.invalid('queryOperation', GROUP_OPERATIONS.join(', '), q.queryOperation ?? undefined);
  }
  if (q.queryValue === undefined || q.queryValue === null) throw errors.invalid('queryValue', 'a string (a comma-separated list or JSON array for IN)');
}

export type GroupQuery = Pick<Group, 'queryProperty' | 'queryOperation' | 'queryValue'>;

/** The member-selecting query of one dynamic group (saved or not). */
async function matchSql(ctx: ServiceContext, group: GroupQuery): Promise<{ sql: string; params: unknown[] } | null> {
  const property = group.queryProperty ?? '';
  const operation = group.queryOperation as GroupOperation;
  if (!(GROUP_OPERATIONS as readonly string[]).includes(operation) || group.queryValue === null) return null;
  const field = CLIENT_FIELDS[property];
  if (field) {
    const cond = condition(field, operation, group.queryValue);
    return { sql: `select c.id from client c where ${cond.sql}`, params: cond.params };
  }
  const attribute = await ctx.em.findOne(Attribute, { name: property });
  if (!attribute) return null; // the attribute was deleted: the group matches nobody
  const cond = condition('coalesce(v.value, a.default_value)', operation, group.queryValue);
  return {
    sql: `select c.id from client c join attribute a on a.id = ? left join client_attribute_value v on v.client_id = c.id and v.attribute_id = a.id where ${cond.sql}`,
    params: [attribute.id, ...cond.params],
  };
}

/** The clients a dynamic group's query matches now: how many, and the first ids of them. */
export interface GroupQueryMatch {
  total: number;
  clientIds: number[];
}

/**
 * Runs a dynamic group's query without saving a group, with the very SQL that keeps saved groups'
 * members (matchSql), so the query builder's preview is what the group will hold. The query is
 * checked as createGroup checks it: errors name queryProperty, queryOperation or queryValue.
 */
export async function previewGroupQuery(ctx: ServiceContext, q: GroupQuery, first: number): Promise<GroupQueryMatch> {
  await checkGroupQuery(ctx, q);
  const match = (await matchSql(ctx, q)) ?? { sql: 'select c.id from client c where false', params: [] };
  const [row] = await ctx.em.execute<{ total: number; ids: number[] }[]>(
    `with matched as (${match.sql})
     select (select count(*) from matched)::int as total,
            coalesce((select json_agg(id order by id) from (select id from matched order by id limit ?) f), '[]'::json) as ids`,
    [...match.params, first],
  );
  return { total: row.total, clientIds: row.ids };
}

export interface RefreshScope {
  /** Only these groups. */
  groupIds?: number[];
  /** Only groups whose property is one of these client fields... */
  clientFields?: string[];
  /** ...or one of these attribute names. */
  attributeNames?: string[];
}

/**
 * Re-evaluates dynamic groups and rewrites their materialised members in one statement each.
 * `membershipChangedAt` moves only when the member set changed; `lastRefreshedAt` always.
 * Returns the ids of the groups whose members changed.
 */
export async function refreshDynamicGroups(ctx: ServiceContext, scope: RefreshScope = {}): Promise<number[]> {
  const where: Record<string, unknown> = { type: GROUP_TYPES.DYNAMIC };
  if (scope.groupIds) where.id = { $in: scope.groupIds };
  else if (scope.clientFields || scope.attributeNames) {
    where.queryProperty = { $in: [...(scope.clientFields ?? []), ...(scope.attributeNames ?? [])] };
  }
  const groups = await ctx.em.find(Group, where);
  const changed: number[] = [];
  const now = ctx.clock.now();
  for (const group of groups) {
    const match = (await matchSql(ctx, group)) ?? { sql: 'select c.id from client c where false', params: [] };
    const [row] = await ctx.em.execute<{ changed: number }[]>(
      `with matched as (${match.sql}),
        del as (delete from group_client gc where gc.group_id = ? and gc.client_id not in (select id from matched) returning 1),
        ins as (insert into group_client (group_id, client_id) select ?, id from matched on conflict do nothing returning 1)
       select ((select count(*) from del) + (select count(*) from ins))::int as changed`,
      [...match.params, group.id, group.id],
    );
    group.lastRefreshedAt = now;
    if (row.changed > 0) {
      group.membershipChangedAt = now;
      changed.push(group.id);
    }
  }
  await ctx.em.flush();
  return changed;
}

/**
 * Adds or removes static members in one statement per direction, inside one transaction;
 * moves `membershipChangedAt` of the groups whose members changed.
 */
export async function changeStaticMembers(ctx: ServiceContext, groupIds: number[], clientIds: number[], change: 'add' | 'remove'): Promise<void> {
  if (!groupIds.length || !clientIds.length) return;
  await ctx.em.transactional(async (em) => {
    const rows =
      change === 'add'
        ? await em.execute<{ group_id: number }[]>(
            'insert into group_client (group_id, client_id) select g, c from unnest(?::int[]) g cross join unnest(?::int[]) c on conflict do nothing returning group_id',
            [intArray(groupIds), intArray(clientIds)],
          )
        : await em.execute<{ group_id: number }[]>('delete from group_client where group_id = any(?::int[]) and client_id = any(?::int[]) returning group_id', [
            intArray(groupIds),
            intArray(clientIds),
          ]);
    const changed = [...new Set(rows.map((r) => r.group_id))];
    if (changed.length) await em.nativeUpdate(Group, { id: { $in: changed } }, { membershipChangedAt: ctx.clock.now() });
  });
}
