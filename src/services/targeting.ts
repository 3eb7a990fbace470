/**
 * SQL fragments for "which jobs reach a client": bound directly (job_client) or through one of
 * the client's groups (job_group ⋈ group_client). Dynamic group membership is materialised in
 * group_client, so one union answers for both kinds of group.
 */
export const JOBS_OF_CLIENT_SQL = `
  select jc.job_id from job_client jc where jc.client_id = ?
  union
  select jg.job_id from job_group jg join group_client gc on gc.group_id = jg.group_id where gc.client_id = ?`;

/** Clients a job reaches: direct bindings plus members of its groups. */
export const CLIENTS_OF_JOB_SQL = `
  select jc.client_id from job_client jc where jc.job_id = ?
  union
  select gc.client_id from job_group jg join group_client gc on gc.group_id = jg.group_id where jg.job_id = ?`;
