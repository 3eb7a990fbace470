import { Client, Group, JobRun, Report, TaskResult } from '../../src/entities';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { JobService } from '../../src/services/job.service';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import { useServiceHarness } from '../support/services';

describe('TaskService', () => {
  const h = useServiceHarness();
  const tasks = () => new TaskService(h.ctx());
  const jobs = () => new JobService(h.ctx());
  const bindings = () => new BindingService(h.ctx());
  const clients = () => new ClientService(h.ctx());

  async function client(mqttClientId: string, enable = true): Promise<Client> {
    const em = h.em();
    const c = em.create(Client, { mqttClientId, enable });
    await em.flush();
    return c;
  }

  it('creates a task with the task settings as defaults', async () => {
    const t = await tasks().create({ name: ' nightly copy ', description: 'copies' });
    expect(t).toMatchObject({
      name: 'nightly copy',
      description: 'copies',
      enabled: true,
      priority: 0,
      disableValidation: false,
      lastRunAt: null,
      assignmentsChangedAt: null,
    });
    expect(t.createdAt.getTime()).toBe(h.clock.now().getTime());
    await new SettingsService(h.ctx()).update('task', { enable: false, priority: 7, disableValidation: true });
    const d = await tasks().create({ name: 'from defaults' });
    expect(d).toMatchObject({ enabled: false, priority: 7, disableValidation: true });
    await new SettingsService(h.ctx()).update('task', { enable: true, priority: 0, disableValidation: false });
  });

  it.each([
    [{}, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ name: 'ok', priority: 1.5 }, 'priority'],
    [{ name: 'ok', enabled: 'yes' }, 'enabled'],
    [{ name: 'ok', disableValidation: 1 }, 'disableValidation'],
    [{ name: 'ok', description: 5 }, 'description'],
  ])('refuses %j naming the field', async (input, field) => {
    await expect(tasks().create(input as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('reads, updates (moving lastEditedAt), enables, disables and deletes; unknown ids are NOT_FOUND', async () => {
    const t = await tasks().create({ name: 'edit me' });
    h.clock.advance(5000);
    const u = await tasks().update(t.id, { name: 'edited', priority: -2, disableValidation: true });
    expect(u).toMatchObject({ name: 'edited', priority: -2, disableValidation: true });
    expect(u.lastEditedAt.getTime()).toBe(h.clock.now().getTime());
    expect((await tasks().setEnabled(t.id, false)).enabled).toBe(false);
    expect((await tasks().get(t.id)).enabled).toBe(false);
    await expect(tasks().update(t.id, { name: '' })).rejects.toMatchObject({ field: 'name' });
    await tasks().delete(t.id);
    await expect(tasks().get(t.id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `task ${t.id} does not exist` });
    for (const call of [() => tasks().get(99999), () => tasks().update(99999, {}), () => tasks().delete(99999), () => tasks().setEnabled(99999, true)]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('filters by name, contains, enabled and every time range, and pages', async () => {
    const svc = tasks();
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await svc.create({ name: `filter_${i}`, enabled: i !== 4 }));
      h.clock.advance(1000);
    }
    expect((await tasks().list({ filter: { name: 'filter_1' } })).items.map((t) => t.id)).toEqual([made[1].id]);
    expect((await tasks().list({ filter: { nameContains: 'FILTER_' } })).total).toBe(5);
    // "_" is not a wildcard.
    expect((await tasks().list({ filter: { nameContains: 'r_1' } })).total).toBe(1);
    expect((await tasks().list({ filter: { nameContains: 'filter_', enabled: false } })).total).toBe(1);
    const t2 = made[2].createdAt.getTime();
    expect((await tasks().list({ filter: { nameContains: 'filter_', createdAt: { gte: t2 } } })).total).toBe(3);
    expect((await tasks().list({ filter: { nameContains: 'filter_', createdAt: { lte: t2 } } })).total).toBe(3);
    expect((await tasks().list({ filter: { nameContains: 'filter_', lastEditedAt: { gte: t2, lte: t2 } } })).total).toBe(1);
    await tasks().update(made[0].id, {});
    expect((await tasks().list({ filter: { nameContains: 'filter_', lastEditedAt: { gte: h.clock.now().getTime() } } })).items.map((t) => t.id)).toEqual([
      made[0].id,
    ]);
    expect((await tasks().list({ filter: { nameContains: 'filter_', lastRunAt: { gte: 0 } } })).total).toBe(0);
    expect((await tasks().list({ filter: { nameContains: 'filter_', assignmentsChangedAt: { lte: Date.now() } } })).total).toBe(0);
    const page = await tasks().list({ filter: { nameContains: 'filter_' }, page: { pageNo: 2, pageSize: 2 } });
    expect(page.items.map((t) => t.name)).toEqual(['filter_2', 'filter_3']);
    expect(page.total).toBe(5);
    await expect(tasks().list({ filter: { createdAt: { gte: Number.NaN } } })).rejects.toMatchObject({ field: 'filter.createdAt.gte' });
    await expect(tasks().list({ page: { pageSize: 0 } })).rejects.toMatchObject({ field: 'pageSize' });
  });

  it('lists its jobs and the clients they reach, with counts for many tasks at once', async () => {
    const t = await tasks().create({ name: 'reach' });
    const lonely = await tasks().create({ name: 'lonely' });
    const j1 = await jobs().create({ name: 'reach-j1' });
    const j2 = await jobs().create({ name: 'reach-j2', enabled: false });
    const c1 = await client('reach-c1');
    const c2 = await client('reach-c2', false);
    const c3 = await client('reach-c3');
    const em = h.em();
    const g = em.create(Group, { name: 'reach-g' });
    await em.flush();
    await em.execute('insert into group_client (group_id, client_id) values (?, ?), (?, ?)', [g.id, c2.id, g.id, c3.id]);
    await bindings().bindTaskJobs(t.id, [j1.id, j2.id]);
    await bindings().bindJobClients(j1.id, [c1.id, c3.id]);
    await bindings().bindJobGroups(j2.id, [g.id]);
    await tasks().saveScript(t.id, [{ type: 'DELETE_FILE', filePath: '/x' }]);

    expect(await tasks().jobIds(t.id)).toEqual([j1.id, j2.id]);
    expect((await jobs().list({ filter: { taskId: t.id } })).items.map((j) => j.name)).toEqual(['reach-j1', 'reach-j2']);
    expect((await jobs().list({ filter: { taskId: t.id, enabled: false } })).items.map((j) => j.id)).toEqual([j2.id]);
    expect((await clients().list({ filter: { taskId: t.id } })).items.map((c) => c.id)).toEqual([c1.id, c2.id, c3.id]);
    const reached = await clients().list({ filter: { taskId: t.id, enabled: true } });
    expect(reached.items.map((c) => c.mqttClientId)).toEqual(['reach-c1', 'reach-c3']);
    expect((await clients().list({ filter: { taskId: t.id }, page: { pageSize: 1, pageNo: 3 } })).items.map((c) => c.id)).toEqual([c3.id]);
    expect(await tasks().countInfo(t.id)).toEqual({ jobs: 2, clients: 3, scripts: 1 });
    expect(await tasks().countsByTask([lonely.id, t.id, 987654])).toEqual([
      { jobs: 0, clients: 0, scripts: 0 },
      { jobs: 2, clients: 3, scripts: 1 },
      { jobs: 0, clients: 0, scripts: 0 },
    ]);
    expect(await tasks().countsByTask([])).toEqual([]);
    expect(await tasks().jobIdsByTask([t.id, lonely.id])).toEqual([[j1.id, j2.id], []]);
    const w = { offset: 0, limit: 10 };
    expect((await tasks().jobsByTask([lonely.id, t.id], w)).map((js) => js.map((j) => j.id))).toEqual([[], [j1.id, j2.id]]);
    expect((await tasks().clientsByTask([t.id, lonely.id], w)).map((cs) => cs.map((c) => c.id))).toEqual([[c1.id, c2.id, c3.id], []]);
    expect((await tasks().clientsByTask([t.id], { offset: 2, limit: 10 }))[0].map((c) => c.id)).toEqual([c3.id]);
    expect((await tasks().getMany([987654, t.id])).map((x) => x?.name ?? null)).toEqual([null, 'reach']);
    expect((await jobs().list({ filter: { taskId: t.id }, orderBy: { field: 'name', direction: 'desc' } })).items.map((j) => j.name)).toEqual([
      'reach-j2',
      'reach-j1',
    ]);
    expect((await clients().list({ filter: { taskId: t.id }, orderBy: { field: 'mqttClientId', direction: 'desc' } })).items.map((c) => c.id)).toEqual([
      c3.id,
      c2.id,
      c1.id,
    ]);
    const all = await tasks().list({ filter: { nameContains: 'reach' }, counts: true });
    expect(all.items.map((x, i) => [x.name, all.counts[i].jobs])).toEqual([['reach', 2]]);
    expect((await tasks().scripts([t.id, lonely.id])).map((s) => s.length)).toEqual([1, 0]);
    for (const call of [
      () => jobs().list({ filter: { taskId: 424242 } }),
      () => clients().list({ filter: { taskId: 424242 } }),
      () => tasks().countInfo(424242),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('deleting a task removes its script and job places, moves the jobs’ assignmentsChangedAt and keeps history', async () => {
    const t = await tasks().create({ name: 'doomed' });
    const j = await jobs().create({ name: 'keeps-history' });
    await bindings().bindJobTasks(j.id, [t.id]);
    await tasks().saveScript(t.id, [{ type: 'DELETE_FILE', filePath: '/x' }]);
    const c = await client('history-client');
    const em = h.em();
    const run = em.create(JobRun, { jobId: j.id, jobName: j.name, scheduledAt: h.clock.now(), startedAt: h.clock.now(), deadlineAt: h.clock.now() });
    const report = em.create(Report, { reportId: 'r-doomed', run, client: em.getReference(Client, c.id) });
    em.create(TaskResult, { report, taskId: t.id, taskName: t.name });
    await em.flush();
    h.clock.advance(10_000);
    const svc = tasks();
    await svc.delete(t.id);
    await expect(svc.get(t.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await jobs().taskIds(j.id)).toEqual([]);
    expect((await jobs().get(j.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    const kept = await h.em().findOneOrFail(TaskResult, { taskId: t.id });
    expect(kept.taskName).toBe('doomed');
    expect(await h.em().execute('select count(*)::int as n from step where task_id = ?', [t.id])).toEqual([{ n: 0 }]);
  });
});
