import { GroupService } from '../../services/group.service';
import { attributeValueFields, MAX_ATTRIBUTE_VALUES } from '../../services/schemas/attribute.schema';
import { expect } from '../../services/schemas/fields';
import { TaskService } from '../../services/task.service';
import { BindingService } from '../../services/binding.service';
import { ClientService } from '../../services/client.service';
import { errors } from '../../services/errors';
import { JobService } from '../../services/job.service';
import { b, pagingQuery, q } from '../params';
import { jobListQuery, pageOfQuery, taskListQuery, toJobFilter, toTaskFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { countBody, DESC_NULL, descNull, nullBody, pageOf, slicePage, toPage } from '../shapes/common';
import { groupOfClient, toGroupOfClient } from '../shapes/group.shapes';
import { jobSummary, toJobSummary } from '../shapes/job.shapes';
import { taskListItem, toTaskListItem } from '../shapes/task.shapes';
import { z } from '../zod';

/*
 * A client's attribute values, groups, jobs and tasks.
 * The document shows `list` as a single object for a client's groups, jobs and tasks; a list of
 * several cannot be one object, so `list` is an array there as everywhere else. Its example for
 * a client's tasks repeats the jobs example; the answer carries tasks, in the task-list shape.
 * The document spells the path parameter `clientsId` on some routes: a path parameter's name never
 * reaches the wire, and OpenAPI forbids two names for one path, so it is `clientId` throughout.
 */

const clientIdParam = z.object({ clientId: q.id() });

export const clientRelationRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/attributes',
    permission: 'read',
    summary: 'Client Attributes',
    tag: 'monitoring',
    description:
      "One row per attribute definition: the client's value, or the attribute's default when it holds none. `type` is the type index (0 STRING, 1 NUMBER, 2 BOOLEAN, 3 DATE).",
    params: clientIdParam,
    query: z.object(pagingQuery),
    response: pageOf(
      z.object({
        type: z.int(),
        attributeId: z.int(),
        attributeName: z.string(),
        attributeValue: z.string().nullable(),
        display: z.boolean(),
        readOnly: z.boolean(),
      }),
    ),
    handler: async (ctx, { params, query }) =>
      toPage(slicePage(await new ClientService(ctx).attributes(params.clientId), pageOfQuery(query)), (a) => ({
        type: a.type,
        attributeId: a.attributeId,
        attributeName: a.attributeName,
        attributeValue: a.attributeValue,
        display: a.display,
        readOnly: a.readOnly,
      })),
  }),
  defineRoute({
    method: 'post',
    path: '/clients/:clientId/attributes',
    permission: 'config.write',
    summary: 'Add Client Attributes',
    tag: 'settings',
    description: "Sets the values given, all or none; read-only attributes are refused. An item's `clientId`, when sent, must be the path's.",
    params: clientIdParam,
    body: z
      .array(z.object({ clientId: b.id().optional(), ...attributeValueFields }))
      .max(MAX_ATTRIBUTE_VALUES, expect(`at most ${MAX_ATTRIBUTE_VALUES} values`)),
    response: descNull,
    handler: async (ctx, { params, body }) => {
      const stray = body.findIndex((v) => v.clientId !== undefined && v.clientId !== params.clientId);
      if (stray >= 0) throw errors.invalid(`[${stray}].clientId`, `the path's clientId ${params.clientId} or nothing`, body[stray].clientId);
      await new ClientService(ctx).setAttributes(params.clientId, body);
      return DESC_NULL;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/attributes/count',
    permission: 'read',
    summary: 'client attributes count',
    tag: 'monitoring',
    description: "Counts the attribute definitions (each client holds a value or the default for every one), as the attribute list's total.",
    params: clientIdParam,
    response: countBody,
    handler: async (ctx, { params }) => ({ count: (await new ClientService(ctx).countInfo(params.clientId)).attributes }),
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/groups',
    permission: 'read',
    summary: 'Client Groups',
    tag: 'monitoring',
    params: clientIdParam,
    query: z.object(pagingQuery),
    response: pageOf(groupOfClient),
    handler: async (ctx, { params, query }) =>
      toPage(await new GroupService(ctx).list({ filter: { clientId: params.clientId }, page: pageOfQuery(query) }), toGroupOfClient),
  }),
  defineRoute({
    method: 'put',
    path: '/clients/:clientId/groups',
    permission: 'config.write',
    summary: 'bind client group',
    tag: 'config',
    description: 'Adds the client to static groups (groups it is in stay). A dynamic group is refused: its members follow its query.',
    params: clientIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new ClientService(ctx).bindGroups(params.clientId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/groups/count',
    permission: 'read',
    summary: 'client groups count',
    tag: 'monitoring',
    params: clientIdParam,
    response: countBody,
    handler: async (ctx, { params }) => ({ count: (await new ClientService(ctx).countInfo(params.clientId)).groups }),
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/jobs',
    permission: 'read',
    summary: 'Client Jobs',
    tag: 'monitoring',
    description: 'The jobs that reach the client, bound directly or through one of its groups.',
    params: clientIdParam,
    query: jobListQuery,
    response: pageOf(jobSummary),
    handler: async (ctx, { params, query }) => {
      const page = await new JobService(ctx).list({ filter: { ...toJobFilter(query), clientId: params.clientId }, page: pageOfQuery(query), counts: true });
      return toPage(page, (job, i) => toJobSummary(job, page.counts[i]));
    },
  }),
  defineRoute({
    method: 'put',
    path: '/clients/:clientId/jobs',
    permission: 'config.write',
    summary: 'bind client jobs',
    tag: 'config',
    description: 'Aims the jobs at the client directly.',
    params: clientIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new BindingService(ctx).bindClientJobs(params.clientId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/clients/:clientId/jobs/remove',
    permission: 'config.write',
    summary: 'remove client jobs',
    tag: 'config',
    description: 'Removes direct bindings only; a job that reaches the client through a group still does.',
    params: clientIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new BindingService(ctx).unbindClientJobs(params.clientId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/jobs/count',
    permission: 'read',
    summary: 'client jobs count',
    tag: 'monitoring',
    params: clientIdParam,
    response: countBody,
    handler: async (ctx, { params }) => ({ count: (await new ClientService(ctx).countInfo(params.clientId)).jobs }),
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/tasks',
    permission: 'read',
    summary: 'Client tasks',
    tag: 'monitoring',
    description: "The tasks of the jobs that reach the client, in the task-list shape (the document's example repeats the jobs one).",
    params: clientIdParam,
    query: taskListQuery,
    response: pageOf(taskListItem),
    handler: async (ctx, { params, query }) =>
      toPage(await new TaskService(ctx).list({ filter: { ...toTaskFilter(query), clientId: params.clientId }, page: pageOfQuery(query) }), toTaskListItem),
  }),
];
