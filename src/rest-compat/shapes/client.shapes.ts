import type { Client } from '../../entities';
import type { ClientCounts } from '../../services/client.service';
import { ms } from '../../services/filters';
import type { EntityRow } from '../../services/relation-pages';
import { z } from '../zod';
import { epochMs, epochMsOrNull } from './common';

/*
 * A client as each route of the document shows it. The document names the same fields several
 * ways (`connectedAt`, `connectAt`, `connnectedAt`); each route answers with its own spelling.
 * `createAt` (sic) is the registration time.
 */

const role = z.enum(['SERVER', 'STORE']);
const status = z.enum(['ONLINE', 'OFFLINE']);

/** GET /clients, GET /groups/{id}/clients. */
export const clientListItem = z.object({
  clientId: z.int(),
  username: z.string().nullable(),
  enable: z.boolean(),
  status,
  createAt: epochMs,
  role,
});
export const toClientListItem = (c: EntityRow<Client>): z.input<typeof clientListItem> => ({
  clientId: c.id,
  username: c.username,
  enable: c.enable,
  status: c.status,
  createAt: c.createdAt.getTime(),
  role: c.role,
});

/** GET /tasks/{id}/clients. */
export const clientOfTask = clientListItem.omit({ role: true });
export const toClientOfTask = (c: EntityRow<Client>): z.input<typeof clientOfTask> => ({
  clientId: c.id,
  username: c.username,
  enable: c.enable,
  status: c.status,
  createAt: c.createdAt.getTime(),
});

/** GET /jobs/{id}/clients: `connectAt`, `disconnectAt`. */
export const clientOfJob = z.object({
  clientId: z.int(),
  mqttClientId: z.string(),
  username: z.string().nullable(),
  enable: z.boolean(),
  status,
  connectAt: epochMsOrNull,
  disconnectAt: epochMsOrNull,
  createAt: epochMs,
});
export const toClientOfJob = (c: EntityRow<Client>): z.input<typeof clientOfJob> => ({
  clientId: c.id,
  mqttClientId: c.mqttClientId,
  username: c.username,
  enable: c.enable,
  status: c.status,
  connectAt: ms(c.connectedAt),
  disconnectAt: ms(c.disconnectedAt),
  createAt: c.createdAt.getTime(),
});

/** GET /clients/{id}/details: `connectedAt`, `disconnectedAt` spelt right. */
export const clientDetail = z.object({
  clientId: z.int(),
  username: z.string().nullable(),
  enable: z.boolean(),
  status,
  connectedAt: epochMsOrNull,
  disconnectedAt: epochMsOrNull,
  createAt: epochMs,
});
export const toClientDetail = (c: Client): z.input<typeof clientDetail> => ({
  clientId: c.id,
  username: c.username,
  enable: c.enable,
  status: c.status,
  connectedAt: ms(c.connectedAt),
  disconnectedAt: ms(c.disconnectedAt),
  createAt: c.createdAt.getTime(),
});

/** POST /clients: `connnectedAt`, `disconnnetedAt` (sic), and the new `clientId`. */
export const clientCreated = z.object({
  clientId: z.int(),
  mqttClientId: z.string(),
  username: z.string().nullable(),
  enable: z.boolean(),
  status,
  connnectedAt: epochMsOrNull,
  disconnnetedAt: epochMsOrNull,
  ip: z.string().nullable(),
  role,
});
export const toClientCreated = (c: Client): z.input<typeof clientCreated> => ({
  clientId: c.id,
  mqttClientId: c.mqttClientId,
  username: c.username,
  enable: c.enable,
  status: c.status,
  connnectedAt: ms(c.connectedAt),
  disconnnetedAt: ms(c.disconnectedAt),
  ip: c.ip,
  role: c.role,
});

/** GET /clients/allInfo: the list item plus counts. */
export const clientAllInfo = z.object({
  clientId: z.int(),
  username: z.string().nullable(),
  enable: z.boolean(),
  status,
  role,
  createAt: epochMs,
  groups: z.int(),
  jobs: z.int(),
  tasks: z.int(),
});
export const toClientAllInfo = (c: EntityRow<Client>, counts: ClientCounts): z.input<typeof clientAllInfo> => ({
  clientId: c.id,
  username: c.username,
  enable: c.enable,
  status: c.status,
  role: c.role,
  createAt: c.createdAt.getTime(),
  groups: counts.groups,
  jobs: counts.jobs,
  tasks: counts.tasks,
});
