import { ExecutionService } from '../../services/execution.service';
import { JobService, type JobInput } from '../../services/job.service';
import { jobFields as job, MAX_JOB_RETRIES } from '../../services/schemas/job.schema';
import { b, q } from '../params';
import { jobListQuery, pageOfQuery, toJobFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { pageOf, SUCCESS, successText, toPage } from '../shapes/common';
import { jobAllInfo, jobCreated, jobDetail, jobListItem, toJobAllInfo, toJobCreated, toJobDetail, toJobListItem } from '../shapes/job.shapes';
import { z } from '../zod';

/*
 * Jobs: list, create, edit, details, enable/disable, delete, run, counts.
 * Bodies: `lastRunAt` and `assignmentsChangedAt` are accepted and ignored (the server records
 * them); `enable` is taken as an alias of `enabled` (the create answer shows both); `duration`
 * (seconds, default 3600) is accepted though the document's bodies omit it (the detail shows it).
 * Left-out fields take the job settings' defaults (maxRetried, retryWait).
 */

// The service's job fields (services/schemas/job.schema.ts) under the document's names: the
// route refuses what the service would, with the same words, before any work is done.
const jobFields = {
  jobName: job.name,
  description: job.description,
  enabled: job.enabled.openapi({ description: 'Default true.' }),
  enable: job.enabled.openapi({ description: 'Alias of enabled.' }),
  maxRetries: job.maxRetries.openapi({ description: `From 0 to ${MAX_JOB_RETRIES}; default: the job settings' maxRetried.` }),
  priority: job.priority,
  cycleType: job.cycleType.openapi({ description: '0 once (default), 1 daily, 2 weekly, 3 monthly, 4 yearly.' }),
  executionTime: job.executionTime.openapi({
    description: 'Cron: minute hour day-of-month month day-of-week (a 6th "?" field and L are accepted); null or "" = run only when asked.',
    example: '0 2 * * *',
  }),
  retryWait: job.retryWait.openapi({ description: "Seconds; default: the job settings' retryWait." }),
  duration: job.duration.openapi({ description: 'The longest a run may take, seconds (default 3600).' }),
  lastRunAt: b.ignoredTime(),
  assignmentsChangedAt: b.ignoredTime(),
};

type JobBody = Omit<Partial<z.output<z.ZodObject<typeof jobFields>>>, 'jobName'> & { jobName?: string | null };

function toJobInput(body: JobBody): JobInput {
  return {
    name: body.jobName,
    description: body.description,
    enabled: body.enabled ?? body.enable,
    maxRetries: body.maxRetries,
    priority: body.priority,
    cycleType: body.cycleType,
    executionTime: body.executionTime,
    retryWait: body.retryWait,
    duration: body.duration,
  };
}

export const jobIdParam = z.object({ jobId: q.id() });

export const jobRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/jobs',
    permission: 'read',
    summary: 'Job List',
    tag: 'config',
    query: jobListQuery,
    response: pageOf(jobListItem),
    handler: async (ctx, { query }) => {
      const page = await new JobService(ctx).list({ filter: toJobFilter(query), page: pageOfQuery(query), counts: true });
      return toPage(page, (job, i) => toJobListItem(job, page.counts[i]));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/jobs',
    permission: 'config.write',
    summary: 'Create Job',
    tag: 'config',
    body: z.object(jobFields),
    response: jobCreated,
    handler: async (ctx, { body }) => toJobCreated(await new JobService(ctx).create(toJobInput(body)), 0),
  }),
  defineRoute({
    method: 'put',
    path: '/jobs',
    permission: 'config.write',
    summary: 'update job',
    tag: 'config',
    description: 'Only the fields sent change. Answers `{ "desc": "success" }` (the document shows a string here, null elsewhere).',
    body: z.object({ jobId: b.id(), ...jobFields, jobName: job.name.nullish() }),
    response: z.object({ desc: z.literal('success') }),
    handler: async (ctx, { body }) => {
      await new JobService(ctx).update(body.jobId, toJobInput(body));
      return { desc: SUCCESS };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/details',
    permission: 'read',
    summary: 'Job Detail',
    tag: 'config',
    params: jobIdParam,
    response: jobDetail,
    handler: async (ctx, { params }) => toJobDetail(await new JobService(ctx).get(params.jobId)),
  }),
  defineRoute({
    method: 'put',
    path: '/jobs/:jobId/enable',
    permission: 'config.write',
    summary: 'enable job',
    tag: 'config',
    params: jobIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new JobService(ctx).setEnabled(params.jobId, true);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/jobs/:jobId/disable',
    permission: 'config.write',
    summary: 'disable dob',
    tag: 'config',
    params: jobIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new JobService(ctx).setEnabled(params.jobId, false);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/jobs/:jobId',
    permission: 'config.write',
    summary: 'Delete job',
    tag: 'config',
    description: 'Deletes the job and its bindings; its runs and logs stay.',
    params: jobIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new JobService(ctx).delete(params.jobId);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/run',
    permission: 'runs.write',
    summary: 'Run Job',
    tag: 'config',
    description:
      "Starts a run now (a GET, as documented). 409 when the job is disabled, has no enabled task, or reaches no enabled client. Offline clients get the work when they connect, within the run's duration.",
    params: jobIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new ExecutionService(ctx).createRun(params.jobId, { trigger: 'MANUAL' });
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/countInfo',
    permission: 'read',
    summary: 'jobs count info',
    tag: 'config',
    description: '`clients` counts the clients bound directly (what GET /jobs/{jobId}/clients lists).',
    params: jobIdParam,
    response: z.object({ groups: z.int(), tasks: z.int(), clients: z.int() }),
    handler: async (ctx, { params }) => {
      const c = await new JobService(ctx).countInfo(params.jobId);
      return { groups: c.groups, tasks: c.tasks, clients: c.clients };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/allInfo',
    permission: 'read',
    summary: 'job allI info',
    tag: 'config',
    query: jobListQuery,
    response: pageOf(jobAllInfo),
    handler: async (ctx, { query }) => {
      const page = await new JobService(ctx).list({ filter: toJobFilter(query), page: pageOfQuery(query), counts: true });
      return toPage(page, (job, i) => toJobAllInfo(job, page.counts[i]));
    },
  }),
];
