import { ClientService } from '../../services/client.service';
import { GroupService } from '../../services/group.service';
import { TaskService } from '../../services/task.service';
import { BindingService } from '../../services/binding.service';
import { JobService, type JobCounts } from '../../services/job.service';
import type { ServiceContext } from '../../services/service-context';
import { b, pagingQuery, q } from '../params';
import { clientListQuery, pageOfQuery, taskListQuery, toClientFilter, toTaskFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { clientOfJob, toClientOfJob } from '../shapes/client.shapes';
import { countBody, nullBody, pageOf, toPage } from '../shapes/common';
import { groupOfJob, toGroupOfJob } from '../shapes/group.shapes';
import { taskListItem, toTaskListItem } from '../shapes/task.shapes';
import { z } from '../zod';
import { jobIdParam } from './jobs.routes';

/*
 * What a job is aimed at (groups, clients bound directly) and what it runs (tasks, in order).
 * PUT /jobs/{id}/<relation> adds (pairs already bound stay; new tasks go after the job's last
 * task, in the order sent); PUT .../remove removes (ids not bound are ignored). Every id bound must
 * exist, else 404 and nothing changes. The clients listed and counted are those bound directly.
 */

type Relation = 'groups' | 'clients' | 'tasks';

const bindings = {
  groups: { bind: 'bindJobGroups', unbind: 'unbindJobGroups', noun: 'group' },
  clients: { bind: 'bindJobClients', unbind: 'unbindJobClients', noun: 'client' },
  tasks: { bind: 'bindJobTasks', unbind: 'unbindJobTasks', noun: 'task' },
} as const;

const countOf = async (ctx: ServiceContext, jobId: number, relation: keyof JobCounts) => ({ count: (await new JobService(ctx).countInfo(jobId))[relation] });

/** The bind, remove and count routes of one relation, all alike. */
function relationRoutes(relation: Relation): AnyRoute[] {
  const { bind, unbind, noun } = bindings[relation];
  return [
    defineRoute({
      method: 'put',
      path: `/jobs/:jobId/${relation}`,
      permission: 'config.write',
      summary: `bind job ${noun}`,
      tag: 'config',
      params: jobIdParam,
      body: b.ids().openapi({ description: `Ids of the ${relation} to add.`, example: [1, 2] }),
      response: nullBody,
      handler: async (ctx, { params, body }) => {
        await new BindingService(ctx)[bind](params.jobId, body);
        return null;
      },
    }),
    defineRoute({
      method: 'put',
      path: `/jobs/:jobId/${relation}/remove`,
      permission: 'config.write',
      summary: `remove job ${noun}`,
      tag: 'config',
      params: jobIdParam,
      body: b.ids().openapi({ description: `Ids of the ${relation} to remove.`, example: [1] }),
      response: nullBody,
      handler: async (ctx, { params, body }) => {
        await new BindingService(ctx)[unbind](params.jobId, body);
        return null;
      },
    }),
    defineRoute({
      method: 'get',
      path: `/jobs/:jobId/${relation}/count`,
      permission: 'read',
      summary: `jobs ${relation === 'groups' ? 'group' : relation} count`,
      tag: 'config',
      params: jobIdParam,
      response: countBody,
      handler: async (ctx, { params }) => countOf(ctx, params.jobId, relation),
    }),
  ];
}

export const jobBindingRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/groups',
    permission: 'read',
    summary: 'Job Groups',
    tag: 'config',
    description: '`groupName` matches a case-insensitive part of the name.',
    params: jobIdParam,
    query: z.object({ ...pagingQuery, groupName: q.str().optional() }),
    response: pageOf(groupOfJob),
    handler: async (ctx, { params, query }) =>
      toPage(await new GroupService(ctx).list({ filter: { nameContains: query.groupName, jobId: params.jobId }, page: pageOfQuery(query) }), toGroupOfJob),
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/clients',
    permission: 'read',
    summary: 'Job Clients',
    tag: 'config',
    description: 'The clients bound to the job directly (members of its groups are not listed).',
    params: jobIdParam,
    query: clientListQuery,
    response: pageOf(clientOfJob),
    handler: async (ctx, { params, query }) =>
      toPage(await new ClientService(ctx).list({ filter: { ...toClientFilter(query), jobId: params.jobId }, page: pageOfQuery(query) }), toClientOfJob),
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/:jobId/tasks',
    permission: 'read',
    summary: 'Job Tasks',
    tag: 'config',
    description: "The job's tasks in the order they run.",
    params: jobIdParam,
    query: taskListQuery,
    response: pageOf(taskListItem),
    handler: async (ctx, { params, query }) =>
      toPage(await new TaskService(ctx).list({ filter: { ...toTaskFilter(query), jobId: params.jobId }, page: pageOfQuery(query) }), toTaskListItem),
  }),
  ...relationRoutes('groups'),
  ...relationRoutes('clients'),
  ...relationRoutes('tasks'),
];
