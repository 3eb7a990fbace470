import { DashboardService } from '../../services/dashboard.service';
import { ms } from '../../services/filters';
import { q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { epochMs, epochMsOrNull } from '../shapes/common';
import { z } from '../zod';

/*
 * Dashboard numbers and charts. `Groups` is capitalised in /dashboard/reports, as documented.
 * Job counts of the reports are runs by final status; `alerts` counts client executions that
 * failed in the last 24 hours.
 */

export const dashboardRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/dashboard/logs/count',
    permission: 'read',
    summary: '日志统计 (log counts)',
    tag: 'dashboard',
    description: '`clients`: client executions (reports) recorded; `jobs`: job runs recorded.',
    response: z.object({ clients: z.int(), jobs: z.int() }),
    handler: async (ctx) => new DashboardService(ctx).logsCount(),
  }),
  defineRoute({
    method: 'get',
    path: '/dashboard/reports',
    permission: 'read',
    summary: '聚合报告 (aggregate report)',
    tag: 'dashboard',
    response: z.object({
      clients: z.int(),
      Groups: z.int(),
      jobs: z.int(),
      tasks: z.int(),
      clientsOnline: z.int(),
      clientsOffline: z.int(),
      clientsDisabled: z.int(),
      jobFailed: z.int().openapi({ description: 'Runs that ended FAILED.' }),
      jobSuccess: z.int().openapi({ description: 'Runs that ended SUCCESS.' }),
      jobNotExecuted: z.int().openapi({ description: 'Runs that ended NOT_EXECUTE.' }),
    }),
    handler: async (ctx) => {
      const r = await new DashboardService(ctx).reports();
      return {
        clients: r.clients,
        Groups: r.groups,
        jobs: r.jobs,
        tasks: r.tasks,
        clientsOnline: r.clientsOnline,
        clientsOffline: r.clientsOffline,
        clientsDisabled: r.clientsDisabled,
        jobFailed: r.jobFailed,
        jobSuccess: r.jobSuccess,
        jobNotExecuted: r.jobNotExecuted,
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/dashboard/info',
    permission: 'read',
    summary: 'Basic Info',
    tag: 'dashboard',
    description: '`tasksHistory`: task executions recorded; `alerts`: client executions that failed in the last 24 hours.',
    response: z.object({ clients: z.int(), tasks: z.int(), jobs: z.int(), groups: z.int(), tasksHistory: z.int(), alerts: z.int() }),
    handler: async (ctx) => new DashboardService(ctx).basicInfo(),
  }),
  defineRoute({
    method: 'get',
    path: '/dashboard/onlineClients',
    permission: 'read',
    summary: 'Online Clients Chart',
    tag: 'dashboard',
    description:
      'Buckets of `interval` ms (default 1 hour, from 1000) from `startTime` to `endTime` (default: the last 24 hours); each holds the peak online count sampled in it, at most 2000 buckets.',
    query: z.object({ startTime: q.epochMs().optional(), endTime: q.epochMs().optional(), interval: q.int(1000).optional() }),
    response: z.array(z.object({ clientCount: z.int(), time: epochMs.openapi({ description: 'Start of the bucket, epoch ms.' }) })),
    handler: async (ctx, { query }) =>
      (await new DashboardService(ctx).onlineClients(query)).map((p) => ({ clientCount: p.clientCount, time: p.time.getTime() })),
  }),
  defineRoute({
    method: 'get',
    path: '/dashboard/scheduledJobs',
    permission: 'read',
    summary: 'job 日程表 (job calendar)',
    tag: 'dashboard',
    description:
      "Runs planned between `start` and `end` (SUCCESS, FAILED, RUNNING) and the fire times still to come after `now` (UPCOMING), from each enabled job's schedule in the management server's time zone. At most 400 days and 5,000 entries (more is refused naming `end`). `actualStartAt`/`actualEndAt` are null until they happen.",
    query: z.object({ start: q.epochMs(), end: q.epochMs(), now: q.epochMs() }),
    response: z.array(
      z.object({
        jobId: z.int(),
        startAt: epochMs,
        endAt: epochMs,
        result: z.enum(['SUCCESS', 'FAILED', 'UPCOMING', 'RUNNING']),
        clients: z.int(),
        actualStartAt: epochMsOrNull,
        actualEndAt: epochMsOrNull,
      }),
    ),
    handler: async (ctx, { query }) =>
      (await new DashboardService(ctx).scheduledJobs(query)).map((e) => ({
        jobId: e.jobId,
        startAt: e.startAt.getTime(),
        endAt: e.endAt.getTime(),
        result: e.result,
        clients: e.clients,
        actualStartAt: ms(e.actualStartAt),
        actualEndAt: ms(e.actualEndAt),
      })),
  }),
];
