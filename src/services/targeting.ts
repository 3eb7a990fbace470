/**
 * The targeting rule, "the clients a job reaches", in one place: the clients bound to the job
 * directly (job_client) plus the members of the job's groups (job_group ⋈ group_client). Dynamic
 * group membership is materialised in group_client, so one union answers for both kinds of
 * group. Whether a client is enabled is not part of the rule: callers that care join `client`.
 *
 * Every query about who a job reaches (runs, dry runs, counts, the task, client and dashboard
 * views) builds its SQL with `reach`. It is a fragment rather than a view so that each query
 * keeps its restriction inside both branches of the union: PostgreSQL does not push a join
 * condition into a UNION view, and the per-job and per-task lookups stay index lookups
 * (docs/decisions.md, "One targeting rule").
 */
export interface ReachQuery {
  /** The column(s) each row gives: the job, the client, or both (`job_id`, `client_id`). */
  select: 'job' | 'client' | 'pair';
  /** A condition on the job id, written after the column: `= ?`, `= any(?::int[])`, `= p.id`. */
  job?: string;
  /** A condition on the client id, written the same way. */
  client?: string;
  /** A name for the single column selected (`child_id` for relation windows). */
  as?: string;
}

/**
 * Distinct rows of (job, client) reach restricted by `job` and `client`. Each condition appears
 * once in each branch, so a `?` in it takes its parameter twice, direct branch first.
 */
export function reach({ select, job, client, as }: ReachQuery): string {
  const branch = (jobColumn: string, clientColumn: string, from: string): string => {
    const columns = select === 'pair' ? `${jobColumn} as job_id, ${clientColumn} as client_id` : select === 'job' ? jobColumn : clientColumn;
    const where = [job && `${jobColumn} ${job}`, client && `${clientColumn} ${client}`].filter(Boolean).join(' and ');
    return `select ${columns}${as && select !== 'pair' ? ` as ${as}` : ''} from ${from}${where ? ` where ${where}` : ''}`;
  };
  return `${branch('jc.job_id', 'jc.client_id', 'job_client jc')}
    union ${branch('jg.job_id', 'gc.client_id', 'job_group jg join group_client gc on gc.group_id = jg.group_id')}`;
}

/** The jobs that reach one client (`?` twice: the client id). */
export const JOBS_OF_CLIENT_SQL = reach({ select: 'job', client: '= ?' });

/** The clients one job reaches (`?` twice: the job id). */
export const CLIENTS_OF_JOB_SQL = reach({ select: 'client', job: '= ?' });

/** The jobs a task is part of, as a condition on a job id: `in (...)` of the task `taskId` (an SQL expression). */
export const jobsOfTask = (taskId: string): string => `in (select x.job_id from job_task x where x.task_id = ${taskId})`;
