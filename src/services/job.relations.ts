import { Client, Group, Task } from '../entities';
import type { RelationQuery } from './relation-pages';
import { reach } from './targeting';

/**
 * What a job is bound to, as SQL: the relation windows the GraphQL loaders read
 * (relationPages), and the counts of a job list. JobService runs them.
 */

export interface JobBindingCounts {
  tasks: number;
  groups: number;
  /** Clients bound directly (what `GET /v1/jobs/{id}/clients` lists). */
  clients: number;
}

/** A job's tasks in job order (position, then placement). */
export const TASKS_OF_JOBS: RelationQuery<Task> = {
  entity: Task,
  table: 'task',
  children: 'select task_id as child_id, position, id as placement from job_task where job_id = p.id',
  order: ['position', 'placement'],
};

export const GROUPS_OF_JOBS: RelationQuery<Group> = {
  entity: Group,
  table: 'client_group',
  children: 'select group_id as child_id from job_group where job_id = p.id',
};

export const CLIENTS_OF_JOBS: RelationQuery<Client> = {
  entity: Client,
  table: 'client',
  children: 'select client_id as child_id from job_client where job_id = p.id',
};

/** Everyone a job reaches: bound directly, plus the members of its groups. */
export const TARGET_CLIENTS_OF_JOBS: RelationQuery<Client> = {
  entity: Client,
  table: 'client',
  children: reach({ select: 'client', job: '= p.id', as: 'child_id' }),
};

/** The task, group and direct-client counts of a job row `r`, as columns of a list (see listRowsWithCounts). */
export const JOB_BINDING_COUNT_COLUMNS: Record<keyof JobBindingCounts, string> = {
  tasks: '(select count(*)::int from job_task x where x.job_id = r.id)',
  groups: '(select count(*)::int from job_group x where x.job_id = r.id)',
  clients: '(select count(*)::int from job_client x where x.job_id = r.id)',
};

/** Task, group and direct-client counts of many jobs in one statement (index lookups only). */
export const JOB_BINDING_COUNTS_SQL = `select j.id,
    (select count(*)::int from job_task x where x.job_id = j.id) as tasks,
    (select count(*)::int from job_group x where x.job_id = j.id) as groups,
    (select count(*)::int from job_client x where x.job_id = j.id) as clients
  from unnest(?::int[]) as j(id)`;

/** Distinct clients each job reaches (a union per job: dearer, so read only when asked for). */
export const JOB_TARGET_COUNTS_SQL = `select j.id, (select count(*)::int from (${reach({ select: 'client', job: '= j.id' })}) t) as n
  from unnest(?::int[]) as j(id)`;
