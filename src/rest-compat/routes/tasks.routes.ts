import { ExecutionLogService } from '../../services/execution-log.service';
import { TaskService, type TaskInput } from '../../services/task.service';
import { MAX_NAME } from '../../services/schemas/fields';
import { taskFields as task } from '../../services/schemas/task.schema';
import { b, pagingQuery, q } from '../params';
import { pageOfQuery, taskListQuery, toTaskFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { DESC_NULL, descNull, pageOf, SUCCESS, successText, toPage } from '../shapes/common';
import {
  taskAllInfo,
  taskCreated,
  taskDetail,
  taskHistory,
  taskListItem,
  toTaskAllInfo,
  toTaskCreated,
  toTaskDetail,
  toTaskHistory,
  toTaskListItem,
} from '../shapes/task.shapes';
import { z } from '../zod';

/*
 * Tasks: list, create, edit, details, enable/disable, delete, counts, execution history.
 * The create body names the task `taskName`, the update body `name`: both take either.
 * `lastRunAt` and `assignmentsChangedAt` in bodies are accepted and ignored (the server records
 * them). Left-out fields take the task settings' defaults (enable, priority, disableValidation).
 */

const nameText = `a non-empty string of at most ${MAX_NAME} characters`;

// The service's task fields (services/schemas/task.schema.ts) under the document's names.
const taskFields = {
  taskName: task.name.nullish().openapi({ description: 'The task name (`name` is accepted too).' }),
  name: task.name.nullish().openapi({ description: 'Alias of taskName.' }),
  priority: task.priority,
  disableValidation: task.disableValidation,
  enabled: task.enabled,
  description: task.description,
  lastRunAt: b.ignoredTime(),
  assignmentsChangedAt: b.ignoredTime(),
};

type TaskBody = z.output<z.ZodObject<typeof taskFields>>;

function toTaskInput(body: TaskBody): TaskInput {
  return {
    name: body.taskName ?? body.name,
    description: body.description,
    priority: body.priority,
    enabled: body.enabled,
    disableValidation: body.disableValidation,
  };
}

export const taskIdParam = z.object({ taskId: q.id() });

export const taskRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/tasks',
    permission: 'read',
    summary: 'Task List',
    tag: 'config',
    query: taskListQuery,
    response: pageOf(taskListItem),
    handler: async (ctx, { query }) => toPage(await new TaskService(ctx).list({ filter: toTaskFilter(query), page: pageOfQuery(query) }), toTaskListItem),
  }),
  defineRoute({
    method: 'post',
    path: '/tasks',
    permission: 'config.write',
    summary: 'Create Task',
    tag: 'config',
    body: z.object(taskFields).refine((t) => t.taskName != null || t.name != null, { path: ['taskName'], error: () => `expected ${nameText}` }),
    response: taskCreated,
    handler: async (ctx, { body }) => toTaskCreated(await new TaskService(ctx).create(toTaskInput(body))),
  }),
  defineRoute({
    method: 'put',
    path: '/tasks',
    permission: 'config.write',
    summary: 'update Task',
    tag: 'config',
    description: 'Only the fields sent change.',
    body: z.object({ taskId: b.id(), ...taskFields }),
    response: descNull,
    handler: async (ctx, { body }) => {
      await new TaskService(ctx).update(body.taskId, toTaskInput(body));
      return DESC_NULL;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/details',
    permission: 'read',
    summary: 'Task Detail',
    tag: 'config',
    params: taskIdParam,
    response: taskDetail,
    handler: async (ctx, { params }) => toTaskDetail(await new TaskService(ctx).get(params.taskId)),
  }),
  defineRoute({
    method: 'put',
    path: '/tasks/:taskId/enable',
    permission: 'config.write',
    summary: 'enable task',
    tag: 'config',
    params: taskIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new TaskService(ctx).setEnabled(params.taskId, true);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/tasks/:taskId/disable',
    permission: 'config.write',
    summary: 'disable task',
    tag: 'config',
    params: taskIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new TaskService(ctx).setEnabled(params.taskId, false);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/tasks/:taskId',
    permission: 'config.write',
    summary: 'Delete task',
    tag: 'config',
    description: 'Deletes the task, its script and its places in jobs; its execution history stays.',
    params: taskIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new TaskService(ctx).delete(params.taskId);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/countInfo',
    permission: 'read',
    summary: 'task count info',
    tag: 'config',
    description: "The document's example is `{}`; the answer carries the counts of the all-info list: jobs, clients (reached by those jobs), scripts (steps).",
    params: taskIdParam,
    response: z.object({ jobs: z.int(), clients: z.int(), scripts: z.int() }),
    handler: async (ctx, { params }) => new TaskService(ctx).countInfo(params.taskId),
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/allInfo',
    permission: 'read',
    summary: 'Task List all info',
    tag: 'config',
    query: taskListQuery,
    response: pageOf(taskAllInfo),
    handler: async (ctx, { query }) => {
      const page = await new TaskService(ctx).list({ filter: toTaskFilter(query), page: pageOfQuery(query), counts: true });
      return toPage(page, (task, i) => toTaskAllInfo(task, page.counts[i]));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/histories',
    permission: 'read',
    summary: 'Task history',
    tag: 'monitoring',
    description: 'Every execution of a task on a client, newest first. `mqttClientId` and `taskName` match exactly.',
    query: z.object({ ...pagingQuery, mqttClientId: q.str().optional(), taskName: q.str().optional() }),
    response: pageOf(taskHistory),
    handler: async (ctx, { query }) =>
      toPage(
        await new ExecutionLogService(ctx).taskHistories({ mqttClientId: query.mqttClientId, taskName: query.taskName }, pageOfQuery(query)),
        toTaskHistory,
      ),
  }),
];
