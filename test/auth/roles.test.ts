import fs from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { PERMISSION_NAMES, PERMISSIONS, ROLES, roleMay, type Role } from '../../src/auth/permissions';
import { rolesTable } from '../../src/auth/roles-doc';
import { permissionOf } from '../../src/graphql/requires';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';
import { SERVED_ROUTES } from '../../src/rest-compat';
import { createTestApiKey, type TestApiKey } from '../support/auth';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/*
 * Each role may do exactly what src/auth/permissions.ts says: every REST route and every GraphQL
 * root field is called with a key of each role. A role without the permission gets 403 (REST) or
 * FORBIDDEN (GraphQL) and nothing runs; a role with it gets past the check (whatever the
 * operation then answers to the placeholder input: 200, 400, 404, 409).
 */

let t: TestGateway;
const keys = {} as Record<Role, TestApiKey>;

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) keys[role] = await createTestApiKey(t.gateway.db.orm, role);
});

afterAll(async () => {
  await t?.stop();
});

const DOC = path.resolve(__dirname, '../../docs/security.md');

describe('the one definition of permissions', () => {
  it('is what docs/security.md shows (regenerate: npm run build && node dist/auth/roles-doc.js)', async () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const between = doc.split('<!-- roles:begin -->')[1]?.split('<!-- roles:end -->')[0];
    expect(between?.trim()).toBe(rolesTable(await buildGraphqlSchema({ pubsub: createLivePubSub() })).trim());
  });

  it('names a known permission on every REST route', () => {
    for (const route of SERVED_ROUTES)
      expect([route.method, route.path, PERMISSION_NAMES.includes(route.permission)]).toEqual([route.method, route.path, true]);
  });

  it('names a permission on every query, mutation and subscription', async () => {
    const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
    for (const type of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      const missing = Object.keys(type.getFields()).filter((f) => !permissionOf(type, f));
      expect([type.name, missing]).toEqual([type.name, []]);
    }
  });

  it('gives admins every permission and viewers only reading', () => {
    for (const p of PERMISSION_NAMES) expect([p, roleMay('admin', p)]).toEqual([p, true]);
    const viewer = PERMISSION_NAMES.filter((p) => roleMay('viewer', p));
    expect(viewer.every((p) => PERMISSIONS[p].kind !== 'change' || p === 'password.change')).toBe(true);
  });
});

const cases = SERVED_ROUTES.flatMap((route) => ROLES.map((role) => [`${route.method.toUpperCase()} /v1${route.path} as ${role}`, route, role] as const));

describe('every REST route, as each role', () => {
  it.each(cases)('%s', async (_name, route, role) => {
    // Ids that name nothing: an allowed role reaches the route and is told so (404) or refused its input (400).
    const url = route.path.replace(/:[A-Za-z]+/g, '999999');
    const answer = await call<{ code?: string }>(
      { base: t.base, headers: keys[role].headers },
      route.method.toUpperCase(),
      url,
      route.method === 'get' ? undefined : {},
    );
    if (roleMay(role, route.permission)) {
      expect([answer.status, answer.body?.code]).not.toEqual([403, 'FORBIDDEN']);
      expect(answer.status).not.toBe(401);
    } else {
      expect([answer.status, answer.body?.code]).toEqual([403, 'FORBIDDEN']);
    }
  });
});

/** A literal of the input type that passes GraphQL validation (the service may still refuse it). */
function literal(type: GraphQLInputType): string {
  if (type instanceof GraphQLNonNull) return literal(type.ofType);
  if (type instanceof GraphQLList) return '[]';
  if (type instanceof GraphQLEnumType) return type.getValues()[0].name;
  if (type instanceof GraphQLInputObjectType) {
    const required = Object.values(type.getFields()).filter((f) => f.type instanceof GraphQLNonNull && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type)}`).join(', ')} }`;
  }
  const scalar = (type as GraphQLScalarType).name;
  if (scalar === 'Int' || scalar === 'Float') return '999999';
  if (scalar === 'Boolean') return 'false';
  if (scalar === 'DateTimeISO' || scalar === 'DateTime') return '"2026-01-01T00:00:00.000Z"';
  if (scalar.startsWith('JSON')) return '{}';
  return '"x"';
}

function operationOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined).map((a) => `${a.name}: ${literal(a.type)}`);
  const selection = getNamedType(field.type) instanceof GraphQLObjectType ? ' { __typename }' : '';
  return `${kind} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

describe('every GraphQL query and mutation, as each role', () => {
  const graphqlCases: (readonly [string, string, string, Role])[] = [];
  beforeAll(async () => {
    const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
    for (const [kind, type] of [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const) {
      for (const field of Object.values(type.getFields())) {
        for (const role of ROLES) graphqlCases.push([`${kind} ${field.name} as ${role}`, operationOf(kind, field), permissionOf(type, field.name)!, role]);
      }
    }
    expect(graphqlCases.length).toBeGreaterThan(3 * 60);
  });

  it('answers FORBIDDEN (HTTP 403, nothing run) exactly where the role lacks the permission', async () => {
    const wrong: unknown[] = [];
    for (const [name, query, permission, role] of graphqlCases) {
      const res = await fetch(`${t.gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...keys[role].headers },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
      const codes = (body.errors ?? []).map((e) => e.extensions.code);
      const allowed = roleMay(role, permission as never);
      const ok = allowed
        ? !codes.includes('FORBIDDEN') && (!codes.includes('UNAUTHENTICATED') || body.errors![0].message === 'wrong username or password')
        : res.status === 403 && codes.join() === 'FORBIDDEN' && body.data === undefined;
      if (!ok) wrong.push({ name, query, status: res.status, body });
    }
    expect(wrong).toEqual([]);
  });
});
