import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Role } from '../../src/auth/permissions';
import type { Clock } from '../../src/runtime/clock';
import { systemClock } from '../../src/runtime/clock';
import { ApiKeyService } from '../../src/services/api-key.service';
import { UserService } from '../../src/services/user.service';

/**
 * How tests authenticate, in one place. Test gateways start with SDES_ADMIN_PASSWORD set to
 * TEST_ADMIN.password, so `admin` exists; scripts and legacy consumers use an API key (HTTP
 * Basic), operators a session token from POST /v1/auth/login (Bearer).
 */
export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password' } as const;

export type Headers = Record<string, string>;

export const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });
export const basic = (keyId: string, secret: string): Headers => ({ authorization: `Basic ${Buffer.from(`${keyId}:${secret}`).toString('base64')}` });

export interface TestApiKey {
  keyId: string;
  secret: string;
  role: Role;
  /** HTTP Basic keyId:secret, as a legacy REST consumer sends it. */
  headers: Headers;
}

/** An API key made straight in the database (as `sdes apikey create` does). */
export async function createTestApiKey(orm: MikroORM, role: Role = 'admin', clock: Clock = systemClock): Promise<TestApiKey> {
  const { apiKey, secret } = await new ApiKeyService({ em: orm.em.fork() as EntityManager, clock }).create({
    name: `test ${role} ${Math.random().toString(36).slice(2, 7)}`,
    role,
  });
  return { keyId: apiKey.keyId, secret, role, headers: basic(apiKey.keyId, secret) };
}

/** An account made straight in the database (as `sdes user add` does); its password is `<username>-password`. */
export async function createTestUser(orm: MikroORM, username: string, role: Role, clock: Clock = systemClock): Promise<{ username: string; password: string }> {
  const password = `${username}-password`;
  await new UserService({ em: orm.em.fork() as EntityManager, clock }).create({ username, password, role });
  return { username, password };
}

/** Logs in over real HTTP (`POST /v1/auth/login`) and answers the session token. */
export async function loginOverRest(gatewayUrl: string, { username, password }: { username: string; password: string } = TEST_ADMIN): Promise<string> {
  const res = await fetch(`${gatewayUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login of ${username} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.token;
}

/** Logs in with the GraphQL `login` mutation over real HTTP and answers the session token. */
export async function loginOverGraphql(graphqlUrl: string, { username, password }: { username: string; password: string } = TEST_ADMIN): Promise<string> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
      variables: { u: username, p: password },
    }),
  });
  const body = (await res.json()) as { data?: { login?: { token: string } }; errors?: unknown };
  if (!body.data?.login?.token) throw new Error(`GraphQL login of ${username} failed: ${JSON.stringify(body)}`);
  return body.data.login.token;
}
