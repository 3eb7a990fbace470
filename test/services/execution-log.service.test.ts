import { Client, Job, JobRun, Report, StepMessage, StepResult, Task, TaskResult, type ExecutionStatus } from '../../src/entities';
import { ExecutionLogService } from '../../src/services/execution-log.service';
import { useServiceHarness } from '../support/services';

const T0 = Date.UTC(2026, 2, 1, 8, 0);
const MIN = 60_000;

describe('ExecutionLogService', () => {
  const h = useServiceHarness();
  const logs = () => new ExecutionLogService(h.ctx());
  const s = {} as {
    job: Job;
    goneJobId: number;
    task: Task;
    c1: Client;
    c2: Client;
    c3: Client;
    runs: JobRun[];
    reports: Record<string, Report>;
    stepResults: StepResult[];
  };

  /**
   * Three runs: run A of `job` (SUCCESS: c1 SUCCESS, c2 FAILED), run B of `job` (RUNNING: c1
   * RUNNING), run C of a since-deleted job (FAILED: c2 NOT_EXECUTE). c3 never ran anything.
   */
  beforeAll(async () => {
    const em = h.em();
    s.job = em.create(Job, { name: 'nightly', description: 'sync', executionTime: '0 3 * * *', duration: 900 });
    s.task = em.create(Task, { name: 'copy sales', enabled: false });
    s.c1 = em.create(Client, { mqttClientId: 'store-1', username: 'u1', ip: '10.0.0.1' });
    s.c2 = em.create(Client, { mqttClientId: 'store-2', username: 'u2', ip: '10.0.0.2', role: 'SERVER' });
    s.c3 = em.create(Client, { mqttClientId: 'store-3' });
    await em.flush();
    s.goneJobId = s.job.id + 1000;
    const run = (jobId: number, jobName: string, at: number, status: ExecutionStatus) =>
      em.create(JobRun, {
        jobId,
        jobName,
        jobDescription: `${jobName} desc`,
        status,
        scheduledAt: new Date(at),
        startedAt: new Date(at),
        deadlineAt: new Date(at + 15 * MIN),
        endedAt: status === 'RUNNING' ? null : new Date(at + 5 * MIN),
      });
    s.runs = [
      run(s.job.id, 'nightly', T0, 'SUCCESS'),
      run(s.job.id, 'nightly', T0 + 60 * MIN, 'RUNNING'),
      run(s.goneJobId, 'old job', T0 + 120 * MIN, 'FAILED'),
    ];
    const report = (key: string, runIndex: number, client: Client, status: ExecutionStatus, started: boolean) => {
      const r = s.runs[runIndex];
      const at = r.startedAt.getTime();
      s.reports[key] = em.create(Report, {
        reportId: `rep-${key}`,
        run: r,
        client,
        status,
        createdAt: r.startedAt,
        startedAt: started ? new Date(at + MIN) : null,
        endedAt: status === 'RUNNING' || !started ? null : new Date(at + 4 * MIN),
        message: status === 'FAILED' ? 'step 1 failed' : null,
      });
    };
    s.reports = {};
    report('a1', 0, s.c1, 'SUCCESS', true);
    report('a2', 0, s.c2, 'FAILED', true);
    report('b1', 1, s.c1, 'RUNNING', true);
    report('c2', 2, s.c2, 'NOT_EXECUTE', false);
    const result = (key: string, taskId: number, name: string, order: number, status: ExecutionStatus, at: number | null) =>
      em.create(TaskResult, {
        report: s.reports[key],
        taskId,
        taskName: name,
        taskDescription: `${name} desc`,
        order,
        priority: order,
        script: [{ type: 'COPY_FILE', filePath: '/a' }],
        status,
        startedAt: at === null ? null : new Date(at),
        endedAt: at === null ? null : new Date(at + MIN),
      });
    const a1t1 = result('a1', s.task.id, 'copy sales', 0, 'SUCCESS', T0 + MIN);
    result('a1', 9999, 'deleted task', 1, 'SUCCESS', T0 + 2 * MIN);
    result('a2', s.task.id, 'copy sales', 0, 'FAILED', T0 + MIN);
    result('b1', s.task.id, 'copy sales', 0, 'RUNNING', T0 + 61 * MIN);
    result('c2', 9999, 'deleted task', 0, 'NOT_EXECUTE', null);
    const step = (stepId: number, parent: number | null, type: string, order: number, at: number) =>
      em.create(StepResult, {
        taskResult: a1t1,
        stepId,
        parentStepId: parent,
        type,
        order,
        step: { filePath: `/f/${stepId}`, targetFilePath: '/t', block: true },
        status: 'SUCCESS',
        startedAt: new Date(at),
        endedAt: new Date(at + 1000),
      });
    s.stepResults = [step(10, null, 'IF', 0, T0 + MIN), step(11, 10, 'GET_FILE_STATUS', 0, T0 + MIN + 100), step(12, 10, 'COPY_FILE', 0, T0 + MIN + 200)];
    em.create(StepMessage, { stepResult: s.stepResults[2], seq: 2, startTime: new Date(T0 + 2000), endTime: new Date(T0 + 3000), message: 'Successed' });
    em.create(StepMessage, { stepResult: s.stepResults[2], seq: 1, startTime: new Date(T0 + 1000), endTime: new Date(T0 + 1000), message: 'START' });
    await em.flush();
  });

  it('lists job runs by status, newest first, with the job’s current fields', async () => {
    const all = await logs().jobLogs({ status: 'ALL' });
    expect(all.total).toBe(3);
    expect(all.items.map((r) => [r.jobName, r.status, r.clients])).toEqual([
      ['old job', 'FAILED', 1],
      ['nightly', 'RUNNING', 1],
      ['nightly', 'SUCCESS', 2],
    ]);
    expect(all.items[2]).toMatchObject({
      jobId: s.job.id,
      jobDescription: 'nightly desc',
      executionTime: '0 3 * * *',
      duration: 900,
      startTime: new Date(T0),
      endTime: new Date(T0 + 5 * MIN),
    });
    expect(all.items[2].lastEditedAt).toBeInstanceOf(Date);
    expect(all.items[0]).toMatchObject({ executionTime: null, duration: null, lastEditedAt: null });
    expect(all.items[1].endTime).toBeNull();
    expect((await logs().jobLogs({ status: 'SUCCESS' })).items.map((r) => r.runId)).toEqual([s.runs[0].id]);
    expect((await logs().jobLogs({ status: 'FAILED' })).total).toBe(1);
    expect((await logs().jobLogs({ startAt: T0 + 30 * MIN })).total).toBe(2);
    expect((await logs().jobLogs({ jobId: s.job.id }, { pageNo: 2, pageSize: 1 })).items.map((r) => r.runId)).toEqual([s.runs[0].id]);
    expect((await logs().jobLogs()).total).toBe(3);
    await expect(logs().jobLogs({ status: 'DONE' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'status' });
    await expect(logs().jobLogs({ startAt: Number.NaN })).rejects.toMatchObject({ field: 'startAt' });
    await expect(logs().jobLogs({}, { pageNo: -1 })).rejects.toMatchObject({ field: 'pageNo' });
  });

  it('lists client executions by job, by client, by status and since a time', async () => {
    const byJob = await logs().clientLogs({ jobId: s.job.id });
    expect(byJob.items.map((r) => [r.reportId, r.mqttClientId, r.status])).toEqual([
      ['rep-b1', 'store-1', 'RUNNING'],
      ['rep-a2', 'store-2', 'FAILED'],
      ['rep-a1', 'store-1', 'SUCCESS'],
    ]);
    expect(byJob.items[1]).toMatchObject({
      clientId: s.c2.id,
      username: 'u2',
      ip: '10.0.0.2',
      role: 'SERVER',
      message: 'step 1 failed',
      jobName: 'nightly',
      startTime: new Date(T0 + MIN),
    });
    const byClient = await logs().clientLogs({ clientId: s.c2.id });
    expect(byClient.items.map((r) => [r.jobName, r.status])).toEqual([
      ['old job', 'NOT_EXECUTE'],
      ['nightly', 'FAILED'],
    ]);
    // A report that never started shows the run's start.
    expect(byClient.items[0].startTime).toEqual(new Date(T0 + 120 * MIN));
    expect((await logs().clientLogs({ jobId: s.job.id, status: 'SUCCESS' })).items.map((r) => r.reportId)).toEqual(['rep-a1']);
    expect((await logs().clientLogs({ startAt: T0 + 1 })).total).toBe(2);
    expect((await logs().clientLogs({ runId: s.runs[0].id })).total).toBe(2);
    expect((await logs().clientLogs({ clientId: s.c3.id })).total).toBe(0);
    await expect(logs().clientLogs({ clientId: 0 })).rejects.toMatchObject({ field: 'clientId' });
  });

  it('lists the tasks of a report in job order, or of every report of a client and job', async () => {
    const tasks = await logs().taskLogs({ reportId: 'rep-a1', clientId: s.c1.id, jobId: s.job.id });
    expect(tasks.items.map((t) => [t.taskName, t.order, t.status])).toEqual([
      ['copy sales', 0, 'SUCCESS'],
      ['deleted task', 1, 'SUCCESS'],
    ]);
    expect(tasks.items[0]).toMatchObject({
      reportId: 'rep-a1',
      taskId: s.task.id,
      taskDescription: 'copy sales desc',
      priority: 0,
      disableValidation: false,
      startTime: new Date(T0 + MIN),
      endTime: new Date(T0 + 2 * MIN),
    });
    const ofClientJob = await logs().taskLogs({ clientId: s.c1.id, jobId: s.job.id });
    expect(ofClientJob.items.map((t) => t.reportId)).toEqual(['rep-b1', 'rep-a1', 'rep-a1']);
    expect((await logs().taskLogs({ taskId: 9999 })).total).toBe(2);
    expect((await logs().taskLogs({ status: 'FAILED' })).items.map((t) => t.reportId)).toEqual(['rep-a2']);
    await expect(logs().taskLogs({ reportId: 'rep-nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'report rep-nope does not exist' });
    await expect(logs().taskLogs({ reportId: 'rep-a1', clientId: s.c2.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(logs().taskLogs({ reportId: 'rep-a1', jobId: s.goneJobId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists the steps of a report’s task with their messages in order', async () => {
    const steps = await logs().stepLogs({ reportId: 'rep-a1', taskId: s.task.id, clientId: s.c1.id, jobId: s.job.id });
    expect(steps.total).toBe(3);
    expect(steps.items.map((x) => [x.scriptId, x.type, x.isItem, x.parentScriptId])).toEqual([
      [10, 'IF', false, null],
      [11, 'GET_FILE_STATUS', true, 10],
      [12, 'COPY_FILE', true, 10],
    ]);
    expect(steps.items[2]).toMatchObject({ reportId: 'rep-a1', status: 'SUCCESS', step: { filePath: '/f/12', targetFilePath: '/t', block: true } });
    expect(steps.items[2].messages).toEqual([
      { startTime: new Date(T0 + 1000), endTime: new Date(T0 + 1000), message: 'START' },
      { startTime: new Date(T0 + 2000), endTime: new Date(T0 + 3000), message: 'Successed' },
    ]);
    expect(steps.items[0].messages).toEqual([]);
    const page = await logs().stepLogs({ reportId: 'rep-a1', taskId: s.task.id }, { pageNo: 2, pageSize: 2 });
    expect(page.items.map((x) => x.scriptId)).toEqual([12]);
    expect(page.items[0].messages).toHaveLength(2);
  });

  it('without a reportId reads the latest report of the client and job that ran the task', async () => {
    // rep-b1 is newer but has no step results; it is still the latest run of the task.
    expect((await logs().stepLogs({ clientId: s.c1.id, jobId: s.job.id, taskId: s.task.id })).total).toBe(0);
    expect((await logs().stepLogs({ clientId: s.c1.id, jobId: s.job.id, taskId: 9999 })).items.map((x) => x.reportId)).toEqual([]);
    expect(await logs().stepLogs({ clientId: s.c3.id, jobId: s.job.id, taskId: s.task.id })).toEqual({ items: [], total: 0 });
    await expect(logs().stepLogs({ taskId: s.task.id })).rejects.toMatchObject({ field: 'reportId' });
    await expect(logs().stepLogs({ taskId: 0, reportId: 'rep-a1' })).rejects.toMatchObject({ field: 'taskId' });
    await expect(logs().stepLogs({ taskId: s.task.id, reportId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads the reports, task results and step results of many parents at once, as the one-parent lists do', async () => {
    const [a, b, gone] = [s.runs[0].id, s.runs[1].id, 424242];
    const pages = await logs().reportsByRun([a, b, gone], {}, { pageNo: 1, pageSize: 1 });
    expect(pages.map((p) => [p.items.map((r) => r.reportId), p.total])).toEqual([
      [['rep-a2'], 2],
      [['rep-b1'], 1],
      [[], 0],
    ]);
    expect(pages[0].items[0]).toEqual((await logs().clientLogs({ runId: a }, { pageSize: 1 })).items[0]);
    expect((await logs().reportsByRun([a], {}, { pageNo: 2, pageSize: 1 }))[0].items.map((r) => r.reportId)).toEqual(['rep-a1']);
    expect((await logs().reportsByRun([b, a], { status: 'SUCCESS' })).map((p) => [p.items.map((r) => r.reportId), p.total])).toEqual([
      [[], 0],
      [['rep-a1'], 1],
    ]);
    expect(await logs().reportCountsByRun([gone, a, b])).toEqual([0, 2, 1]);
    await expect(logs().reportsByRun([a], { status: 'DONE' })).rejects.toMatchObject({ field: 'status' });

    const tasks = await logs().taskResultsByReport(['rep-a1', 'rep-nope', 'rep-a2']);
    expect(tasks.map((list) => list.map((t) => [t.reportId, t.taskName, t.order]))).toEqual([
      [
        ['rep-a1', 'copy sales', 0],
        ['rep-a1', 'deleted task', 1],
      ],
      [],
      [['rep-a2', 'copy sales', 0]],
    ]);
    expect(tasks[0]).toEqual((await logs().taskLogs({ reportId: 'rep-a1' })).items);

    const a1t1 = tasks[0][0].taskResultId;
    const [steps, none] = await logs().stepResultsByTaskResult([a1t1, tasks[2][0].taskResultId]);
    expect(steps).toEqual((await logs().stepLogs({ reportId: 'rep-a1', taskId: s.task.id })).items);
    expect(steps[2].messages.map((m) => m.message)).toEqual(['START', 'Successed']);
    expect(none).toEqual([]);
    expect(await logs().stepResultsByTaskResult([])).toEqual([]);
  });

  it('gives every client the status of its latest finished report, NOT_EXECUTE when none', async () => {
    const all = await logs().clientOverview();
    expect(all.items.map((r) => [r.mqttClientId, r.status, r.reportId])).toEqual([
      ['store-1', 'SUCCESS', 'rep-a1'],
      ['store-2', 'NOT_EXECUTE', 'rep-c2'],
      ['store-3', 'NOT_EXECUTE', null],
    ]);
    expect(all.items[0]).toMatchObject({
      clientId: s.c1.id,
      username: 'u1',
      ip: '10.0.0.1',
      jobId: s.job.id,
      jobName: 'nightly',
      endTime: new Date(T0 + 4 * MIN),
    });
    expect((await logs().clientOverview({ status: 'NOT_EXECUTE' })).total).toBe(2);
    expect((await logs().clientOverview({ status: 'SUCCESS' })).items.map((r) => r.clientId)).toEqual([s.c1.id]);
    // Since a later time store-1's finished report is too old.
    const later = await logs().clientOverview({ startAt: T0 + 30 * MIN });
    expect(later.items.map((r) => r.status)).toEqual(['NOT_EXECUTE', 'NOT_EXECUTE', 'NOT_EXECUTE']);
    expect((await logs().clientOverview({ status: 'SUCCESS', startAt: T0 + 30 * MIN })).total).toBe(0);
    expect((await logs().clientOverview({}, { pageSize: 1, pageNo: 3 })).items.map((r) => r.mqttClientId)).toEqual(['store-3']);
    await expect(logs().clientOverview({ status: 'RUNNING' })).rejects.toMatchObject({ field: 'status' });
  });

  it('lists task histories newest first, filtered by client and task name', async () => {
    const all = await logs().taskHistories();
    expect(all.total).toBe(5);
    expect(all.items[0]).toMatchObject({ reportId: 'rep-c2', taskName: 'deleted task', enabled: null, status: 'NOT_EXECUTE', ts: new Date(T0 + 120 * MIN) });
    const sales = await logs().taskHistories({ taskName: 'copy sales', mqttClientId: 'store-1' });
    expect(sales.items.map((r) => [r.reportId, r.status, r.enabled])).toEqual([
      ['rep-b1', 'RUNNING', false],
      ['rep-a1', 'SUCCESS', false],
    ]);
    expect(sales.items[1]).toMatchObject({
      taskScript: [{ type: 'COPY_FILE', filePath: '/a' }],
      ts: new Date(T0 + 2 * MIN),
      jobName: 'nightly',
      clientId: s.c1.id,
    });
    expect((await logs().taskHistories({ taskNameContains: 'SALES' })).total).toBe(3);
    expect((await logs().taskHistories({ taskNameContains: '%' })).total).toBe(0);
    expect((await logs().taskHistories({ clientId: s.c2.id, status: 'FAILED' })).items.map((r) => r.reportId)).toEqual(['rep-a2']);
    expect((await logs().taskHistories({ taskId: s.task.id, startAt: T0 + MIN })).total).toBe(1);
    expect((await logs().taskHistories({}, { pageNo: 3, pageSize: 2 })).items).toHaveLength(1);
    await expect(logs().taskHistories({ status: 'nope' })).rejects.toMatchObject({ field: 'status' });
  });
});
