import { ClientService } from '../../services/client.service';
import { JobDryRunService } from '../../services/job-dry-run.service';
import { q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { epochMs } from '../shapes/common';
import { z } from '../zod';
import { jobIdParam } from './jobs.routes';

/** Clients listed per category in the answer (counts are whole); `limit` asks for more or fewer. */
const DEFAULT_LISTED = 100;

const target = z.object({ clientId: z.int(), mqttClientId: z.string() });
const targets = z.object({ count: z.int().min(0), list: z.array(target) });

/** The dry run of a job, beside the documented routes (docs/rest-compat.md, "Routes beside the document"). */
export const jobDryRunRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/dry-run',
    permission: 'read',
    summary: 'Dry run of a job',
    tag: 'config',
    description:
      'Which clients a run of the job would reach now (enabled and online, enabled and offline, disabled), the next fire times (epoch ms), and whether POST /jobs/{jobId}/run would be accepted; runs nothing. The same service as GraphQL `jobDryRun`.',
    params: jobIdParam,
    query: z.object({
      limit: q
        .int(0, 1000)
        .optional()
        .openapi({ description: `Clients listed per category (default ${DEFAULT_LISTED}).` }),
    }),
    response: z.object({
      jobId: z.int(),
      jobName: z.string(),
      enabled: z.boolean(),
      enabledTasks: z.int().min(0),
      online: targets,
      offline: targets,
      disabled: targets,
      nextFireTimes: z.array(epochMs),
      timeZone: z.string().openapi({ description: 'The management time zone the fire times follow (general settings).' }),
      runnable: z.boolean(),
      blockers: z.array(z.string()),
    }),
    handler: async (ctx, { params, query }) => {
      const d = await new JobDryRunService(ctx).dryRun(params.jobId);
      const limit = query.limit ?? DEFAULT_LISTED;
      const clients = new ClientService(ctx);
      const listed = async (ids: number[]) => ({
        count: ids.length,
        list: (await clients.getMany(ids.slice(0, limit))).filter((c) => c !== null).map((c) => ({ clientId: c.id, mqttClientId: c.mqttClientId })),
      });
      return {
        jobId: d.jobId,
        jobName: d.jobName,
        enabled: d.enabled,
        enabledTasks: d.enabledTasks,
        online: await listed(d.online),
        offline: await listed(d.offline),
        disabled: await listed(d.disabled),
        nextFireTimes: d.nextFireTimes.map((t) => t.getTime()),
        timeZone: d.timeZone,
        runnable: d.runnable,
        blockers: d.blockers,
      };
    },
  }),
];
