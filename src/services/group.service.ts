import type { FilterQuery } from '@mikro-orm/core';
import { Client, Group, GROUP_TYPES, Job, JobGroup } from '../entities';
import { errors } from './errors';
import { f } from './schemas/fields';
import { parseInput } from './schemas/parse';
import { groupCreateSchema, groupQuerySchema, groupUpdateSchema, type GroupInput } from './schemas/group.schema';
import { applyNameFilter, applyTimeRanges, intArray } from './filters';
import { groupFilterSchema, parseFilter, type GroupFilter } from './schemas/filter.schema';
import { changeStaticMembers, checkGroupQuery, previewGroupQuery, refreshDynamicGroups, type GroupQuery, type GroupQueryMatch } from './group-membership';
import { orderByOf, type GroupOrderField } from './ordering';
import { pageWindow, type ListRequest, type Page, type PageWindow } from './paging';
import { assertExists, entitiesByIds, scopeWhere, relationPages, rowPage, type EntityRow, type RelationQuery } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';

export type { GroupFilter };

export type { GroupInput };

const CLIENTS_OF_GROUPS: RelationQuery<Client> = {
  entity: Client,
  table: 'client',
  children: 'select client_id as child_id from group_client where group_id = p.id',
};

const JOBS_OF_GROUPS: RelationQuery<Job> = { entity: Job, table: 'job', children: 'select job_id as child_id from job_group where group_id = p.id' };

/** Client groups: static ones hold bound members, dynamic ones the clients their query matches. */
export class GroupService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  /**
   * The group list of both doors: groups matching `filter` (with at most one scope: a client's
   * groups, the groups a job is aimed at; NOT_FOUND for an unknown one), sorted by `orderBy`
   * (default id ascending), one page of plain rows.
   */
  async list({ filter, orderBy, page, fields }: ListRequest<GroupFilter, GroupOrderField> = {}): Promise<Page<EntityRow<Group>>> {
    const { clientId, jobId, ...rest } = parseFilter(groupFilterSchema, filter);
    const where: Record<string, unknown> = {};
    applyNameFilter(where, 'name', rest.name, rest.nameContains);
    if (rest.type != null) where.type = rest.type;
    if (rest.enabled != null) where.enabled = rest.enabled;
    applyTimeRanges(where, { lastEditedAt: rest.lastEditedAt, createdAt: rest.createdAt });
    const scoped: FilterQuery<Group>[] = [where as FilterQuery<Group>];
    if (clientId != null) {
      await assertExists(this.em, Client, clientId, 'client');
      scoped.push({ clients: clientId });
    } else if (jobId != null) {
      scoped.push(await scopeWhere(this.em, { entity: Job, id: jobId, what: 'job' }, 'select group_id as id from job_group where job_id = ?', [jobId]));
    }
    const { items, total } = await rowPage(this.em, Group, { $and: scoped } as FilterQuery<Group>, orderByOf('group', orderBy), pageWindow(page), {}, fields);
    return { items, total };
  }

  async get(id: number): Promise<Group> {
    const group = await this.em.findOne(Group, { id });
    if (!group) throw errors.notFound('group', id);
    return group;
  }

  /** Groups by id in one statement, in the order of `ids` (null where none). */
  async getMany(ids: readonly number[]): Promise<(Group | null)[]> {
    return entitiesByIds(this.em, Group, ids);
  }

  async create(raw: GroupInput): Promise<Group> {
    const input = parseInput(groupCreateSchema, raw);
    const type = input.type ?? GROUP_TYPES.STATIC;
    if (type === GROUP_TYPES.DYNAMIC) await checkGroupQuery(this.ctx, input);
    const now = this.ctx.clock.now();
    const group = await this.em.transactional(async (em) => {
      const created = em.create(Group, {
        name: input.groupName as string, // the create schema requires it
        description: input.description ?? null,
        type,
        enabled: input.enabled ?? true,
        queryProperty: type === GROUP_TYPES.DYNAMIC ? (input.queryProperty ?? null) : null,
        queryOperation: type === GROUP_TYPES.DYNAMIC ? (input.queryOperation ?? null) : null,
        queryValue: type === GROUP_TYPES.DYNAMIC ? (input.queryValue ?? null) : null,
        createdAt: now,
        lastEditedAt: now,
      });
      await em.flush();
      if (type === GROUP_TYPES.DYNAMIC) await refreshDynamicGroups({ ...this.ctx, em }, { groupIds: [created.id] });
      return created;
    });
    publishChange(this.ctx, 'GROUP', 'CREATED', group.id);
    return group;
  }

  /** Edits a group; a new query re-evaluates members at once. Turning a group static keeps its current members as bound ones. */
  async update(id: number, raw: GroupInput): Promise<Group> {
    const input = parseInput(groupUpdateSchema, raw);
    const group = await this.get(id);
    if (input.groupName !== undefined) group.name = input.groupName;
    if (input.description !== undefined) group.description = input.description;
    if (input.enabled != null) group.enabled = input.enabled;
    if (input.type != null) group.type = input.type;
    if (group.type === GROUP_TYPES.DYNAMIC) {
      const query = {
        queryProperty: input.queryProperty !== undefined ? input.queryProperty : group.queryProperty,
        queryOperation: input.queryOperation !== undefined ? input.queryOperation : group.queryOperation,
        queryValue: input.queryValue !== undefined ? input.queryValue : group.queryValue,
      };
      await checkGroupQuery(this.ctx, query);
      Object.assign(group, query);
    } else {
      group.queryProperty = group.queryOperation = group.queryValue = null;
    }
    group.lastEditedAt = this.ctx.clock.now();
    await this.em.transactional(async (em) => {
      await em.flush();
      if (group.type === GROUP_TYPES.DYNAMIC) await refreshDynamicGroups({ ...this.ctx, em }, { groupIds: [group.id] });
    });
    publishChange(this.ctx, 'GROUP', 'UPDATED', id);
    return group;
  }

  async delete(id: number): Promise<void> {
    const group = await this.get(id);
    await this.em.removeAndFlush(group);
    publishChange(this.ctx, 'GROUP', 'DELETED', id);
  }

  async setEnabled(id: number, enabled: boolean): Promise<Group> {
    return this.update(id, { enabled });
  }

  /** One window of each group's members (by id) in one statement, in the order of `ids`. */
  async clientsByGroup(ids: readonly number[], window: PageWindow): Promise<EntityRow<Client>[][]> {
    return relationPages(this.em, CLIENTS_OF_GROUPS, ids, window);
  }

  /** One window of the jobs aimed at each group (by id) in one statement, in the order of `ids`. */
  async jobsByGroup(ids: readonly number[], window: PageWindow): Promise<EntityRow<Job>[][]> {
    return relationPages(this.em, JOBS_OF_GROUPS, ids, window);
  }

  /** Binds clients to a static group. Unknown ids are refused before anything is written. */
  async bindClients(id: number, clientIds: number[]): Promise<void> {
    await this.changeMembers(id, clientIds, 'add');
  }

  async unbindClients(id: number, clientIds: number[]): Promise<void> {
    await this.changeMembers(id, clientIds, 'remove');
  }

  private async changeMembers(id: number, clientIds: number[], change: 'add' | 'remove'): Promise<void> {
    const group = await this.get(id);
    if (group.type === GROUP_TYPES.DYNAMIC) {
      throw errors.invalid('groupId', `a static group (group ${id} is dynamic: its members follow its query)`, id);
    }
    const found = await this.em.count(Client, { id: { $in: clientIds } });
    if (found !== new Set(clientIds).size) {
      const known = new Set((await this.em.find(Client, { id: { $in: clientIds } }, { fields: ['id'] })).map((c) => c.id));
      throw errors.notFound(
        'client',
        clientIds.find((cid) => !known.has(cid))!,
      );
    }
    await changeStaticMembers(this.ctx, [id], clientIds, change);
    publishChange(this.ctx, 'GROUP', 'UPDATED', id);
  }

  /** Member counts for many groups in one statement, in the order of `ids`. */
  async clientCounts(ids: number[]): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<{ id: number; n: number }[]>(
      'select group_id as id, count(*)::int as n from group_client where group_id = any(?::int[]) group by group_id',
      [intArray(ids)],
    );
    const byId = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => byId.get(id) ?? 0);
  }

  /** Job counts for many groups in one statement, in the order of `ids`. */
  async jobCounts(ids: number[]): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<{ id: number; n: number }[]>(
      'select group_id as id, count(*)::int as n from job_group where group_id = any(?::int[]) group by group_id',
      [intArray(ids)],
    );
    const byId = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => byId.get(id) ?? 0);
  }

  /** Ids of the jobs aimed at a group. */
  async jobIds(id: number): Promise<number[]> {
    const rows = await this.em.find(JobGroup, { group: id }, { fields: ['job'] });
    return rows.map((r) => r.job.id);
  }

  /** The clients a dynamic group with this query would hold now (the first `first` ids, 0 to 500, and the count); saves nothing. */
  async previewQuery(query: GroupQuery, first = 20): Promise<GroupQueryMatch> {
    return previewGroupQuery(this.ctx, parseInput(groupQuerySchema, query), parseInput(f.int(0, 500), first, 'first'));
  }

  /** Re-evaluates every dynamic group now (operators' "refresh"). Returns the groups whose members changed. */
  async refreshDynamic(groupIds?: number[]): Promise<number[]> {
    return this.em.transactional(async (em) => refreshDynamicGroups({ ...this.ctx, em }, groupIds ? { groupIds } : {}));
  }
}
