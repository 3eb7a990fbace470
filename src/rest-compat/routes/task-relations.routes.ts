import { ClientService } from '../../services/client.service';
import { STEP_TYPES } from '../../entities';
import { BindingService } from '../../services/binding.service';
import { stepFields as step } from '../../services/schemas/step-script.schema';
import { JobService } from '../../services/job.service';
import { TaskService } from '../../services/task.service';
import { b } from '../params';
import { clientListQuery, jobListQuery, pageOfQuery, toClientFilter, toJobFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { SCRIPT_READ_COST } from '../route-cost';
import { clientOfTask, toClientOfTask } from '../shapes/client.shapes';
import { countBody, nullBody, pageOf, toPage } from '../shapes/common';
import { jobSummary, toJobSummary } from '../shapes/job.shapes';
import { z } from '../zod';
import { taskIdParam } from './tasks.routes';

/*
 * A task's script, the jobs it is part of, and the clients those jobs reach.
 *
 * The script is a list of steps; an IF step holds `conditions` (GET_FILE_STATUS steps) and `true`
 * / `false` branches. POST replaces the whole script: a step sent with the `scriptId` (or `id`) of
 * one of the task's steps keeps that id, other steps are new, steps not sent are deleted. It
 * answers the root steps `[{scriptId, scriptType}]`. GET answers `{ "script": "<JSON text>" }`:
 * the same tree, every step with its `scriptId`, as JSON text (the document shows a string).
 */

// The service's step fields (services/schemas/step-script.schema.ts), with the document's descriptions.
const stepFields = {
  ...step,
  scriptId: step.scriptId.openapi({ description: 'Keep this existing step (its id stays); leave out for a new step.' }),
  id: step.id.openapi({ description: 'Alias of scriptId.' }),
  block: step.block.openapi({ description: 'true (default): a failure ends the task as FAILED; false: logged, the task goes on.' }),
  retryTimes: step.retryTimes.openapi({ description: 'Default 4.' }),
  retryInterval: step.retryInterval.openapi({ description: 'Seconds, default 20.' }),
  filePath: step.filePath.openapi({ description: 'A path on the agent; relative paths resolve against its first root; may end in a * wildcard.' }),
  interval: step.interval.openapi({ description: 'WAIT_FLAG_FILE polling interval, ms.' }),
  timeOut: step.timeOut.openapi({ description: 'WAIT_FLAG_FILE time-out, ms.' }),
  duration: step.duration.openapi({ description: 'EXECUTE_FILE bound, seconds.' }),
  groups: step.groups.openapi({ description: 'BROADCAST: the store groups to send to.' }),
  recvFileScriptId: step.recvFileScriptId.openapi({ description: 'SEND_FILE: the RECV_FILE step it pairs with.' }),
};

// Items of an IF are checked one level deep here (the document shows one level); the service
// parses the whole tree with the same fields and the rules between them, naming the step by its
// position too (`[0].true[1].filePath`).
const itemStep = z.looseObject(stepFields);
const rootStep = z.looseObject({
  ...stepFields,
  conditions: z.array(itemStep).nullable().optional().openapi({ description: 'IF: GET_FILE_STATUS steps that must all hold.' }),
  true: z.array(itemStep).nullable().optional().openapi({ description: 'IF: the steps run when the conditions hold.' }),
  false: z.array(itemStep).nullable().optional().openapi({ description: 'IF: the steps run otherwise.' }),
});

export const taskRelationRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/scripts',
    permission: 'read',
    summary: 'Task Script',
    tag: 'config',
    params: taskIdParam,
    response: z.object({
      script: z.string().openapi({ description: 'The script (a JSON array of steps, as POST takes it, each with its scriptId) as JSON text.' }),
    }),
    handler: async (ctx, { params }) => ({ script: JSON.stringify(await new TaskService(ctx).script(params.taskId)) }),
    // The script may hold MAX_SCRIPT_STEPS steps: admission counts it as GraphQL counts `Task.script`.
    cost: () => SCRIPT_READ_COST,
  }),
  defineRoute({
    method: 'post',
    path: '/tasks/:taskId/scripts',
    permission: 'config.write',
    summary: 'save scripts',
    tag: 'config',
    description: 'Replaces the whole script in one transaction (nothing is written when a step is refused).',
    params: taskIdParam,
    body: z.array(rootStep, { error: () => 'expected a JSON array of steps' }).max(1000, { error: () => 'expected at most 1000 root steps' }),
    response: z.array(z.object({ scriptId: z.int(), scriptType: z.enum(STEP_TYPES) })),
    handler: async (ctx, { params, body }) => new TaskService(ctx).saveScript(params.taskId, body),
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/jobs',
    permission: 'read',
    summary: 'Task Jobs',
    tag: 'config',
    params: taskIdParam,
    query: jobListQuery,
    response: pageOf(jobSummary),
    handler: async (ctx, { params, query }) => {
      const page = await new JobService(ctx).list({ filter: { ...toJobFilter(query), taskId: params.taskId }, page: pageOfQuery(query), counts: true });
      return toPage(page, (job, i) => toJobSummary(job, page.counts[i]));
    },
  }),
  defineRoute({
    method: 'put',
    path: '/tasks/:taskId/jobs',
    permission: 'config.write',
    summary: 'bind task job',
    tag: 'config',
    description: "Adds the task to each job, after the job's last task.",
    params: taskIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new BindingService(ctx).bindTaskJobs(params.taskId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/tasks/:taskId/jobs/remove',
    permission: 'config.write',
    summary: 'remove task job',
    tag: 'config',
    params: taskIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new BindingService(ctx).unbindTaskJobs(params.taskId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/jobs/count',
    permission: 'read',
    summary: 'task jobs count',
    tag: 'config',
    params: taskIdParam,
    response: countBody,
    handler: async (ctx, { params }) => ({ count: (await new TaskService(ctx).countInfo(params.taskId)).jobs }),
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:taskId/clients',
    permission: 'read',
    summary: 'task clients',
    tag: 'config',
    description: "The clients the task's jobs reach, directly or through groups.",
    params: taskIdParam,
    query: clientListQuery,
    response: pageOf(clientOfTask),
    handler: async (ctx, { params, query }) => {
      return toPage(
        await new ClientService(ctx).list({ filter: { ...toClientFilter(query), taskId: params.taskId }, page: pageOfQuery(query) }),
        toClientOfTask,
      );
    },
  }),
];
