import type { EntityManager } from '@mikro-orm/postgresql';
import { BindingService } from '../../src/services/binding.service';
import { ClientService } from '../../src/services/client.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import type { ServiceContext } from '../../src/services/service-context';
import { TaskService } from '../../src/services/task.service';
import { bearer, createTestUser, loginOverGraphql } from '../support/auth';
import { call, startTestGateway, type TestGateway } from './support/gateway';

/** A job's dry run through both doors: GET /v1/jobs/{jobId}/dry-run and the GraphQL query jobDryRun. */
let t: TestGateway;
let token: string;
const ids = { online: 0, offline: 0, disabled: 0, job: 0, empty: 0, task: 0 };

const ctx = (): ServiceContext => ({ em: t.gateway.db.orm.em.fork() as EntityManager, clock: t.gateway.clock });

async function gql(query: string, variables: Record<string, unknown>, headers = bearer(token)) {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
}

const DRY_RUN = `query ($id: Int!, $first: Int) { jobDryRun(id: $id) {
  jobId jobName enabled enabledTasks onlineCount offlineCount disabledCount nextFireTimes timeZone runnable blockers
  online(first: 10) { mqttClientId status } offline { mqttClientId } disabled(first: $first) { mqttClientId enabled } } }`;

beforeAll(async () => {
  t = await startTestGateway();
  token = await loginOverGraphql(`${t.gateway.url}/graphql`);
  const clients = new ClientService(ctx());
  const tag = Date.now().toString(36);
  ids.online = (await clients.create({ mqttClientId: `dry-online-${tag}`, enable: true })).id;
  ids.offline = (await clients.create({ mqttClientId: `dry-offline-${tag}`, enable: true })).id;
  ids.disabled = (await clients.create({ mqttClientId: `dry-disabled-${tag}`, enable: false })).id;
  // Presence comes from agents; the dry run reads the recorded status, so the test records one.
  await ctx().em.execute(`update client set status = 'ONLINE', connected_at = now() where id = ?`, [ids.online]);
  const task = await new TaskService(ctx()).create({ name: `dry task ${tag}` });
  await new TaskService(ctx()).saveScript(task.id, [{ type: 'DELETE_FILE', filePath: 'tmp/x' }]);
  ids.task = task.id;
  ids.job = (await new JobService(ctx()).create({ name: `dry job ${tag}`, cycleType: 1, executionTime: '30 2 * * *' })).id;
  await new BindingService(ctx()).bindJobTasks(ids.job, [task.id]);
  await new BindingService(ctx()).bindJobClients(ids.job, [ids.online, ids.offline]);
  // The disabled client is reached through a group that also holds a directly bound one: each client counts once.
  const group = await new GroupService(ctx()).create({ groupName: `dry group ${tag}` });
  await new GroupService(ctx()).bindClients(group.id, [ids.online, ids.disabled]);
  await new BindingService(ctx()).bindJobGroups(ids.job, [group.id]);
  ids.empty = (await new JobService(ctx()).create({ name: `dry empty ${tag}` })).id;
});

afterAll(async () => {
  await t?.stop();
});

describe('GET /v1/jobs/{jobId}/dry-run', () => {
  it('sorts the targets into online, offline and disabled, with the next daily fire times', async () => {
    const { status, body } = await call<any>(t.api, 'GET', `/jobs/${ids.job}/dry-run`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ jobId: ids.job, enabled: true, enabledTasks: 1, runnable: true, blockers: [] });
    expect(body.online).toEqual({ count: 1, list: [{ clientId: ids.online, mqttClientId: expect.stringMatching(/^dry-online-/) }] });
    expect(body.offline.list.map((c: any) => c.clientId)).toEqual([ids.offline]);
    expect(body.disabled.list.map((c: any) => c.clientId)).toEqual([ids.disabled]);
    expect(body.nextFireTimes).toHaveLength(5);
    expect(body.timeZone).toBe('UTC');
    // Daily at 02:30 in the management time zone (UTC by default): one day apart, in order.
    for (const [i, ms] of body.nextFireTimes.entries()) {
      expect(new Date(ms).toISOString()).toMatch(/T02:30:00\.000Z$/);
      if (i) expect(ms - body.nextFireTimes[i - 1]).toBe(24 * 3600_000);
    }
  });

  it('runs nothing: no run is created', async () => {
    await call(t.api, 'GET', `/jobs/${ids.job}/dry-run`);
    const rows = await ctx().em.execute<{ n: number }[]>('select count(*)::int as n from job_run where job_id = ?', [ids.job]);
    expect(rows[0].n).toBe(0);
  });

  it('lists at most `limit` clients per category but counts them all, and says why a run would be refused', async () => {
    const limited = await call<any>(t.api, 'GET', `/jobs/${ids.job}/dry-run?limit=0`);
    expect(limited.body.offline).toEqual({ count: 1, list: [] });
    const empty = await call<any>(t.api, 'GET', `/jobs/${ids.empty}/dry-run`);
    expect(empty.status).toBe(200);
    expect(empty.body.runnable).toBe(false);
    expect(empty.body.nextFireTimes).toEqual([]);
    expect(empty.body.blockers).toEqual([
      `job ${ids.empty} has no enabled task: bind or enable a task first`,
      `job ${ids.empty} reaches no enabled client: bind a client or a group with enabled clients first`,
    ]);
  });

  it('answers 404 naming jobId for an unknown job, 400 for a bad limit, 401 without a credential', async () => {
    const missing = await call<any>(t.api, 'GET', '/jobs/999999/dry-run');
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toMatch(/999999/);
    const bad = await call<any>(t.api, 'GET', `/jobs/${ids.job}/dry-run?limit=5000`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/limit/);
    expect((await call(t.base, 'GET', `/jobs/${ids.job}/dry-run`)).status).toBe(401);
  });
});

describe('GraphQL jobDryRun', () => {
  it('answers what REST answers, with the clients as Client objects', async () => {
    const res = await gql(DRY_RUN, { id: ids.job });
    expect(res.errors).toBeUndefined();
    const d = res.data.jobDryRun;
    expect(d).toMatchObject({
      jobId: ids.job,
      enabled: true,
      enabledTasks: 1,
      onlineCount: 1,
      offlineCount: 1,
      disabledCount: 1,
      runnable: true,
      blockers: [],
    });
    expect(d.online).toEqual([{ mqttClientId: expect.stringMatching(/^dry-online-/), status: 'ONLINE' }]);
    expect(d.disabled).toEqual([{ mqttClientId: expect.stringMatching(/^dry-disabled-/), enabled: false }]);
    const rest = await call<any>(t.api, 'GET', `/jobs/${ids.job}/dry-run`);
    expect(d.nextFireTimes.map((s: string) => Date.parse(s))).toEqual(rest.body.nextFireTimes);
    expect(d.timeZone).toBe(rest.body.timeZone);
  });

  it('refuses a bad `first` naming it, and an unknown job as NOT_FOUND', async () => {
    const bad = await gql(DRY_RUN, { id: ids.job, first: -1 });
    expect(bad.errors?.[0].message).toMatch(/first/);
    const missing = await gql(DRY_RUN, { id: 999999 });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('is a read: a viewer may dry-run but not run the job', async () => {
    const viewer = await createTestUser(t.gateway.db.orm, `dry-viewer-${Date.now()}`, 'viewer');
    const viewerToken = await loginOverGraphql(`${t.gateway.url}/graphql`, viewer);
    const read = await gql(DRY_RUN, { id: ids.job }, bearer(viewerToken));
    expect(read.errors).toBeUndefined();
    const run = await gql('mutation ($id: Int!) { runJob(id: $id) { id } }', { id: ids.job }, bearer(viewerToken));
    expect(run.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
