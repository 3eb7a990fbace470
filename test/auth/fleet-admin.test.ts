import { bearer, createTestApiKey, loginOverRest } from '../support/auth';
import { useFleetHarness } from './support/fleet-harness';

jest.setTimeout(60_000);

/** An admin revokes one agent's credential through GraphQL or REST; others may not. */
describe("revoking an agent's credential (embedded broker)", () => {
  const h = useFleetHarness('embedded');
  const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${h.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] };
  };
  const refusedAfter = (logs: { msg: string }[], from: number) =>
    h.t.waitFor('the agent refused by the broker', async () => logs.slice(from).some((l) => /Not authorized/.test(l.msg)), 15_000);

  it('through the revokeAgentCredential mutation, listed by agentCredentials', async () => {
    const a = await h.startAgent('gql');
    const token = await loginOverRest(h.gateway.url);
    const listed = await graphql(token, '{ agentCredentials { mqttClientId revokedAt } }');
    expect(listed.data?.agentCredentials).toEqual(expect.arrayContaining([{ mqttClientId: a.clientId, revokedAt: null }]));
    const from = a.logs.length;
    const revoked = await graphql(token, 'mutation($id: String!) { revokeAgentCredential(mqttClientId: $id) { mqttClientId revokedAt revokedBy } }', {
      id: a.clientId,
    });
    expect(revoked.data?.revokeAgentCredential).toMatchObject({ mqttClientId: a.clientId, revokedBy: 'admin' });
    await refusedAfter(a.logs, from);
  });

  it('through POST /v1/agent-credentials/{mqttClientId}/revoke; an operator is refused', async () => {
    const a = await h.startAgent('rest');
    const operator = await createTestApiKey(h.gateway.db.orm, 'operator');
    const denied = await fetch(`${h.gateway.url}/v1/agent-credentials/${a.clientId}/revoke`, { method: 'POST', headers: operator.headers });
    expect(denied.status).toBe(403);
    const admin = await createTestApiKey(h.gateway.db.orm, 'admin');
    const from = a.logs.length;
    const res = await fetch(`${h.gateway.url}/v1/agent-credentials/${a.clientId}/revoke`, { method: 'POST', headers: admin.headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mqttClientId: a.clientId, revokedAt: expect.any(Number) });
    await refusedAfter(a.logs, from);
    // Deleting frees the id for a new enrolment.
    expect((await fetch(`${h.gateway.url}/v1/agent-credentials/${a.clientId}`, { method: 'DELETE', headers: admin.headers })).status).toBe(200);
    await a.agent.stop();
    const again = await h.startAgent('rest-again', { clientId: a.clientId });
    await h.t.waitFor('ONLINE again', async () => (await h.t.statusOf(again.clientId)) === 'ONLINE');
  });

  it('answers 404 naming the credential for an unknown client id', async () => {
    const admin = await createTestApiKey(h.gateway.db.orm, 'admin');
    const res = await fetch(`${h.gateway.url}/v1/agent-credentials/nobody-here/revoke`, { method: 'POST', headers: admin.headers });
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).toMatch(/agent credential nobody-here/);
  });
});

describe('enrolment tokens an admin creates and revokes (embedded broker)', () => {
  const h = useFleetHarness('embedded');

  it('enrols an agent with a created token, and no more once it is revoked', async () => {
    const admin = await createTestApiKey(h.gateway.db.orm, 'admin');
    const created = await fetch(`${h.gateway.url}/v1/enrolment-tokens`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shops in the north' }),
    });
    expect(created.status).toBe(200);
    const token = (await created.json()) as { id: number; secret: string };
    expect(token.secret).toMatch(/^et_/);
    // The gateways read new tokens every ~2 s.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const a = await h.startAgent('by-admin-token', { enrolmentToken: token.secret });
    await h.t.waitFor('ONLINE', async () => (await h.t.statusOf(a.clientId)) === 'ONLINE');

    expect((await fetch(`${h.gateway.url}/v1/enrolment-tokens/${token.id}`, { method: 'DELETE', headers: admin.headers })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await expect(h.startAgent('too-late', { enrolmentToken: token.secret })).rejects.toThrow(/refused the enrolment token/);
    // The agent enrolled before keeps its credential.
    expect(await h.t.statusOf(a.clientId)).toBe('ONLINE');
  });
});
