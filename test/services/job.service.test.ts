import { Client, Group, Job, JobRun } from '../../src/entities';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import { useServiceHarness } from '../support/services';

describe('JobService', () => {
  const h = useServiceHarness();
  const jobs = () => new JobService(h.ctx());
  const tasks = () => new TaskService(h.ctx());
  const bindings = () => new BindingService(h.ctx());
  const clients = () => new ClientService(h.ctx());
  const groups = () => new GroupService(h.ctx());

  async function client(mqttClientId: string, enable = true): Promise<Client> {
    const em = h.em();
    const c = em.create(Client, { mqttClientId, enable });
    await em.flush();
    return c;
  }

  async function group(name: string, memberIds: number[]): Promise<Group> {
    const em = h.em();
    const g = em.create(Group, { name });
    await em.flush();
    for (const id of memberIds) await em.execute('insert into group_client (group_id, client_id) values (?, ?)', [g.id, id]);
    return g;
  }

  it('creates a job with defaults from the job settings and computes its next run', async () => {
    await new SettingsService(h.ctx()).update('job', { maxRetried: 3, retryWait: 45 });
    h.clock.set(Date.UTC(2026, 10, 29, 12, 0));
    const j = await jobs().create({ name: 'nightly', description: 'sync', cycleType: 1, executionTime: '0 3 * * *' });
    expect(j).toMatchObject({
      name: 'nightly',
      enabled: true,
      priority: 0,
      cycleType: 1,
      executionTime: '0 3 * * *',
      maxRetries: 3,
      retryWait: 45,
      duration: 3600,
    });
    expect(j.nextRunAt?.toISOString()).toBe('2026-11-30T03:00:00.000Z');
    expect(j.lastRunAt).toBeNull();
    const manual = await jobs().create({ name: 'manual only', maxRetries: 0, retryWait: 0, duration: 60 });
    expect(manual).toMatchObject({ executionTime: null, nextRunAt: null, maxRetries: 0, duration: 60 });
  });

  it('reads the schedule in the management server time zone', async () => {
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'Asia/Shanghai' });
    h.clock.set(Date.UTC(2026, 10, 29, 12, 0));
    const j = await jobs().create({ name: 'shanghai', cycleType: 1, executionTime: '0 3 * * ?' });
    // 03:00 in Shanghai is 19:00 UTC the day before.
    expect(j.nextRunAt?.toISOString()).toBe('2026-11-29T19:00:00.000Z');
    expect(j.executionTime).toBe('0 3 * * ?');
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'UTC' });
  });

  it.each([
    [{}, 'name'],
    [{ name: 'x', cycleType: 5 }, 'cycleType'],
    [{ name: 'x', executionTime: '0 25 * * *' }, 'executionTime'],
    [{ name: 'x', executionTime: 5 }, 'executionTime'],
    [{ name: 'x', maxRetries: -1 }, 'maxRetries'],
    [{ name: 'x', retryWait: 1.5 }, 'retryWait'],
    [{ name: 'x', duration: 0 }, 'duration'],
    [{ name: 'x', enabled: 'true' }, 'enabled'],
    [{ name: 'x', priority: '1' }, 'priority'],
  ])('refuses %j naming the field', async (input, field) => {
    await expect(jobs().create(input as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('shows the expected cron form in the message', async () => {
    await expect(jobs().create({ name: 'bad', executionTime: '0 25 * * *' })).rejects.toThrow(
      'executionTime "0 25 * * *": hour must be 0-23, got 25 (cron: minute hour day-of-month month day-of-week)',
    );
  });

  it('updates, recomputing the next run only when the schedule or the switch changes', async () => {
    h.clock.set(Date.UTC(2026, 10, 29, 12, 0));
    const j = await jobs().create({ name: 'edit', cycleType: 1, executionTime: '0 3 * * *' });
    h.clock.advance(3600_000);
    const u = await jobs().update(j.id, { description: 'only text' });
    expect(u.lastEditedAt.getTime()).toBe(h.clock.now().getTime());
    expect(u.nextRunAt?.toISOString()).toBe('2026-11-30T03:00:00.000Z');
    expect((await jobs().update(j.id, { executionTime: '30 14 * * *' })).nextRunAt?.toISOString()).toBe('2026-11-29T14:30:00.000Z');
    expect((await jobs().setEnabled(j.id, false)).nextRunAt).toBeNull();
    expect((await jobs().setEnabled(j.id, true)).nextRunAt?.toISOString()).toBe('2026-11-29T14:30:00.000Z');
    expect((await jobs().update(j.id, { executionTime: '' })).nextRunAt).toBeNull();
    const all = await jobs().update(j.id, { name: 'renamed', priority: 5, cycleType: 2, maxRetries: 2, retryWait: 10, duration: 120 });
    expect(all).toMatchObject({ name: 'renamed', priority: 5, cycleType: 2, maxRetries: 2, retryWait: 10, duration: 120 });
    await expect(jobs().update(j.id, { executionTime: '* * *' })).rejects.toMatchObject({ field: 'executionTime' });
    for (const call of [() => jobs().get(99999), () => jobs().update(99999, {}), () => jobs().delete(99999), () => jobs().setEnabled(99999, false)]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'job 99999 does not exist' });
    }
  });

  it('filters by name, contains, enabled and time ranges, and pages', async () => {
    const made = [];
    for (let i = 0; i < 4; i++) {
      made.push(await jobs().create({ name: `jf_${i}`, enabled: i % 2 === 0 }));
      h.clock.advance(1000);
    }
    expect((await jobs().list({ filter: { name: 'jf_2' } })).items.map((j) => j.id)).toEqual([made[2].id]);
    expect((await jobs().list({ filter: { nameContains: 'JF_' } })).total).toBe(4);
    expect((await jobs().list({ filter: { nameContains: 'jf_', enabled: false } })).items.map((j) => j.name)).toEqual(['jf_1', 'jf_3']);
    expect(
      (await jobs().list({ filter: { nameContains: 'jf_', createdAt: { gte: made[1].createdAt.getTime(), lte: made[2].createdAt.getTime() } } })).total,
    ).toBe(2);
    await bindings().bindJobGroups(made[3].id, [(await group('jf-g', [])).id]);
    expect((await jobs().list({ filter: { nameContains: 'jf_', assignmentsChangedAt: { gte: 0 } } })).items.map((j) => j.id)).toEqual([made[3].id]);
    expect((await jobs().list({ filter: { nameContains: 'jf_', lastRunAt: { gte: 0 } } })).total).toBe(0);
    expect((await jobs().list({ filter: { nameContains: 'jf_', lastEditedAt: { lte: made[0].lastEditedAt.getTime() } } })).total).toBe(1);
    const page = await jobs().list({ filter: { nameContains: 'jf_' }, page: { pageNo: 2, pageSize: 3 } });
    expect(page).toMatchObject({ total: 4 });
    expect(page.items.map((j) => j.name)).toEqual(['jf_3']);
    expect((await jobs().list({ filter: { nameContains: 'jf_' }, orderBy: { field: 'name', direction: 'desc' } })).items.map((j) => j.name)).toEqual([
      'jf_3',
      'jf_2',
      'jf_1',
      'jf_0',
    ]);
    // Jobs without a value come last in either direction; ties keep id order.
    expect(
      (await jobs().list({ filter: { nameContains: 'jf_' }, orderBy: { field: 'assignmentsChangedAt', direction: 'desc' } })).items.map((j) => j.name),
    ).toEqual(['jf_3', 'jf_0', 'jf_1', 'jf_2']);
    expect((await jobs().list({ filter: { nameContains: 'jf_' }, orderBy: { field: 'assignmentsChangedAt' } })).items.map((j) => j.name)).toEqual([
      'jf_3',
      'jf_0',
      'jf_1',
      'jf_2',
    ]);
    await expect(jobs().list({ orderBy: { field: 'description' as never } })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'orderBy.field' });
    await expect(jobs().list({ orderBy: { field: 'name', direction: 'up' as never } })).rejects.toMatchObject({ field: 'orderBy.direction' });
  });

  it('lists tasks in job order, groups, direct clients and the effective targets, with counts', async () => {
    const j = await jobs().create({ name: 'targets' });
    const other = await jobs().create({ name: 'targets-other' });
    const [t1, t2, t3] = [
      await tasks().create({ name: 'tt-1' }),
      await tasks().create({ name: 'tt-2', enabled: false }),
      await tasks().create({ name: 'tt-3' }),
    ];
    const [c1, c2, c3, c4] = [await client('tc-1'), await client('tc-2', false), await client('tc-3'), await client('tc-4')];
    const g = await group('targets-g', [c2.id, c3.id]);
    await bindings().bindJobTasks(j.id, [t3.id, t1.id]);
    await bindings().bindJobTasks(j.id, [t2.id]);
    await bindings().bindJobClients(j.id, [c1.id, c3.id]);
    await bindings().bindJobGroups(j.id, [g.id]);
    await bindings().bindJobClients(other.id, [c4.id]);

    expect(await jobs().taskIds(j.id)).toEqual([t3.id, t1.id, t2.id]);
    expect((await tasks().list({ filter: { jobId: j.id } })).items.map((t) => t.name)).toEqual(['tt-3', 'tt-1', 'tt-2']);
    expect((await tasks().list({ filter: { jobId: j.id, enabled: true } })).items.map((t) => t.name)).toEqual(['tt-3', 'tt-1']);
    const page = await tasks().list({ filter: { jobId: j.id }, page: { pageNo: 2, pageSize: 2 } });
    expect(page).toMatchObject({ total: 3 });
    expect(page.items.map((t) => t.id)).toEqual([t2.id]);
    expect((await jobs().tasksByJob([other.id, j.id])).map((ts) => ts.map((t) => t.id))).toEqual([[], [t3.id, t1.id, t2.id]]);
    expect((await jobs().tasksByJob([j.id], { offset: 1, limit: 1 })).map((ts) => ts.map((t) => t.id))).toEqual([[t1.id]]);
    expect((await tasks().list({ filter: { jobId: j.id }, orderBy: { field: 'name', direction: 'desc' } })).items.map((t) => t.name)).toEqual([
      'tt-3',
      'tt-2',
      'tt-1',
    ]);
    // The batch reads (dataloaders): a window of each job's list, in the order of the ids asked for.
    const w = { offset: 0, limit: 10 };
    expect((await jobs().groupsByJob([other.id, j.id], w)).map((gs) => gs.map((x) => x.id))).toEqual([[], [g.id]]);
    expect((await jobs().clientsByJob([j.id, other.id], w)).map((cs) => cs.map((c) => c.id))).toEqual([[c1.id, c3.id], [c4.id]]);
    expect((await jobs().targetClientsByJob([j.id, other.id], w)).map((cs) => cs.map((c) => c.id))).toEqual([[c1.id, c2.id, c3.id], [c4.id]]);
    expect((await jobs().targetClientsByJob([j.id], { offset: 1, limit: 5 }))[0].map((c) => c.id)).toEqual([c2.id, c3.id]);
    expect((await jobs().getMany([j.id, 777777, other.id])).map((x) => x?.name ?? null)).toEqual(['targets', null, 'targets-other']);
    // The list as plain rows (one statement), alone or with each job's counts.
    const rows = await jobs().list({ filter: { nameContains: 'targets' } });
    const entities = await h
      .em()
      .fork()
      .find(Job, { name: { $like: 'targets%' } }, { orderBy: { id: 'asc' } });
    const pick = (x: { id: number; name: string; enabled: boolean; createdAt: Date; nextRunAt: Date | null }) => [
      x.id,
      x.name,
      x.enabled,
      x.createdAt.getTime(),
      x.nextRunAt,
    ];
    expect(rows.total).toBe(entities.length);
    expect(rows.items.map(pick)).toEqual(entities.map(pick));
    expect(rows.items[0].createdAt).toBeInstanceOf(Date);
    expect(rows.counts).toBeUndefined();
    const withCounts = await jobs().list({ filter: { nameContains: 'targets' }, orderBy: { field: 'name', direction: 'desc' }, counts: true });
    expect(withCounts.total).toBe(2);
    expect(withCounts.items.map((x, i) => [x.name, withCounts.counts[i]])).toEqual([
      ['targets-other', { tasks: 0, groups: 0, clients: 1 }],
      ['targets', { tasks: 3, groups: 1, clients: 2 }],
    ]);
    expect(await jobs().list({ filter: { nameContains: 'targets' }, page: { pageNo: 5, pageSize: 1 } })).toMatchObject({ items: [], total: 2 });
    expect(await jobs().list({ filter: { name: 'nobody' }, counts: true })).toEqual({ items: [], total: 0, counts: [] });
    const groupsOf = (filter: Record<string, unknown>) => groups().list({ filter: { jobId: j.id, ...filter } });
    expect((await groupsOf({})).items.map((x) => x.name)).toEqual(['targets-g']);
    expect((await groupsOf({ name: 'nope' })).total).toBe(0);
    expect((await groupsOf({ nameContains: 'TARGETS' })).total).toBe(1);
    expect((await clients().list({ filter: { jobId: j.id } })).items.map((c) => c.mqttClientId)).toEqual(['tc-1', 'tc-3']);
    expect((await clients().list({ filter: { jobId: j.id, mqttClientIdContains: '3' } })).items.map((c) => c.id)).toEqual([c3.id]);
    expect(await jobs().targetClientIds(j.id)).toEqual([c1.id, c2.id, c3.id]);
    expect(await jobs().targetClientIds(j.id, { enabledOnly: true })).toEqual([c1.id, c3.id]);
    expect((await clients().list({ filter: { targetOfJobId: j.id, enabled: false } })).items.map((c) => c.id)).toEqual([c2.id]);
    expect(await jobs().countInfo(j.id)).toEqual({ tasks: 3, groups: 1, clients: 2, targetClients: 3 });
    expect(await jobs().countsByJob([other.id, 777777, j.id])).toEqual([
      { tasks: 0, groups: 0, clients: 1, targetClients: 1 },
      { tasks: 0, groups: 0, clients: 0, targetClients: 0 },
      { tasks: 3, groups: 1, clients: 2, targetClients: 3 },
    ]);
    const info = await jobs().list({ filter: { nameContains: 'targets' }, counts: true });
    expect(info.items.map((x, i) => [x.name, info.counts[i].tasks])).toEqual([
      ['targets', 3],
      ['targets-other', 0],
    ]);
    for (const call of [
      () => tasks().list({ filter: { jobId: 55555 } }),
      () => groups().list({ filter: { jobId: 55555 } }),
      () => clients().list({ filter: { jobId: 55555 } }),
      () => jobs().countInfo(55555),
      () => clients().list({ filter: { targetOfJobId: 55555 } }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('lists upcoming fire times', async () => {
    h.clock.set(Date.UTC(2026, 0, 1, 0, 0));
    const daily = await jobs().create({ name: 'upcoming', cycleType: 1, executionTime: '0 6 * * *' });
    expect((await jobs().upcoming(daily.id, 3)).map((d) => d.toISOString())).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-01-02T06:00:00.000Z',
      '2026-01-03T06:00:00.000Z',
    ]);
    const once = await jobs().create({ name: 'upcoming-once', cycleType: 0, executionTime: '0 6 * * *' });
    expect(await jobs().upcoming(once.id, 3)).toHaveLength(1);
    const manual = await jobs().create({ name: 'upcoming-manual' });
    expect(await jobs().upcoming(manual.id)).toEqual([]);
    await expect(jobs().upcoming(daily.id, 0)).rejects.toMatchObject({ field: 'count' });
  });

  it('deleting a job removes its bindings, moves its tasks’ and groups’ assignmentsChangedAt and keeps its runs', async () => {
    const j = await jobs().create({ name: 'to delete' });
    const t = await tasks().create({ name: 'survivor' });
    const c = await client('del-c');
    const g = await group('del-g', [c.id]);
    await bindings().bindJobTasks(j.id, [t.id]);
    await bindings().bindJobGroups(j.id, [g.id]);
    await bindings().bindJobClients(j.id, [c.id]);
    const em = h.em();
    em.create(JobRun, { jobId: j.id, jobName: j.name, scheduledAt: h.clock.now(), startedAt: h.clock.now(), deadlineAt: h.clock.now() });
    await em.flush();
    h.clock.advance(5000);
    const svc = jobs();
    await svc.get(j.id);
    await svc.delete(j.id);
    await expect(svc.get(j.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await tasks().get(t.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    expect((await h.em().findOneOrFail(Group, g.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    expect(await tasks().jobIds(t.id)).toEqual([]);
    const [{ n }] = await h.em().execute('select count(*)::int as n from job_client where job_id = ?', [j.id]);
    expect(n).toBe(0);
    expect((await h.em().findOneOrFail(JobRun, { jobId: j.id })).jobName).toBe('to delete');
  });
});
