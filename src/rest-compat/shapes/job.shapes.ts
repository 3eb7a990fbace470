import type { Job } from '../../entities';
import { ms } from '../../services/filters';
import type { JobBindingCounts } from '../../services/job.relations';
import type { EntityRow } from '../../services/relation-pages';
import { z } from '../zod';
import { epochMs, epochMsOrNull } from './common';

/*
 * A job as each route of the document shows it. The document names the same fields several ways
 * (`maxRetries`, `maxRetryTimes`, `maxRetryTime`; `created`, `createdAt`; `lastRun`, `lastRunAt`);
 * each route answers with its own names. `tasks`, `groups`, `clients` are counts; `clients`
 * counts the clients bound directly (what GET /jobs/{id}/clients lists).
 */

const cycleType = z.int().openapi({ description: '0 once, 1 daily, 2 weekly, 3 monthly, 4 yearly.' });
const executionTime = z.string().nullable().openapi({ description: 'Cron (minute hour day-of-month month day-of-week); null = run only when asked.' });

/** GET /jobs. */
export const jobListItem = z.object({
  jobId: z.int(),
  jobName: z.string(),
  tasks: z.int(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  maxRetryTimes: z.int(),
  priority: z.int(),
  cycleType,
  executionTime,
  created: epochMs,
  lastEditedAt: epochMs,
  lastRun: epochMsOrNull,
  assignmentsChanged: epochMsOrNull,
  retryWait: z.int(),
});
export const toJobListItem = (j: EntityRow<Job>, counts: JobBindingCounts): z.input<typeof jobListItem> => ({
  jobId: j.id,
  jobName: j.name,
  tasks: counts.tasks,
  description: j.description,
  enabled: j.enabled,
  maxRetryTimes: j.maxRetries,
  priority: j.priority,
  cycleType: j.cycleType,
  executionTime: j.executionTime,
  created: j.createdAt.getTime(),
  lastEditedAt: j.lastEditedAt.getTime(),
  lastRun: ms(j.lastRunAt),
  assignmentsChanged: ms(j.assignmentsChangedAt),
  retryWait: j.retryWait,
});

/** POST /jobs: `enable` beside `enabled`, `maxRetries` beside `maxRetryTimes`, as documented. */
export const jobCreated = z.object({
  jobId: z.int(),
  jobName: z.string(),
  description: z.string().nullable(),
  enable: z.boolean(),
  maxRetries: z.int(),
  retryWait: z.int(),
  tasks: z.int(),
  enabled: z.boolean(),
  maxRetryTimes: z.int(),
  priority: z.int(),
  cycleType,
  executionTime,
  createdAt: epochMs,
  lastEditedAt: epochMs,
  lastRunAt: epochMsOrNull,
  assignmentsChanged: epochMsOrNull,
});
export const toJobCreated = (j: Job, tasks: number): z.input<typeof jobCreated> => ({
  jobId: j.id,
  jobName: j.name,
  description: j.description,
  enable: j.enabled,
  maxRetries: j.maxRetries,
  retryWait: j.retryWait,
  tasks,
  enabled: j.enabled,
  maxRetryTimes: j.maxRetries,
  priority: j.priority,
  cycleType: j.cycleType,
  executionTime: j.executionTime,
  createdAt: j.createdAt.getTime(),
  lastEditedAt: j.lastEditedAt.getTime(),
  lastRunAt: ms(j.lastRunAt),
  assignmentsChanged: ms(j.assignmentsChangedAt),
});

/** GET /jobs/{id}/details. */
export const jobDetail = z.object({
  general: z.object({
    jobName: z.string(),
    description: z.string().nullable(),
    createdAt: epochMs,
    lastEditedAt: epochMs,
    lastRunAt: epochMsOrNull,
    enabled: z.boolean(),
    assignmentsChanged: epochMsOrNull,
  }),
  executionOpt: z.object({
    priority: z.int(),
    maxRetries: z.int(),
    cycleType,
    retryWait: z.int(),
    duration: z.int().openapi({ description: 'The longest a run may take, seconds.' }),
    executionTime,
  }),
});
export const toJobDetail = (j: Job): z.input<typeof jobDetail> => ({
  general: {
    jobName: j.name,
    description: j.description,
    createdAt: j.createdAt.getTime(),
    lastEditedAt: j.lastEditedAt.getTime(),
    lastRunAt: ms(j.lastRunAt),
    enabled: j.enabled,
    assignmentsChanged: ms(j.assignmentsChangedAt),
  },
  executionOpt: {
    priority: j.priority,
    maxRetries: j.maxRetries,
    cycleType: j.cycleType,
    retryWait: j.retryWait,
    duration: j.duration,
    executionTime: j.executionTime,
  },
});

/** GET /tasks/{id}/jobs and GET /clients/{id}/jobs: a summary with counts. */
export const jobSummary = z.object({
  jobId: z.int(),
  jobName: z.string(),
  targetClientGroup: z.int().openapi({ description: 'Groups the job is aimed at.' }),
  tasks: z.int(),
  jobScheduler: cycleType.openapi({ description: 'The cycleType: 0 once, 1 daily, 2 weekly, 3 monthly, 4 yearly.' }),
  maxRetryTime: z.int().openapi({ description: 'maxRetries.' }),
  maxJobDuration: z.int().openapi({ description: 'duration, seconds.' }),
});
export const toJobSummary = (j: EntityRow<Job>, counts: JobBindingCounts): z.input<typeof jobSummary> => ({
  jobId: j.id,
  jobName: j.name,
  targetClientGroup: counts.groups,
  tasks: counts.tasks,
  jobScheduler: j.cycleType,
  maxRetryTime: j.maxRetries,
  maxJobDuration: j.duration,
});

/** GET /jobs/allInfo. */
export const jobAllInfo = z.object({ jobId: z.int(), jobName: z.string(), tasks: z.int(), groups: z.int(), clients: z.int(), maxRetryTime: z.int() });
export const toJobAllInfo = (j: EntityRow<Job>, counts: JobBindingCounts): z.input<typeof jobAllInfo> => ({
  jobId: j.id,
  jobName: j.name,
  tasks: counts.tasks,
  groups: counts.groups,
  clients: counts.clients,
  maxRetryTime: j.maxRetries,
});
