import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentCredentialService } from '../../src/services/agent-credential.service';
import { runRecords } from '../live/support/records';
import { useFleetHarness, type BrokerKind } from './support/fleet-harness';

jest.setTimeout(60_000);

describe.each<BrokerKind>(['embedded', 'mosquitto'])('agent enrolment and credentials (%s broker)', (kind) => {
  const h = useFleetHarness(kind);

  it('enrols with the token, keeps its credential in the state folder (0600) and runs a job', async () => {
    const a = await h.startAgent('runner');
    const file = path.join(a.stateDir, 'credential.json');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const credential = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(credential).toMatchObject({ clientId: a.clientId, username: a.clientId, gatewayKey: h.gateway.fleet.keys.commands.publicKey });
    expect(await h.eventuallyLogged(new RegExp(`agent ${a.clientId} enrolled`))).toBe(true);

    await fs.mkdir(path.join(a.root, 'in'), { recursive: true });
    await fs.writeFile(path.join(a.root, 'in/a.txt'), 'hello');
    const runId = await h.runScript([{ type: 'COPY_FILE', filePath: 'in/a.txt', targetFilePath: 'out/a.txt', createFilePath: true }], [a.clientId]);
    await h.t.waitFor('the run to end', async () => (await runRecords(h.t, runId)).run.status !== 'RUNNING');
    expect((await runRecords(h.t, runId)).reports[0].status).toBe('SUCCESS');
    expect(await fs.readFile(path.join(a.root, 'out/a.txt'), 'utf8')).toBe('hello');
  });

  it("enrols agents started together (on Mosquitto they share one client id and close each other's connections)", async () => {
    const started = await Promise.all(Array.from({ length: 6 }, (_, i) => h.startAgent(`together-${i}`)));
    for (const a of started) {
      expect(JSON.parse(await fs.readFile(path.join(a.stateDir, 'credential.json'), 'utf8')).clientId).toBe(a.clientId);
      await h.t.waitFor(`${a.clientId} ONLINE`, async () => (await h.t.statusOf(a.clientId)) === 'ONLINE');
    }
    // The answers stay retained, sealed to their askers, so an asker cut off before it came reads it on reconnecting.
    const spy = await h.gatewayClient();
    const answers: string[] = [];
    spy.on('message', (topic, payload) => payload.length > 0 && answers.push(topic));
    await spy.subscribeAsync('sdes/v1/enrol/+/credential', { qos: 1 });
    await h.t.waitFor('the retained answers', async () => answers.length >= started.length);
    expect(new Set(answers).size).toBeGreaterThanOrEqual(started.length);
  });

  it('starts again from its stored credential, without the token', async () => {
    const a = await h.startAgent('restarter');
    await a.agent.stop();
    const again = await h.startAgent('restarter-2', { clientId: a.clientId, stateDir: a.stateDir, enrolmentToken: undefined });
    expect(again.logs.some((l) => /enrolling/.test(l.msg))).toBe(false);
    await h.t.waitFor('ONLINE again', async () => (await h.t.statusOf(a.clientId)) === 'ONLINE');
  });

  it('refuses a wrong token and logs it', async () => {
    await expect(h.startAgent('wrong-token', { enrolmentToken: 'not-the-token-at-all-000' })).rejects.toThrow(/refused the enrolment token/);
    expect(await h.eventuallyLogged(/wrong enrolment token|not authorised/)).toBe(true);
  });

  it('refuses to enrol an id that is already enrolled (no takeover by enrolment)', async () => {
    const a = await h.startAgent('taken');
    await expect(h.startAgent('taken-again', { clientId: a.clientId })).rejects.toThrow(/already enrolled/);
    expect(await h.eventuallyLogged(/enrolment refused/)).toBe(true);
  });

  it('cuts off a revoked agent and refuses it at the broker', async () => {
    const a = await h.startAgent('revoked');
    await h.t.waitFor('ONLINE', async () => (await h.t.statusOf(a.clientId)) === 'ONLINE');
    const credential = JSON.parse(await fs.readFile(path.join(a.stateDir, 'credential.json'), 'utf8'));
    const before = a.logs.length;
    await new AgentCredentialService({ em: h.em(), clock: h.gateway.clock }).revoke(a.clientId, 'test');
    // The connection is closed, and every reconnection refused.
    await h.t.waitFor('the agent refused', async () => a.logs.slice(before).some((l) => /Not authorized|Bad username/.test(l.msg)), 15_000);
    await expect(h.connect({ clientId: a.clientId, username: a.clientId, password: credential.secret })).rejects.toThrow(/Not authorized|Bad username/);
    expect(await h.eventuallyLogged(new RegExp(`(credential of ${a.clientId} is revoked|not authorised)`))).toBe(true);
  });
});
