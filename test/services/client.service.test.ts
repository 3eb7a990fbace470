import { AttributeService } from '../../src/services/attribute.service';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import { TaskService } from '../../src/services/task.service';
import { Job, JobClient, JobGroup, JobTask, Task } from '../../src/entities';
import { useServiceHarness } from '../support/services';

describe('ClientService', () => {
  const h = useServiceHarness();
  const clients = () => new ClientService(h.ctx());

  it('creates a client with the documented defaults and refuses a duplicate mqttClientId', async () => {
    const c = await clients().create({ mqttClientId: 'store-001', username: 'u1', ip: '10.0.0.1' });
    expect(c).toMatchObject({ mqttClientId: 'store-001', role: 'STORE', enable: false, status: 'OFFLINE' });
    await expect(clients().create({ mqttClientId: 'store-001' })).rejects.toMatchObject({ code: 'CONFLICT', field: 'mqttClientId' });
  });

  it.each([
    [{ mqttClientId: '' }, 'mqttClientId'],
    [{ mqttClientId: 'x1', role: 'SHOP' }, 'role'],
    [{ mqttClientId: 'x2', status: 'AWAY' }, 'status'],
    [{ mqttClientId: 'x3', connectedAt: -5 }, 'connectedAt'],
  ])('refuses bad input %j naming the field', async (input, field) => {
    await expect(clients().create(input)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('reads, updates, enables and deletes; unknown ids are NOT_FOUND', async () => {
    const c = await clients().create({ mqttClientId: 'store-002', role: 'SERVER' });
    expect((await clients().get(c.id)).role).toBe('SERVER');
    const updated = await clients().update(c.id, { username: 'shop2', connectedAt: 1700000000000 });
    expect(updated.username).toBe('shop2');
    expect(updated.connectedAt?.getTime()).toBe(1700000000000);
    expect((await clients().setEnabled(c.id, true)).enable).toBe(true);
    await clients().delete(c.id);
    await expect(clients().get(c.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(clients().update(99999, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(clients().delete(99999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('filters by name, contains, several ids, status, enabled and time ranges, and pages', async () => {
    for (let i = 0; i < 5; i++) {
      await clients().create({ mqttClientId: `filter-${i}`, username: i % 2 ? 'odd' : 'even', enable: i < 2, status: i === 0 ? 'ONLINE' : 'OFFLINE' });
      h.clock.advance(1000);
    }
    const svc = clients();
    expect((await svc.list({ filter: { username: 'odd' } })).total).toBe(2);
    expect((await svc.list({ filter: { mqttClientIdContains: 'filter-' } })).total).toBe(5);
    expect((await svc.list({ filter: { mqttClientId: ['filter-1', 'filter-3'] } })).items.map((c) => c.mqttClientId)).toEqual(['filter-1', 'filter-3']);
    expect((await svc.list({ filter: { mqttClientIdContains: 'filter-', status: 'ONLINE' } })).total).toBe(1);
    expect((await svc.list({ filter: { mqttClientIdContains: 'filter-', enabled: true } })).total).toBe(2);
    const all = (await svc.list({ filter: { mqttClientIdContains: 'filter-' } })).items;
    const from = all[2].createdAt.getTime();
    expect((await svc.list({ filter: { mqttClientIdContains: 'filter-', createdAt: { gte: from } } })).total).toBe(3);
    const page2 = await svc.list({ filter: { mqttClientIdContains: 'filter-' }, page: { pageNo: 2, pageSize: 2 } });
    expect(page2.items.map((c) => c.mqttClientId)).toEqual(['filter-2', 'filter-3']);
    expect(page2.total).toBe(5);
    const byName = await svc.list({ filter: { mqttClientIdContains: 'filter-' }, orderBy: { field: 'username', direction: 'desc' } });
    expect(byName.items.map((c) => c.mqttClientId)).toEqual(['filter-1', 'filter-3', 'filter-0', 'filter-2', 'filter-4']);
    const newest = await svc.list({ filter: { mqttClientIdContains: 'filter-' }, page: { pageSize: 2 }, orderBy: { field: 'createdAt', direction: 'desc' } });
    expect(newest.items.map((c) => c.mqttClientId)).toEqual(['filter-4', 'filter-3']);
    await expect(svc.list({ orderBy: { field: 'password' as never } })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'orderBy.field' });
    await expect(svc.list({ page: { pageNo: 0 } })).rejects.toMatchObject({ field: 'pageNo' });
    await expect(svc.list({ page: { pageSize: 100000 } })).rejects.toMatchObject({ field: 'pageSize' });
  });

  it('holds attribute values, falls back to defaults and refuses read-only or unknown attributes', async () => {
    const attrs = new AttributeService(h.ctx());
    const region = await attrs.create({ attributeName: 'region', defaultValue: 'north' });
    const locked = await attrs.create({ attributeName: 'serial', readOnly: true });
    const c = await clients().create({ mqttClientId: 'attr-1' });
    let view = await clients().attributes(c.id);
    expect(view.find((a) => a.attributeId === region.id)?.attributeValue).toBe('north');
    await clients().setAttributes(c.id, [{ attributeId: region.id, attributeValue: 'south' }]);
    view = await clients().attributes(c.id);
    expect(view.find((a) => a.attributeId === region.id)?.attributeValue).toBe('south');
    await expect(clients().setAttributes(c.id, [{ attributeId: locked.id, attributeValue: 'x' }])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(clients().setAttributes(c.id, [{ attributeId: 424242, attributeValue: 'x' }])).rejects.toMatchObject({ field: '[0].attributeId' });
  });

  it.each([
    ['NUMBER', 'twelve', 'a number'],
    ['NUMBER', ' ', 'a number'],
    ['BOOLEAN', 'yes', '"true" or "false"'],
    ['DATE', 'next tuesday', 'an ISO date or epoch milliseconds'],
  ])('refuses a %s attribute value %j, naming the item and the type', async (type, value, expected) => {
    const attr = await new AttributeService(h.ctx()).create({ attributeName: `typed-${type}-${value.trim() || 'blank'}`, type });
    const c = await clients().create({ mqttClientId: `typed-${type}-${value.trim() || 'blank'}` });
    const err = await clients()
      .setAttributes(c.id, [{ attributeId: attr.id, attributeValue: value }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: '[0].attributeValue' });
    expect((err as Error).message).toBe(`[0].attributeValue: expected ${expected} (attribute "${attr.name}" is ${type}), got ${JSON.stringify(value)}`);
  });

  it('takes values that fit the attribute types, clears with null, and writes nothing when one value is wrong', async () => {
    const attrs = new AttributeService(h.ctx());
    const weight = await attrs.create({ attributeName: 'weight', type: 'NUMBER' });
    const open = await attrs.create({ attributeName: 'open', type: 'BOOLEAN', defaultValue: 'false' });
    const since = await attrs.create({ attributeName: 'since', type: 'DATE' });
    const c = await clients().create({ mqttClientId: 'typed-ok' });
    await clients().setAttributes(c.id, [
      { attributeId: weight.id, attributeValue: '-12.5' },
      { attributeId: open.id, attributeValue: 'true' },
      { attributeId: since.id, attributeValue: '2026-03-01T08:00:00Z' },
    ]);
    await clients().setAttributes(c.id, [{ attributeId: since.id, attributeValue: '1772352000000' }]);
    const value = async (id: number) => (await clients().attributes(c.id)).find((a) => a.attributeId === id)?.attributeValue;
    expect([await value(weight.id), await value(open.id), await value(since.id)]).toEqual(['-12.5', 'true', '1772352000000']);
    await expect(
      clients().setAttributes(c.id, [
        { attributeId: weight.id, attributeValue: '7' },
        { attributeId: open.id, attributeValue: 'maybe' },
      ]),
    ).rejects.toMatchObject({ field: '[1].attributeValue' });
    expect(await value(weight.id)).toBe('-12.5');
    await clients().setAttributes(c.id, [
      { attributeId: weight.id, attributeValue: null },
      { attributeId: open.id, attributeValue: '' },
    ]);
    expect([await value(weight.id), await value(open.id)]).toEqual([null, '']);
  });

  it('binds static groups and jobs and counts what reaches the client', async () => {
    const groups = new GroupService(h.ctx());
    const c = await clients().create({ mqttClientId: 'bind-1' });
    const g = await groups.create({ groupName: 'north stores' });
    await clients().bindGroups(c.id, [g.id]);
    expect((await groups.list({ filter: { clientId: c.id } })).items.map((x) => x.id)).toEqual([g.id]);

    const em = h.em();
    const direct = em.create(Job, { name: 'direct job', createdAt: h.clock.now(), lastEditedAt: h.clock.now() });
    const viaGroup = em.create(Job, { name: 'group job', createdAt: h.clock.now(), lastEditedAt: h.clock.now() });
    const t1 = em.create(Task, { name: 't1', createdAt: h.clock.now(), lastEditedAt: h.clock.now() });
    const t2 = em.create(Task, { name: 't2', createdAt: h.clock.now(), lastEditedAt: h.clock.now() });
    em.create(JobTask, { job: direct, task: t1, position: 0 });
    em.create(JobTask, { job: viaGroup, task: t1, position: 0 });
    em.create(JobTask, { job: viaGroup, task: t2, position: 1 });
    em.create(JobGroup, { job: viaGroup, group: g.id });
    await em.flush();

    await new BindingService(h.ctx()).bindClientJobs(c.id, [direct.id]);
    expect(await h.em().count(JobClient, { client: c.id })).toBe(1);
    await new BindingService(h.ctx()).bindClientJobs(c.id, [direct.id]); // idempotent
    expect(await h.em().count(JobClient, { client: c.id })).toBe(1);
    expect((await new JobService(h.ctx()).list({ filter: { clientId: c.id } })).items.map((j) => j.name).sort()).toEqual(['direct job', 'group job']);
    expect((await new TaskService(h.ctx()).list({ filter: { clientId: c.id } })).total).toBe(2);
    expect(await clients().countInfo(c.id)).toMatchObject({ groups: 1, jobs: 2, tasks: 2 });
    const all = await clients().list({ filter: { mqttClientId: ['bind-1'] }, counts: true });
    expect(all.counts[0]).toMatchObject({ groups: 1, jobs: 2, tasks: 2 });
    // The batch reads (dataloaders): many clients at once, a window of each list, in the order asked.
    const [ghost, window] = [999999, { offset: 0, limit: 10 }];
    expect((await clients().groupsByClient([ghost, c.id], window)).map((gs) => gs.map((x) => x.id))).toEqual([[], [g.id]]);
    expect((await clients().jobsByClient([c.id, ghost], window)).map((js) => js.map((j) => j.id))).toEqual([
      [direct.id, viaGroup.id].sort((x, y) => x - y),
      [],
    ]);
    expect((await clients().jobsByClient([c.id], { offset: 1, limit: 1 }))[0]).toHaveLength(1);
    expect((await clients().tasksByClient([c.id], window))[0].map((t) => t.id)).toEqual([t1.id, t2.id]);
    expect((await clients().attributesByClient([c.id, ghost])).map((v) => v.length)).toEqual([
      (await clients().attributes(c.id)).length,
      (await clients().attributes(c.id)).length,
    ]);
    expect((await clients().getMany([c.id, ghost])).map((x) => x?.mqttClientId ?? null)).toEqual(['bind-1', null]);
    // The lists scoped to a relation.
    expect(await clients().list({ filter: { groupId: g.id } })).toMatchObject({ items: [{ id: c.id, mqttClientId: 'bind-1' }], total: 1 });
    expect(await groups.list({ filter: { clientId: c.id } })).toMatchObject({ items: [{ id: g.id, name: 'north stores' }], total: 1 });

    await new BindingService(h.ctx()).unbindClientJobs(c.id, [direct.id]);
    expect((await new JobService(h.ctx()).list({ filter: { clientId: c.id } })).total).toBe(1);
    await clients().unbindGroups(c.id, [g.id]);
    expect(await clients().countInfo(c.id)).toMatchObject({ groups: 0, jobs: 0, tasks: 0 });
    await expect(new BindingService(h.ctx()).bindClientJobs(c.id, [777777])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(clients().bindGroups(c.id, [777777])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses binding a client to a dynamic group by hand', async () => {
    const c = await clients().create({ mqttClientId: 'bind-dyn' });
    const g = await new GroupService(h.ctx()).create({ groupName: 'servers', type: 1, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'SERVER' });
    await expect(clients().bindGroups(c.id, [g.id])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'groupIds' });
  });
});
