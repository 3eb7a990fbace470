import { ClientService } from '../../services/client.service';
import { pageOfQuery } from '../queries';
import { GroupService } from '../../services/group.service';
import { groupFields as group } from '../../services/schemas/group.schema';
import { b, pagingQuery, q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { toClientListItem, clientListItem } from '../shapes/client.shapes';
import { DESC_NULL, descNull, nullBody, pageOf, SUCCESS, successText, toPage } from '../shapes/common';
import { groupCreated, groupListItem, toGroupCreated, toGroupListItem } from '../shapes/group.shapes';
import { z } from '../zod';

/*
 * Groups. `type` 0 = static (members bound with PUT /groups/{id}/clients), 1 = dynamic (members
 * are the clients matching queryProperty queryOperation queryValue; binding is refused).
 * The body's assignmentsChangedAt, membershipChangedAt and lastRefreshedAt are accepted and
 * ignored: the server records those times itself.
 */

// The service's group fields (services/schemas/group.schema.ts), with the document's descriptions.
const groupFields = {
  type: group.type.openapi({ description: '0 static (default), 1 dynamic.' }),
  groupName: group.groupName,
  description: group.description,
  enabled: group.enabled.openapi({ description: 'Default true.' }),
  queryProperty: group.queryProperty.openapi({
    description: 'Dynamic groups: a client field (mqttClientId, username, ip, role, status, ...) or an attribute name; "" or null for a static group.',
  }),
  queryOperation: group.queryOperation,
  queryValue: group.queryValue.openapi({ description: 'IN takes a comma list or a JSON array.' }),
  assignmentsChangedAt: b.ignoredTime(),
  membershipChangedAt: b.ignoredTime(),
  lastRefreshedAt: b.ignoredTime(),
};

const groupIdParam = z.object({ groupId: q.id() });

export const groupRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/groups',
    permission: 'read',
    summary: 'Group list',
    tag: 'config',
    description: '`groupName` matches a case-insensitive part of the name (the document offers no groupNameContain).',
    query: z.object({ ...pagingQuery, groupName: q.str().optional() }),
    response: pageOf(groupListItem),
    handler: async (ctx, { query }) =>
      toPage(await new GroupService(ctx).list({ filter: { nameContains: query.groupName }, page: pageOfQuery(query) }), toGroupListItem),
  }),
  defineRoute({
    method: 'post',
    path: '/groups',
    permission: 'config.write',
    summary: 'Create Group',
    tag: 'config',
    body: z.object(groupFields),
    response: groupCreated,
    handler: async (ctx, { body }) => toGroupCreated(await new GroupService(ctx).create(body)),
  }),
  defineRoute({
    method: 'put',
    path: '/groups',
    permission: 'config.write',
    summary: 'update Group',
    tag: 'config',
    description: 'Only the fields sent change. A new query re-evaluates the members at once.',
    body: z.object({ groupId: b.id(), ...groupFields, groupName: group.groupName.nullish() }),
    response: descNull,
    handler: async (ctx, { body }) => {
      const { groupId, ...input } = body;
      await new GroupService(ctx).update(groupId, input);
      return DESC_NULL;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/groups/:groupId',
    permission: 'config.write',
    summary: 'Delete group',
    tag: 'config',
    params: groupIdParam,
    response: successText,
    handler: async (ctx, { params }) => {
      await new GroupService(ctx).delete(params.groupId);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/groups/:groupId/clients',
    permission: 'config.write',
    summary: 'bind group client',
    tag: 'config',
    description: 'Adds the clients to a static group (members already bound stay). A dynamic group refuses: its members follow its query.',
    params: groupIdParam,
    body: b.ids(),
    response: nullBody,
    handler: async (ctx, { params, body }) => {
      await new GroupService(ctx).bindClients(params.groupId, body);
      return null;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/groups/:groupId/clients',
    permission: 'read',
    summary: 'get gruop clients',
    tag: 'config',
    params: groupIdParam,
    query: z.object(pagingQuery),
    response: pageOf(clientListItem),
    handler: async (ctx, { params, query }) =>
      toPage(await new ClientService(ctx).list({ filter: { groupId: params.groupId }, page: pageOfQuery(query) }), toClientListItem),
  }),
];
