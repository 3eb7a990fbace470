import { AttributeService } from '../../src/services/attribute.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { useServiceHarness } from '../support/services';

describe('AttributeService', () => {
  const h = useServiceHarness();
  const attrs = () => new AttributeService(h.ctx());

  it('creates, lists, updates and deletes definitions', async () => {
    const a = await attrs().create({ attributeName: 'storeFormat', type: 'STRING', defaultValue: 'mini', display: true });
    expect(a).toMatchObject({ name: 'storeFormat', type: 0, defaultValue: 'mini', readOnly: false });
    expect((await attrs().list()).items.map((x) => x.name)).toContain('storeFormat');
    expect((await attrs().update(a.id, { defaultValue: 'maxi' })).defaultValue).toBe('maxi');
    await attrs().delete(a.id);
    await expect(attrs().get(a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    [{ attributeName: '' }, 'attributeName'],
    [{ attributeName: 'n', type: 9 }, 'type'],
    [{ attributeName: 'n', type: 'COLOUR' }, 'type'],
    [{ attributeName: 'n', type: 1, defaultValue: 'ten' }, 'defaultValue'],
    [{ attributeName: 'n', type: 2, defaultValue: 'yes' }, 'defaultValue'],
  ])('refuses %j naming the field', async (input, field) => {
    await expect(attrs().create(input)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('refuses a duplicate name', async () => {
    await attrs().create({ attributeName: 'dup' });
    await expect(attrs().create({ attributeName: 'dup' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('deleting an attribute empties the dynamic groups that query it', async () => {
    const a = await attrs().create({ attributeName: 'tier', defaultValue: 'gold' });
    await new ClientService(h.ctx()).create({ mqttClientId: 'tier-1' });
    const g = await new GroupService(h.ctx()).create({ groupName: 'gold', type: 1, queryProperty: 'tier', queryOperation: 'EQ', queryValue: 'gold' });
    expect((await new ClientService(h.ctx()).list({ filter: { groupId: g.id } })).total).toBe(1);
    expect((await attrs().groupsUsing(a.id)).map((x) => x.id)).toEqual([g.id]);
    await attrs().delete(a.id);
    expect((await new ClientService(h.ctx()).list({ filter: { groupId: g.id } })).total).toBe(0);
  });
});
