import type { Task } from '../../entities';
import type { TaskHistoryRow } from '../../services/execution-log.rows';
import { ms } from '../../services/filters';
import type { TaskCounts } from '../../services/task.service';
import type { EntityRow } from '../../services/relation-pages';
import { z } from '../zod';
import { epochMs, epochMsOrNull, flag } from './common';

/*
 * A task as each route of the document shows it: `taskName` in lists, `name` in the create answer
 * and the detail, `enabled` a boolean except in the detail and the history (1/0 integers there,
 * as documented), `enable` in the all-info list.
 */

/** GET /tasks, GET /jobs/{id}/tasks, GET /clients/{id}/tasks. */
export const taskListItem = z.object({
  taskName: z.string(),
  priority: z.int(),
  lastEditedAt: epochMs,
  taskId: z.int(),
  enabled: z.boolean(),
  disableValidation: z.boolean().openapi({ description: "The document's example shows null; the task's value is given." }),
  lastRunAt: epochMsOrNull,
  assignmentsChangedAt: epochMsOrNull,
  description: z.string().nullable(),
  createdAt: epochMs,
});
export const toTaskListItem = (t: EntityRow<Task>): z.input<typeof taskListItem> => ({
  taskName: t.name,
  priority: t.priority,
  lastEditedAt: t.lastEditedAt.getTime(),
  taskId: t.id,
  enabled: t.enabled,
  disableValidation: t.disableValidation,
  lastRunAt: ms(t.lastRunAt),
  assignmentsChangedAt: ms(t.assignmentsChangedAt),
  description: t.description,
  createdAt: t.createdAt.getTime(),
});

/** POST /tasks. */
export const taskCreated = z.object({
  taskId: z.int(),
  name: z.string(),
  priority: z.int(),
  disableValidation: z.boolean(),
  lastRunAt: epochMsOrNull,
  assignmentsChangedAt: epochMsOrNull,
  enabled: z.boolean(),
  description: z.string().nullable(),
});
export const toTaskCreated = (t: Task): z.input<typeof taskCreated> => ({
  taskId: t.id,
  name: t.name,
  priority: t.priority,
  disableValidation: t.disableValidation,
  lastRunAt: ms(t.lastRunAt),
  assignmentsChangedAt: ms(t.assignmentsChangedAt),
  enabled: t.enabled,
  description: t.description,
});

/** GET /tasks/{id}/details: `enabled` is 1 or 0 here. */
export const taskDetail = z.object({
  name: z.string(),
  taskId: z.int(),
  enabled: z.int().openapi({ description: '1 enabled, 0 disabled (an integer, as documented for this route).' }),
  priority: z.int(),
  disableValidation: z.boolean(),
  lastEditedAt: epochMs,
  lastRunAt: epochMsOrNull,
  assignmentsChangedAt: epochMsOrNull,
  description: z.string().nullable(),
  createdAt: epochMs,
});
export const toTaskDetail = (t: Task): z.input<typeof taskDetail> => ({
  name: t.name,
  taskId: t.id,
  enabled: flag(t.enabled),
  priority: t.priority,
  disableValidation: t.disableValidation,
  lastEditedAt: t.lastEditedAt.getTime(),
  lastRunAt: ms(t.lastRunAt),
  assignmentsChangedAt: ms(t.assignmentsChangedAt),
  description: t.description,
  createdAt: t.createdAt.getTime(),
});

/** GET /tasks/allInfo. */
export const taskAllInfo = z.object({
  taskId: z.int(),
  taskName: z.string(),
  enable: z.boolean(),
  priority: z.int(),
  description: z.string().nullable(),
  lastEditedAt: epochMs,
  lastTimeRun: epochMsOrNull,
  jobs: z.int(),
  clients: z.int().openapi({ description: "Distinct clients the task's jobs reach, directly or through groups." }),
  scripts: z.int().openapi({ description: 'Steps of the script, nested ones included.' }),
});
export const toTaskAllInfo = (t: EntityRow<Task>, counts: TaskCounts): z.input<typeof taskAllInfo> => ({
  taskId: t.id,
  taskName: t.name,
  enable: t.enabled,
  priority: t.priority,
  description: t.description,
  lastEditedAt: t.lastEditedAt.getTime(),
  lastTimeRun: ms(t.lastRunAt),
  jobs: counts.jobs,
  clients: counts.clients,
  scripts: counts.scripts,
});

/** GET /tasks/histories: one task execution on one client. */
export const taskHistory = z.object({
  mqttClientId: z.string(),
  taskName: z.string(),
  enabled: z.int().openapi({ description: "The task's switch now: 1 or 0 (0 once the task is deleted)." }),
  taskScript: z.string().openapi({ description: 'The script as it was run, as JSON text.' }),
  priority: z.int(),
  ts: epochMs.openapi({ description: 'When the task ended, else started, else when the run was created.' }),
  result: z.string().openapi({ description: 'PENDING, RUNNING, SUCCESS, FAILED or NOT_EXECUTE.' }),
});
export const toTaskHistory = (h: TaskHistoryRow): z.input<typeof taskHistory> => ({
  mqttClientId: h.mqttClientId,
  taskName: h.taskName,
  enabled: flag(h.enabled === true),
  taskScript: JSON.stringify(h.taskScript ?? []),
  priority: h.priority,
  ts: h.ts.getTime(),
  result: h.status,
});
