import os from 'node:os';
import { startTestAgent, type TestAgent } from './support/test-agent';
import { startTestBroker, type TestBroker } from './support/test-broker';
import { startTestGateway, type TestGateway } from './support/test-gateway';
import { removeTempDirs } from './support/run-script';

describe('agent presence', () => {
  let broker: TestBroker;
  let gateway: TestGateway | undefined;
  let agent: TestAgent | undefined;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await agent?.agent.stop();
    await gateway?.close();
    await broker.stop();
    agent = undefined;
    gateway = undefined;
  });
  afterAll(removeTempDirs);

  it('publishes a retained ONLINE status with its role, version, address, host name and roots', async () => {
    agent = await startTestAgent(broker.url);
    // The gateway connects afterwards: it can only see the status because it is retained.
    gateway = await startTestGateway(broker.url);
    const status = await gateway.waitFor('ONLINE', () => gateway?.statuses(agent!.clientId)[0]);
    expect(status).toMatchObject({ v: 1, status: 'ONLINE', role: 'STORE', hostname: os.hostname(), roots: [agent.root] });
    expect(status.status === 'ONLINE' && status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.status === 'ONLINE' && status.stream).toEqual(expect.any(String));
  });

  it('is marked OFFLINE by its Will when its connection is cut, and comes back ONLINE by itself', async () => {
    agent = await startTestAgent(broker.url);
    gateway = await startTestGateway(broker.url);
    const { clientId } = agent;
    await gateway.waitFor('ONLINE', () => gateway?.statuses(clientId).length === 1);
    expect(broker.dropClient(clientId)).toBe(true);
    await gateway.waitFor('OFFLINE then ONLINE', () => gateway!.statuses(clientId).length >= 3);
    expect(gateway.statuses(clientId).map((s) => s.status)).toEqual(['ONLINE', 'OFFLINE', 'ONLINE']);
    expect(gateway.statuses(clientId)[1]).toMatchObject({ status: 'OFFLINE', reason: 'will' });
  });

  it('leaves a retained OFFLINE status when it stops cleanly', async () => {
    const stopped = await startTestAgent(broker.url);
    await stopped.agent.stop();
    gateway = await startTestGateway(broker.url);
    const status = await gateway.waitFor('OFFLINE', () => gateway?.statuses(stopped.clientId)[0]);
    expect(status).toMatchObject({ status: 'OFFLINE', reason: 'stopped' });
  });
});
