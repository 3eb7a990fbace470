import fs from 'node:fs/promises';
import path from 'node:path';
import { useFleetHarness, type FleetAgent } from './support/fleet-harness';

jest.setTimeout(60_000);

/** EMQX 5's HTTP authentication and authorization hooks, called over real HTTP as EMQX would. */
describe('the EMQX HTTP hooks', () => {
  const h = useFleetHarness('embedded');
  let agent: FleetAgent;
  let secret: string;
  const post = async (hook: 'authn' | 'authz', body: unknown) => {
    const res = await fetch(`${h.gateway.url}/emqx/${hook}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { result: string; is_superuser?: boolean } };
  };

  beforeAll(async () => {
    agent = await h.startAgent('emqx');
    secret = JSON.parse(await fs.readFile(path.join(agent.stateDir, 'credential.json'), 'utf8')).secret;
  });

  it.each([
    ['an agent with its own credential', () => ({ clientid: agent.clientId, username: agent.clientId, password: secret }), 'allow', false],
    ['an agent with a wrong secret', () => ({ clientid: agent.clientId, username: agent.clientId, password: 'wrong-secret-000000' }), 'deny', false],
    ['an agent under another client id', () => ({ clientid: 'someone-else', username: agent.clientId, password: secret }), 'deny', false],
    ['an anonymous client', () => ({ clientid: 'anon' }), 'deny', false],
    ['a gateway', () => ({ clientid: 'gw-1', username: 'sdes-gateway', password: h.gateway.fleet.keys.gatewaySecret }), 'allow', true],
  ])('authn: %s → %s', async (_what, body, result, superuser) => {
    const answer = await post('authn', body());
    expect(answer).toEqual({ status: 200, body: { result, is_superuser: superuser } });
  });

  it.each([
    ['publish', () => `sdes/v1/agents/${agent.clientId}/status`, 'allow'],
    ['publish', () => `sdes/v1/agents/${agent.clientId}/transfer-up`, 'allow'],
    ['publish', () => 'sdes/v1/agents/other/events', 'deny'],
    ['publish', () => `sdes/v1/agents/${agent.clientId}/commands`, 'deny'],
    ['publish', () => 'sdes/v1/gateways/x/y/live', 'deny'],
    ['subscribe', () => `sdes/v1/agents/${agent.clientId}/commands`, 'allow'],
    ['subscribe', () => 'sdes/v1/broadcasts/#', 'deny'],
    ['publish', () => `sdes/v1/transfers/${agent.clientId}/12`, 'allow'],
    ['publish', () => 'sdes/v1/transfers/other/12', 'deny'],
    ['subscribe', () => 'sdes/v1/transfers/other/12', 'allow'],
    ['subscribe', () => 'sdes/v1/transfers/+/+', 'deny'],
    ['subscribe', () => 'sdes/v1/transfers/#', 'deny'],
    ['subscribe', () => '#', 'deny'],
    ['subscribe', () => 'sdes/v1/agents/+/commands', 'deny'],
  ])('authz: an agent may %s %s → %s', async (action, topic, result) => {
    const answer = await post('authz', { clientid: agent.clientId, username: agent.clientId, action, topic: topic() });
    expect(answer).toEqual({ status: 200, body: { result } });
  });

  it('answers deny, and logs it, for a malformed body', async () => {
    const res = await fetch(`${h.gateway.url}/emqx/authz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'deny' });
    expect(await h.eventuallyLogged(/refused \(EMQX hook\)/)).toBe(true);
  });
});
