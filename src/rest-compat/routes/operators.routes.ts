import { ROLES } from '../../auth/permissions';
import type { ApiKey, AuditEntry, User } from '../../entities';
import { ApiKeyService } from '../../services/api-key.service';
import { AUDIT_OUTCOMES, AuditService } from '../../services/audit.service';
import { SessionService } from '../../services/session.service';
import { UserService } from '../../services/user.service';
import { b, pagingQuery, q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { epochMs, epochMsOrNull, pageOf, SUCCESS, toPage } from '../shapes/common';
import { z } from '../zod';

/*
 * Routes beside the documented ones (the REST document has no accounts): logging in and out,
 * accounts, API keys and the audit log. Same conventions as the documented routes: JSON bodies,
 * `{list, total}` pages from pageNo 1, epoch milliseconds, errors as `{code, message, field}`.
 */

const role = b.enum(ROLES);
const userShape = z
  .object({
    id: z.int(),
    username: z.string(),
    role: z.enum(ROLES),
    banned: z.boolean(),
    createdAt: epochMs,
    passwordChangedAt: epochMsOrNull,
    lastLoginAt: epochMsOrNull,
  })
  .openapi('User');
const toUser = (u: User) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  banned: u.banned,
  createdAt: u.createdAt.getTime(),
  passwordChangedAt: u.passwordChangedAt?.getTime() ?? null,
  lastLoginAt: u.lastLoginAt?.getTime() ?? null,
});

const apiKeyShape = z
  .object({
    keyId: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdBy: z.string(),
    createdAt: epochMs,
    lastUsedAt: epochMsOrNull,
    revokedAt: epochMsOrNull,
  })
  .openapi('ApiKey');
const toApiKey = (k: ApiKey) => ({
  keyId: k.keyId,
  name: k.name,
  role: k.role,
  createdBy: k.createdBy,
  createdAt: k.createdAt.getTime(),
  lastUsedAt: k.lastUsedAt?.getTime() ?? null,
  revokedAt: k.revokedAt?.getTime() ?? null,
});

const auditShape = z
  .object({
    id: z.int(),
    at: epochMs,
    actorKind: z.string(),
    actor: z.string(),
    role: z.string().nullable(),
    address: z.string().nullable(),
    door: z.string(),
    action: z.string(),
    outcome: z.enum(AUDIT_OUTCOMES),
    errorCode: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry');
const toAudit = (e: AuditEntry) => ({
  id: Number(e.id),
  at: e.at.getTime(),
  actorKind: e.actorKind,
  actor: e.actor,
  role: e.role,
  address: e.address,
  door: e.door,
  action: e.action,
  outcome: e.outcome as (typeof AUDIT_OUTCOMES)[number],
  errorCode: e.errorCode,
  detail: e.detail,
});

const userIdParam = z.object({ userId: q.id() });
const success = z.object({ desc: z.literal('success') });

export const authRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/auth/login',
    permission: 'public',
    summary: 'Log in',
    tag: 'auth',
    description:
      'Answers `{token, expiresAt, user}`; send the token as `Authorization: Bearer <token>`. The session ends on logout or after adminTimeOut minutes (general settings) without a request. 401 for a wrong username or password, 403 for a banned account, 429 (with Retry-After) after too many failures for the username or from the address.',
    body: z.object({ username: b.name(), password: b.str(1024) }),
    response: z.object({ token: z.string(), expiresAt: epochMs, user: userShape }),
    handler: async (ctx, { body }) => {
      const { token, expiresAt, user } = await new SessionService(ctx).login(body.username, body.password);
      return { token, expiresAt: expiresAt.getTime(), user: toUser(user) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/logout',
    permission: 'session',
    summary: 'Log out',
    tag: 'auth',
    description: 'Ends the session of the token sent; its open WebSockets are closed. With an API key nothing ends (`loggedOut: false`).',
    response: z.object({ loggedOut: z.boolean() }),
    handler: async (ctx) => ({ loggedOut: await new SessionService(ctx).logout() }),
  }),
  defineRoute({
    method: 'get',
    path: '/auth/me',
    permission: 'session',
    summary: 'Who am I',
    tag: 'auth',
    response: z.object({ kind: z.enum(['user', 'apikey']), name: z.string(), role: z.enum(ROLES) }),
    handler: async (ctx) => {
      const actor = ctx.actor!;
      if (actor.kind === 'user') return { kind: 'user' as const, name: actor.username, role: actor.role };
      if (actor.kind === 'apikey') return { kind: 'apikey' as const, name: actor.name, role: actor.role };
      return { kind: 'user' as const, name: 'cli', role: 'admin' as const };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/auth/password',
    permission: 'password.change',
    summary: 'Change my password',
    tag: 'auth',
    description: "Needs the current password; the account's other sessions end.",
    body: z.object({ currentPassword: b.str(1024), newPassword: b.str(1024) }),
    response: success,
    handler: async (ctx, { body }) => {
      await new UserService(ctx).changeOwnPassword(body.currentPassword, body.newPassword);
      return { desc: SUCCESS };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/users',
    permission: 'accounts.read',
    summary: 'User list',
    tag: 'accounts',
    query: z.object(pagingQuery),
    response: pageOf(userShape),
    handler: async (ctx, { query }) => toPage(await new UserService(ctx).list(query), toUser),
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    permission: 'accounts.manage',
    summary: 'Create user',
    tag: 'accounts',
    description: 'role defaults to viewer; the password needs at least 8 characters.',
    body: z.object({ username: b.name(64), password: b.str(1024), role: role.optional() }),
    response: userShape,
    handler: async (ctx, { body }) => toUser(await new UserService(ctx).create(body)),
  }),
  defineRoute({
    method: 'put',
    path: '/users/:userId',
    permission: 'accounts.manage',
    summary: 'Update user',
    tag: 'accounts',
    description:
      "Changes role, banned and password (each optional). Banning or a new password ends the user's sessions. The last admin who is not banned cannot be demoted or banned (409).",
    params: userIdParam,
    body: z.object({ role: role.optional(), banned: b.bool().optional(), password: b.str(1024).optional() }),
    response: userShape,
    handler: async (ctx, { params, body }) => toUser(await new UserService(ctx).update(params.userId, body)),
  }),
  defineRoute({
    method: 'delete',
    path: '/users/:userId',
    permission: 'accounts.manage',
    summary: 'Delete user',
    tag: 'accounts',
    description: 'Ends its sessions too. Not yourself, nor the last admin who is not banned (409).',
    params: userIdParam,
    response: success,
    handler: async (ctx, { params }) => {
      await new UserService(ctx).delete(params.userId);
      return { desc: SUCCESS };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apikeys',
    permission: 'accounts.read',
    summary: 'API key list',
    tag: 'accounts',
    description: 'Newest first, revoked keys too. Secrets are never shown again.',
    query: z.object(pagingQuery),
    response: pageOf(apiKeyShape),
    handler: async (ctx, { query }) => toPage(await new ApiKeyService(ctx).list(query), toApiKey),
  }),
  defineRoute({
    method: 'post',
    path: '/apikeys',
    permission: 'accounts.manage',
    summary: 'Create API key',
    tag: 'accounts',
    description:
      "Answers the key with its `secret`, shown this once. Send `keyId:secret` as HTTP Basic (as EMQX 4's REST API takes its AppID:AppSecret) or as `Authorization: Bearer keyId:secret`. role defaults to operator.",
    body: z.object({ name: b.name(100), role: role.optional() }),
    response: apiKeyShape.extend({ secret: z.string() }),
    handler: async (ctx, { body }) => {
      const { apiKey, secret } = await new ApiKeyService(ctx).create(body);
      return { ...toApiKey(apiKey), secret };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/apikeys/:keyId',
    permission: 'accounts.manage',
    summary: 'Revoke API key',
    tag: 'accounts',
    description: 'The key stops working at once (its open WebSockets are closed within the sweep interval); revoking twice is not an error.',
    params: z.object({ keyId: q.str() }),
    response: apiKeyShape,
    handler: async (ctx, { params }) => toApiKey(await new ApiKeyService(ctx).revoke(params.keyId)),
  }),
  defineRoute({
    method: 'get',
    path: '/audit',
    permission: 'audit.read',
    summary: 'Audit log',
    tag: 'accounts',
    description:
      'Newest first: logins (ok and failed), logouts, and every change made through REST, GraphQL or the CLI, refused ones too. `action` takes an exact action (`auth.login`, `createJob`, `PUT /v1/jobs/:jobId/enable`) or a prefix ending in `*`.',
    query: z.object({
      ...pagingQuery,
      actor: q.str().optional(),
      action: q.str().optional(),
      outcome: q.enum(AUDIT_OUTCOMES).optional(),
      since: q.epochMs().optional(),
      until: q.epochMs().optional(),
    }),
    response: pageOf(auditShape),
    handler: async (ctx, { query }) => {
      const { pageNo, pageSize, since, until, ...filter } = query;
      const page = await new AuditService(ctx).list(
        { ...filter, since: since === undefined ? undefined : new Date(since), until: until === undefined ? undefined : new Date(until) },
        { pageNo, pageSize },
      );
      return toPage(page, toAudit);
    },
  }),
];
