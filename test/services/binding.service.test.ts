import { Client, Group, GROUP_TYPES } from '../../src/entities';
import { createLivePubSub, type EntityChangedEvent } from '../../src/live/pubsub';
import { BindingService, MAINTENANCE_OPTS, MAINTENANCE_TYPES } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import { TaskService } from '../../src/services/task.service';
import { useServiceHarness } from '../support/services';

describe('BindingService', () => {
  const h = useServiceHarness();
  const bindings = () => new BindingService(h.ctx());
  const jobs = () => new JobService(h.ctx());
  const tasks = () => new TaskService(h.ctx());
  const { JOB, TASK, GROUP, CLIENT } = MAINTENANCE_TYPES;
  const { ADD, REMOVE } = MAINTENANCE_OPTS;

  async function client(mqttClientId: string): Promise<Client> {
    const em = h.em();
    const c = em.create(Client, { mqttClientId, enable: true });
    await em.flush();
    return c;
  }

  async function group(name: string, type: number = GROUP_TYPES.STATIC): Promise<Group> {
    const em = h.em();
    const g = em.create(Group, { name, type, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'STORE' });
    await em.flush();
    return g;
  }

  const groupOf = async (id: number) => h.em().findOneOrFail(Group, id);

  it('binds and unbinds job↔task from both sides, appending in order and moving assignmentsChangedAt on both', async () => {
    const j1 = await jobs().create({ name: 'bt-j1' });
    const j2 = await jobs().create({ name: 'bt-j2' });
    const [a, b, c] = [await tasks().create({ name: 'bt-a' }), await tasks().create({ name: 'bt-b' }), await tasks().create({ name: 'bt-c' })];
    h.clock.advance(1000);
    await bindings().bindJobTasks(j1.id, [b.id, a.id, b.id]);
    expect(await jobs().taskIds(j1.id)).toEqual([b.id, a.id]);
    expect((await jobs().get(j1.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    expect((await tasks().get(a.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    await bindings().bindTaskJobs(c.id, [j1.id, j2.id]);
    expect(await jobs().taskIds(j1.id)).toEqual([b.id, a.id, c.id]);
    expect(await jobs().taskIds(j2.id)).toEqual([c.id]);
    // Binding again changes nothing, not even the timestamps.
    const before = (await jobs().get(j1.id)).assignmentsChangedAt?.getTime();
    h.clock.advance(1000);
    await bindings().bindJobTasks(j1.id, [a.id]);
    expect((await jobs().get(j1.id)).assignmentsChangedAt?.getTime()).toBe(before);
    await bindings().reorderJobTasks(j1.id, [c.id, a.id, b.id]);
    expect(await jobs().taskIds(j1.id)).toEqual([c.id, a.id, b.id]);
    await expect(bindings().reorderJobTasks(j1.id, [c.id, a.id])).rejects.toMatchObject({ field: 'taskIds' });
    await bindings().unbindJobTasks(j1.id, [a.id, 999999]);
    await bindings().unbindTaskJobs(c.id, [j2.id]);
    expect(await jobs().taskIds(j1.id)).toEqual([c.id, b.id]);
    expect(await jobs().taskIds(j2.id)).toEqual([]);
    expect((await tasks().get(a.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
  });

  it('binds and unbinds job↔group and job↔client from both sides', async () => {
    const j = await jobs().create({ name: 'bg-j' });
    const g1 = await group('bg-1');
    const dyn = await group('bg-dyn', GROUP_TYPES.DYNAMIC);
    const c1 = await client('bg-c1');
    h.clock.advance(1000);
    await bindings().bindJobGroups(j.id, [g1.id, dyn.id]);
    expect((await new GroupService(h.ctx()).list({ filter: { jobId: j.id } })).total).toBe(2);
    expect((await groupOf(dyn.id)).assignmentsChangedAt?.getTime()).toBe(h.clock.now().getTime());
    await bindings().unbindGroupJobs(dyn.id, [j.id]);
    expect((await new GroupService(h.ctx()).list({ filter: { jobId: j.id } })).items.map((g) => g.id)).toEqual([g1.id]);
    await bindings().unbindJobGroups(j.id, [g1.id]);
    await bindings().bindGroupJobs(g1.id, [j.id]);
    expect((await jobs().countInfo(j.id)).groups).toBe(1);
    await bindings().bindClientJobs(c1.id, [j.id]);
    expect((await new ClientService(h.ctx()).list({ filter: { jobId: j.id } })).items.map((c) => c.id)).toEqual([c1.id]);
    await bindings().unbindJobClients(j.id, [c1.id]);
    expect((await new ClientService(h.ctx()).list({ filter: { jobId: j.id } })).total).toBe(0);
    await bindings().bindJobClients(j.id, [c1.id]);
    await bindings().unbindClientJobs(c1.id, [j.id]);
    expect((await new ClientService(h.ctx()).list({ filter: { jobId: j.id } })).total).toBe(0);
  });

  it('refuses unknown ids and bad id lists', async () => {
    const j = await jobs().create({ name: 'bad-ids' });
    await expect(bindings().bindJobGroups(888888, [])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'job 888888 does not exist' });
    await expect(bindings().bindJobGroups(j.id, [888888])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'group 888888 does not exist' });
    await expect(bindings().bindJobClients(j.id, [888888])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'client 888888 does not exist' });
    await expect(bindings().bindJobTasks(j.id, [888888])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'task 888888 does not exist' });
    await expect(bindings().bindTaskJobs(888888, [j.id])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'task 888888 does not exist' });
    await expect(bindings().bindGroupJobs(888888, [j.id])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(bindings().unbindClientJobs(888888, [j.id])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(bindings().bindJobTasks(j.id, ['1' as never])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'taskIds' });
    await expect(bindings().bindTaskJobs(1.5, [])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'taskId' });
    await expect(bindings().bindJobGroups(j.id, null as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'groupIds' });
    // Nothing was bound on the way.
    expect(await jobs().countInfo(j.id)).toEqual({ tasks: 0, groups: 0, clients: 0, targetClients: 0 });
  });

  it('publishes a change per job and per task or group touched', async () => {
    const pubsub = createLivePubSub();
    const events: EntityChangedEvent[] = [];
    const sub = pubsub.subscribe('ENTITY_CHANGED');
    const reading = (async () => {
      for await (const e of sub) events.push(e);
    })();
    const j = await jobs().create({ name: 'pub' });
    const t = await tasks().create({ name: 'pub-t' });
    await new BindingService({ ...h.ctx(), pubsub }).bindJobTasks(j.id, [t.id]);
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => [e.entity, e.id])).toEqual([
      ['JOB', j.id],
      ['TASK', t.id],
    ]);
    await sub.return?.();
    await reading;
  });

  describe('maintenance', () => {
    it('associates each optionId with the target, either way round, and removes them again', async () => {
      const j = await jobs().create({ name: 'mt-j' });
      const [t1, t2] = [await tasks().create({ name: 'mt-t1' }), await tasks().create({ name: 'mt-t2' })];
      const g = await group('mt-g');
      const c = await client('mt-c');
      const input = { optionType: TASK, optionIds: [t1.id, t2.id], targetType: JOB, targetId: j.id, opt: ADD };
      expect(await bindings().maintenance(input)).toEqual(input);
      expect(await jobs().taskIds(j.id)).toEqual([t1.id, t2.id]);
      await bindings().maintenance({ optionType: JOB, optionIds: [j.id], targetType: TASK, targetId: t1.id, opt: REMOVE });
      expect(await jobs().taskIds(j.id)).toEqual([t2.id]);
      await bindings().maintenance({ optionType: GROUP, optionIds: [g.id], targetType: JOB, targetId: j.id, opt: ADD });
      await bindings().maintenance({ optionType: JOB, optionIds: [j.id], targetType: CLIENT, targetId: c.id, opt: ADD });
      expect(await jobs().countInfo(j.id)).toEqual({ tasks: 1, groups: 1, clients: 1, targetClients: 1 });
      await bindings().maintenance({ optionType: CLIENT, optionIds: [c.id], targetType: GROUP, targetId: g.id, opt: ADD });
      expect(await jobs().countInfo(j.id)).toMatchObject({ targetClients: 1 });
      const [{ n }] = await h.em().execute('select count(*)::int as n from group_client where group_id = ?', [g.id]);
      expect(n).toBe(1);
      await bindings().maintenance({ optionType: GROUP, optionIds: [g.id], targetType: CLIENT, targetId: c.id, opt: REMOVE });
      const [{ n: after }] = await h.em().execute('select count(*)::int as n from group_client where group_id = ?', [g.id]);
      expect(after).toBe(0);
      await bindings().maintenance({ optionType: JOB, optionIds: [j.id], targetType: GROUP, targetId: g.id, opt: REMOVE });
      expect((await jobs().countInfo(j.id)).groups).toBe(0);
    });

    it.each([
      [{ optionType: TASK, targetType: GROUP }, 'targetType', 'task-group'],
      [{ optionType: TASK, targetType: CLIENT }, 'targetType', 'task-client'],
      [{ optionType: JOB, targetType: JOB }, 'targetType', 'job-job'],
      [{ optionType: CLIENT, targetType: CLIENT }, 'targetType', 'client-client'],
      [{ optionType: 4, targetType: JOB }, 'optionType', '0 (job), 1 (task), 2 (group) or 3 (client)'],
      [{ optionType: JOB, targetType: -1 }, 'targetType', '0 (job)'],
      [{ opt: 2 }, 'opt', '0 (remove) or 1 (add)'],
      [{ optionIds: 'x' }, 'optionIds', 'array of positive integer ids'],
      [{ targetId: 0 }, 'targetId', 'a positive integer id'],
    ])('refuses %j', async (patch, field, message) => {
      const input = { optionType: TASK, optionIds: [1], targetType: JOB, targetId: 1, opt: ADD, ...patch };
      await expect(bindings().maintenance(input as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field, message: expect.stringContaining(message) });
    });

    it('refuses unknown ids and dynamic groups for client membership', async () => {
      const j = await jobs().create({ name: 'mt-unknown' });
      await expect(bindings().maintenance({ optionType: TASK, optionIds: [777777], targetType: JOB, targetId: j.id, opt: ADD })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(bindings().maintenance({ optionType: TASK, optionIds: [1], targetType: JOB, targetId: 777777, opt: ADD })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const dyn = await group('mt-dyn', GROUP_TYPES.DYNAMIC);
      const c = await client('mt-dyn-c');
      await expect(bindings().maintenance({ optionType: CLIENT, optionIds: [c.id], targetType: GROUP, targetId: dyn.id, opt: ADD })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });
});
