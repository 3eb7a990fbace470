import type { ExecutionProgressEvent, StepMessageEvent } from '../../../src/live/pubsub';
import { ClientService } from '../../../src/services/client.service';
import { ExecutionStateService } from '../../../src/services/execution';
import { startFakeAgent, type FakeAgent } from '../../live/support/fake-agent';
import { clientIdOf, useLiveHarness } from '../../live/support/live-harness';
import { runEnded, runRecords } from '../../live/support/records';

/**
 * A report that reaches a final state closes every child still open, whoever ended it; and the
 * gateway's own entry point for one step (ExecutionStateService.closeStep). Agents here are
 * fake (exact events on a real broker); test/e2e/fleet.test.ts kills a real one.
 */
describe('closing what a final report leaves open', () => {
  const h = useLiveHarness();
  let fake: FakeAgent;
  let clientId: number;
  const progress: ExecutionProgressEvent[] = [];
  const lines: StepMessageEvent[] = [];

  beforeAll(async () => {
    await h.startGateway();
    fake = await startFakeAgent(h, 'closing');
    await fake.online();
    clientId = await clientIdOf(h, fake.id);
    await new ClientService(h.ctx()).setEnabled(clientId, true);
    void (async () => {
      for await (const e of h.pubsub.subscribe('EXECUTION_PROGRESS')) progress.push(e);
    })();
    void (async () => {
      for await (const m of h.pubsub.subscribe('STEP_MESSAGE')) lines.push(m);
    })();
  });
  afterAll(() => fake.close());

  /** A run of a two-task job on the fake agent, with its dispatch. */
  async function started() {
    const { jobId, taskId } = await h.createJob(
      [
        { type: 'WAIT_FLAG_FILE', filePath: 'in/flag', interval: 50, timeOut: 60_000 },
        { type: 'DELETE_FILE', filePath: 'in/flag' },
      ],
      [clientId],
    );
    const before = fake.dispatches().length;
    const runId = await h.runJob(jobId);
    const dispatch = await h.waitFor('the dispatch', async () => fake.dispatches()[before]);
    const [wait, del] = dispatch.tasks[0].steps.map((s) => s.id as number);
    return { runId, taskId, reportId: dispatch.reportId, wait, del };
  }

  const send = async (drafts: Parameters<FakeAgent['number']>[0]) => {
    const events = fake.number(drafts);
    await fake.send(events);
    await h.waitFor('the events stored', async () => events.every((e) => fake.acked(e.seq)));
  };

  it("closes the running task and step FAILED at the report's end, saying why, when the agent ends only the report", async () => {
    const { runId, taskId, reportId, wait } = await started();
    const t = Date.now() - 5_000;
    await send([
      { type: 'report.started', reportId, startTime: t },
      { type: 'task.started', reportId, taskId, startTime: t + 1 },
      { type: 'step.started', reportId, taskId, stepId: wait, stepType: 'WAIT_FLAG_FILE', startTime: t + 2 },
      { type: 'step.message', reportId, taskId, stepId: wait, index: 0, startTime: t + 2, endTime: t + 3, message: 'waiting for in/flag' },
    ]);
    // What a restarted agent sends for the report it was running when it was killed.
    await send([
      { type: 'report.finished', reportId, status: 'FAILED', startTime: t, endTime: t + 10, message: 'the agent stopped while the report was running' },
    ]);
    const rec = await runEnded(h, runId);

    expect(rec.run.status).toBe('FAILED');
    expect(rec.reports[0]).toMatchObject({ status: 'FAILED', ended_at: t + 10 });
    expect(rec.tasks.map((r) => [r.status, r.ended_at])).toEqual([['FAILED', t + 10]]);
    expect(rec.steps.map((s) => [s.step_id, s.status, s.started_at, s.ended_at])).toEqual([[wait, 'FAILED', t + 2, t + 10]]);
    expect(rec.messages.map((m) => [m.seq, m.message])).toEqual([
      [0, 'waiting for in/flag'],
      [1, 'closed FAILED by the gateway: the report ended FAILED before this step finished: the agent stopped while the report was running'],
    ]);
    expect(rec.reports[0].message).toBe(
      `the agent stopped while the report was running\ntask ${taskId}: closed FAILED by the gateway (the report ended before the task finished)`,
    );
    await h.idle();
    expect(progress.filter((e) => e.reportId === reportId && e.level === 'STEP').at(-1)).toMatchObject({ status: 'FAILED', endTime: t + 10 });
    expect(progress.filter((e) => e.reportId === reportId && e.level === 'TASK').at(-1)).toMatchObject({ status: 'FAILED', endTime: t + 10 });
    expect(lines.filter((m) => m.reportId === reportId).map((m) => m.message)).toContainEqual(expect.stringMatching(/^closed FAILED by the gateway/));
  });

  it('closes at once a step that a late event opens in a report already final', async () => {
    const { runId, taskId, reportId, wait, del } = await started();
    const t = Date.now() - 5_000;
    await send([
      { type: 'report.started', reportId, startTime: t },
      { type: 'task.started', reportId, taskId, startTime: t + 1 },
      { type: 'step.started', reportId, taskId, stepId: wait, stepType: 'WAIT_FLAG_FILE', startTime: t + 2 },
      { type: 'step.finished', reportId, taskId, stepId: wait, stepType: 'WAIT_FLAG_FILE', status: 'FAILED', startTime: t + 2, endTime: t + 3, attempts: 1 },
      { type: 'task.finished', reportId, taskId, status: 'FAILED', startTime: t + 1, endTime: t + 4, message: 'a blocking step failed' },
      { type: 'report.finished', reportId, status: 'FAILED', startTime: t, endTime: t + 5 },
    ]);
    await runEnded(h, runId);
    await send([{ type: 'step.started', reportId, taskId, stepId: del, stepType: 'DELETE_FILE', startTime: t + 6 }]);
    const rec = await runRecords(h, runId);
    expect(rec.steps.map((s) => [s.step_id, s.status, s.ended_at])).toEqual([
      [wait, 'FAILED', t + 3],
      [del, 'FAILED', t + 6],
    ]);
    expect(rec.tasks.map((r) => [r.status, r.ended_at])).toEqual([['FAILED', t + 4]]);
  });

  it('records a report the agent dropped before starting it as NOT_EXECUTE, with an end and no start', async () => {
    const { runId, reportId } = await started();
    const at = Date.now() - 1_000;
    await send([{ type: 'report.finished', reportId, status: 'NOT_EXECUTE', startTime: at, endTime: at, message: 'cancelled before it started: operator' }]);
    const rec = await runEnded(h, runId);
    expect(rec.run.status).toBe('NOT_EXECUTE');
    expect(rec.reports[0]).toMatchObject({ status: 'NOT_EXECUTE', started_at: null, ended_at: at, retry_at: null });
    expect(rec.tasks.map((r) => [r.status, r.ended_at])).toEqual([['NOT_EXECUTE', at]]);
  });

  describe('ExecutionStateService.closeStep', () => {
    const closeStep = (input: Parameters<ExecutionStateService['closeStep']>[0]) => new ExecutionStateService(h.ctx()).closeStep(input);

    it('ends a step of a running report with the message, recording it when the agent has not yet', async () => {
      const { reportId, taskId, wait, del } = await started();
      const t = Date.now() - 5_000;
      await send([
        { type: 'report.started', reportId, startTime: t },
        { type: 'task.started', reportId, taskId, startTime: t + 1 },
        { type: 'step.started', reportId, taskId, stepId: wait, stepType: 'WAIT_FLAG_FILE', startTime: t + 2 },
      ]);
      const now = h.clock.now().getTime();
      expect(await closeStep({ reportId, taskId, stepId: del, message: 'no sender sent the file' })).toBe('CLOSED');
      expect(await closeStep({ reportId, taskId, stepId: del, message: 'again' })).toBe('ALREADY_FINAL');
      const { runId } = (await h.sql<{ run_id: number }>('select run_id from report where report_id = ?', [reportId])).map((r) => ({ runId: r.run_id }))[0];
      const rec = await runRecords(h, runId);
      // (Rows come in start order; the gateway's clock is not the fake agent's.)
      const byStep = [...rec.steps].sort((a, b) => a.step_id - b.step_id);
      expect(byStep.map((s) => [s.step_id, s.status])).toEqual([
        [wait, 'RUNNING'],
        [del, 'FAILED'],
      ]);
      expect(rec.steps.find((s) => s.step_id === del)).toMatchObject({ type: 'DELETE_FILE', started_at: now, ended_at: now });
      expect(rec.messages.filter((m) => m.step_id === del).map((m) => m.message)).toEqual(['no sender sent the file']);
      await h.idle();
      expect(progress.filter((e) => e.reportId === reportId && e.level === 'STEP' && e.stepId === del).map((e) => e.status)).toEqual(['FAILED']);
    });

    it('changes nothing in a report that is not running, and names a step that is not part of it', async () => {
      const { reportId, taskId, del } = await started();
      expect(await closeStep({ reportId, taskId, stepId: del, message: 'too early' })).toBe('REPORT_NOT_RUNNING');
      const t = Date.now() - 5_000;
      await send([{ type: 'report.started', reportId, startTime: t }]);
      await expect(closeStep({ reportId, taskId, stepId: 987654, message: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'stepId' });
      await expect(closeStep({ reportId: 'no-such-report', taskId, stepId: del, message: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});
