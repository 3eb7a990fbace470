import type { Actor } from './actor';
import { AuditService } from '../services/audit.service';
import { errors, isAppError } from '../services/errors';
import type { ServiceContext } from '../services/service-context';
import { PERMISSIONS, permissionKind, roleMay, type Permission } from './permissions';

/** One operation of a front door, as it is authorised and audited. */
export interface Operation {
  /** A GraphQL root field (`createJob`) or a REST route (`PUT /v1/jobs/:jobId/enable`). */
  name: string;
  permission: Permission;
  /** Arguments, or path + query + body: kept (redacted) in the audit entry. */
  input?: unknown;
}

/** What an anonymous caller is told: how to get a credential. */
export const LOGIN_HINT =
  'send Authorization: Bearer <token> (POST /v1/auth/login with {"username","password"} gives one) or an API key as HTTP Basic keyId:secret';

/**
 * The one authorisation rule: the actor's role must hold the operation's permission
 * (src/auth/permissions.ts), and a change never happens on a cross-site browser request. Throws
 * UNAUTHENTICATED without a valid credential, FORBIDDEN otherwise; a refused change is audited.
 */
export async function authorize(ctx: ServiceContext, op: Operation): Promise<void> {
  const spec = PERMISSIONS[op.permission];
  const actor = ctx.actor;
  const kind = permissionKind(op.permission);
  if (actor?.crossSite && kind !== 'read') {
    await new AuditService(ctx).record({ action: op.name, outcome: 'denied', errorCode: 'FORBIDDEN', detail: { crossSite: actor.crossSite } });
    throw errors.forbidden(`${op.name}: refused, a cross-site request (${actor.crossSite}) may not change anything`);
  }
  if (spec.roles === 'anyone') return;
  if (!actor || actor.kind === 'anonymous') {
    throw errors.unauthenticated(`${op.name}: ${actor?.kind === 'anonymous' && actor.problem ? actor.problem : 'no credential'}: ${LOGIN_HINT}`);
  }
  if (!roleMay(actor.role, op.permission)) {
    if (kind !== 'read' || op.permission === 'audit.read') {
      await new AuditService(ctx).record({ action: op.name, outcome: 'denied', errorCode: 'FORBIDDEN', detail: op.input });
    }
    throw errors.forbidden(`${op.name}: needs permission ${op.permission} (roles ${spec.roles.join(', ')}); this credential has role ${actor.role}`);
  }
}

/**
 * What a read may see depends on the actor only through `authorize`: its role, whether it is
 * anonymous (and why), and a cross-site origin. Two actors of the same scope get the same answer
 * from any read operation, so a live event is executed once per scope and shared among the
 * subscribers holding it (src/graphql/shared-subscriptions.ts). A rule that looks at more of the
 * actor (its user, its groups) must add it here.
 */
export function visibilityScope(actor: Actor | undefined): string {
  if (!actor || actor.kind === 'anonymous') return `anonymous:${actor?.problem ?? ''}`;
  return `role:${actor.role}${actor.crossSite ? ` cross-site:${actor.crossSite}` : ''}`;
}

/**
 * Runs a front door's operation: authorises it, runs it, and writes the audit entry of a change
 * (its outcome and error code too when the service refused it). Both doors call this for every
 * operation, so neither routes nor resolvers carry a check of their own.
 */
export async function runOperation<T>(ctx: ServiceContext, op: Operation, run: () => Promise<T>): Promise<T> {
  await authorize(ctx, op);
  if (permissionKind(op.permission) !== 'change') return run();
  const audit = new AuditService(ctx);
  let result: T;
  try {
    result = await run();
  } catch (err) {
    await audit.record({ action: op.name, outcome: 'failed', errorCode: isAppError(err) ? err.code : 'INTERNAL', detail: op.input });
    throw err;
  }
  await audit.record({ action: op.name, outcome: 'ok', detail: op.input });
  return result;
}
