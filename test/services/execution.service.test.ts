import { Client, Group, JobRun, Report, TaskResult } from '../../src/entities';
import { createLivePubSub } from '../../src/live/pubsub';
import { BindingService } from '../../src/services/binding.service';
import { ExecutionService } from '../../src/services/execution.service';
import { JobService } from '../../src/services/job.service';
import type { RunDispatcher } from '../../src/services/service-context';
import { TaskService } from '../../src/services/task.service';
import { useServiceHarness } from '../support/services';

describe('ExecutionService', () => {
  const h = useServiceHarness();
  const dispatched: number[] = [];
  const dispatcher: RunDispatcher = { runCreated: (id) => dispatched.push(id) };
  const runs = () => new ExecutionService({ ...h.ctx(), dispatcher });
  const jobs = () => new JobService(h.ctx());
  const tasks = () => new TaskService(h.ctx());
  const bindings = () => new BindingService(h.ctx());

  async function client(mqttClientId: string, enable = true): Promise<Client> {
    const em = h.em();
    const c = em.create(Client, { mqttClientId, enable });
    await em.flush();
    return c;
  }

  /** A job with tasks [enabled, disabled, enabled], a direct client, a group of two (one disabled). */
  async function fixture(prefix: string, jobInput = {}) {
    const job = await jobs().create({ name: `${prefix}-job`, description: 'desc', duration: 600, maxRetries: 2, retryWait: 30, priority: 4, ...jobInput });
    const t1 = await tasks().create({ name: `${prefix}-t1`, priority: 1 });
    const t2 = await tasks().create({ name: `${prefix}-t2`, enabled: false });
    const t3 = await tasks().create({ name: `${prefix}-t3`, disableValidation: true });
    await tasks().saveScript(t1.id, [{ type: 'DELETE_FILE', filePath: '/tmp/x' }]);
    await bindings().bindJobTasks(job.id, [t3.id, t2.id, t1.id]);
    const direct = await client(`${prefix}-direct`);
    const member = await client(`${prefix}-member`);
    const off = await client(`${prefix}-disabled`, false);
    const em = h.em();
    const g = em.create(Group, { name: `${prefix}-g` });
    await em.flush();
    await em.execute('insert into group_client (group_id, client_id) values (?, ?), (?, ?), (?, ?)', [g.id, member.id, g.id, off.id, g.id, direct.id]);
    await bindings().bindJobClients(job.id, [direct.id]);
    await bindings().bindJobGroups(job.id, [g.id]);
    return { job, t1, t2, t3, direct, member, off };
  }

  it('creates a run with a report per enabled target client and task results in job order', async () => {
    const f = await fixture('run');
    h.clock.advance(60_000);
    const now = h.clock.now();
    const run = await runs().createRun(f.job.id);
    expect(run).toMatchObject({
      jobId: f.job.id,
      jobName: 'run-job',
      jobDescription: 'desc',
      trigger: 'MANUAL',
      status: 'RUNNING',
      priority: 4,
      maxRetries: 2,
      retryWait: 30,
    });
    expect(run.startedAt).toEqual(now);
    expect(run.scheduledAt).toEqual(now);
    expect(run.deadlineAt.getTime()).toBe(now.getTime() + 600_000);
    expect(dispatched).toContain(run.id);
    const em = h.em();
    const reports = await em.find(Report, { run: run.id }, { orderBy: { client: 'asc' } });
    expect(reports.map((r) => r.client.id)).toEqual([f.direct.id, f.member.id]);
    for (const r of reports) {
      expect(r.reportId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.status).toBe('PENDING');
    }
    expect(new Set(reports.map((r) => r.reportId)).size).toBe(2);
    const results = await em.find(TaskResult, { report: reports[0].id }, { orderBy: { order: 'asc' } });
    expect(results.map((t) => [t.taskName, t.order, t.status])).toEqual([
      ['run-t3', 0, 'PENDING'],
      ['run-t1', 1, 'PENDING'],
    ]);
    expect(results[0].disableValidation).toBe(true);
    expect(results[1].priority).toBe(1);
    expect(results[1].script).toEqual([expect.objectContaining({ type: 'DELETE_FILE', filePath: '/tmp/x' })]);
    expect(results[0].script).toEqual([]);
    expect((await jobs().get(f.job.id)).lastRunAt).toEqual(now);
    expect((await tasks().get(f.t1.id)).lastRunAt).toEqual(now);
    expect((await tasks().get(f.t2.id)).lastRunAt).toBeNull();
    // The read helpers.
    expect((await runs().getRun(run.id)).id).toBe(run.id);
    expect((await runs().reportsOfRun(run.id)).map((r) => r.client.mqttClientId)).toEqual(['run-direct', 'run-member']);
    expect((await runs().getReport(reports[0].reportId)).run.id).toBe(run.id);
    expect((await runs().taskResults(reports[0].reportId)).map((t) => t.taskName)).toEqual(['run-t3', 'run-t1']);
  });

  it('keeps the script snapshot when the script changes later', async () => {
    const f = await fixture('snap');
    const run = await runs().createRun(f.job.id);
    await tasks().saveScript(f.t1.id, [{ type: 'DELETE_FILE', filePath: '/changed' }]);
    const em = h.em();
    const result = await em.findOneOrFail(TaskResult, { taskId: f.t1.id, report: { run: run.id } });
    expect(result.script).toEqual([expect.objectContaining({ filePath: '/tmp/x' })]);
  });

  it('refuses disabled jobs, jobs without enabled tasks or clients, unknown jobs and bad options', async () => {
    const disabled = await jobs().create({ name: 'off', enabled: false });
    await expect(runs().createRun(disabled.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is disabled') });
    await expect(runs().createRun(disabled.id, { trigger: 'SCHEDULE' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const empty = await jobs().create({ name: 'empty' });
    await expect(runs().createRun(empty.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('no enabled task') });
    const t = await tasks().create({ name: 'lonely-task' });
    await bindings().bindJobTasks(empty.id, [t.id]);
    await expect(runs().createRun(empty.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('no enabled client') });
    await expect(runs().createRun(123456)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runs().createRun(empty.id, { trigger: 'CRON' as never })).rejects.toMatchObject({ field: 'trigger' });
    await expect(runs().createRun(empty.id, { trigger: 'SCHEDULE', scheduledAt: new Date(Number.NaN) })).rejects.toMatchObject({ field: 'scheduledAt' });
    expect(await h.em().count(JobRun, { jobId: { $in: [disabled.id, empty.id] } })).toBe(0);
    await expect(runs().getRun(999999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runs().getReport('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('records a scheduled fire with nothing to do as NOT_EXECUTE and advances the schedule', async () => {
    h.clock.set(Date.UTC(2026, 5, 1, 3, 0));
    const job = await jobs().create({ name: 'sched-empty', cycleType: 1, executionTime: '0 3 * * *' });
    expect(job.nextRunAt?.toISOString()).toBe('2026-06-02T03:00:00.000Z');
    const before = dispatched.length;
    const fire = new Date(Date.UTC(2026, 5, 2, 3, 0));
    h.clock.set(fire.getTime() + 200);
    const run = await runs().createRun(job.id, { trigger: 'SCHEDULE', scheduledAt: fire });
    expect(run).toMatchObject({ status: 'NOT_EXECUTE', trigger: 'SCHEDULE' });
    expect(run.endedAt).toEqual(h.clock.now());
    expect(run.scheduledAt).toEqual(fire);
    expect(dispatched.length).toBe(before);
    const after = await jobs().get(job.id);
    expect(after.nextRunAt?.toISOString()).toBe('2026-06-03T03:00:00.000Z');
    expect(after.lastRunAt).toBeNull();
  });

  it('a scheduled run of a once job clears its next run; a manual run leaves the schedule alone', async () => {
    h.clock.set(Date.UTC(2026, 6, 1, 0, 0));
    const f = await fixture('once', { cycleType: 0, executionTime: '0 3 * * *' });
    const next = (await jobs().get(f.job.id)).nextRunAt;
    expect(next?.toISOString()).toBe('2026-07-01T03:00:00.000Z');
    await runs().createRun(f.job.id);
    expect((await jobs().get(f.job.id)).nextRunAt).toEqual(next);
    h.clock.set(next!.getTime());
    const run = await runs().createRun(f.job.id, { trigger: 'SCHEDULE', scheduledAt: next! });
    expect(run.status).toBe('RUNNING');
    expect((await jobs().get(f.job.id)).nextRunAt).toBeNull();
  });

  it('publishes the run on the live topic', async () => {
    const f = await fixture('live');
    const pubsub = createLivePubSub();
    const sub = pubsub.subscribe('EXECUTION_PROGRESS');
    const next = sub.next();
    const run = await new ExecutionService({ ...h.ctx(), pubsub }).createRun(f.job.id);
    const { value } = await next;
    expect(value).toMatchObject({ level: 'RUN', runId: run.id, jobId: f.job.id, status: 'RUNNING' });
    await sub.return?.();
  });

  it('refreshes the planner statistics of reports and task results after a run of 1,000 clients', async () => {
    const job = await jobs().create({ name: 'wide-job', duration: 600 });
    const task = await tasks().create({ name: 'wide-t' });
    await bindings().bindJobTasks(job.id, [task.id]);
    const ids = await h
      .em()
      .execute<{ id: number }[]>(
        `insert into client (mqtt_client_id, enable, created_at, updated_at) select 'wide-' || i, true, now(), now() from generate_series(1, 1000) i returning id`,
      );
    await bindings().bindJobClients(
      job.id,
      ids.map((r) => r.id),
    );
    await runs().createRun(job.id);
    // ANALYZE sets reltuples (-1 or 0 for a table never analyzed), which is what the planner sizes joins by.
    const stats = await h
      .em()
      .execute<{ relname: string; reltuples: number }[]>(
        `select relname, reltuples::float8 as reltuples from pg_class where relname in ('report', 'task_result') order by relname`,
      );
    expect(stats.map((s) => [s.relname, s.reltuples >= 1000])).toEqual([
      ['report', true],
      ['task_result', true],
    ]);
  });
});
