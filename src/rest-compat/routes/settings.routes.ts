import type { ServiceContext } from '../../services/service-context';
import { SettingsService } from '../../services/settings.service';
import { settingsFields } from '../../services/schemas/settings.schema';
import { defineRoute, type AnyRoute } from '../route';
import { z } from '../zod';

/*
 * Settings sections: general, job (the scheduler switch and job defaults), task defaults, client
 * defaults. A POST is a partial update: the fields it carries are checked and merged, the others
 * kept (the document marks every field required; a form that sends them all still works).
 * The answers carry the section's row id under the document's names: `jobsSettingId` (GET task
 * settings, a number), `tasksSettingId` (POST task settings, a string), `clientSettingsId`.
 */

const general = z.object({
  managementServerTimeZone: z.string().openapi({ example: 'Asia/Shanghai' }),
  communicationServerTimeZone: z.string().openapi({ example: 'UTC' }),
  region: z.string(),
  adminTimeOut: z.int().openapi({ description: 'Minutes of inactivity before an operator session expires.' }),
});

// The bodies are the service's section fields (services/schemas/settings.schema.ts), described.
const { general: g, job: j, task: t } = settingsFields;

const generalBody = z.object({
  managementServerTimeZone: g.managementServerTimeZone.openapi({ description: 'An IANA time zone, e.g. "Asia/Shanghai".' }),
  communicationServerTimeZone: g.communicationServerTimeZone.openapi({ description: 'An IANA time zone, e.g. "UTC".' }),
  region: g.region,
  adminTimeOut: g.adminTimeOut.openapi({ description: 'Minutes, from 1 (a year at most).' }),
});

const jobSettings = z.object({
  enable: z.boolean().openapi({ description: 'The scheduler switch: false stops scheduled runs; manual runs still work.' }),
  maxRetried: z.int(),
  retryWait: z.int(),
  maxConcurrentSession: z.int(),
});

const jobSettingsBody = z.object({ ...j, retryWait: j.retryWait.openapi({ description: 'Seconds.' }) });

const taskSettingsBody = z.object(t);

const clientSettings = z.object({ clientSettingsId: z.int(), autoEnableNewClient: z.boolean() });

const settings = (ctx: ServiceContext) => new SettingsService(ctx);

export const settingsRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/settings',
    permission: 'settings.write',
    summary: 'General Settings',
    tag: 'settings',
    body: generalBody,
    response: general,
    handler: async (ctx, { body }) => (await settings(ctx).update('general', body)).value,
  }),
  defineRoute({
    method: 'get',
    path: '/settings',
    permission: 'read',
    summary: 'General Settings',
    tag: 'settings',
    response: general,
    handler: async (ctx) => settings(ctx).get('general'),
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/settings',
    permission: 'read',
    summary: 'Job Settings',
    tag: 'settings',
    response: jobSettings,
    handler: async (ctx) => settings(ctx).get('job'),
  }),
  defineRoute({
    method: 'post',
    path: '/jobs/settings',
    permission: 'settings.write',
    summary: 'Job Settings',
    tag: 'settings',
    body: jobSettingsBody,
    response: jobSettings,
    handler: async (ctx, { body }) => (await settings(ctx).update('job', body)).value,
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/settings',
    permission: 'read',
    summary: 'Task Settings',
    tag: 'settings',
    description: "`jobsSettingId` is the id of the task settings record (the document's name, kept).",
    response: z.object({ enable: z.boolean(), priority: z.int(), disableValidation: z.boolean(), jobsSettingId: z.int() }),
    handler: async (ctx) => {
      const { id, value } = await settings(ctx).read('task');
      return { enable: value.enable, priority: value.priority, disableValidation: value.disableValidation, jobsSettingId: id };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/tasks/settings',
    permission: 'settings.write',
    summary: 'Task Settings',
    tag: 'settings',
    description: '`tasksSettingId` is the id of the task settings record, as a string (the document shows a string here).',
    body: taskSettingsBody,
    response: z.object({ enable: z.boolean(), priority: z.int(), disableValidation: z.boolean(), tasksSettingId: z.string() }),
    handler: async (ctx, { body }) => {
      const { id, value } = await settings(ctx).update('task', body);
      return { enable: value.enable, priority: value.priority, disableValidation: value.disableValidation, tasksSettingId: String(id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/clients/settings',
    permission: 'read',
    summary: 'Clients Settings',
    tag: 'settings',
    response: clientSettings,
    handler: async (ctx) => {
      const { id, value } = await settings(ctx).read('client');
      return { clientSettingsId: id, autoEnableNewClient: value.autoEnableNewClient };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/clients/settings',
    permission: 'settings.write',
    summary: 'Client Settings',
    tag: 'settings',
    body: z.object(settingsFields.client),
    response: clientSettings,
    handler: async (ctx, { body }) => {
      const { id, value } = await settings(ctx).update('client', body);
      return { clientSettingsId: id, autoEnableNewClient: value.autoEnableNewClient };
    },
  }),
];
