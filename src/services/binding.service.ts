import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Group, Job, Task } from '../entities';
import { ClientService } from './client.service';
import { errors } from './errors';
import { intArray } from './filters';
import { publishChange, type ServiceContext } from './service-context';
import { maintenanceSchema, type MaintenanceInput } from './schemas/binding.schema';
import { parseInput } from './schemas/parse';

/** The three job relations and their tables. */
type Relation = 'group' | 'client' | 'task';
const RELATIONS: Record<Relation, { table: string; column: string; entity: typeof Group | typeof Client | typeof Task; name: string }> = {
  group: { table: 'job_group', column: 'group_id', entity: Group, name: 'group' },
  client: { table: 'job_client', column: 'client_id', entity: Client, name: 'client' },
  task: { table: 'job_task', column: 'task_id', entity: Task, name: 'task' },
};

/**
 * Codes of `PUT /v1/config/maintenance` {optionType, optionIds, targetType, targetId, opt}, as the
 * REST document gives them: type 0 = job, 1 = task, 2 = group, 3 = client (optionType and
 * targetType alike); opt 0 = remove, 1 = add. Each of `optionIds` is associated with (or removed
 * from) `targetId`. The pairs that exist are job–task, job–group, job–client and group–client, in
 * either direction; any other pair (task–group, task–client, two of a kind) is refused with
 * INVALID_INPUT, as is a group–client change on a dynamic group (its members follow its query).
 */
export const MAINTENANCE_TYPES = { JOB: 0, TASK: 1, GROUP: 2, CLIENT: 3 } as const;
export const MAINTENANCE_OPTS = { REMOVE: 0, ADD: 1 } as const;
const TYPE_NAMES = ['job', 'task', 'group', 'client'] as const;

export type { MaintenanceInput };

function checkIds(field: string, ids: unknown): number[] {
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id > 0)) throw errors.invalid(field, 'an array of ids (positive integers)', ids);
  return [...new Set(ids as number[])];
}

function checkId(field: string, id: unknown): number {
  if (!Number.isInteger(id) || (id as number) < 1) throw errors.invalid(field, 'an id (a positive integer)', id);
  return id as number;
}

/**
 * Job↔group, job↔client and job↔task bindings, from either side, and the generic maintenance
 * association. Binding an existing pair or removing a missing one changes nothing; every id bound
 * must exist. `assignmentsChangedAt` moves on the job and on the task or group whose bindings changed.
 */
export class BindingService {
  constructor(private readonly ctx: ServiceContext) {}

  bindJobGroups = (jobId: number, groupIds: number[]) => this.change('group', 'add', 'job', jobId, groupIds);
  unbindJobGroups = (jobId: number, groupIds: number[]) => this.change('group', 'remove', 'job', jobId, groupIds);
  bindGroupJobs = (groupId: number, jobIds: number[]) => this.change('group', 'add', 'other', groupId, jobIds);
  unbindGroupJobs = (groupId: number, jobIds: number[]) => this.change('group', 'remove', 'other', groupId, jobIds);
  bindJobClients = (jobId: number, clientIds: number[]) => this.change('client', 'add', 'job', jobId, clientIds);
  unbindJobClients = (jobId: number, clientIds: number[]) => this.change('client', 'remove', 'job', jobId, clientIds);
  bindClientJobs = (clientId: number, jobIds: number[]) => this.change('client', 'add', 'other', clientId, jobIds);
  unbindClientJobs = (clientId: number, jobIds: number[]) => this.change('client', 'remove', 'other', clientId, jobIds);
  /** Appends the tasks (in the order given) after the job's last task. */
  bindJobTasks = (jobId: number, taskIds: number[]) => this.change('task', 'add', 'job', jobId, taskIds);
  unbindJobTasks = (jobId: number, taskIds: number[]) => this.change('task', 'remove', 'job', jobId, taskIds);
  /** Appends the task after the last task of each job. */
  bindTaskJobs = (taskId: number, jobIds: number[]) => this.change('task', 'add', 'other', taskId, jobIds);
  unbindTaskJobs = (taskId: number, jobIds: number[]) => this.change('task', 'remove', 'other', taskId, jobIds);

  /**
   * Sets the order of a job's tasks: `taskIds` must be exactly the job's tasks, each once.
   */
  async reorderJobTasks(jobId: number, taskIds: number[]): Promise<void> {
    const ids = checkIds('taskIds', taskIds);
    await this.mustExist(this.ctx.em, Job, 'job', [checkId('jobId', jobId)]);
    const current = (await this.ctx.em.execute<{ task_id: number }[]>('select task_id from job_task where job_id = ?', [jobId])).map((r) => r.task_id);
    if (ids.length !== taskIds.length || ids.length !== current.length || !current.every((id) => ids.includes(id))) {
      throw errors.invalid('taskIds', `each task of job ${jobId} exactly once (${current.join(', ') || 'none'})`, taskIds);
    }
    const now = this.ctx.clock.now();
    await this.ctx.em.transactional(async (em) => {
      await em.execute(
        'update job_task jt set position = p.ord from unnest(?::int[]) with ordinality as p(task_id, ord) where jt.job_id = ? and jt.task_id = p.task_id',
        [intArray(ids), jobId],
      );
      const job = await em.findOneOrFail(Job, jobId);
      job.assignmentsChangedAt = now;
      await em.flush();
    });
    publishChange(this.ctx, 'JOB', 'UPDATED', jobId);
  }

  /** `PUT /v1/config/maintenance`: see MAINTENANCE_TYPES for the codes and the pairs accepted. */
  async maintenance(raw: MaintenanceInput): Promise<MaintenanceInput> {
    const input = parseInput(maintenanceSchema, raw);
    const { optionType, targetType, targetId } = input;
    const optionIds = [...new Set(input.optionIds)];
    const add = input.opt === MAINTENANCE_OPTS.ADD;
    const pair = `${TYPE_NAMES[optionType]}-${TYPE_NAMES[targetType]}`;
    const { JOB, TASK, GROUP, CLIENT } = MAINTENANCE_TYPES;
    const jobSide = optionType === JOB ? 'other' : 'job';
    const relationOf: Record<number, Relation> = { [TASK]: 'task', [GROUP]: 'group', [CLIENT]: 'client' };
    if ((optionType === JOB) !== (targetType === JOB)) {
      const other = optionType === JOB ? targetType : optionType;
      await this.change(relationOf[other], add ? 'add' : 'remove', jobSide, targetId, optionIds);
    } else if ((optionType === GROUP && targetType === CLIENT) || (optionType === CLIENT && targetType === GROUP)) {
      await this.groupClients(optionType === GROUP ? [targetId] : optionIds, optionType === GROUP ? optionIds : [targetId], add);
    } else {
      throw errors.invalid(
        'targetType',
        `a pair that can be associated (job–task, job–group, job–client, group–client; types 0 job, 1 task, 2 group, 3 client), got ${pair}`,
        input.targetType,
      );
    }
    return { optionType, optionIds: input.optionIds, targetType, targetId, opt: input.opt };
  }

  /** Static group membership goes through the client service (one place for it). */
  private async groupClients(clientIds: number[], groupIds: number[], add: boolean): Promise<void> {
    await this.ctx.em.transactional(async (em) => {
      const clients = new ClientService({ ...this.ctx, em });
      for (const clientId of clientIds) {
        if (add) await clients.bindGroups(clientId, groupIds);
        else await clients.unbindGroups(clientId, groupIds);
      }
    });
  }

  private async mustExist(em: EntityManager, entity: typeof Job | typeof Group | typeof Client | typeof Task, name: string, ids: number[]): Promise<void> {
    if (!ids.length) return;
    const found = new Set((await em.find(entity as typeof Job, { id: { $in: ids } }, { fields: ['id'] })).map((e) => e.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw errors.notFound(name, missing);
  }

  /**
   * One binding change. `side` says which end `ownerId` is: the job ('job') or the group, client
   * or task ('other'); `ids` are the other end.
   */
  private async change(relation: Relation, action: 'add' | 'remove', side: 'job' | 'other', ownerId: number, ids: number[]): Promise<void> {
    const rel = RELATIONS[relation];
    const ownerName = side === 'job' ? 'job' : rel.name;
    checkId(`${ownerName}Id`, ownerId);
    const others = checkIds(side === 'job' ? `${rel.name}Ids` : 'jobIds', ids);
    const em = this.ctx.em;
    await this.mustExist(em, side === 'job' ? Job : rel.entity, ownerName, [ownerId]);
    if (action === 'add') await this.mustExist(em, side === 'job' ? rel.entity : Job, side === 'job' ? rel.name : 'job', others);
    if (!others.length) return;
    const jobIds = side === 'job' ? others.map(() => ownerId) : others;
    const otherIds = side === 'job' ? others : others.map(() => ownerId);
    const now = this.ctx.clock.now();
    const changed = await em.transactional(async (tx) => {
      let rows: { job_id: number; other_id: number }[];
      if (action === 'add') {
        const position = relation === 'task' ? ', position' : '';
        const positionValue = relation === 'task' ? ', coalesce((select max(j.position) from job_task j where j.job_id = p.job_id), -1) + p.ord' : '';
        rows = await tx.execute(
          `insert into ${rel.table} (job_id, ${rel.column}${position})
           select p.job_id, p.other_id${positionValue} from unnest(?::int[], ?::int[]) with ordinality as p(job_id, other_id, ord)
           on conflict do nothing returning job_id, ${rel.column} as other_id`,
          [intArray(jobIds), intArray(otherIds)],
        );
      } else {
        rows = await tx.execute(
          `delete from ${rel.table} t using unnest(?::int[], ?::int[]) as p(job_id, other_id)
           where t.job_id = p.job_id and t.${rel.column} = p.other_id returning t.job_id, t.${rel.column} as other_id`,
          [intArray(jobIds), intArray(otherIds)],
        );
      }
      if (!rows.length) return rows;
      for (const job of await tx.find(Job, { id: { $in: [...new Set(rows.map((r) => r.job_id))] } })) job.assignmentsChangedAt = now;
      if (relation !== 'client') {
        const entity = rel.entity as typeof Task;
        for (const e of await tx.find(entity, { id: { $in: [...new Set(rows.map((r) => r.other_id))] } })) e.assignmentsChangedAt = now;
      }
      await tx.flush();
      return rows;
    });
    for (const jid of new Set(changed.map((r) => r.job_id))) publishChange(this.ctx, 'JOB', 'UPDATED', jid);
    if (relation !== 'client') {
      const topic = relation === 'task' ? 'TASK' : 'GROUP';
      for (const oid of new Set(changed.map((r) => r.other_id))) publishChange(this.ctx, topic, 'UPDATED', oid);
    }
  }
}
