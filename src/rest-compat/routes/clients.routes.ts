import { ClientService, type ClientInput } from '../../services/client.service';
import { clientFields as client } from '../../services/schemas/client.schema';
import { b, q } from '../params';
import { clientListQuery, pageOfQuery, toClientFilter } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import {
  clientAllInfo,
  clientCreated,
  clientDetail,
  clientListItem,
  toClientAllInfo,
  toClientCreated,
  toClientDetail,
  toClientListItem,
} from '../shapes/client.shapes';
import { DESC_NULL, descNull, pageOf, toPage } from '../shapes/common';
import { z } from '../zod';

/*
 * Clients (agents): list, create, edit, delete, details, counts, enable/disable.
 * The body spells the connection times `connnectedAt` and `disconnnetedAt` (sic); the right
 * spellings are accepted too. 0 or null means "never". `status` is ONLINE or OFFLINE; the live
 * connection overwrites it when the agent connects or goes away.
 */

// The service's client fields (services/schemas/client.schema.ts) under the document's names.
const clientFields = {
  mqttClientId: client.mqttClientId,
  username: client.username,
  ip: client.ip,
  enable: client.enable.openapi({ description: 'Default false.' }),
  status: client.status.openapi({ description: 'ONLINE or OFFLINE (default OFFLINE; the live connection overwrites it).' }),
  connnectedAt: client.connectedAt.openapi({ description: "Epoch ms (the document's spelling); 0 or null = never." }),
  disconnnetedAt: client.disconnectedAt.openapi({ description: "Epoch ms (the document's spelling); 0 or null = never." }),
  connectedAt: client.connectedAt.openapi({ description: 'Alias of connnectedAt.' }),
  disconnectedAt: client.disconnectedAt.openapi({ description: 'Alias of disconnnetedAt.' }),
  role: client.role.openapi({ description: 'SERVER or STORE (default STORE).' }),
};

type ClientBody = Omit<Partial<z.output<z.ZodObject<typeof clientFields>>>, 'mqttClientId'> & { mqttClientId?: string | null };

/** The document's spellings win over the aliases when both are sent. */
function toClientInput({ connnectedAt, disconnnetedAt, connectedAt, disconnectedAt, ...rest }: ClientBody): ClientInput {
  return {
    ...rest,
    connectedAt: connnectedAt !== undefined ? connnectedAt : connectedAt,
    disconnectedAt: disconnnetedAt !== undefined ? disconnnetedAt : disconnectedAt,
  };
}

const clientIdParam = z.object({ clientId: q.id() });

export const clientRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/clients',
    permission: 'read',
    summary: 'Client List',
    tag: 'monitoring',
    query: clientListQuery,
    response: pageOf(clientListItem),
    handler: async (ctx, { query }) => toPage(await new ClientService(ctx).list({ filter: toClientFilter(query), page: pageOfQuery(query) }), toClientListItem),
  }),
  defineRoute({
    method: 'post',
    path: '/clients',
    permission: 'config.write',
    summary: 'create clients',
    tag: 'monitoring',
    description: "Registers an agent ahead of its first connection. The answer adds the new `clientId` (listed in the document's response table).",
    body: z.object(clientFields),
    response: clientCreated,
    handler: async (ctx, { body }) => toClientCreated(await new ClientService(ctx).create(toClientInput(body))),
  }),
  defineRoute({
    method: 'put',
    path: '/clients',
    permission: 'config.write',
    summary: 'update clients',
    tag: 'monitoring',
    description: 'Only the fields sent change.',
    body: z.object({ clientId: b.id(), ...clientFields, mqttClientId: client.mqttClientId.nullish() }),
    response: descNull,
    handler: async (ctx, { body }) => {
      const { clientId, ...rest } = body;
      await new ClientService(ctx).update(clientId, toClientInput(rest));
      return DESC_NULL;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/clients/:clientId',
    permission: 'config.write',
    summary: 'Delete Client',
    tag: 'monitoring',
    description: 'Deletes the client, its attribute values, group memberships and job bindings; its execution history stays.',
    params: clientIdParam,
    response: z.object({ clientId: z.int() }),
    handler: async (ctx, { params }) => {
      await new ClientService(ctx).delete(params.clientId);
      return { clientId: params.clientId };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/details',
    permission: 'read',
    summary: 'clients detail',
    tag: 'monitoring',
    params: clientIdParam,
    response: clientDetail,
    handler: async (ctx, { params }) => toClientDetail(await new ClientService(ctx).get(params.clientId)),
  }),
  defineRoute({
    method: 'get',
    path: '/clients/:clientId/countInfo',
    permission: 'read',
    summary: 'client count info',
    tag: 'monitoring',
    description:
      "`attributes` counts the attribute definitions (every client holds a value or the default for each), `group` the client's groups, `jobs` the jobs reaching it directly or through a group, `tasks` the tasks of those jobs.",
    params: clientIdParam,
    response: z.object({ attributes: z.int(), jobs: z.int(), tasks: z.int(), group: z.int() }),
    handler: async (ctx, { params }) => {
      const c = await new ClientService(ctx).countInfo(params.clientId);
      return { attributes: c.attributes, jobs: c.jobs, tasks: c.tasks, group: c.groups };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/allInfo',
    permission: 'read',
    summary: 'Client List all info',
    tag: 'monitoring',
    description: "The client list with each client's counts of groups, jobs (direct or through a group) and tasks.",
    query: clientListQuery,
    response: pageOf(clientAllInfo),
    handler: async (ctx, { query }) => {
      const page = await new ClientService(ctx).list({ filter: toClientFilter(query), page: pageOfQuery(query), counts: true });
      return toPage(page, (client, i) => toClientAllInfo(client, page.counts[i]));
    },
  }),
  defineRoute({
    method: 'put',
    path: '/clients/:clientId/enable',
    permission: 'config.write',
    summary: 'enable client',
    tag: 'monitoring',
    params: clientIdParam,
    response: descNull,
    handler: async (ctx, { params }) => {
      await new ClientService(ctx).setEnabled(params.clientId, true);
      return DESC_NULL;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/clients/:clientId/disable',
    permission: 'config.write',
    summary: 'disable client',
    tag: 'monitoring',
    params: clientIdParam,
    response: descNull,
    handler: async (ctx, { params }) => {
      await new ClientService(ctx).setEnabled(params.clientId, false);
      return DESC_NULL;
    },
  }),
];
