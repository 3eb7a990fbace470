import { deadlineOutcome, foldEvents, initialRunStatus, retryAt, runStatusOf, type ReportRow } from '../../../src/services/execution';
import { stepClosingNote } from '../../../src/services/execution/rules';

describe('execution rules', () => {
  it.each([
    [['SUCCESS', 'SUCCESS'], 'SUCCESS'],
    [['NOT_EXECUTE', 'NOT_EXECUTE'], 'NOT_EXECUTE'],
    [['SUCCESS', 'NOT_EXECUTE'], 'FAILED'],
    [['SUCCESS', 'FAILED'], 'FAILED'],
  ] as const)('a run whose reports ended %j ends %s', (reports, run) => {
    expect(runStatusOf(reports)).toBe(run);
  });

  it('starts a run RUNNING, or NOT_EXECUTE when it has no task or no client', () => {
    expect([initialRunStatus(2, 3), initialRunStatus(0, 3), initialRunStatus(2, 0)]).toEqual(['RUNNING', 'NOT_EXECUTE', 'NOT_EXECUTE']);
  });

  it('ends a running report FAILED and a waiting one NOT_EXECUTE at the deadline, naming it', () => {
    const deadline = new Date('2026-12-01T10:00:00.123Z');
    expect(deadlineOutcome('RUNNING', deadline)).toEqual({
      status: 'FAILED',
      message: "timed out: still running when the run's duration ended at 2026-12-01T10:00:00Z",
    });
    expect(deadlineOutcome('PENDING', deadline)).toMatchObject({
      status: 'NOT_EXECUTE',
      message: expect.stringMatching(/^not executed: .* \(offline, disabled or busy\)$/),
    });
  });

  it('retries after retryWait while attempts are left and before the deadline, by the gateway clock', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const row = { attempt: 0, maxRetries: 2, retryWait: 30, deadlineAt: new Date('2026-12-01T11:00:00Z') };
    expect(retryAt(row, now)).toBe('2026-12-01T10:00:30.000Z');
    expect(retryAt({ ...row, attempt: 2 }, now)).toBeNull();
    expect(retryAt({ ...row, deadlineAt: new Date('2026-12-01T10:00:20Z') }, now)).toBeNull();
  });

  it("says why a step was closed, with the first line of the report's reason", () => {
    expect(stepClosingNote('FAILED', 'timed out: x\nmore')).toBe(
      'closed FAILED by the gateway: the report ended FAILED before this step finished: timed out: x',
    );
    expect(stepClosingNote('SUCCESS', null)).toBe('closed FAILED by the gateway: the report ended SUCCESS before this step finished');
  });

  it('folds a report.finished NOT_EXECUTE into an end without a start, and no retry', () => {
    const row: ReportRow = {
      id: 1,
      reportId: 'r',
      attempt: 0,
      status: 'PENDING',
      endedAt: null,
      runId: 1,
      clientId: 1,
      mqttClientId: 'a',
      jobId: 1,
      maxRetries: 3,
      retryWait: 0,
      deadlineAt: new Date(Date.now() + 60_000),
    };
    const batch = {
      v: 1 as const,
      stream: 's',
      events: [{ seq: 1, at: 5, reportId: 'r', type: 'report.finished' as const, status: 'NOT_EXECUTE' as const, startTime: 5, endTime: 5 }],
    };
    const fold = foldEvents([{ mqttClientId: 'a', batch }], new Map([['r', row]]), new Map(), new Date());
    expect(fold.reports).toEqual([expect.objectContaining({ status: 'NOT_EXECUTE', started_at: null, ended_at: new Date(5).toISOString(), retry_at: null })]);
  });
});
