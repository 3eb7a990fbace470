import type { AgentCredentialInfo } from '../../services/agent-credential.service';
import { AgentCredentialService } from '../../services/agent-credential.service';
import { EnrolmentTokenService, type EnrolmentTokenInfo } from '../../services/enrolment-token.service';
import { b, q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { epochMs, epochMsOrNull, SUCCESS } from '../shapes/common';
import { z } from '../zod';

/*
 * Routes beside the documented ones: agents' own broker credentials (docs/protocol.md 9.1).
 * Agents get them by enrolling; admins list, revoke and delete them.
 */

const credentialShape = z
  .object({ mqttClientId: z.string(), createdAt: epochMs, revokedAt: epochMsOrNull, revokedBy: z.string().nullable() })
  .openapi('AgentCredential');
const toCredential = (c: AgentCredentialInfo) => ({
  mqttClientId: c.mqttClientId,
  createdAt: c.createdAt.getTime(),
  revokedAt: c.revokedAt?.getTime() ?? null,
  revokedBy: c.revokedBy,
});
const params = z.object({ mqttClientId: q.str() });
const tokenShape = z.object({ id: z.int(), name: z.string(), createdBy: z.string(), createdAt: epochMs, revokedAt: epochMsOrNull }).openapi('EnrolmentToken');
const toToken = (t: EnrolmentTokenInfo) => ({
  id: t.id,
  name: t.name,
  createdBy: t.createdBy,
  createdAt: t.createdAt.getTime(),
  revokedAt: t.revokedAt?.getTime() ?? null,
});

export const agentCredentialRoutes: readonly AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/agent-credentials',
    permission: 'agents.read',
    summary: "Agents' credentials",
    tag: 'agents',
    description: 'Every enrolled agent, revoked ones too, by client id. Secrets are never shown.',
    response: z.object({ list: z.array(credentialShape), total: z.int() }),
    handler: async (ctx) => {
      const list = (await new AgentCredentialService(ctx).list()).map(toCredential);
      return { list, total: list.length };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/agent-credentials/:mqttClientId/revoke',
    permission: 'agents.manage',
    summary: "Revoke an agent's credential",
    tag: 'agents',
    description:
      "The broker closes the agent's connection and refuses it from then on (within the gateways' refresh, ~2 s); the gateway drops its messages. Revoking twice is not an error.",
    params,
    response: credentialShape,
    handler: async (ctx, { params: p }) => toCredential(await new AgentCredentialService(ctx).revoke(p.mqttClientId)),
  }),
  defineRoute({
    method: 'delete',
    path: '/agent-credentials/:mqttClientId',
    permission: 'agents.manage',
    summary: "Delete an agent's revoked credential",
    tag: 'agents',
    description: 'So that the client id may enrol again; 409 while the credential is not revoked.',
    params,
    response: z.object({ desc: z.string() }),
    handler: async (ctx, { params: p }) => {
      await new AgentCredentialService(ctx).remove(p.mqttClientId);
      return { desc: SUCCESS };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/enrolment-tokens',
    permission: 'agents.read',
    summary: 'Enrolment tokens',
    tag: 'agents',
    description: 'Tokens admins created, newest first, revoked ones too; their secrets are never shown again.',
    response: z.object({ list: z.array(tokenShape), total: z.int() }),
    handler: async (ctx) => {
      const list = (await new EnrolmentTokenService(ctx).list()).map(toToken);
      return { list, total: list.length };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/enrolment-tokens',
    permission: 'agents.manage',
    summary: 'Create enrolment token',
    tag: 'agents',
    description:
      "Answers the token with its `secret`, shown this once: agents enrol with it (`sdes agent --enrolment-token`), beside SDES_ENROLMENT_TOKEN, within ~2 s on every gateway. Mosquitto's password file takes SDES_ENROLMENT_TOKEN only.",
    body: z.object({ name: b.name(100) }),
    response: tokenShape.extend({ secret: z.string() }),
    handler: async (ctx, { body }) => {
      const { token, secret } = await new EnrolmentTokenService(ctx).create(body);
      return { ...toToken(token), secret };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/enrolment-tokens/:id',
    permission: 'agents.manage',
    summary: 'Revoke enrolment token',
    tag: 'agents',
    description: 'Agents can no longer enrol with it; those enrolled keep their credentials. Revoking twice is not an error.',
    params: z.object({ id: q.id() }),
    response: tokenShape,
    handler: async (ctx, { params: p }) => toToken(await new EnrolmentTokenService(ctx).revoke(p.id)),
  }),
];
