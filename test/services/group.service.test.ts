import { AttributeService } from '../../src/services/attribute.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { useServiceHarness } from '../support/services';

describe('GroupService', () => {
  const h = useServiceHarness();
  const groups = () => new GroupService(h.ctx());
  const clients = () => new ClientService(h.ctx());
  const memberIds = async (groupId: number) => (await clients().list({ filter: { groupId }, page: { pageSize: 500 } })).items.map((c) => c.mqttClientId).sort();

  beforeAll(async () => {
    const attrs = new AttributeService(h.ctx());
    const region = await attrs.create({ attributeName: 'region', defaultValue: 'north' });
    const size = await attrs.create({ attributeName: 'size', type: 1 });
    const specs = [
      { id: 'shop-01', role: 'STORE', username: 'alice', region: 'north', size: '9' },
      { id: 'shop-02', role: 'STORE', username: 'bob', region: 'south', size: '10' },
      { id: 'shop-03', role: 'STORE', username: 'carol', region: null, size: '120' },
      { id: 'hq-01', role: 'SERVER', username: 'admin', region: 'south', size: null },
    ];
    for (const s of specs) {
      const c = await clients().create({ mqttClientId: s.id, role: s.role, username: s.username });
      const values = [];
      if (s.region) values.push({ attributeId: region.id, attributeValue: s.region });
      if (s.size) values.push({ attributeId: size.id, attributeValue: s.size });
      if (values.length) await clients().setAttributes(c.id, values);
    }
  });

  it.each([
    ['role', 'EQ', 'SERVER', ['hq-01']],
    ['role', 'NE', 'SERVER', ['shop-01', 'shop-02', 'shop-03']],
    ['mqttClientId', 'STARTS_WITH', 'shop-', ['shop-01', 'shop-02', 'shop-03']],
    ['mqttClientId', 'ENDS_WITH', '-01', ['hq-01', 'shop-01']],
    ['username', 'CONTAINS', 'O', ['shop-02', 'shop-03']],
    ['mqttClientId', 'IN', 'shop-01, hq-01', ['hq-01', 'shop-01']],
    ['region', 'EQ', 'north', ['shop-01', 'shop-03']],
    ['region', 'IN', '["south"]', ['hq-01', 'shop-02']],
    ['size', 'GT', '9', ['shop-02', 'shop-03']],
    ['size', 'GE', '10', ['shop-02', 'shop-03']],
    ['size', 'LT', '10', ['shop-01']],
    ['size', 'LE', '10', ['shop-01', 'shop-02']],
  ])('a dynamic group on %s %s %s holds the matching clients', async (queryProperty, queryOperation, queryValue, expected) => {
    const g = await groups().create({ groupName: `${queryProperty} ${queryOperation}`, type: 1, queryProperty, queryOperation, queryValue });
    expect(await memberIds(g.id)).toEqual([...expected].sort());
    expect(g.lastRefreshedAt).not.toBeNull();
  });

  it('follows client and attribute changes and records when membership changed', async () => {
    const g = await groups().create({ groupName: 'south', type: 1, queryProperty: 'region', queryOperation: 'EQ', queryValue: 'south' });
    const first = (await groups().get(g.id)).membershipChangedAt!.getTime();
    expect(await memberIds(g.id)).toEqual(['hq-01', 'shop-02']);
    h.clock.advance(60_000);
    const shop1 = (await clients().list({ filter: { mqttClientId: ['shop-01'] } })).items[0];
    const region = (await new AttributeService(h.ctx()).list()).items.find((a) => a.name === 'region')!;
    await clients().setAttributes(shop1.id, [{ attributeId: region.id, attributeValue: 'south' }]);
    expect(await memberIds(g.id)).toEqual(['hq-01', 'shop-01', 'shop-02']);
    const after = await groups().get(g.id);
    expect(after.membershipChangedAt!.getTime()).toBe(first + 60_000);
    // a new client matching the query joins at once
    const roleGroup = await groups().create({ groupName: 'servers2', type: 1, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'SERVER' });
    await clients().create({ mqttClientId: 'hq-02', role: 'SERVER' });
    expect(await memberIds(roleGroup.id)).toEqual(['hq-01', 'hq-02']);
    await clients().setAttributes(shop1.id, [{ attributeId: region.id, attributeValue: 'north' }]);
  });

  it('re-evaluates when the query changes, and refuses unknown properties and operations', async () => {
    const g = await groups().create({ groupName: 'q', type: 1, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'STORE' });
    expect((await memberIds(g.id)).length).toBe(3);
    await groups().update(g.id, { queryValue: 'SERVER' });
    expect(await memberIds(g.id)).toContain('hq-01');
    await expect(groups().create({ groupName: 'bad', type: 1, queryProperty: 'shoeSize', queryOperation: 'EQ', queryValue: '1' })).rejects.toMatchObject({
      field: 'queryProperty',
    });
    await expect(groups().create({ groupName: 'bad', type: 1, queryProperty: 'role', queryOperation: 'LIKE', queryValue: '1' })).rejects.toMatchObject({
      field: 'queryOperation',
    });
    await expect(groups().update(g.id, { queryOperation: 'NOPE' })).rejects.toMatchObject({ field: 'queryOperation' });
    await expect(groups().create({ groupName: 'bad', type: 7 })).rejects.toMatchObject({ field: 'type' });
    await expect(groups().create({ groupName: '' })).rejects.toMatchObject({ field: 'groupName' });
  });

  it('binds and unbinds static members, refuses unknown clients without writing any', async () => {
    const g = await groups().create({ groupName: 'static', description: 'hand-picked' });
    const ids = (await clients().list({ filter: { mqttClientIdContains: 'shop-' } })).items.map((c) => c.id);
    await groups().bindClients(g.id, ids);
    expect((await clients().list({ filter: { groupId: g.id } })).total).toBe(3);
    await expect(groups().bindClients(g.id, [ids[0], 999999])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await groups().unbindClients(g.id, [ids[0]]);
    expect((await clients().list({ filter: { groupId: g.id } })).total).toBe(2);
    expect(await groups().clientCounts([g.id, 999999])).toEqual([2, 0]);
    const members = (await clients().list({ filter: { groupId: g.id } })).items.map((c) => c.id);
    expect((await groups().clientsByGroup([999999, g.id], { offset: 0, limit: 10 })).map((cs) => cs.map((c) => c.id))).toEqual([[], members]);
    expect((await groups().clientsByGroup([g.id], { offset: 1, limit: 1 }))[0].map((c) => c.id)).toEqual([members[1]]);
    expect((await clients().list({ filter: { groupId: g.id }, orderBy: { field: 'id', direction: 'desc' } })).items.map((c) => c.id)).toEqual(
      [...members].reverse(),
    );
    expect(await groups().jobsByGroup([g.id], { offset: 0, limit: 10 })).toEqual([[]]);
    expect((await groups().getMany([g.id, 999999])).map((x) => x?.id ?? null)).toEqual([g.id, null]);
    const dyn = await groups().create({ groupName: 'dyn', type: 1, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'STORE' });
    await expect(groups().bindClients(dyn.id, ids)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('lists with filters and pages, deletes, and answers NOT_FOUND for unknown ids', async () => {
    const listed = await groups().list({ filter: { nameContains: 'STATIC' } });
    expect(listed.items.map((g) => g.name)).toContain('static');
    expect((await groups().list({ filter: { type: 1 } })).items.every((g) => g.type === 1)).toBe(true);
    const byName = (await groups().list({ orderBy: { field: 'name' } })).items.map((g) => g.name);
    expect(byName).toEqual([...byName].sort());
    await expect(groups().list({ orderBy: { field: 'queryValue' as never } })).rejects.toMatchObject({ field: 'orderBy.field' });
    const g = await groups().create({ groupName: 'to delete' });
    await groups().delete(g.id);
    await expect(groups().get(g.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(groups().delete(g.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(clients().list({ filter: { groupId: g.id } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
