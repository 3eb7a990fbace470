import type { EntityManager } from '@mikro-orm/postgresql';
import { Attribute, Client, ClientAttributeValue, Group, Job, Task } from '../entities';
import type { ClientAttributeView } from '../services/client.service';
import { intArray } from '../services/filters';

/**
 * Batched reads of relations for many parents at once, which the services do not offer yet.
 * INTERIM: each export here is written as the service method it should become (same inputs and
 * outputs, see docs/graphql.md "Service methods the GraphQL layer needs"); once the services
 * have them, the loaders call those and this file goes away. Resolvers never call it directly.
 */

/** Which slice of each parent's list to return (offset from 0). */
export interface ListWindow {
  offset: number;
  limit: number;
}

interface Relation {
  entity: { new (...args: never[]): object };
  table: string;
  /** Selects (parent_id, child_id, sort) for the parents `= any(?::int[])`; every `?` is the id array (bound as one array literal). */
  pairs: string;
}

/** Jobs that reach a client: direct bindings, plus the jobs of the groups it belongs to. */
const CLIENT_JOB_PAIRS = `
  select jc.client_id as parent_id, jc.job_id as child_id from job_client jc where jc.client_id = any(?::int[])
  union select gc.client_id, jg.job_id from job_group jg join group_client gc on gc.group_id = jg.group_id where gc.client_id = any(?::int[])`;

/** Clients a job reaches (direct bindings, plus the members of its groups) for the jobs `= any(jobs)`. */
const jobClientPairs = (jobs: string) => `
  select jc.job_id as parent_id, jc.client_id as child_id from job_client jc where jc.job_id = any(${jobs})
  union select jg.job_id, gc.client_id from job_group jg join group_client gc on gc.group_id = jg.group_id where jg.job_id = any(${jobs})`;

const RELATIONS = {
  clientGroups: { entity: Group, table: 'client_group', pairs: 'select client_id as parent_id, group_id as child_id, group_id as sort from group_client where client_id = any(?::int[])' },
  clientJobs: { entity: Job, table: 'job', pairs: `select parent_id, child_id, child_id as sort from (${CLIENT_JOB_PAIRS}) cj` },
  clientTasks: {
    entity: Task,
    table: 'task',
    pairs: `select distinct cj.parent_id, jt.task_id as child_id, jt.task_id as sort from (${CLIENT_JOB_PAIRS}) cj join job_task jt on jt.job_id = cj.child_id`,
  },
  groupClients: { entity: Client, table: 'client', pairs: 'select group_id as parent_id, client_id as child_id, client_id as sort from group_client where group_id = any(?::int[])' },
  groupJobs: { entity: Job, table: 'job', pairs: 'select group_id as parent_id, job_id as child_id, job_id as sort from job_group where group_id = any(?::int[])' },
  jobGroups: { entity: Group, table: 'client_group', pairs: 'select job_id as parent_id, group_id as child_id, group_id as sort from job_group where job_id = any(?::int[])' },
  jobClients: { entity: Client, table: 'client', pairs: 'select job_id as parent_id, client_id as child_id, client_id as sort from job_client where job_id = any(?::int[])' },
  jobTargetClients: { entity: Client, table: 'client', pairs: `select parent_id, child_id, child_id as sort from (${jobClientPairs('?')}) jc` },
  taskJobs: { entity: Job, table: 'job', pairs: 'select task_id as parent_id, job_id as child_id, job_id as sort from job_task where task_id = any(?::int[])' },
  taskClients: {
    entity: Client,
    table: 'client',
    pairs: `select distinct jt.task_id as parent_id, jc.child_id, jc.child_id as sort from job_task jt
      join (${jobClientPairs('select job_id from job_task where task_id = any(?::int[])')}) jc on jc.parent_id = jt.job_id where jt.task_id = any(?::int[])`,
  },
} satisfies Record<string, Relation>;

export type RelationName = keyof typeof RELATIONS;

/** The id array once for every `?` of the pairs query. */
function idParams(sql: string, ids: number[]): string[] {
  return Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => intArray(ids));
}

/**
 * One page of each parent's related entities in one statement (a window per parent), in the
 * order of `parentIds`. Rows become managed entities of the operation's EntityManager.
 */
export async function relationPages(em: EntityManager, name: RelationName, parentIds: number[], { offset, limit }: ListWindow): Promise<object[][]> {
  if (!parentIds.length) return [];
  const rel: Relation = RELATIONS[name];
  const sql = `select p.parent_id as "__parent", t.* from (
      select parent_id, child_id, row_number() over (partition by parent_id order by sort, child_id) as rn from (${rel.pairs}) x
    ) p join "${rel.table}" t on t.id = p.child_id
    where p.rn > ? and p.rn <= ? order by p.parent_id, p.rn`;
  const rows = await em.execute<Record<string, unknown>[]>(sql, [...idParams(rel.pairs, parentIds), offset, offset + limit]);
  const byParent = new Map<number, object[]>();
  for (const { __parent, ...row } of rows) {
    const list = byParent.get(Number(__parent)) ?? [];
    list.push(em.map(rel.entity as never, row));
    byParent.set(Number(__parent), list);
  }
  return parentIds.map((id) => byParent.get(id) ?? []);
}

/** How many related entities each parent has, in one grouped statement, in the order of `parentIds`. */
export async function relationCounts(em: EntityManager, name: RelationName, parentIds: number[]): Promise<number[]> {
  if (!parentIds.length) return [];
  const rel: Relation = RELATIONS[name];
  const sql = `select parent_id, count(distinct child_id)::int as n from (${rel.pairs}) x group by parent_id`;
  const rows = await em.execute<{ parent_id: number; n: number }[]>(sql, idParams(rel.pairs, parentIds));
  const byId = new Map(rows.map((r) => [Number(r.parent_id), r.n]));
  return parentIds.map((id) => byId.get(id) ?? 0);
}

const ENTITY_BY_NAME = { Attribute, Client, Group, Job, Task } as const;

export const relationRows = {
  /** Entities by id, in the order of `ids` (null where none). */
  async byIds(em: EntityManager, entity: keyof typeof ENTITY_BY_NAME, ids: number[]): Promise<(object | null)[]> {
    const found = (await em.find(ENTITY_BY_NAME[entity] as never, { id: { $in: ids } } as never)) as { id: number }[];
    const byId = new Map(found.map((e) => [e.id, e]));
    return ids.map((id) => byId.get(id) ?? null);
  },

  /** Every attribute with each client's value or the default (as ClientService.attributes), two statements for all clients. */
  async clientAttributes(em: EntityManager, clientIds: number[]): Promise<ClientAttributeView[][]> {
    const [defs, values] = await Promise.all([
      em.find(Attribute, {}, { orderBy: { id: 'asc' } }),
      em.find(ClientAttributeValue, { client: { $in: clientIds } }),
    ]);
    const value = new Map(values.map((v) => [`${v.client.id}:${v.attribute.id}`, v.value]));
    return clientIds.map((cid) =>
      defs.map((a) => {
        const key = `${cid}:${a.id}`;
        return {
          attributeId: a.id,
          attributeName: a.name,
          type: a.type,
          attributeValue: value.has(key) ? value.get(key)! : a.defaultValue,
          display: a.display,
          readOnly: a.readOnly,
        };
      }),
    );
  },
};
