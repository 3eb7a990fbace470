import { DEFAULT_SETTINGS, SettingsService } from '../../src/services/settings.service';
import { useServiceHarness } from '../support/services';

describe('SettingsService', () => {
  const h = useServiceHarness();
  const settings = () => new SettingsService(h.ctx());

  it('starts every section with its defaults', async () => {
    expect(await settings().get('general')).toEqual(DEFAULT_SETTINGS.general);
    expect(await settings().get('job')).toEqual(DEFAULT_SETTINGS.job);
    expect(await settings().get('task')).toEqual(DEFAULT_SETTINGS.task);
    expect(await settings().get('client')).toEqual(DEFAULT_SETTINGS.client);
  });

  it('merges partial updates and keeps them', async () => {
    await settings().update('general', { managementServerTimeZone: 'Asia/Shanghai', adminTimeOut: 15 });
    expect(await settings().get('general')).toMatchObject({ managementServerTimeZone: 'Asia/Shanghai', adminTimeOut: 15, region: '' });
    const { id } = await settings().update('client', { autoEnableNewClient: true });
    expect((await settings().read('client')).id).toBe(id);
    expect((await settings().get('client')).autoEnableNewClient).toBe(true);
  });

  it.each([
    ['general', { managementServerTimeZone: 'Mars/Olympus' }, 'managementServerTimeZone'],
    ['general', { adminTimeOut: 0 }, 'adminTimeOut'],
    ['job', { maxConcurrentSession: 0 }, 'maxConcurrentSession'],
    ['job', { enable: 'yes' }, 'enable'],
    ['task', { colour: 'red' }, 'colour'],
  ] as const)('refuses a bad %s setting %j naming the field', async (key, patch, field) => {
    await expect(settings().update(key, patch as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });
});
