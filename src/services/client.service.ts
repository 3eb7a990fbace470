import type { FilterQuery } from '@mikro-orm/core';
import { Client, Group, GROUP_TYPES, Job, Task } from '../entities';
import { attributeViews, setAttributeValues, type AttributeValueInput, type ClientAttributeView } from './client-attributes';
import { errors } from './errors';
import { parseInput } from './schemas/parse';
import { clientCreateSchema, clientUpdateSchema, type ClientInput } from './schemas/client.schema';
import { applyNameFilter, applyTimeRanges, intArray } from './filters';
import { clientFilterFields, clientFilterSchema, parseFilter, type ClientFilter } from './schemas/filter.schema';
import type { z } from './schemas/zod';
import { changeStaticMembers, refreshDynamicGroups } from './group-membership';
import { orderByOf, type ClientOrderField } from './ordering';
import { pageWindow, type ListRequest, type Page, type PageWindow } from './paging';
import { assertExists, entitiesByIds, scopeWhere, relationPages, rowPage, type EntityRow, type RelationQuery } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';
import { CLIENTS_OF_JOB_SQL, jobsOfTask, reach } from './targeting';

export type { ClientFilter };

/** What the client list takes (see ClientService.list). */
export interface ClientListRequest extends ListRequest<ClientFilter, ClientOrderField> {
  /** Each client's counts (four more statements). */
  counts?: boolean;
}

/** A page of clients; `counts` (when asked for) in the order of `items`. */
export interface ClientPage extends Page<EntityRow<Client>> {
  counts?: ClientCounts[];
}

/** The clients the jobs of one task reach (`?` twice: the task id). */
const CLIENTS_OF_TASK = reach({ select: 'client', job: jobsOfTask('?') });

/** The client filter's own fields (the scopes aside) as an ORM filter. */
function clientWhere(filter: Partial<z.output<z.ZodObject<typeof clientFilterFields>>>): FilterQuery<Client> {
  const where: Record<string, unknown> = {};
  if (filter.id != null) where.id = filter.id;
  applyNameFilter(where, 'username', filter.username, filter.usernameContains);
  if (filter.mqttClientId?.length) where.mqttClientId = { $in: filter.mqttClientId };
  else applyNameFilter(where, 'mqttClientId', undefined, filter.mqttClientIdContains);
  if (filter.status != null) where.status = filter.status;
  if (filter.enabled != null) where.enable = filter.enabled;
  if (filter.role != null) where.role = filter.role;
  applyTimeRanges(where, { connectedAt: filter.connectedAt, disconnectedAt: filter.disconnectedAt, createdAt: filter.createdAt });
  return where as FilterQuery<Client>;
}

export type { ClientInput };

export type { ClientAttributeView };

export interface ClientCounts {
  attributes: number;
  groups: number;
  jobs: number;
  tasks: number;
}

/** (job, client) pairs of the clients in `any(?)` (the array twice). */
const REACH_OF_CLIENTS = reach({ select: 'pair', client: '= any(?::int[])' });

/** The jobs that reach the client `p.id`: bound directly or through one of its groups. */
const JOBS_OF_CLIENT = reach({ select: 'job', client: '= p.id' });

const GROUPS_OF_CLIENTS: RelationQuery<Group> = {
  entity: Group,
  table: 'client_group',
  children: 'select group_id as child_id from group_client where client_id = p.id',
};

const JOBS_OF_CLIENTS: RelationQuery<Job> = { entity: Job, table: 'job', children: `select job_id as child_id from (${JOBS_OF_CLIENT}) j` };

const TASKS_OF_CLIENTS: RelationQuery<Task> = {
  entity: Task,
  table: 'task',
  children: `select distinct jt.task_id as child_id from job_task jt where jt.job_id in (${JOBS_OF_CLIENT})`,
};

/** Client fields whose change can move a client in or out of a dynamic group. */
const MEMBERSHIP_FIELDS = ['mqttClientId', 'username', 'ip', 'hostname', 'role', 'enable', 'status', 'connectedAt', 'disconnectedAt', 'createdAt'];

/** 0 and null both mean "never". */
function toDate(ms: number | null | undefined): Date | null {
  return ms ? new Date(ms) : null;
}

/** Clients (agents): registration, edits, enable/disable, their groups, jobs, tasks and attributes. */
export class ClientService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  /**
   * The client list of both doors: clients matching `filter` (with at most one scope: a group's
   * members, the clients bound to a job directly, the clients a job reaches, the clients a task's
   * jobs reach; NOT_FOUND for an unknown one), sorted by `orderBy` (default id ascending), one
   * page of plain rows. With `counts`, each client's counts (see countsByClient).
   */
  async list(request: ClientListRequest & { counts: true }): Promise<ClientPage & { counts: ClientCounts[] }>;
  async list(request?: ClientListRequest): Promise<ClientPage>;
  async list({ filter, orderBy, page, fields, counts }: ClientListRequest = {}): Promise<ClientPage> {
    const { groupId, jobId, targetOfJobId, taskId, ...rest } = parseFilter(clientFilterSchema, filter);
    const where: FilterQuery<Client>[] = [clientWhere(rest)];
    if (groupId != null) {
      await assertExists(this.em, Group, groupId, 'group');
      where.push({ groups: groupId });
    } else if (jobId != null) {
      where.push(await scopeWhere(this.em, { entity: Job, id: jobId, what: 'job' }, 'select client_id as id from job_client where job_id = ?', [jobId]));
    } else if (targetOfJobId != null) {
      const sql = `select client_id as id from (${CLIENTS_OF_JOB_SQL}) t`;
      where.push(await scopeWhere(this.em, { entity: Job, id: targetOfJobId, what: 'job' }, sql, [targetOfJobId, targetOfJobId]));
    } else if (taskId != null) {
      const sql = `select distinct client_id as id from (${CLIENTS_OF_TASK}) t`;
      where.push(await scopeWhere(this.em, { entity: Task, id: taskId, what: 'task' }, sql, [taskId, taskId]));
    }
    const { items, total } = await rowPage(this.em, Client, { $and: where } as FilterQuery<Client>, orderByOf('client', orderBy), pageWindow(page), {}, fields);
    return counts ? { items, total, counts: await this.countsByClient(items.map((c) => c.id)) } : { items, total };
  }

  async get(id: number): Promise<Client> {
    const client = await this.em.findOne(Client, { id });
    if (!client) throw errors.notFound('client', id);
    return client;
  }

  /** Clients by id in one statement, in the order of `ids` (null where none). */
  async getMany(ids: readonly number[]): Promise<(Client | null)[]> {
    return entitiesByIds(this.em, Client, ids);
  }

  async getByMqttClientId(mqttClientId: string): Promise<Client | null> {
    return this.em.findOne(Client, { mqttClientId });
  }

  async create(raw: ClientInput): Promise<Client> {
    const input = parseInput(clientCreateSchema, raw);
    if (await this.em.count(Client, { mqttClientId: input.mqttClientId })) {
      throw errors.conflict('mqttClientId', `a client with mqttClientId "${input.mqttClientId}" already exists`);
    }
    const client = await this.em.transactional(async (em) => {
      const created = em.create(Client, {
        mqttClientId: input.mqttClientId,
        username: input.username ?? null,
        ip: input.ip || null,
        role: input.role ?? 'STORE',
        enable: input.enable ?? false,
        status: input.status || 'OFFLINE',
        connectedAt: toDate(input.connectedAt),
        disconnectedAt: toDate(input.disconnectedAt),
        createdAt: this.ctx.clock.now(),
      });
      await em.flush();
      await refreshDynamicGroups({ ...this.ctx, em }, { clientFields: MEMBERSHIP_FIELDS });
      return created;
    });
    publishChange(this.ctx, 'CLIENT', 'CREATED', client.id);
    return client;
  }

  async update(id: number, raw: ClientInput): Promise<Client> {
    const input = parseInput(clientUpdateSchema, raw);
    const client = await this.get(id);
    if (input.mqttClientId != null && input.mqttClientId !== client.mqttClientId) {
      if (await this.em.count(Client, { mqttClientId: input.mqttClientId, id: { $ne: id } })) {
        throw errors.conflict('mqttClientId', `a client with mqttClientId "${input.mqttClientId}" already exists`);
      }
      client.mqttClientId = input.mqttClientId;
    }
    if (input.username !== undefined) client.username = input.username;
    if (input.ip !== undefined) client.ip = input.ip || null;
    if (input.role != null) client.role = input.role;
    if (input.enable != null) client.enable = input.enable;
    if (input.status) client.status = input.status;
    if (input.connectedAt !== undefined) client.connectedAt = toDate(input.connectedAt);
    if (input.disconnectedAt !== undefined) client.disconnectedAt = toDate(input.disconnectedAt);
    await this.em.transactional(async (em) => {
      await em.flush();
      await refreshDynamicGroups({ ...this.ctx, em }, { clientFields: MEMBERSHIP_FIELDS });
    });
    publishChange(this.ctx, 'CLIENT', 'UPDATED', id);
    return client;
  }

  async delete(id: number): Promise<void> {
    const client = await this.get(id);
    await this.em.removeAndFlush(client);
    publishChange(this.ctx, 'CLIENT', 'DELETED', id);
  }

  async setEnabled(id: number, enable: boolean): Promise<Client> {
    return this.update(id, { enable });
  }

  /** One window of each client's groups (by id) in one statement, in the order of `ids`. */
  async groupsByClient(ids: readonly number[], window: PageWindow): Promise<EntityRow<Group>[][]> {
    return relationPages(this.em, GROUPS_OF_CLIENTS, ids, window);
  }

  /** One window of the jobs reaching each client (directly or through groups, by id), in one statement. */
  async jobsByClient(ids: readonly number[], window: PageWindow): Promise<EntityRow<Job>[][]> {
    return relationPages(this.em, JOBS_OF_CLIENTS, ids, window);
  }

  /** One window of the tasks of the jobs reaching each client (by id), in one statement. */
  async tasksByClient(ids: readonly number[], window: PageWindow): Promise<EntityRow<Task>[][]> {
    return relationPages(this.em, TASKS_OF_CLIENTS, ids, window);
  }

  /** Every attribute definition with this client's value (or the default). */
  async attributes(id: number): Promise<ClientAttributeView[]> {
    await this.get(id);
    const [view] = await this.attributesByClient([id]);
    return view;
  }

  /**
   * Every attribute definition with each client's value or the default, two statements for all
   * the clients, in the order of `ids`.
   */
  async attributesByClient(ids: readonly number[]): Promise<ClientAttributeView[][]> {
    return attributeViews(this.em, ids);
  }

  /**
   * Sets attribute values of one client, all or none. Read-only attributes are refused, and each
   * value must fit its attribute's type (NUMBER, BOOLEAN "true"/"false", DATE ISO or epoch ms;
   * null or "" clears it).
   */
  async setAttributes(id: number, values: readonly AttributeValueInput[]): Promise<void> {
    await setAttributeValues(this.ctx, await this.get(id), values);
    publishChange(this.ctx, 'CLIENT', 'UPDATED', id);
  }

  /** Adds the client to static groups; dynamic groups take members only through their query. */
  async bindGroups(id: number, groupIds: number[]): Promise<void> {
    await this.get(id);
    await this.staticGroups(groupIds);
    await changeStaticMembers(this.ctx, groupIds, [id], 'add');
    publishChange(this.ctx, 'CLIENT', 'UPDATED', id);
  }

  async unbindGroups(id: number, groupIds: number[]): Promise<void> {
    await this.get(id);
    await this.staticGroups(groupIds);
    await changeStaticMembers(this.ctx, groupIds, [id], 'remove');
    publishChange(this.ctx, 'CLIENT', 'UPDATED', id);
  }

  private async staticGroups(groupIds: number[]): Promise<Group[]> {
    const groups = await this.em.find(Group, { id: { $in: groupIds } });
    for (const gid of groupIds) {
      const g = groups.find((x) => x.id === gid);
      if (!g) throw errors.notFound('group', gid);
      if (g.type === GROUP_TYPES.DYNAMIC) throw errors.invalid('groupIds', `static groups (group ${gid} is dynamic: its members follow its query)`, gid);
    }
    return groups;
  }

  async countInfo(id: number): Promise<ClientCounts> {
    await this.get(id);
    const [counts] = await this.countsByClient([id]);
    return counts;
  }

  /**
   * Counts for many clients in four grouped statements (dashboards and dataloaders).
   * Returned in the order of `ids`.
   */
  async countsByClient(ids: number[]): Promise<ClientCounts[]> {
    if (!ids.length) return [];
    const conn = this.em;
    const [attrs, groups, jobs, tasks] = await Promise.all([
      conn.execute<{ id: number; n: number }[]>('select count(*)::int as n from attribute'),
      conn.execute<{ id: number; n: number }[]>(
        'select client_id as id, count(*)::int as n from group_client where client_id = any(?::int[]) group by client_id',
        [intArray(ids)],
      ),
      conn.execute<{ id: number; n: number }[]>(
        `select t.client_id as id, count(distinct t.job_id)::int as n from (${REACH_OF_CLIENTS}) t group by t.client_id`,
        [intArray(ids), intArray(ids)],
      ),
      conn.execute<{ id: number; n: number }[]>(
        `select t.client_id as id, count(distinct jt.task_id)::int as n from (${REACH_OF_CLIENTS}) t join job_task jt on jt.job_id = t.job_id group by t.client_id`,
        [intArray(ids), intArray(ids)],
      ),
    ]);
    const toMap = (rows: { id: number; n: number }[]) => new Map(rows.map((r) => [r.id, r.n]));
    const g = toMap(groups);
    const j = toMap(jobs);
    const t = toMap(tasks);
    return ids.map((id) => ({ attributes: attrs[0]?.n ?? 0, groups: g.get(id) ?? 0, jobs: j.get(id) ?? 0, tasks: t.get(id) ?? 0 }));
  }
}
