import { MikroORM } from '@mikro-orm/postgresql';
import { Client, Job, JobRun } from '../../src/entities';
import { ormOptions } from '../../src/runtime/orm.config';
import { silentLogger } from '../../src/runtime/logger';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../src/scheduler';
import { BindingService } from '../../src/services/binding.service';
import { JobService, type JobInput } from '../../src/services/job.service';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import { captureSql } from '../support/capture-sql';
import { useServiceHarness } from '../support/services';

const HOUR = 3600_000;
const utc = (iso: string) => new Date(iso);

describe('Scheduler', () => {
  const h = useServiceHarness();
  let clientId: number;
  let taskId: number;
  let dispatched: number[];

  const scheduler = (options: Partial<SchedulerOptions> = {}): Scheduler =>
    createScheduler({ orm: h.db.orm, clock: h.clock, logger: silentLogger(), dispatcher: { runCreated: (runId) => dispatched.push(runId) }, ...options });

  async function job(input: JobInput): Promise<number> {
    const ctx = h.ctx();
    const created = await new JobService(ctx).create({ name: `job ${input.executionTime}`, ...input });
    await new BindingService(ctx).bindJobTasks(created.id, [taskId]);
    await new BindingService(ctx).bindJobClients(created.id, [clientId]);
    return created.id;
  }

  async function runs(jobId: number): Promise<JobRun[]> {
    return h.em().find(JobRun, { jobId }, { orderBy: { id: 'asc' } });
  }

  async function nextRunAt(jobId: number): Promise<Date | null> {
    return (await h.em().findOneOrFail(Job, jobId)).nextRunAt;
  }

  const scheduledTimes = async (jobId: number) => (await runs(jobId)).map((r) => r.scheduledAt.toISOString());

  beforeAll(async () => {
    const em = h.em();
    const client = em.create(Client, { mqttClientId: 'store-1', enable: true });
    await em.flush();
    clientId = client.id;
    const task = await new TaskService(h.ctx()).create({ name: 'look' });
    await new TaskService(h.ctx()).saveScript(task.id, [{ type: 'GET_FILE_STATUS', order: 0, filePath: 'flag.txt' }]);
    taskId = task.id;
  });

  beforeEach(async () => {
    dispatched = [];
    h.clock.set(utc('2026-11-29T12:00:00Z'));
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'UTC' });
    await new SettingsService(h.ctx()).update('job', { enable: true });
  });

  // Each test sees only its own jobs fire.
  afterEach(async () => {
    await h.em().nativeUpdate(Job, {}, { enabled: false, nextRunAt: null });
  });

  it('fires a daily job once a day at its local time in the management time zone', async () => {
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'Asia/Shanghai' });
    // 12:00 UTC is 20:00 in Shanghai; 03:00 Shanghai is 19:00 UTC the day before.
    const id = await job({ cycleType: 1, executionTime: '0 3 * * *' });
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-29T19:00:00.000Z');
    const s = scheduler();

    h.clock.set(utc('2026-11-29T18:59:59.999Z'));
    await s.tick();
    expect(await runs(id)).toHaveLength(0);

    // Three days, two ticks every hour.
    for (let at = utc('2026-11-29T19:00:00Z').getTime(); at < utc('2026-12-02T18:00:00Z').getTime(); at += HOUR) {
      h.clock.set(at);
      await s.tick();
      await s.tick();
    }
    expect(await scheduledTimes(id)).toEqual(['2026-11-29T19:00:00.000Z', '2026-11-30T19:00:00.000Z', '2026-12-01T19:00:00.000Z']);
    const all = await runs(id);
    expect(all.every((r) => r.trigger === 'SCHEDULE')).toBe(true);
    expect(dispatched).toEqual(all.map((r) => r.id));
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-12-02T19:00:00.000Z');
  });

  it('fires a not-repeating job once, at the first match after it is enabled', async () => {
    const id = await job({ cycleType: 0, executionTime: '30 4 * * *', enabled: false });
    expect(await nextRunAt(id)).toBeNull();
    h.clock.set(utc('2026-11-30T06:00:00Z'));
    await new JobService(h.ctx()).setEnabled(id, true);
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-12-01T04:30:00.000Z');
    const s = scheduler();
    for (const at of ['2026-12-01T04:29:00Z', '2026-12-01T04:30:00Z', '2026-12-01T04:31:00Z', '2026-12-02T04:30:00Z', '2026-12-05T04:30:00Z']) {
      h.clock.set(utc(at));
      await s.tick();
    }
    expect(await scheduledTimes(id)).toEqual(['2026-12-01T04:30:00.000Z']);
    expect(await nextRunAt(id)).toBeNull();
  });

  it('does not fire a disabled job', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    await new JobService(h.ctx()).setEnabled(id, false);
    const s = scheduler();
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    await s.tick();
    h.clock.set(utc('2026-11-30T13:00:00Z'));
    await s.tick();
    expect(await runs(id)).toHaveLength(0);
  });

  it('fires nothing while the scheduler switch is off, and resumes at the next fire time, not at once', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    const once = await job({ cycleType: 0, executionTime: '0 14 * * *' });
    await new SettingsService(h.ctx()).update('job', { enable: false });
    const s = scheduler();
    h.clock.set(utc('2026-11-29T15:00:00Z'));
    await s.tick();
    expect(await runs(id)).toHaveLength(0);
    expect(await runs(once)).toHaveLength(0);
    // Skipped fire times are not made up when it is switched on again.
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-30T13:00:00.000Z');
    expect((await nextRunAt(once))?.toISOString()).toBe('2026-11-30T14:00:00.000Z');

    await new SettingsService(h.ctx()).update('job', { enable: true });
    await s.tick();
    expect(await runs(id)).toHaveLength(0);
    h.clock.set(utc('2026-11-30T14:00:00Z'));
    await s.tick();
    expect(await scheduledTimes(id)).toEqual(['2026-11-30T13:00:00.000Z']);
    expect(await scheduledTimes(once)).toEqual(['2026-11-30T14:00:00.000Z']);
  });

  it('fires the jobs due in one tick highest priority first', async () => {
    const low = await job({ cycleType: 1, executionTime: '0 13 * * *', priority: 1 });
    const high = await job({ cycleType: 1, executionTime: '0 13 * * *', priority: 9 });
    const mid = await job({ cycleType: 1, executionTime: '0 13 * * *', priority: 5 });
    const negative = await job({ cycleType: 1, executionTime: '0 13 * * *', priority: -3 });
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    await scheduler().tick();
    const created = await h.em().find(JobRun, { jobId: { $in: [low, high, mid, negative] } }, { orderBy: { id: 'asc' } });
    expect(created.map((r) => r.jobId)).toEqual([high, mid, low, negative]);
    expect(dispatched).toEqual(created.map((r) => r.id));
  });

  it('fires fire times missed while it was not running once, for the latest of them', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    const everyMinute = await job({ cycleType: 1, executionTime: '* * * * *' });
    // The gateway was down for three and a half days.
    h.clock.set(utc('2026-12-03T01:00:30Z'));
    const s = scheduler();
    await s.tick();
    await s.tick();
    expect(await scheduledTimes(id)).toEqual(['2026-12-02T13:00:00.000Z']);
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-12-03T13:00:00.000Z');
    expect(await scheduledTimes(everyMinute)).toEqual(['2026-12-03T01:00:00.000Z']);
    expect((await nextRunAt(everyMinute))?.toISOString()).toBe('2026-12-03T01:01:00.000Z');
    h.clock.set(utc('2026-12-03T13:00:00Z'));
    await s.tick();
    expect(await scheduledTimes(id)).toEqual(['2026-12-02T13:00:00.000Z', '2026-12-03T13:00:00.000Z']);
  });

  it('writes nextRunAt once per fire, in the transaction that creates the run', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    const { statements } = await captureSql(() => scheduler().tick());
    expect(statements.filter((sql) => /^update "?job"? set[^]*next_run_at/i.test(sql.trim()))).toHaveLength(1);
    expect(await scheduledTimes(id)).toEqual(['2026-11-29T13:00:00.000Z']);
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-30T13:00:00.000Z');
  });

  it('keeps a fire time due when its run cannot be created, and fires it on the next tick', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    // The database refuses the run (a real failure inside the run's transaction, after the claim).
    await h.em().execute(`create function refuse_run() returns trigger language plpgsql as $$ begin raise exception 'no runs today'; end $$`);
    await h.em().execute('create trigger refuse_run before insert on job_run for each row execute function refuse_run()');
    try {
      await scheduler().tick();
      expect(await runs(id)).toHaveLength(0);
      expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-29T13:00:00.000Z');
    } finally {
      await h.em().execute('drop trigger refuse_run on job_run; drop function refuse_run()');
    }
    h.clock.set(utc('2026-11-29T13:00:01Z'));
    await scheduler().tick();
    expect(await scheduledTimes(id)).toEqual(['2026-11-29T13:00:00.000Z']);
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-30T13:00:00.000Z');
  });

  it('never fires one fire time twice with two schedulers (two gateways) on one database', async () => {
    const second = await MikroORM.init(ormOptions({ clientUrl: h.db.orm.config.get('clientUrl')!, poolMax: 4 }));
    try {
      const ids: number[] = [];
      for (let i = 0; i < 8; i++) ids.push(await job({ cycleType: 1, executionTime: '* * * * *', priority: i % 3 }));
      const a = scheduler();
      const b = scheduler({ orm: second });
      const start = utc('2026-11-29T12:01:00Z').getTime();
      for (let minute = 0; minute < 5; minute++) {
        h.clock.set(start + minute * 60_000);
        await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      }
      for (const id of ids) {
        const times = await scheduledTimes(id);
        expect(times).toEqual(['12:01', '12:02', '12:03', '12:04', '12:05'].map((t) => `2026-11-29T${t}:00.000Z`));
      }
    } finally {
      await second.close(true);
    }
  });

  it.each([
    // The last day of each month at 23:00 in Shanghai (15:00 UTC): 30 Nov, 31 Dec, 31 Jan, 28 Feb.
    [
      '0 23 L * ?',
      'Asia/Shanghai',
      2,
      '2027-03-01',
      ['2026-11-30T15:00:00.000Z', '2026-12-31T15:00:00.000Z', '2027-01-31T15:00:00.000Z', '2027-02-28T15:00:00.000Z'],
    ],
    ['0 3 ? * MON', 'Europe/Paris', 2, '2026-12-15', ['2026-11-30T02:00:00.000Z', '2026-12-07T02:00:00.000Z', '2026-12-14T02:00:00.000Z']],
    ['0 6 1 * ? ', 'UTC', 3, '2027-02-15', ['2026-12-01T06:00:00.000Z', '2027-01-01T06:00:00.000Z', '2027-02-01T06:00:00.000Z']],
  ])('reads %j (the original dashboard forms) in %s', async (executionTime, tz, cycleType, until, expected) => {
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: tz });
    const id = await job({ cycleType, executionTime });
    const s = scheduler();
    for (let at = h.clock.now().getTime(); at <= utc(`${until}T00:00:00Z`).getTime(); at += 12 * HOUR) {
      h.clock.set(at);
      await s.tick();
    }
    expect(await scheduledTimes(id)).toEqual(expected);
  });

  it('goes on with the other jobs when one fails, and parks a job whose expression no longer parses', async () => {
    const broken = await job({ cycleType: 1, executionTime: '0 13 * * *', priority: 9 });
    const good = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    await h.em().execute('update job set execution_time = ? where id = ?', ['0 99 * * *', broken]);
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    await scheduler().tick();
    expect(await runs(broken)).toHaveLength(0);
    expect(await nextRunAt(broken)).toBeNull();
    expect(await runs(good)).toHaveLength(1);
  });

  it('records a run of a job that reaches nothing as NOT_EXECUTE and keeps its schedule', async () => {
    const created = await new JobService(h.ctx()).create({ name: 'empty', cycleType: 1, executionTime: '0 13 * * *' });
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    await scheduler().tick();
    expect((await runs(created.id)).map((r) => r.status)).toEqual(['NOT_EXECUTE']);
    expect((await nextRunAt(created.id))?.toISOString()).toBe('2026-11-30T13:00:00.000Z');
    expect(dispatched).toEqual([]);
  });

  it('sweeps the execution lifecycle after firing, every tick, also when the sweep fails', async () => {
    const order: string[] = [];
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    let calls = 0;
    const s = scheduler({
      dispatcher: { runCreated: () => order.push('dispatch') },
      lifecycle: {
        sweep: async () => {
          order.push('sweep');
          if (++calls === 1) throw new Error('boom');
        },
      },
    });
    h.clock.set(utc('2026-11-29T13:00:00Z'));
    await s.tick();
    await s.tick();
    expect(order).toEqual(['dispatch', 'sweep', 'sweep']);
    expect(await runs(id)).toHaveLength(1);
  });

  it('recomputes pending fire times when the management time zone changes', async () => {
    const id = await job({ cycleType: 1, executionTime: '0 13 * * *' });
    const s = scheduler();
    await s.tick();
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-29T13:00:00.000Z');
    await new SettingsService(h.ctx()).update('general', { managementServerTimeZone: 'Asia/Shanghai' });
    await s.tick();
    // 13:00 in Shanghai is 05:00 UTC.
    expect((await nextRunAt(id))?.toISOString()).toBe('2026-11-30T05:00:00.000Z');
  });

  it('ticks on its timer every tickMs after start, and not after stop', async () => {
    const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
    let sweeps = 0;
    const s = scheduler({
      tickMs: 250,
      lifecycle: { sweep: async () => void sweeps++ },
      setTimer: (fn, ms) => {
        const t = { fn, ms, cancelled: false };
        timers.push(t);
        return () => (t.cancelled = true);
      },
    });
    s.start();
    s.start();
    expect(timers.map((t) => t.ms)).toEqual([250]);
    timers[0].fn();
    await s.tick();
    expect(sweeps).toBe(2);
    // The next tick is armed once the previous one ended.
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers).toHaveLength(2);
    await s.stop();
    expect(timers[1].cancelled).toBe(true);
  });

  it('does not let ticks overlap', async () => {
    let active = 0;
    let maxActive = 0;
    const s = scheduler({
      lifecycle: {
        sweep: async () => {
          maxActive = Math.max(maxActive, ++active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        },
      },
    });
    await Promise.all([s.tick(), s.tick(), s.tick()]);
    expect(maxActive).toBe(1);
  });
});
