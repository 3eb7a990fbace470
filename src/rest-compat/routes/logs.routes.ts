import { EXECUTION_STATUSES } from '../../entities';
import { ExecutionLogService } from '../../services/execution-log.service';
import type { ServiceContext } from '../../services/service-context';
import { pagingQuery, q } from '../params';
import { pageOfQuery } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { pageOf, toPage } from '../shapes/common';
import {
  clientJobLogItem,
  clientLogItem,
  clientOverviewItem,
  jobClientLogItem,
  jobLogItem,
  reportScriptLogBody,
  reportTaskLogItem,
  scriptLogItem,
  taskLogItem,
  toClientJobLogItem,
  toClientLogItem,
  toClientOverviewItem,
  toJobClientLogItem,
  toJobLogItem,
  toReportScriptLogItem,
  toReportTaskLogItem,
  toScriptLogItem,
  toTaskLogItem,
} from '../shapes/log.shapes';
import { z } from '../zod';

/*
 * Execution logs, newest first. `status` filters on the row's status: ALL, SUCCESS, FAILED (the
 * document's values) or any other execution status (PENDING, RUNNING, NOT_EXECUTE); where the
 * document marks it required it is required. `startAt` (epoch ms) keeps runs started at or after
 * it. The JobLogApi marks pageNo/pageSize required; they are optional everywhere (defaults 1 and
 * 20), because the dashboard forms of the same routes send none.
 * GET /logs/jobs and GET /logs/clients are documented twice: one route each, answering the union
 * of the fields of both forms.
 */

// The document's values first, so a refusal lists them first.
const STATUS_FILTER = ['ALL', 'SUCCESS', 'FAILED', ...EXECUTION_STATUSES.filter((s) => s !== 'SUCCESS' && s !== 'FAILED')] as [string, ...string[]];
const statusFilter = () => q.enum(STATUS_FILTER).openapi({ description: 'ALL, SUCCESS, FAILED (or PENDING, RUNNING, NOT_EXECUTE).' });
const startAt = () => q.epochMs().optional().openapi({ description: 'Epoch ms: runs started at or after it.' });
const now = (ctx: ServiceContext) => ctx.clock.now().getTime();

const reportQuery = z.object({ clientId: q.id(), jobId: q.id(), reportId: q.str(), startAt: startAt(), ...pagingQuery });
const reportTaskQuery = reportQuery.extend({ taskId: q.id() });

const logs = (ctx: ServiceContext) => new ExecutionLogService(ctx);

/** The two report task-log routes are alike, as are the two report script-log routes. */
function reportRoutes(prefix: '/logs/clients/jobs' | '/logs/jobs/clients', names: [string, string]): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: `${prefix}/tasks`,
      permission: 'read',
      summary: names[0],
      tag: 'JobLogApi',
      description: 'The task results of one client execution (`reportId`), in job order; 404 unless the report is of that client and job.',
      query: reportQuery,
      response: pageOf(reportTaskLogItem),
      handler: async (ctx, { query }) => {
        const page = await logs(ctx).taskLogs(
          { reportId: query.reportId, clientId: query.clientId, jobId: query.jobId, startAt: query.startAt },
          pageOfQuery(query),
        );
        return toPage(page, (r) => toReportTaskLogItem(r, now(ctx)));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${prefix}/tasks/scripts`,
      permission: 'read',
      summary: names[1],
      tag: 'JobLogApi',
      description:
        'The step results, with their timed messages, of one task of one client execution, in the `{code, data}` envelope the document shows for this route.',
      query: reportTaskQuery,
      response: reportScriptLogBody,
      handler: async (ctx, { query }) => {
        const page = await logs(ctx).stepLogs(
          { taskId: query.taskId, reportId: query.reportId, clientId: query.clientId, jobId: query.jobId },
          pageOfQuery(query),
        );
        return { code: 'SUCCESS' as const, data: { total: page.total, list: page.items.map(toReportScriptLogItem) } };
      },
    }),
  ];
}

export const logRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/logs/clients/jobs',
    permission: 'read',
    summary: '按客户端详细信息获取作业日志 (job logs by client)',
    tag: 'JobLogApi',
    description: 'Client executions as job rows. The document lists no clientId here; it is accepted to narrow the rows to one client.',
    query: z.object({ status: statusFilter(), clientId: q.id().optional(), jobId: q.id().optional(), startAt: startAt(), ...pagingQuery }),
    response: pageOf(clientJobLogItem),
    handler: async (ctx, { query }) => {
      const page = await logs(ctx).clientLogs(
        { status: query.status, clientId: query.clientId, jobId: query.jobId, startAt: query.startAt },
        pageOfQuery(query),
      );
      return toPage(page, (r) => toClientJobLogItem(r, now(ctx)));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/logs/clients',
    permission: 'read',
    summary: 'getJobLogsByClient / client logs',
    tag: 'JobLogApi',
    description:
      'Documented twice: one row per client execution, with the client fields of the first form and the job fields of the second. clientId and jobId are optional filters.',
    query: z.object({ status: statusFilter(), clientId: q.id().optional(), jobId: q.id().optional(), startAt: startAt(), ...pagingQuery }),
    response: pageOf(clientLogItem),
    handler: async (ctx, { query }) =>
      toPage(
        await logs(ctx).clientLogs({ status: query.status, clientId: query.clientId, jobId: query.jobId, startAt: query.startAt }, pageOfQuery(query)),
        toClientLogItem,
      ),
  }),
  ...reportRoutes('/logs/clients/jobs', [
    '按客户端详细信息任务获取作业日志 (task logs of a client execution)',
    '通过客户端详细信息任务脚本获取作业日志 (script logs of a client execution)',
  ]),
  defineRoute({
    method: 'get',
    path: '/logs/jobs',
    permission: 'read',
    summary: 'getJobsByStatus / job logs',
    tag: 'JobLogApi',
    description: 'Documented twice: one row per run, with the fields of both forms. The second form types status as a number; it takes the status names.',
    query: z.object({ status: statusFilter(), jobId: q.id().optional(), startAt: startAt(), ...pagingQuery }),
    response: pageOf(jobLogItem),
    handler: async (ctx, { query }) =>
      toPage(await logs(ctx).jobLogs({ status: query.status, jobId: query.jobId, startAt: query.startAt }, pageOfQuery(query)), toJobLogItem),
  }),
  defineRoute({
    method: 'get',
    path: '/logs/jobs/clients',
    permission: 'read',
    summary: 'getJobClientsByJob',
    tag: 'JobLogApi',
    description: "The client executions of one job's runs.",
    query: z.object({ status: statusFilter(), jobId: q.id(), startAt: startAt(), ...pagingQuery }),
    response: pageOf(jobClientLogItem),
    handler: async (ctx, { query }) =>
      toPage(await logs(ctx).clientLogs({ status: query.status, jobId: query.jobId, startAt: query.startAt }, pageOfQuery(query)), toJobClientLogItem),
  }),
  ...reportRoutes('/logs/jobs/clients', ['getJobTasksByJobClient', 'getScriptLogByJobClient']),
  defineRoute({
    method: 'get',
    path: '/logs/tasks',
    permission: 'read',
    summary: 'task logs',
    tag: 'dashboard',
    description: 'The task results of every execution of the job on the client, newest execution first.',
    query: z.object({ clientId: q.id(), jobId: q.id(), startAt: startAt(), ...pagingQuery }),
    response: pageOf(taskLogItem),
    handler: async (ctx, { query }) =>
      toPage(await logs(ctx).taskLogs({ clientId: query.clientId, jobId: query.jobId, startAt: query.startAt }, pageOfQuery(query)), toTaskLogItem),
  }),
  defineRoute({
    method: 'get',
    path: '/logs/scripts',
    permission: 'read',
    summary: 'script logs',
    tag: 'dashboard',
    description:
      'The step results of the task in the latest execution of the job on the client that ran it (or of `reportId`, when given). `transferOperation` is always null, as documented.',
    query: z.object({ clientId: q.id(), jobId: q.id(), taskId: q.id(), reportId: q.str().optional(), ...pagingQuery }),
    response: pageOf(scriptLogItem),
    handler: async (ctx, { query }) =>
      toPage(
        await logs(ctx).stepLogs({ taskId: query.taskId, clientId: query.clientId, jobId: query.jobId, reportId: query.reportId }, pageOfQuery(query)),
        toScriptLogItem,
      ),
  }),
  defineRoute({
    method: 'get',
    path: '/logs/clients/overview',
    permission: 'read',
    summary: 'client logs overview',
    tag: 'dashboard',
    description: 'Every client with the status of its latest finished execution (NOT_EXECUTE when it has none). `status` and `startAt` are optional filters.',
    query: z.object({
      status: q.enum(['ALL', 'SUCCESS', 'FAILED', 'NOT_EXECUTE']).optional(),
      startAt: startAt(),
      ...pagingQuery,
    }),
    response: pageOf(clientOverviewItem),
    handler: async (ctx, { query }) =>
      toPage(await logs(ctx).clientOverview({ status: query.status, startAt: query.startAt }, pageOfQuery(query)), toClientOverviewItem),
  }),
];
