import fs from 'node:fs/promises';
import path from 'node:path';
import type { AgentEventDraft } from '../../src/protocol';
import { ClientService } from '../../src/services/client.service';
import { TaskService } from '../../src/services/task.service';
import { BindingService } from '../../src/services/binding.service';
import { startFakeAgent } from './support/fake-agent';
import { clientIdOf, useLiveHarness, type LiveHarness } from './support/live-harness';
import { reportIs, runEnded, runRecords } from './support/records';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function enabledClient(h: LiveHarness, mqttClientId: string): Promise<number> {
  const id = await clientIdOf(h, mqttClientId);
  await new ClientService(h.ctx()).setEnabled(id, true);
  return id;
}

describe('execution', () => {
  const h = useLiveHarness();
  beforeAll(async () => {
    await h.startGateway();
  });

  it('runs a job on an online agent and records the report, task, steps and messages', async () => {
    const agent = await h.startAgent('worker');
    const id = await enabledClient(h, agent.clientId);
    await fs.mkdir(path.join(agent.root, 'in'), { recursive: true });
    await fs.writeFile(path.join(agent.root, 'in/a.txt'), 'A');
    const { jobId, taskId } = await h.createJob(
      [
        { type: 'COPY_FILE', filePath: 'in/a.txt', targetFilePath: 'out/a.txt', createFilePath: true },
        { type: 'GET_FILE_STATUS', filePath: 'out/a.txt' },
      ],
      [id],
    );
    const runId = await h.runJob(jobId);
    const rec = await runEnded(h, runId);
    expect(rec.run.status).toBe('SUCCESS');
    expect(rec.reports).toEqual([expect.objectContaining({ status: 'SUCCESS', attempt: 0, client_id: id })]);
    expect(rec.tasks).toEqual([expect.objectContaining({ task_id: taskId, status: 'SUCCESS' })]);
    expect(rec.steps.map((s) => [s.type, s.status])).toEqual([
      ['COPY_FILE', 'SUCCESS'],
      ['GET_FILE_STATUS', 'SUCCESS'],
    ]);
    for (const s of rec.steps) expect(s.step).toMatchObject({ id: s.step_id, type: s.type });
    expect(rec.messages.length).toBeGreaterThanOrEqual(2);
    // Timings nest: report ⊇ task ⊇ steps, and the run ends with its last report.
    const [report, task] = [rec.reports[0], rec.tasks[0]];
    expect(report.started_at!).toBeLessThanOrEqual(task.started_at!);
    for (const s of rec.steps) expect(s.started_at! >= task.started_at! && s.ended_at! <= task.ended_at!).toBe(true);
    expect(task.ended_at!).toBeLessThanOrEqual(report.ended_at!);
    expect(rec.run.ended_at).toBe(report.ended_at);
    expect(await fs.readFile(path.join(agent.root, 'out/a.txt'), 'utf8')).toBe('A');
  });

  it('applies duplicated, reordered and late events once, and never moves a final status back', async () => {
    const fake = await startFakeAgent(h, 'dup');
    await fake.online();
    const id = await enabledClient(h, fake.id);
    const { jobId, taskId } = await h.createJob(
      [
        { type: 'COPY_FILE', filePath: 'a', targetFilePath: 'b' },
        { type: 'DELETE_FILE', filePath: 'c', block: true },
      ],
      [id],
    );
    const runId = await h.runJob(jobId);
    const dispatch = await h.waitFor('the dispatch', async () => fake.dispatches()[0]);
    const [s1, s2] = dispatch.tasks[0].steps.map((s) => s.id as number);
    const reportId = dispatch.reportId;
    const t = Date.now() - 10_000;
    const drafts: AgentEventDraft[] = [
      { type: 'report.started', reportId, startTime: t },
      { type: 'task.started', reportId, taskId, startTime: t + 1 },
      { type: 'step.started', reportId, taskId, stepId: s1, stepType: 'COPY_FILE', startTime: t + 2 },
      { type: 'step.message', reportId, taskId, stepId: s1, index: 0, startTime: t + 2, endTime: t + 3, message: 'copied 1 file' },
      { type: 'step.finished', reportId, taskId, stepId: s1, stepType: 'COPY_FILE', status: 'SUCCESS', startTime: t + 2, endTime: t + 3, attempts: 1 },
      { type: 'step.started', reportId, taskId, stepId: s2, stepType: 'DELETE_FILE', startTime: t + 4 },
      { type: 'step.message', reportId, taskId, stepId: s2, index: 0, startTime: t + 4, endTime: t + 5, message: 'attempt 1 failed: busy' },
      { type: 'step.message', reportId, taskId, stepId: s2, index: 1, startTime: t + 5, endTime: t + 6, message: 'still busy' },
      { type: 'step.finished', reportId, taskId, stepId: s2, stepType: 'DELETE_FILE', status: 'FAILED', startTime: t + 4, endTime: t + 6, attempts: 2 },
      { type: 'task.finished', reportId, taskId, status: 'FAILED', startTime: t + 1, endTime: t + 7, message: 'a blocking step failed' },
      { type: 'report.finished', reportId, status: 'FAILED', startTime: t, endTime: t + 8, message: `failed tasks: ${taskId}` },
    ];
    const events = fake.number(drafts);
    // The end first, then the start, reversed within each message; then everything again.
    await fake.send(events.slice(6).reverse());
    await fake.send(events.slice(0, 6).reverse());
    await fake.sendRaw('{ this is not json');
    await fake.sendRaw(JSON.stringify({ v: 1, stream: fake.stream, events: [{ seq: 99, type: 'step.exploded' }] }));
    await fake.send(events);
    await fake.send(events.slice(2, 5));
    // Late echoes with new seqs that contradict what is stored: they change nothing.
    const late = fake.number([
      { type: 'report.started', reportId, startTime: t + 100 },
      { type: 'step.started', reportId, taskId, stepId: s1, stepType: 'COPY_FILE', startTime: t + 100 },
      { type: 'step.finished', reportId, taskId, stepId: s1, stepType: 'COPY_FILE', status: 'FAILED', startTime: t + 100, endTime: t + 101, attempts: 1 },
      { type: 'step.message', reportId, taskId, stepId: s1, index: 0, startTime: t + 100, endTime: t + 101, message: 'a different text for index 0' },
    ]);
    await fake.send(late);
    await h.waitFor('every event acknowledged', async () => [...events, ...late].every((e) => fake.acked(e.seq)));
    const rec = await runEnded(h, runId);

    expect(rec.run.status).toBe('FAILED');
    expect(rec.reports).toEqual([expect.objectContaining({ status: 'FAILED', started_at: t, ended_at: t + 8 })]);
    expect(rec.reports[0].message).toContain('a blocking step failed');
    expect(rec.tasks).toEqual([expect.objectContaining({ status: 'FAILED', started_at: t + 1, ended_at: t + 7 })]);
    expect(rec.steps.map((s) => [s.step_id, s.status, s.started_at, s.ended_at])).toEqual([
      [s1, 'SUCCESS', t + 2, t + 3],
      [s2, 'FAILED', t + 4, t + 6],
    ]);
    expect(rec.messages.map((m) => [m.step_id, m.seq, m.message])).toEqual([
      [s1, 0, 'copied 1 file'],
      [s2, 0, 'attempt 1 failed: busy'],
      [s2, 1, 'still busy'],
    ]);

    // Another client cannot write into this report.
    const intruder = await startFakeAgent(h, 'intruder');
    await intruder.online();
    await clientIdOf(h, intruder.id);
    const forged = intruder.number([{ type: 'step.message', reportId, taskId, stepId: s1, index: 7, startTime: t, endTime: t, message: 'forged' }]);
    await intruder.send(forged);
    await h.waitFor('the forged event acknowledged', async () => intruder.acked(forged[0].seq));
    expect((await runRecords(h, runId)).messages).toHaveLength(3);
    await Promise.all([fake.close(), intruder.close()]);
  });

  it('retries a failed report after retryWait, up to maxRetries, keeping the story in its message', async () => {
    const agent = await h.startAgent('retry');
    const id = await enabledClient(h, agent.clientId);
    const { jobId } = await h.createJob(
      [{ type: 'COPY_FILE', filePath: 'in/late.txt', targetFilePath: 'out/late.txt', createFilePath: true, retryTimes: 0 }],
      [id],
      {
        maxRetries: 2,
        retryWait: 60,
      },
    );
    const runId = await h.runJob(jobId);
    const failedAttempt = async (attempt: number) => {
      await h.waitFor(
        `attempt ${attempt} FAILED`,
        async () => (await h.sql('select 1 from report where run_id = ? and attempt = ? and status = ?', [runId, attempt, 'FAILED'])).length > 0,
      );
      await h.idle();
      return (await runRecords(h, runId)).reports[0];
    };
    let report = await failedAttempt(0);
    expect(report.retry_at).toBe(h.clock.now().getTime() + 60_000);
    expect((await runRecords(h, runId)).run.status).toBe('RUNNING');

    await h.gateway!.lifecycle.sweep();
    expect((await runRecords(h, runId)).reports[0]).toMatchObject({ attempt: 0, status: 'FAILED' });

    h.clock.advance(60_000);
    await h.gateway!.lifecycle.sweep();
    report = await failedAttempt(1);
    expect(report.message).toMatch(/attempt 1 of 3 failed \(COPY_FILE step \d+: /);

    await fs.mkdir(path.join(agent.root, 'in'), { recursive: true });
    await fs.writeFile(path.join(agent.root, 'in/late.txt'), 'finally');
    h.clock.advance(60_000);
    await h.gateway!.lifecycle.sweep();
    const rec = await runEnded(h, runId);
    expect(rec.run.status).toBe('SUCCESS');
    expect(rec.reports[0]).toMatchObject({ status: 'SUCCESS', attempt: 2, retry_at: null });
    expect(rec.reports[0].message).toMatch(/attempt 1 of 3 failed[^]*attempt 2 of 3 failed/);
    // The step results are the last attempt's.
    expect(rec.steps.map((s) => s.status)).toEqual(['SUCCESS']);
    expect(rec.tasks.map((t) => t.status)).toEqual(['SUCCESS']);
  });

  it('ends a run FAILED when the last retry fails too', async () => {
    const agent = await h.startAgent('hopeless');
    const id = await enabledClient(h, agent.clientId);
    const { jobId } = await h.createJob([{ type: 'DELETE_FILE', filePath: '/etc/hosts', retryTimes: 0 }], [id], { maxRetries: 1, retryWait: 5 });
    const runId = await h.runJob(jobId);
    await reportIs(h, runId, 'FAILED');
    await h.idle();
    h.clock.advance(5_000);
    await h.gateway!.lifecycle.sweep();
    const rec = await runEnded(h, runId);
    expect(rec.run.status).toBe('FAILED');
    expect(rec.reports[0]).toMatchObject({ status: 'FAILED', attempt: 1, retry_at: null });
  });

  it('ends reports still running at the deadline FAILED and never-started ones NOT_EXECUTE', async () => {
    const agent = await h.startAgent('slow');
    const slowId = await enabledClient(h, agent.clientId);
    const absent = await startFakeAgent(h, 'absent');
    await absent.online();
    const absentId = await enabledClient(h, absent.id);
    await absent.offline();
    await h.waitFor('OFFLINE', async () => (await h.sql('select 1 from client where id = ? and status = ?', [absentId, 'OFFLINE'])).length > 0);
    const { jobId } = await h.createJob([{ type: 'WAIT_FLAG_FILE', filePath: 'never.flag', interval: 20, timeOut: 120_000 }], [slowId, absentId], {
      duration: 60,
    });
    const runId = await h.runJob(jobId);
    await h.waitFor('the step running', async () => (await runRecords(h, runId)).steps.some((s) => s.status === 'RUNNING'));

    h.clock.advance(59_000);
    await h.gateway!.lifecycle.sweep();
    expect((await runRecords(h, runId)).run.status).toBe('RUNNING');

    h.clock.advance(2_000);
    await h.gateway!.lifecycle.sweep();
    const rec = await runRecords(h, runId);
    expect(rec.run).toMatchObject({ status: 'FAILED', ended_at: h.clock.now().getTime() });
    const bySlow = rec.reports.find((r) => r.client_id === slowId)!;
    const byAbsent = rec.reports.find((r) => r.client_id === absentId)!;
    expect(bySlow).toMatchObject({ status: 'FAILED', ended_at: h.clock.now().getTime() });
    expect(bySlow.message).toMatch(/^timed out: still running when the run's duration ended/);
    expect(byAbsent.status).toBe('NOT_EXECUTE');
    expect(byAbsent.message).toMatch(/^not executed/);
    expect(rec.tasks.map((t) => [t.report_id === bySlow.id ? 'slow' : 'absent', t.status]).sort()).toEqual([
      ['absent', 'NOT_EXECUTE'],
      ['slow', 'FAILED'],
    ]);
    expect(rec.steps.map((s) => s.status)).toEqual(['FAILED']);

    // The agent is told to cancel; its late "cancelled" result changes nothing.
    await h.waitFor('the agent to give up', async () => {
      const registry = await fs.readFile(path.join(agent.stateDir, 'reports.json'), 'utf8').catch(() => '');
      return registry.includes('cancelled');
    });
    await sleep(300);
    await h.idle();
    const after = await runRecords(h, runId);
    expect(after.reports.find((r) => r.client_id === slowId)).toEqual(bySlow);
    expect([...after.reports, ...after.tasks, ...after.steps].filter((r) => r.status === 'RUNNING' || r.status === 'PENDING')).toEqual([]);
    await absent.close();
  });

  it('dispatches the work of an offline client when it comes ONLINE within the duration, not after', async () => {
    const first = await h.startAgent('late');
    const id = await enabledClient(h, first.clientId);
    await first.agent.stop();
    await h.waitFor('OFFLINE', async () => (await h.sql('select 1 from client where id = ? and status = ?', [id, 'OFFLINE'])).length > 0);
    const { jobId } = await h.createJob([{ type: 'DELETE_FILE', filePath: 'nothing-here.txt' }], [id]);
    const runId = await h.runJob(jobId);
    await h.idle();
    expect((await runRecords(h, runId)).reports[0]).toMatchObject({ status: 'PENDING', dispatched_at: null });
    await h.startAgent('late', { stateDir: first.stateDir, roots: [first.root] });
    expect((await runEnded(h, runId)).run.status).toBe('SUCCESS');

    const tardy = await startFakeAgent(h, 'tardy');
    await tardy.online();
    const tardyId = await enabledClient(h, tardy.id);
    await tardy.offline();
    await h.waitFor('OFFLINE', async () => (await h.sql('select 1 from client where id = ? and status = ?', [tardyId, 'OFFLINE'])).length > 0);
    const late = await h.createJob([{ type: 'DELETE_FILE', filePath: 'x' }], [tardyId], { duration: 60 });
    const lateRun = await h.runJob(late.jobId);
    h.clock.advance(61_000);
    await tardy.online();
    await h.waitFor('ONLINE', async () => (await h.sql('select 1 from client where id = ? and status = ?', [tardyId, 'ONLINE'])).length > 0);
    await h.idle();
    expect(tardy.dispatches()).toEqual([]);
    await h.gateway!.lifecycle.sweep();
    expect((await runRecords(h, lateRun)).reports[0].status).toBe('NOT_EXECUTE');
    await tardy.close();
  });

  it('dispatches higher job priority first, skips disabled tasks, and re-checks the client before sending', async () => {
    const fake = await startFakeAgent(h, 'prio');
    await fake.online();
    const id = await enabledClient(h, fake.id);
    await fake.offline();
    await h.waitFor('OFFLINE', async () => (await h.sql('select 1 from client where id = ? and status = ?', [id, 'OFFLINE'])).length > 0);
    const low = await h.createJob([{ type: 'DELETE_FILE', filePath: 'low' }], [id], { priority: 1 });
    const high = await h.createJob([{ type: 'DELETE_FILE', filePath: 'high' }], [id], { priority: 9 });
    const extra = await new TaskService(h.ctx()).create({ name: 'switched off', enabled: true });
    await new TaskService(h.ctx()).saveScript(extra.id, [{ type: 'DELETE_FILE', filePath: 'off' }]);
    await new BindingService(h.ctx()).bindJobTasks(high.jobId, [extra.id]);
    const lowRun = await h.runJob(low.jobId);
    const highRun = await h.runJob(high.jobId);
    await new TaskService(h.ctx()).setEnabled(extra.id, false);
    await fake.online(Date.now() + 1);
    await h.waitFor('two dispatches', async () => fake.dispatches().length >= 2);
    expect(fake.dispatches().map((d) => d.runId)).toEqual([highRun, lowRun]);
    expect(fake.dispatches()[0].tasks.map((t) => t.taskId)).toEqual([high.taskId]);

    // A client disabled after the run was created gets nothing.
    const third = await h.createJob([{ type: 'DELETE_FILE', filePath: 'z' }], [id]);
    await fake.offline(Date.now() + 1);
    await h.idle();
    await h.runJob(third.jobId);
    await new ClientService(h.ctx()).setEnabled(id, false);
    await fake.online(Date.now() + 2);
    await h.idle();
    await sleep(100);
    expect(fake.dispatches()).toHaveLength(2);
    await fake.close();
  });
});
