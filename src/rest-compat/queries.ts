import { CLIENT_STATUSES } from '../entities';
import type { TimeRange } from '../services/filters';
import { clientFilterFields, configurationFilterFields, type ClientFilter, type JobFilter, type TaskFilter } from '../services/schemas/filter.schema';
import { pagingQuery, q } from './params';
import { z } from './zod';

/*
 * The list filters as the document spells them (`createAtGte`, `jobNameContain`, ...), and their
 * translation into the services' filters (services/schemas/filter.schema.ts), whose field rules
 * they are built from: a value the service would refuse is refused here, under the document's
 * name. Time bounds are epoch milliseconds.
 */

const range = (gte?: number, lte?: number): TimeRange | undefined => (gte === undefined && lte === undefined ? undefined : { gte, lte });

/** Client lists: /clients, /clients/allInfo, /jobs/{id}/clients, /tasks/{id}/clients, /groups/{id}/clients. */
export const clientListQuery = z.object({
  ...pagingQuery,
  clientId: q.id().optional(),
  username: q.text(clientFilterFields.username).optional().openapi({ description: 'Exact username.' }),
  usernameContain: q.text(clientFilterFields.usernameContains).optional().openapi({ description: 'Case-insensitive substring of the username.' }),
  mqttClientId: q.list(clientFilterFields.mqttClientId).optional().openapi({ description: 'Exact MQTT client id; repeat the parameter for several.' }),
  mqttClientIdContain: q.text(clientFilterFields.mqttClientIdContains).optional(),
  status: q.enum(CLIENT_STATUSES).optional(),
  enabled: q.bool().optional(),
  connectedAtGte: q.epochMs().optional(),
  connectedAtLte: q.epochMs().optional(),
  disconnectedAtGte: q.epochMs().optional(),
  disconnectedAtLte: q.epochMs().optional(),
  createAtGte: q.epochMs().optional(),
  // The document types this one array[string]: a repeated bound is accepted and every bound holds.
  createAtLte: z
    .preprocess((v) => (v === undefined ? v : Array.isArray(v) ? v : [v]), z.array(q.epochMs()))
    .optional()
    .openapi({ description: 'Epoch milliseconds; may be repeated (every bound holds).' }),
});
export type ClientListQuery = z.output<typeof clientListQuery>;

export function toClientFilter(query: ClientListQuery): ClientFilter {
  return {
    id: query.clientId,
    username: query.username,
    usernameContains: query.usernameContain,
    mqttClientId: query.mqttClientId,
    mqttClientIdContains: query.mqttClientIdContain,
    status: query.status,
    enabled: query.enabled,
    connectedAt: range(query.connectedAtGte, query.connectedAtLte),
    disconnectedAt: range(query.disconnectedAtGte, query.disconnectedAtLte),
    createdAt: range(query.createAtGte, query.createAtLte?.length ? Math.min(...query.createAtLte) : undefined),
  };
}

/** Job and task lists share their time filters. */
const timeFilters = {
  enabled: q.bool().optional(),
  lastEditedAtGte: q.epochMs().optional(),
  lastEditedAtLte: q.epochMs().optional(),
  lastRunAtGte: q.epochMs().optional(),
  lastRunAtLte: q.epochMs().optional(),
  assignmentsChangedAtGte: q.epochMs().optional(),
  assignmentsChangedAtLte: q.epochMs().optional(),
  createAtGte: q.epochMs().optional(),
  createAtLte: q.epochMs().optional(),
};

function toTimeFilters(query: z.output<z.ZodObject<typeof timeFilters>>): JobFilter & TaskFilter {
  return {
    enabled: query.enabled,
    lastEditedAt: range(query.lastEditedAtGte, query.lastEditedAtLte),
    lastRunAt: range(query.lastRunAtGte, query.lastRunAtLte),
    assignmentsChangedAt: range(query.assignmentsChangedAtGte, query.assignmentsChangedAtLte),
    createdAt: range(query.createAtGte, query.createAtLte),
  };
}

/** Job lists: /jobs, /jobs/allInfo, /tasks/{id}/jobs, /clients/{id}/jobs. */
export const jobListQuery = z.object({
  ...pagingQuery,
  jobName: q.text(configurationFilterFields.name).optional().openapi({ description: 'Exact job name.' }),
  jobNameContain: q.text(configurationFilterFields.nameContains).optional().openapi({ description: 'Case-insensitive substring of the job name.' }),
  ...timeFilters,
});
export type JobListQuery = z.output<typeof jobListQuery>;

export function toJobFilter(query: JobListQuery): JobFilter {
  return { name: query.jobName, nameContains: query.jobNameContain, ...toTimeFilters(query) };
}

/** Task lists: /tasks, /tasks/allInfo, /jobs/{id}/tasks, /clients/{id}/tasks. */
export const taskListQuery = z.object({
  ...pagingQuery,
  taskName: q.text(configurationFilterFields.name).optional().openapi({ description: 'Exact task name.' }),
  taskNameContain: q.text(configurationFilterFields.nameContains).optional().openapi({ description: 'Case-insensitive substring of the task name.' }),
  ...timeFilters,
});
export type TaskListQuery = z.output<typeof taskListQuery>;

export function toTaskFilter(query: TaskListQuery): TaskFilter {
  return { name: query.taskName, nameContains: query.taskNameContain, ...toTimeFilters(query) };
}

/** `{ pageNo, pageSize }` of any parsed query. */
export function pageOfQuery(query: { pageNo?: number; pageSize?: number }) {
  return { pageNo: query.pageNo, pageSize: query.pageSize };
}
