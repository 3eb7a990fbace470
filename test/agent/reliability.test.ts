import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { step, exists, removeTempDirs, write } from './support/run-script';
import { startTestAgent, type TestAgent } from './support/test-agent';
import { startTestBroker, type TestBroker } from './support/test-broker';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const journalLines = (stateDir: string) => readFileSync(path.join(stateDir, 'events.jsonl'), 'utf8').trim().split('\n');

describe('agent reliability', () => {
  let broker: TestBroker;
  let gateway: TestGateway;
  const agents: TestAgent[] = [];
  const start = async (overrides: Parameters<typeof startTestAgent>[1] = {}) => {
    const agent = await startTestAgent(broker.url, overrides);
    agents.push(agent);
    return agent;
  };
  beforeEach(async () => {
    broker = await startTestBroker();
    gateway = await startTestGateway(broker.url);
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.agent.stop()));
    await gateway.close();
    await broker.stop();
  });
  afterAll(removeTempDirs);

  it('runs a dispatched report and forgets its events once the gateway acknowledges them', async () => {
    const { clientId, root, stateDir } = await start();
    await write(path.join(root, 'a.txt'), 'a');
    gateway.dispatch(clientId, { reportId: 'r-1', tasks: [{ taskId: 7, steps: [step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'b.txt' })] }] });
    expect(await gateway.reportFinished(clientId, 'r-1')).toMatchObject({ status: 'SUCCESS' });
    expect(gateway.events(clientId).map((e) => e.type)).toEqual([
      'report.started',
      'task.started',
      'step.started',
      'step.message',
      'step.finished',
      'task.finished',
      'report.finished',
    ]);
    expect(gateway.events(clientId).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Once everything is acknowledged the journal is compacted to its header.
    const header = await gateway.waitFor('the journal to shrink to its header', () => {
      const lines = journalLines(stateDir);
      return lines.length === 1 ? JSON.parse(lines[0]) : undefined;
    });
    expect(header).toEqual({ stream: expect.any(String), nextSeq: 8 });
  });

  it('resends unacknowledged events until the gateway acknowledges them', async () => {
    gateway.autoAck = false;
    const { clientId } = await start();
    gateway.dispatch(clientId, { reportId: 'r-2', tasks: [{ taskId: 1, steps: [step('GET_FILE_STATUS', { filePath: '.' })] }] });
    await gateway.reportFinished(clientId, 'r-2');
    const distinct = gateway.events(clientId).length;
    await gateway.waitFor('a resend', () => gateway.deliveries(clientId) >= 2 * distinct);
    gateway.autoAck = true;
    await gateway.waitFor('the next resend to be acknowledged', () => agents[0].logs.some((l) => l.msg === 'events acknowledged' && l.pending === 0));
    const settled = gateway.deliveries(clientId);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(gateway.deliveries(clientId)).toBe(settled);
    expect(gateway.events(clientId)).toHaveLength(distinct);
  });

  it('keeps a report running while the broker is down and delivers every event when it is back', async () => {
    const { clientId, root, logs } = await start();
    gateway.dispatch(clientId, {
      reportId: 'r-3',
      tasks: [
        { taskId: 1, steps: [step('WAIT_FLAG_FILE', { filePath: 'go.flag', interval: 20, timeOut: 10_000 }), step('DELETE_FILE', { filePath: 'go.flag' })] },
      ],
    });
    await gateway.waitFor('the step to start', () => gateway.events(clientId).some((e) => e.type === 'step.started'));
    await broker.stop();
    await write(path.join(root, 'go.flag'));
    await gateway.waitFor('the report to finish offline', () => logs.some((l) => /^report r-3 SUCCESS/.test(l.msg)));
    expect(logs.some((l) => /disconnected from the broker/.test(l.msg))).toBe(true);
    await broker.start();
    expect(await gateway.reportFinished(clientId, 'r-3')).toMatchObject({ status: 'SUCCESS' });
    const seqs = gateway.events(clientId).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await exists(path.join(root, 'go.flag'))).toBe(false);
    await gateway.waitFor('ONLINE again on the new broker', () => gateway.statuses(clientId).filter((s) => s.status === 'ONLINE').length >= 2);
  });

  it('resends journaled events after the agent itself restarts', async () => {
    gateway.autoAck = false;
    const first = await start();
    gateway.dispatch(first.clientId, { reportId: 'r-4', tasks: [{ taskId: 1, steps: [step('GET_FILE_STATUS', { filePath: '.' })] }] });
    await gateway.reportFinished(first.clientId, 'r-4');
    const before = gateway.events(first.clientId);
    await first.agent.stop();
    agents.splice(agents.indexOf(first), 1);

    const fresh = await startTestGateway(broker.url);
    try {
      const second = await start({ clientId: first.clientId, root: first.root, stateDir: first.stateDir });
      await fresh.reportFinished(second.clientId, 'r-4');
      expect(fresh.events(second.clientId)).toEqual(before);
      await fresh.waitFor('the journal to empty', () => second.logs.some((l) => l.msg === 'events acknowledged' && l.pending === 0));
    } finally {
      await fresh.close();
    }
  });

  it('runs a report once however often it is dispatched, and answers repeats with its result', async () => {
    const { clientId, root } = await start();
    // The program records each run, then holds the report RUNNING until the test releases it.
    const program = `#!/bin/sh\necho run >> runs.log\nwhile [ ! -f release.flag ]; do sleep 0.02; done\n`;
    await write(path.join(root, 'count.sh'), program);
    await fs.chmod(path.join(root, 'count.sh'), 0o755);
    const command = { reportId: 'r-5', tasks: [{ taskId: 1, steps: [step('EXECUTE_FILE', { filePath: 'count.sh' })] }] };
    const count = (type: string) => gateway.events(clientId).filter((e) => e.type === type).length;
    gateway.dispatch(clientId, command);
    gateway.dispatch(clientId, command); // while queued: no answer
    await gateway.waitFor('the program to run', () => count('step.started') === 1);
    gateway.dispatch(clientId, command); // while running: its start again
    await gateway.waitFor('the start re-sent', () => count('report.started') === 2);
    await write(path.join(root, 'release.flag'));
    await gateway.reportFinished(clientId, 'r-5');
    gateway.dispatch(clientId, command); // after it finished: its result again
    await gateway.waitFor('the result re-sent', () => count('report.finished') === 2);
    expect(await fs.readFile(path.join(root, 'runs.log'), 'utf8')).toBe('run\n');
    const [first, again] = gateway.events(clientId).filter((e) => e.type === 'report.finished');
    expect(again).toMatchObject({ status: 'SUCCESS', startTime: first.startTime });
    expect(again.seq).toBeGreaterThan(first.seq);
  });

  it('logs and drops malformed commands, and keeps working', async () => {
    const { clientId, logs } = await start();
    gateway.sendRaw(clientId, 'not json at all');
    gateway.sendRaw(clientId, JSON.stringify({ v: 2, type: 'dispatch' }));
    gateway.sendRaw(clientId, JSON.stringify({ v: 1, type: 'dispatch', reportId: 'r-bad', tasks: [{ taskId: 1, steps: [{ type: 'FORMAT_DISK' }] }] }));
    gateway.dispatch(clientId, { reportId: 'r-6', tasks: [{ taskId: 1, steps: [step('GET_FILE_STATUS', { filePath: '.' })] }] });
    expect(await gateway.reportFinished(clientId, 'r-6')).toMatchObject({ status: 'SUCCESS' });
    const dropped = logs.filter((l) => l.msg.startsWith('dropped a command')).map((l) => l.msg);
    expect(dropped).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/unsupported protocol version 2/),
      expect.stringMatching(/tasks\.0\.steps\.0\.(id|type)/),
    ]);
    expect(gateway.events(clientId).some((e) => e.reportId === 'r-bad')).toBe(false);
  });

  it('cancels a running report, which ends FAILED with the reason', async () => {
    const { clientId } = await start();
    gateway.dispatch(clientId, { reportId: 'r-7', tasks: [{ taskId: 1, steps: [step('WAIT_FLAG_FILE', { filePath: 'never', timeOut: 30_000 })] }] });
    await gateway.waitFor('the step to start', () => gateway.events(clientId).some((e) => e.type === 'step.started'));
    gateway.sendRaw(clientId, JSON.stringify({ v: 1, type: 'cancel', reportId: 'r-7', reason: 'operator asked' }));
    expect(await gateway.reportFinished(clientId, 'r-7')).toMatchObject({ status: 'FAILED', message: 'cancelled: operator asked' });
  });

  it('drops a queued report on cancel: it ends NOT_EXECUTE, started and ended at the cancel', async () => {
    const { clientId } = await start();
    gateway.dispatch(clientId, { reportId: 'r-9', tasks: [{ taskId: 1, steps: [step('WAIT_FLAG_FILE', { filePath: 'never', timeOut: 30_000 })] }] });
    gateway.dispatch(clientId, { reportId: 'r-10', tasks: [{ taskId: 1, steps: [step('GET_FILE_STATUS', { filePath: '.' })] }] });
    await gateway.waitFor('the first report to start', () => gateway.events(clientId).some((e) => e.type === 'step.started'));
    gateway.sendRaw(clientId, JSON.stringify({ v: 1, type: 'cancel', reportId: 'r-10', reason: 'job duration exceeded' }));
    const dropped = await gateway.reportFinished(clientId, 'r-10');
    expect(dropped).toMatchObject({ status: 'NOT_EXECUTE', message: 'cancelled before it started: job duration exceeded' });
    expect(dropped.endTime).toBe(dropped.startTime);
    expect(
      gateway
        .events(clientId)
        .filter((e) => e.reportId === 'r-10')
        .map((e) => e.type),
    ).toEqual(['report.finished']);
  });

  it('answers a dispatch of a report cancelled before it arrived with NOT_EXECUTE, without running it', async () => {
    const { clientId, root } = await start();
    gateway.sendRaw(clientId, JSON.stringify({ v: 1, type: 'cancel', reportId: 'r-11', reason: 'late' }));
    await gateway.reportFinished(clientId, 'r-11');
    gateway.dispatch(clientId, { reportId: 'r-11', tasks: [{ taskId: 1, steps: [step('COPY_FILE', { filePath: '.', targetFilePath: 'copy' })] }] });
    await gateway.waitFor('the answer', () => gateway.events(clientId).filter((e) => e.type === 'report.finished').length === 2);
    const answers = gateway.events(clientId).filter((e) => e.reportId === 'r-11');
    expect(answers.map((e) => [e.type, 'status' in e ? e.status : undefined])).toEqual([
      ['report.finished', 'NOT_EXECUTE'],
      ['report.finished', 'NOT_EXECUTE'],
    ]);
    expect(
      await fs.access(path.join(root, 'copy')).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });

  it('closes a report left running by a crash as FAILED when it starts again', async () => {
    const { clientId, root, stateDir } = await start();
    await agents.pop()!.agent.stop();
    await fs.writeFile(path.join(stateDir, 'reports.json'), JSON.stringify({ reports: [{ reportId: 'r-8', state: 'RUNNING', startTime: 1 }] }));
    await start({ clientId, root, stateDir });
    expect(await gateway.reportFinished(clientId, 'r-8')).toMatchObject({ status: 'FAILED', message: 'the agent stopped while the report was running' });
  });
});
