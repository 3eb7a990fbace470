import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/services/paging';
import { call, startTestGateway, type TestGateway } from './support/gateway';

/*
 * What a legacy consumer written against the REST document does, over HTTP only: set up a fleet,
 * a dynamic group, a task with a script, a job; bind; list; count; switch things on and off; run;
 * read the logs; delete.
 */

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});

afterAll(async () => {
  await t?.stop();
});

type Page<T> = { list: T[]; total: number };

/** A call that must succeed: answers the body. */
async function ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await call<T>(t.api, method, path, body);
  if (answer.status !== 200) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

describe('a legacy consumer', () => {
  const ids = { attribute: 0, hq: 0, store1: 0, store2: 0, group: 0, task: 0, job: 0 };

  it('registers attributes and clients', async () => {
    const attribute = await ok('POST', '/settings/attributes', { attributeName: 'region', type: 0, defaultValue: 'north', display: true, readOnly: false });
    expect(attribute).toEqual({ attributeName: 'region', attributesId: expect.any(Number), type: 0, defaultValue: 'north', display: 1, readOnly: 0 });
    ids.attribute = attribute.attributesId;

    const hq = await ok('POST', '/clients', {
      mqttClientId: 'hq-1',
      username: 'hq',
      ip: '10.0.0.1',
      role: 'SERVER',
      enable: true,
      connnectedAt: 0,
      disconnnetedAt: 0,
    });
    expect(hq).toMatchObject({ mqttClientId: 'hq-1', role: 'SERVER', enable: true, status: 'OFFLINE', connnectedAt: null, disconnnetedAt: null });
    ids.hq = hq.clientId;
    ids.store1 = (await ok('POST', '/clients', { mqttClientId: 'store-1', username: 'store1', ip: '10.1.0.1', role: 'STORE', enable: true })).clientId;
    ids.store2 = (await ok('POST', '/clients', { mqttClientId: 'store-2', username: 'store2', ip: '10.1.0.2', role: 'STORE', enable: true })).clientId;

    expect(await ok('POST', `/clients/${ids.store1}/attributes`, [{ clientId: ids.store1, attributeId: ids.attribute, attributeValue: 'south' }])).toEqual({
      desc: null,
    });
    const attrs = await ok<Page<{ attributeName: string; attributeValue: string }>>('GET', `/clients/${ids.store1}/attributes`);
    expect(attrs.list).toEqual([expect.objectContaining({ attributeName: 'region', attributeValue: 'south' })]);
    const list = await ok<Page<{ attributeName: string; type: string }>>('GET', '/settings/attributes');
    expect(list.list).toEqual([expect.objectContaining({ attributeName: 'region', type: 'STRING' })]);
  });

  it('creates a dynamic group whose members follow the attribute', async () => {
    const group = await ok('POST', '/groups', {
      type: 1,
      groupName: 'south stores',
      description: 'by region',
      enabled: true,
      queryProperty: 'region',
      queryOperation: 'EQ',
      queryValue: 'south',
    });
    expect(group).toMatchObject({ type: 1, groupName: 'south stores', queryProperty: 'region', queryOperation: 'EQ', queryValue: 'south', enabled: true });
    ids.group = group.groupId;
    const members = async () => (await ok<Page<{ clientId: number }>>('GET', `/groups/${ids.group}/clients`)).list.map((c) => c.clientId).sort();
    expect(await members()).toEqual([ids.store1]);

    await ok('POST', `/clients/${ids.store2}/attributes`, [{ attributeId: ids.attribute, attributeValue: 'south' }]);
    expect(await members()).toEqual([ids.store1, ids.store2].sort());
    expect((await ok('GET', `/clients/${ids.store2}/groups`)).list).toEqual([{ groupId: ids.group, type: 1, lastEditedAt: expect.any(Number) }]);

    const bind = await call(t.api, 'PUT', `/groups/${ids.group}/clients`, [ids.hq]);
    expect(bind.status).toBe(400);
  });

  it('creates a static group the way the document shows it, with empty query fields', async () => {
    const group = await ok('POST', '/groups', { type: 0, groupName: 'pilot stores', queryProperty: '', queryOperation: '', queryValue: '' });
    expect(group).toMatchObject({ type: 0, groupName: 'pilot stores', queryProperty: null, queryOperation: null, queryValue: null });
    await ok('PUT', `/groups/${group.groupId}/clients`, [ids.store2]);
    expect((await ok<Page<{ clientId: number }>>('GET', `/groups/${group.groupId}/clients`)).list.map((c) => c.clientId)).toEqual([ids.store2]);
    expect((await call(t.api, 'PUT', '/groups', { groupId: group.groupId, groupName: 'pilot stores', queryOperation: '' })).status).toBe(200);
    await ok('DELETE', `/groups/${group.groupId}`);
  });

  it('refuses a dynamic group whose query operation is empty, naming the field', async () => {
    const answer = await call<{ field?: string; message: string }>(t.api, 'POST', '/groups', {
      type: 1,
      groupName: 'no query',
      queryProperty: 'region',
      queryOperation: '',
      queryValue: 'south',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^queryOperation/);
  });

  it('creates a task with a script and reads the script back', async () => {
    const task = await ok('POST', '/tasks', {
      taskName: 'send sales',
      priority: 1,
      disableValidation: false,
      lastRunAt: 0,
      assignmentsChangedAt: 0,
      enabled: true,
      description: 'sales to stores',
    });
    expect(task).toMatchObject({ name: 'send sales', priority: 1, enabled: true, disableValidation: false, lastRunAt: null });
    ids.task = task.taskId;
    const saved = await ok<{ scriptId: number; scriptType: string }[]>('POST', `/tasks/${ids.task}/scripts`, [
      { type: 'COPY_FILE', order: 0, filePath: 'sales/*.csv', targetFilePath: 'outbox', createFilePath: true, overWrite: 'COMPARE_OVERWRITE' },
      {
        type: 'IF',
        order: 1,
        conditions: [{ type: 'GET_FILE_STATUS', order: 0, filePath: 'outbox/ready' }],
        false: [{ type: 'EXECUTE_FILE', order: 0, filePath: 'bin/alert.sh' }],
      },
    ]);
    expect(saved.map((s) => s.scriptType)).toEqual(['COPY_FILE', 'IF']);
    const { script } = await ok<{ script: string }>('GET', `/tasks/${ids.task}/scripts`);
    const tree = JSON.parse(script);
    expect(tree).toEqual([
      expect.objectContaining({
        scriptId: saved[0].scriptId,
        type: 'COPY_FILE',
        filePath: 'sales/*.csv',
        overWrite: 'COMPARE_OVERWRITE',
        retryTimes: 4,
        retryInterval: 20,
      }),
      expect.objectContaining({
        scriptId: saved[1].scriptId,
        type: 'IF',
        conditions: [expect.objectContaining({ type: 'GET_FILE_STATUS' })],
        false: [expect.objectContaining({ type: 'EXECUTE_FILE' })],
      }),
    ]);
    // Saving the script back as read keeps the step ids.
    const again = await ok<{ scriptId: number }[]>('POST', `/tasks/${ids.task}/scripts`, tree);
    expect(again.map((s) => s.scriptId)).toEqual(saved.map((s) => s.scriptId));
    expect((await ok('GET', `/tasks/${ids.task}/countInfo`)).scripts).toBe(4);
  });

  it('creates a job, binds its task, group and a client, and lists and counts them', async () => {
    const job = await ok('POST', '/jobs', {
      jobName: 'nightly',
      description: 'sales',
      enabled: true,
      maxRetries: 2,
      priority: 5,
      cycleType: 1,
      executionTime: '0 2 * * *',
      retryWait: 30,
      lastRunAt: 0,
      assignmentsChangedAt: 0,
    });
    expect(job).toMatchObject({
      jobName: 'nightly',
      enable: true,
      enabled: true,
      maxRetries: 2,
      maxRetryTimes: 2,
      priority: 5,
      cycleType: 1,
      executionTime: '0 2 * * *',
      tasks: 0,
      lastRunAt: null,
    });
    ids.job = job.jobId;

    expect(await ok('PUT', `/jobs/${ids.job}/tasks`, [ids.task])).toBeNull();
    expect(await ok('PUT', `/jobs/${ids.job}/groups`, [ids.group])).toBeNull();
    expect(await ok('PUT', `/clients/${ids.hq}/jobs`, [ids.job])).toBeNull();

    expect(await ok('GET', `/jobs/${ids.job}/countInfo`)).toEqual({ groups: 1, tasks: 1, clients: 1 });
    expect(await ok('GET', `/jobs/${ids.job}/tasks/count`)).toEqual({ count: 1 });
    expect(await ok('GET', `/tasks/${ids.task}/jobs/count`)).toEqual({ count: 1 });
    expect((await ok<Page<{ taskId: number }>>('GET', `/jobs/${ids.job}/tasks`)).list.map((x) => x.taskId)).toEqual([ids.task]);
    expect((await ok<Page<{ groupId: number }>>('GET', `/jobs/${ids.job}/groups`)).list.map((x) => x.groupId)).toEqual([ids.group]);
    expect((await ok<Page<{ clientId: number }>>('GET', `/jobs/${ids.job}/clients`)).list.map((x) => x.clientId)).toEqual([ids.hq]);
    // Reached through the group: the store's jobs and tasks; the task reaches all three clients.
    expect((await ok<Page<{ jobId: number; tasks: number; targetClientGroup: number }>>('GET', `/clients/${ids.store1}/jobs`)).list).toEqual([
      expect.objectContaining({ jobId: ids.job, tasks: 1, targetClientGroup: 1, jobScheduler: 1, maxRetryTime: 2, maxJobDuration: 3600 }),
    ]);
    expect((await ok<Page<{ taskId: number }>>('GET', `/clients/${ids.store1}/tasks`)).list.map((x) => x.taskId)).toEqual([ids.task]);
    expect((await ok<Page<unknown>>('GET', `/tasks/${ids.task}/clients`)).total).toBe(3);
    expect(await ok('GET', `/clients/${ids.store1}/countInfo`)).toEqual({ attributes: 1, jobs: 1, tasks: 1, group: 1 });
    const all = await ok<Page<{ jobId: number; tasks: number; groups: number; clients: number }>>('GET', '/jobs/allInfo');
    expect(all.list).toEqual([{ jobId: ids.job, jobName: 'nightly', tasks: 1, groups: 1, clients: 1, maxRetryTime: 2 }]);
  });

  it('switches jobs, tasks and clients off and on', async () => {
    expect(await ok('PUT', `/jobs/${ids.job}/disable`)).toBe('success');
    expect((await ok('GET', `/jobs/${ids.job}/details`)).general.enabled).toBe(false);
    expect(await ok('PUT', `/jobs/${ids.job}/enable`)).toBe('success');
    expect((await ok('GET', `/jobs/${ids.job}/details`)).general.enabled).toBe(true);

    expect(await ok('PUT', `/tasks/${ids.task}/disable`)).toBe('success');
    expect((await ok('GET', `/tasks/${ids.task}/details`)).enabled).toBe(0);
    expect(await ok('PUT', `/tasks/${ids.task}/enable`)).toBe('success');
    expect((await ok('GET', `/tasks/${ids.task}/details`)).enabled).toBe(1);

    expect(await ok('PUT', `/clients/${ids.store2}/disable`)).toEqual({ desc: null });
    expect((await ok('GET', `/clients/${ids.store2}/details`)).enable).toBe(false);
    expect((await ok<Page<unknown>>('GET', '/clients?enabled=false')).total).toBe(1);
    expect(await ok('PUT', `/clients/${ids.store2}/enable`)).toEqual({ desc: null });

    expect(await ok('PUT', '/jobs', { jobId: ids.job, description: 'sales, edited', lastRunAt: 0 })).toEqual({ desc: 'success' });
    expect((await ok('GET', `/jobs/${ids.job}/details`)).general.description).toBe('sales, edited');
    expect(await ok('PUT', '/tasks', { taskId: ids.task, name: 'send sales v2' })).toEqual({ desc: null });
    expect(await ok('PUT', '/clients', { clientId: ids.hq, username: 'head office' })).toEqual({ desc: null });
    expect((await ok('GET', `/clients/${ids.hq}/details`)).username).toBe('head office');
  });

  it('runs the job and reads its logs', async () => {
    expect(await ok('GET', `/jobs/${ids.job}/run`)).toBe('success');
    const runs = await ok<Page<{ jobId: number; status: string; jobName: string; duration: number }>>('GET', '/logs/jobs?status=ALL');
    expect(runs.list).toEqual([expect.objectContaining({ jobId: ids.job, jobName: 'nightly', duration: 3600 })]);
    const reports = await ok<Page<{ clientId: number; reportId: string }>>('GET', `/logs/jobs/clients?status=ALL&jobId=${ids.job}`);
    expect(reports.list.map((r) => r.clientId).sort()).toEqual([ids.hq, ids.store1, ids.store2].sort());
    const report = reports.list.find((r) => r.clientId === ids.hq)!;
    const tasks = await ok<Page<{ taskId: number; taskName: string }>>(
      'GET',
      `/logs/jobs/clients/tasks?clientId=${ids.hq}&jobId=${ids.job}&reportId=${report.reportId}`,
    );
    expect(tasks.list).toEqual([expect.objectContaining({ taskId: ids.task, taskName: 'send sales v2' })]);
    expect((await ok('GET', `/logs/clients?status=ALL&clientId=${ids.store1}`)).list).toEqual([
      expect.objectContaining({ clientId: ids.store1, mqttClientId: 'store-1', jobId: ids.job, jobName: 'nightly', role: 'STORE' }),
    ]);
    expect((await ok<Page<unknown>>('GET', '/logs/jobs?status=SUCCESS')).total).toBe(0);
    expect(await ok('GET', '/dashboard/logs/count')).toEqual({ clients: 3, jobs: 1 });
  });

  it('pages lists from pageNo 1 with the documented defaults', async () => {
    for (let i = 0; i < 23; i++) await ok('POST', '/clients', { mqttClientId: `bulk-${String(i).padStart(2, '0')}` });
    const first = await ok<Page<unknown>>('GET', '/clients');
    expect(first.total).toBe(26);
    expect(first.list).toHaveLength(DEFAULT_PAGE_SIZE);
    const last = await ok<Page<unknown>>('GET', '/clients?pageNo=3&pageSize=10');
    expect(last.list).toHaveLength(6);
    expect((await ok<Page<unknown>>('GET', `/clients?pageSize=${MAX_PAGE_SIZE}`)).list).toHaveLength(26);
    expect((await ok<Page<unknown>>('GET', '/clients?pageNo=9')).list).toEqual([]);
    expect((await ok<Page<unknown>>('GET', '/clients?mqttClientId=bulk-01&mqttClientId=bulk-02')).total).toBe(2);
    expect((await ok<Page<unknown>>('GET', '/clients?mqttClientIdContain=BULK-1')).total).toBe(10);
  });

  it('removes bindings, then deletes, and the history stays', async () => {
    expect(await ok('PUT', '/config/maintenance', { optionType: 2, optionIds: [ids.group], targetType: 0, targetId: ids.job, opt: 0 })).toEqual({
      optionType: 2,
      optionIds: [ids.group],
      targetType: 0,
      targetId: ids.job,
      opt: 0,
    });
    expect(await ok('GET', `/jobs/${ids.job}/groups/count`)).toEqual({ count: 0 });
    expect(await ok('PUT', `/clients/${ids.hq}/jobs/remove`, [ids.job])).toBeNull();
    expect(await ok('GET', `/jobs/${ids.job}/clients/count`)).toEqual({ count: 0 });
    expect(await ok('PUT', `/tasks/${ids.task}/jobs/remove`, [ids.job])).toBeNull();
    expect(await ok('GET', `/jobs/${ids.job}/tasks/count`)).toEqual({ count: 0 });

    expect(await ok('DELETE', `/jobs/${ids.job}`)).toBe('success');
    expect((await call(t.api, 'GET', `/jobs/${ids.job}/details`)).status).toBe(404);
    expect(await ok('DELETE', `/tasks/${ids.task}`)).toBe('success');
    expect(await ok('DELETE', `/groups/${ids.group}`)).toBe('success');
    expect(await ok('DELETE', `/clients/${ids.store2}`)).toEqual({ clientId: ids.store2 });
    expect((await call(t.api, 'GET', `/clients/${ids.store2}/details`)).status).toBe(404);
    expect(await ok('DELETE', `/settings/attributes/${ids.attribute}`)).toBe('success');
    expect((await ok<Page<unknown>>('GET', '/settings/attributes')).total).toBe(0);

    const runs = await ok<Page<{ jobId: number; jobName: string; LastEditedAt: number | null }>>('GET', '/logs/jobs?status=ALL');
    expect(runs.list).toEqual([expect.objectContaining({ jobId: ids.job, jobName: 'nightly', LastEditedAt: null })]);
    expect((await ok<Page<unknown>>('GET', `/tasks/histories?mqttClientId=hq-1`)).total).toBe(1);
  });

  it('keeps the settings it is given', async () => {
    expect(
      await ok('POST', '/settings', { managementServerTimeZone: 'Asia/Shanghai', communicationServerTimeZone: 'UTC', region: 'cn', adminTimeOut: 15 }),
    ).toEqual({
      managementServerTimeZone: 'Asia/Shanghai',
      communicationServerTimeZone: 'UTC',
      region: 'cn',
      adminTimeOut: 15,
    });
    expect(await ok('POST', '/settings', { region: 'cn-east' })).toMatchObject({ region: 'cn-east', adminTimeOut: 15 });
    expect(await ok('POST', '/jobs/settings', { enable: false, maxRetried: 3, retryWait: 120, maxConcurrentSession: 10 })).toEqual({
      enable: false,
      maxRetried: 3,
      retryWait: 120,
      maxConcurrentSession: 10,
    });
    const job = await ok('POST', '/jobs', { jobName: 'with defaults' });
    expect(job).toMatchObject({ maxRetries: 3, retryWait: 120 });
    expect(await ok('POST', '/clients/settings', { autoEnableNewClient: true })).toMatchObject({ autoEnableNewClient: true });
    const taskSettings = await ok('POST', '/tasks/settings', { enable: false, priority: 7, disableValidation: true });
    expect(taskSettings).toEqual({ enable: false, priority: 7, disableValidation: true, tasksSettingId: expect.stringMatching(/^\d+$/) });
    expect((await ok('GET', '/tasks/settings')).jobsSettingId).toBe(Number(taskSettings.tasksSettingId));
    expect(await ok('POST', '/tasks', { taskName: 'defaults' })).toMatchObject({ enabled: false, priority: 7, disableValidation: true });
  });
});
