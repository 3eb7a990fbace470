import { Client, Group, JobRun, OnlineSample, Report, Task, TaskResult, type ExecutionStatus } from '../../src/entities';
import { BindingService } from '../../src/services/binding.service';
import { DashboardService, MAX_CALENDAR_ENTRIES } from '../../src/services/dashboard.service';
import { JobService } from '../../src/services/job.service';
import { SettingsService } from '../../src/services/settings.service';
import { useServiceHarness } from '../support/services';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 3, 1, 0, 0);

describe('DashboardService', () => {
  const h = useServiceHarness();
  const dashboard = () => new DashboardService(h.ctx());

  describe('counts', () => {
    beforeAll(async () => {
      h.clock.set(T0 + 10 * DAY);
      const em = h.em();
      const clients = [
        em.create(Client, { mqttClientId: 'd-1', enable: true, status: 'ONLINE' }),
        em.create(Client, { mqttClientId: 'd-2', enable: true, status: 'OFFLINE' }),
        em.create(Client, { mqttClientId: 'd-3', enable: false, status: 'ONLINE' }),
      ];
      em.create(Group, { name: 'dg' });
      em.create(Task, { name: 'dt' });
      await em.flush();
      await new JobService(h.ctx()).create({ name: 'dj' });
      const run = (status: ExecutionStatus, at: number) =>
        em.create(JobRun, { jobId: 1, jobName: 'dj', status, scheduledAt: new Date(at), startedAt: new Date(at), deadlineAt: new Date(at + HOUR) });
      const runs = [
        run('SUCCESS', T0),
        run('FAILED', T0 + DAY),
        run('FAILED', T0 + 9.5 * DAY),
        run('NOT_EXECUTE', T0 + 9.6 * DAY),
        run('RUNNING', T0 + 9.9 * DAY),
      ];
      const report = (r: JobRun, c: Client, status: ExecutionStatus, endedAt: number | null) =>
        em.create(Report, {
          reportId: `d-${r.startedAt.getTime()}-${c.mqttClientId}`,
          run: r,
          client: c,
          status,
          createdAt: r.startedAt,
          endedAt: endedAt === null ? null : new Date(endedAt),
        });
      const old = report(runs[1], clients[0], 'FAILED', T0 + DAY + HOUR);
      report(runs[2], clients[0], 'FAILED', T0 + 9.5 * DAY + HOUR);
      report(runs[2], clients[1], 'SUCCESS', T0 + 9.5 * DAY + HOUR);
      em.create(TaskResult, { report: old, taskId: 1, taskName: 'dt' });
      await em.flush();
    });

    it('aggregates clients, configuration and runs by status', async () => {
      expect(await dashboard().reports()).toEqual({
        clients: 3,
        groups: 1,
        jobs: 1,
        tasks: 1,
        clientsOnline: 2,
        clientsOffline: 1,
        clientsDisabled: 1,
        jobFailed: 2,
        jobSuccess: 1,
        jobNotExecuted: 1,
      });
      expect(await dashboard().reports({ startAt: T0 + 2 * DAY })).toMatchObject({ jobFailed: 1, jobSuccess: 0, jobNotExecuted: 1, clients: 3 });
      await expect(dashboard().reports({ startAt: Number.NaN })).rejects.toMatchObject({ field: 'startAt' });
    });

    it('gives the basic info with task history and recent alerts', async () => {
      // The failure of day 1 is older than 24 h; the one of day 9.5 is not.
      expect(await dashboard().basicInfo()).toEqual({ clients: 3, tasks: 1, jobs: 1, groups: 1, tasksHistory: 1, alerts: 1 });
    });

    it('counts client and job logs, since a time when given', async () => {
      expect(await dashboard().logsCount()).toEqual({ clients: 3, jobs: 5 });
      expect(await dashboard().logsCount({ startAt: T0 + 2 * DAY })).toEqual({ clients: 2, jobs: 3 });
    });
  });

  describe('online clients chart', () => {
    beforeAll(async () => {
      const em = h.em();
      const sample = (at: number, count: number) => em.create(OnlineSample, { time: new Date(at), count });
      sample(T0 - HOUR, 4);
      sample(T0 + 10 * 60_000, 5);
      sample(T0 + 20 * 60_000, 9);
      sample(T0 + 50 * 60_000, 7);
      sample(T0 + 3 * HOUR + 1, 2);
      await em.flush();
    });

    it('buckets samples by interval, peak per bucket, carrying the last count over empty buckets', async () => {
      const points = await dashboard().onlineClients({ startTime: T0, endTime: T0 + 4 * HOUR, interval: HOUR });
      expect(points.map((p) => [p.time.getTime() - T0, p.clientCount])).toEqual([
        [0, 9],
        [HOUR, 7],
        [2 * HOUR, 7],
        [3 * HOUR, 2],
      ]);
      const before = await dashboard().onlineClients({ startTime: T0 - 30 * 60_000, endTime: T0, interval: 15 * 60_000 });
      expect(before.map((p) => p.clientCount)).toEqual([4, 4]);
      const none = await dashboard().onlineClients({ startTime: T0 - 10 * DAY, endTime: T0 - 9 * DAY, interval: 12 * HOUR });
      expect(none.map((p) => p.clientCount)).toEqual([0, 0]);
    });

    it('defaults to the last 24 hours in hourly points and refuses bad ranges', async () => {
      h.clock.set(T0 + 4 * HOUR);
      const points = await dashboard().onlineClients();
      expect(points).toHaveLength(24);
      expect(points[23]).toEqual({ time: new Date(T0 + 3 * HOUR), clientCount: 2 });
      await expect(dashboard().onlineClients({ interval: 10 })).rejects.toMatchObject({ field: 'interval' });
      await expect(dashboard().onlineClients({ startTime: T0, endTime: T0 + DAY, interval: 1000 })).rejects.toMatchObject({
        field: 'interval',
        message: expect.stringContaining('at most 2000 points'),
      });
      await expect(dashboard().onlineClients({ startTime: T0, endTime: T0 })).rejects.toMatchObject({ field: 'endTime' });
      await expect(dashboard().onlineClients({ startTime: Number.NaN })).rejects.toMatchObject({ field: 'startTime' });
    });
  });

  describe('job calendar', () => {
    const C0 = Date.UTC(2026, 8, 1, 0, 0);
    let jobIds: { daily: number; once: number; off: number };

    beforeAll(async () => {
      h.clock.set(C0);
      const jobs = new JobService(h.ctx());
      const daily = await jobs.create({ name: 'cal-daily', cycleType: 1, executionTime: '0 6 * * *', duration: 1800 });
      const once = await jobs.create({ name: 'cal-once', cycleType: 0, executionTime: '0 12 2 9 *' });
      const off = await jobs.create({ name: 'cal-off', cycleType: 1, executionTime: '0 6 * * *', enabled: false });
      jobIds = { daily: daily.id, once: once.id, off: off.id };
      const em = h.em();
      const c1 = em.create(Client, { mqttClientId: 'cal-1', enable: true });
      const c2 = em.create(Client, { mqttClientId: 'cal-2', enable: false });
      await em.flush();
      await new BindingService(h.ctx()).bindJobClients(daily.id, [c1.id, c2.id]);
      const run = (status: ExecutionStatus, at: number, ended: boolean) =>
        em.create(JobRun, {
          jobId: daily.id,
          jobName: 'cal-daily',
          status,
          trigger: 'SCHEDULE',
          scheduledAt: new Date(at),
          startedAt: new Date(at + 500),
          deadlineAt: new Date(at + 500 + 1800_000),
          endedAt: ended ? new Date(at + 600_000) : null,
        });
      const r1 = run('SUCCESS', C0 - 2 * DAY + 6 * HOUR, true);
      run('NOT_EXECUTE', C0 - DAY + 6 * HOUR, true);
      run('PENDING', C0 - 3 * DAY + 6 * HOUR, false);
      em.create(Report, { reportId: 'cal-r1', run: r1, client: c1 });
      await em.flush();
    });

    it('shows past runs and upcoming fire times between start and end', async () => {
      h.clock.set(C0 + HOUR);
      const entries = await dashboard().scheduledJobs({ start: C0 - 2 * DAY, end: C0 + 2 * DAY });
      const summary = entries.map((e) => [e.jobId, e.startAt.getTime() - C0, e.result, e.clients]);
      expect(summary).toEqual([
        [jobIds.daily, -2 * DAY + 6 * HOUR, 'SUCCESS', 1],
        [jobIds.daily, -DAY + 6 * HOUR, 'FAILED', 0],
        [jobIds.daily, 6 * HOUR, 'UPCOMING', 1],
        [jobIds.daily, DAY + 6 * HOUR, 'UPCOMING', 1],
        [jobIds.once, DAY + 12 * HOUR, 'UPCOMING', 0],
      ]);
      expect(entries[0]).toMatchObject({
        jobName: 'cal-daily',
        actualStartAt: new Date(C0 - 2 * DAY + 6 * HOUR + 500),
        actualEndAt: new Date(C0 - 2 * DAY + 6 * HOUR + 600_000),
      });
      expect(entries[0].endAt.getTime() - entries[0].startAt.getTime()).toBe(1800_000);
      expect(entries[2]).toMatchObject({ runId: null, actualStartAt: null, actualEndAt: null });
      expect(entries[2].endAt.getTime() - entries[2].startAt.getTime()).toBe(1800_000);
      expect(entries.some((e) => e.jobId === jobIds.off)).toBe(false);
    });

    it('shows a pending run as RUNNING, takes `now` and a time zone, and stops upcoming entries when the scheduler is off', async () => {
      const pending = await dashboard().scheduledJobs({ start: C0 - 3 * DAY, end: C0 - 3 * DAY + 12 * HOUR });
      expect(pending.map((e) => [e.result, e.actualEndAt])).toEqual([['RUNNING', null]]);
      const shifted = await dashboard().scheduledJobs({ start: C0, end: C0 + DAY - 1, now: C0 + 7 * HOUR, timeZone: 'Asia/Shanghai' });
      // 06:00 in Shanghai is 22:00 UTC the day before.
      expect(shifted.filter((e) => e.jobId === jobIds.daily).map((e) => e.startAt.getTime() - C0)).toEqual([22 * HOUR]);
      await new SettingsService(h.ctx()).update('job', { enable: false });
      const off = await dashboard().scheduledJobs({ start: C0 - 2 * DAY, end: C0 + 2 * DAY });
      expect(off.map((e) => e.result)).toEqual(['SUCCESS', 'FAILED']);
      await new SettingsService(h.ctx()).update('job', { enable: true });
    });

    it('refuses bad windows', async () => {
      await expect(dashboard().scheduledJobs({ start: C0, end: C0 - 1 })).rejects.toMatchObject({ field: 'end' });
      await expect(dashboard().scheduledJobs({ start: C0, end: C0 + 500 * DAY })).rejects.toMatchObject({
        field: 'end',
        message: expect.stringContaining('400 days'),
      });
      await expect(dashboard().scheduledJobs({ start: undefined as never, end: C0 })).rejects.toMatchObject({ field: 'start' });
      await expect(dashboard().scheduledJobs({ start: C0, end: C0, now: Number.NaN })).rejects.toMatchObject({ field: 'now' });
    });

    it(`refuses a window holding more than ${MAX_CALENDAR_ENTRIES} entries, naming end`, async () => {
      h.clock.set(C0);
      const jobs = new JobService(h.ctx());
      // Six jobs firing every minute: a day holds 6 x 1,440 fire times (1,000 a job at most), more than the bound.
      const minutely = await Promise.all(
        Array.from({ length: 6 }, (_, i) => jobs.create({ name: `cal-minutely-${i}`, cycleType: 1, executionTime: '* * * * *' })),
      );
      try {
        await expect(dashboard().scheduledJobs({ start: C0, end: C0 + DAY })).rejects.toMatchObject({
          field: 'end',
          message: expect.stringContaining(`at most ${MAX_CALENDAR_ENTRIES} runs and fire times`),
        });
        const halfDay = await dashboard().scheduledJobs({ start: C0, end: C0 + 12 * HOUR - 1 });
        // Upcoming entries start after now (C0): 00:01 to 11:59, 719 a job.
        expect(halfDay.filter((e) => e.jobName.startsWith('cal-minutely-'))).toHaveLength(6 * 719);
      } finally {
        for (const job of minutely) await jobs.update(job.id, { enabled: false });
      }
    });
  });
});
