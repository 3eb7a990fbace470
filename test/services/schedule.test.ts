import { checkTimeZone, fireTimesBetween, managementTimeZone, nextFireTime, nextRunOf, parseCron } from '../../src/services/schedule';
import { SettingsService } from '../../src/services/settings.service';
import { useServiceHarness } from '../support/services';

describe('schedule', () => {
  it.each([
    ['0 3 * * *', '0 3 * * *'],
    ['  30 2 * * 1-5 ', '30 2 * * 1-5'],
    ['0 3 * * * ?', '0 3 * * *'],
    ['0 3 ? * MON', '0 3 * * MON'],
    ['0 23 L * ?', '0 23 L * *'],
    ['*/15 * * * *', '*/15 * * * *'],
  ])('accepts %j', (expression, normalized) => {
    expect(parseCron(expression).normalized).toBe(normalized);
  });

  it.each([
    ['0 25 * * *', 'executionTime "0 25 * * *": hour must be 0-23, got 25 (cron: minute hour day-of-month month day-of-week)'],
    ['60 1 * * *', 'minute must be 0-59, got 60'],
    ['0 1 32 * *', 'day-of-month must be 1-31 or L, got 32'],
    ['0 1 * 13 *', 'month must be 1-12 or JAN-DEC, got 13'],
    ['0 1 * * 9', 'day-of-week must be 0-7'],
    ['0 1 * *', 'expected 5 fields, got 4'],
    ['0 0 1 * * *', 'the sixth is "?"'],
    ['? 1 * * *', '"?" is allowed only in day-of-month or day-of-week'],
    ['0 1 L-2 * *', 'day-of-month takes "L" alone'],
    ['0 0 31 2 *', 'never match'],
    ['abc * * * *', 'minute "abc" is not valid'],
    ['', 'an expression is required'],
  ])('refuses %j with a message that shows the expected form', (expression, message) => {
    let caught: unknown;
    try {
      parseCron(expression);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'INVALID_INPUT', field: 'executionTime' });
    expect((caught as Error).message).toContain(message);
    expect((caught as Error).message).toContain('(cron: minute hour day-of-month month day-of-week)');
  });

  it('computes the next fire time in the given time zone', () => {
    const after = new Date(Date.UTC(2026, 0, 30, 0, 0));
    expect(nextFireTime('0 3 * * *', after, 'UTC')?.toISOString()).toBe('2026-01-30T03:00:00.000Z');
    // 03:00 in Shanghai (UTC+8) is 19:00 UTC the day before.
    expect(nextFireTime('0 3 * * *', after, 'Asia/Shanghai')?.toISOString()).toBe('2026-01-30T19:00:00.000Z');
    expect(nextFireTime('0 12 L * ?', after, 'UTC')?.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(() => nextFireTime('0 3 * * *', after, 'Mars/Olympus')).toThrow(/managementServerTimeZone: expected an IANA time zone/);
  });

  it('lists fire times in a window, both ends included, up to a limit', () => {
    const from = new Date(Date.UTC(2026, 1, 1, 0, 0));
    const to = new Date(Date.UTC(2026, 1, 3, 0, 0));
    expect(fireTimesBetween('0 0 * * *', from, to, 'UTC').map((d) => d.toISOString())).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-02-02T00:00:00.000Z',
      '2026-02-03T00:00:00.000Z',
    ]);
    expect(fireTimesBetween('* * * * *', from, to, 'UTC', 10)).toHaveLength(10);
    expect(fireTimesBetween('0 0 * * *', to, from, 'UTC')).toEqual([]);
  });

  it('gives no next run to disabled, unscheduled or already-run once jobs', () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    expect(nextRunOf({ enabled: false, executionTime: '0 3 * * *', cycleType: 1 }, at, 'UTC')).toBeNull();
    expect(nextRunOf({ enabled: true, executionTime: null, cycleType: 1 }, at, 'UTC')).toBeNull();
    expect(nextRunOf({ enabled: true, executionTime: '0 3 * * *', cycleType: 0 }, at, 'UTC', true)).toBeNull();
    expect(nextRunOf({ enabled: true, executionTime: '0 3 * * *', cycleType: 0 }, at, 'UTC')?.toISOString()).toBe('2026-01-01T03:00:00.000Z');
    expect(nextRunOf({ enabled: true, executionTime: '0 3 * * *', cycleType: 1 }, at, 'UTC', true)?.toISOString()).toBe('2026-01-01T03:00:00.000Z');
  });

  it('checks time zone names', () => {
    expect(checkTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(() => checkTimeZone('Nowhere/Land', 'tz')).toThrow(/^tz: expected/);
  });

  describe('managementTimeZone', () => {
    const h = useServiceHarness();

    it('reads the general settings, UTC by default', async () => {
      expect(await managementTimeZone(h.ctx())).toBe('UTC');
      await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'Asia/Shanghai' });
      expect(await managementTimeZone(h.ctx())).toBe('Asia/Shanghai');
    });
  });
});
