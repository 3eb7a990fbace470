/**
 * The one definition of who may do what. Every REST route (`permission` on its RouteSpec) and
 * every GraphQL root field (`@Requires(...)`) names one of these permissions; this table says
 * which roles hold each. docs/security.md's role table is generated from it
 * (`node dist/auth/roles-doc.js`), and test/auth/roles.test.ts checks both.
 */

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** `read`: looks only; `change`: audited when it succeeds; `auth`: logs in and out (audited by the session service itself). */
export type PermissionKind = 'read' | 'change' | 'auth';

interface PermissionSpec {
  kind: PermissionKind;
  /** Roles holding it; `anyone` = no credential needed. */
  roles: readonly Role[] | 'anyone';
  /** What it covers, for the docs' table. */
  covers: string;
}

export const PERMISSIONS = {
  public: { kind: 'auth', roles: 'anyone', covers: 'log in, without a credential (`POST /v1/auth/login`, `login`)' },
  session: {
    kind: 'auth',
    roles: ['admin', 'operator', 'viewer'],
    covers: 'log out, see who one is (`POST /v1/auth/logout`, `GET /v1/auth/me`, `logout`, `me`)',
  },
  'password.change': { kind: 'change', roles: ['admin', 'operator', 'viewer'], covers: "change one's own password" },
  read: {
    kind: 'read',
    roles: ['admin', 'operator', 'viewer'],
    covers: 'read tasks, jobs, groups, clients, attributes, settings, runs, logs, dashboards; live subscriptions',
  },
  'config.write': {
    kind: 'change',
    roles: ['admin', 'operator'],
    covers: 'create, change, enable/disable, delete and bind tasks (and their scripts), jobs, groups, clients and attributes',
  },
  'runs.write': { kind: 'change', roles: ['admin', 'operator'], covers: 'start a run of a job now' },
  'files.write': { kind: 'change', roles: ['admin', 'operator'], covers: 'change or delete stored files' },
  'settings.write': { kind: 'change', roles: ['admin'], covers: 'change the general, job (scheduler switch), task and client settings' },
  'accounts.read': { kind: 'read', roles: ['admin'], covers: 'list accounts and API keys (never passwords or secrets)' },
  'accounts.manage': { kind: 'change', roles: ['admin'], covers: 'create, change, ban and delete accounts; create and revoke API keys' },
  'audit.read': { kind: 'read', roles: ['admin'], covers: 'read the audit log' },
  'agents.read': { kind: 'read', roles: ['admin'], covers: "list agents' credentials (never their secrets)" },
  'agents.manage': { kind: 'change', roles: ['admin'], covers: "revoke and delete an agent's credential (the broker refuses it at once)" },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

export function permissionKind(permission: Permission): PermissionKind {
  return PERMISSIONS[permission].kind;
}

/** Whether `role` holds `permission`; `undefined` is nobody logged in. */
export function roleMay(role: Role | undefined, permission: Permission): boolean {
  const roles: readonly Role[] | 'anyone' = PERMISSIONS[permission].roles;
  if (roles === 'anyone') return true;
  return role !== undefined && roles.includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
