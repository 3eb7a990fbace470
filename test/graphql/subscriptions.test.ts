import { createTestApiKey } from '../support/auth';
import { useGraphqlServer, wsTake } from './support';

describe('GraphQL over WebSocket (graphql-ws)', () => {
  const h = useGraphqlServer();

  it('runs queries and mutations on the same path and port', async () => {
    const ws = h.ws();
    const [created] = await wsTake(ws, { query: 'mutation { createTask(input: { name: "over ws" }) { id name } }' }).results;
    expect(created.data?.createTask.name).toBe('over ws');
    const [read] = await wsTake(ws, { query: '{ tasks { totalCount } }' }).results;
    expect(read.data?.tasks.totalCount).toBe(1);
  });

  it('publishes created, updated and deleted jobs, tasks, groups and clients', async () => {
    const sub = wsTake(h.ws(), { query: 'subscription { entityChanged(entities: [JOB, TASK, GROUP, CLIENT]) { entity action id at } }' }, 8);
    await sub.ready;
    const job = (await h.ok('mutation { createJob(input: { name: "watched" }) { id } }')).createJob.id;
    const task = (await h.ok('mutation { createTask(input: { name: "watched" }) { id } }')).createTask.id;
    const group = (await h.ok('mutation { createGroup(input: { name: "watched" }) { id } }')).createGroup.id;
    const client = (await h.ok('mutation { createClient(input: { mqttClientId: "watched" }) { id } }')).createClient.id;
    await h.ok(`mutation { updateJob(input: { id: ${job}, priority: 1 }) { id } }`);
    await h.ok('mutation { createAttribute(input: { name: "not watched" }) { id } }');
    await h.ok(`mutation { deleteTask(id: ${task}) }`);
    await h.ok(`mutation { deleteGroup(id: ${group}) }`);
    await h.ok(`mutation { deleteClient(id: ${client}) }`);
    const events = (await sub.results).map((r) => r.data?.entityChanged);
    expect(events.map((e) => `${e.entity} ${e.action} ${e.id}`)).toEqual([
      `JOB CREATED ${job}`,
      `TASK CREATED ${task}`,
      `GROUP CREATED ${group}`,
      `CLIENT CREATED ${client}`,
      `JOB UPDATED ${job}`,
      `TASK DELETED ${task}`,
      `GROUP DELETED ${group}`,
      `CLIENT DELETED ${client}`,
    ]);
    expect(new Date(events[0].at).getTime()).toBe(h.clock.now().getTime());
  });

  it('filters client status changes by client', async () => {
    const sub = wsTake(h.ws(), { query: 'subscription { clientStatusChanged(mqttClientId: "shop-7") { clientId mqttClientId status at } }' });
    await sub.ready;
    h.pubsub.publish('CLIENT_STATUS', { clientId: 1, mqttClientId: 'shop-1', status: 'ONLINE', at: 1 });
    h.pubsub.publish('CLIENT_STATUS', { clientId: 7, mqttClientId: 'shop-7', status: 'ONLINE', at: 2 });
    const [event] = await sub.results;
    expect(event.data?.clientStatusChanged).toEqual({ clientId: 7, mqttClientId: 'shop-7', status: 'ONLINE', at: new Date(2).toISOString() });
  });

  it.each([
    ['jobId: 2', { jobId: 2, runId: 20, clientId: 200 }],
    ['runId: 20', { jobId: 2, runId: 20, clientId: 200 }],
    ['clientId: 200', { jobId: 2, runId: 20, clientId: 200 }],
  ])('filters execution progress by %s', async (args, wanted) => {
    const sub = wsTake(h.ws(), { query: `subscription { executionProgress(${args}) { level runId jobId clientId reportId status startTime endTime } }` });
    await sub.ready;
    h.pubsub.publish('EXECUTION_PROGRESS', { level: 'REPORT', jobId: 1, runId: 10, clientId: 100, reportId: 'r-other', status: 'RUNNING', at: 1 });
    h.pubsub.publish('EXECUTION_PROGRESS', { level: 'REPORT', ...wanted, reportId: 'r-wanted', status: 'SUCCESS', startTime: 5, endTime: 9, at: 10 });
    const [event] = await sub.results;
    expect(event.data?.executionProgress).toEqual({
      level: 'REPORT',
      ...wanted,
      reportId: 'r-wanted',
      status: 'SUCCESS',
      startTime: new Date(5).toISOString(),
      endTime: new Date(9).toISOString(),
    });
  });

  it('streams step messages of one report', async () => {
    const sub = wsTake(h.ws(), { query: 'subscription { stepMessage(reportId: "r-1") { reportId stepId message startTime } }' });
    await sub.ready;
    const base = { runId: 1, jobId: 1, clientId: 1, taskId: 1, stepId: 3, startTime: 1000, endTime: 2000 };
    h.pubsub.publish('STEP_MESSAGE', { ...base, reportId: 'r-2', message: 'other' });
    h.pubsub.publish('STEP_MESSAGE', { ...base, reportId: 'r-1', message: 'START' });
    const [event] = await sub.results;
    expect(event.data?.stepMessage).toEqual({ reportId: 'r-1', stepId: 3, message: 'START', startTime: new Date(1000).toISOString() });
  });

  it('refuses a bad subscription with the same codes as HTTP', async () => {
    const [unknown] = await wsTake(h.ws(), { query: 'subscription { entityChanged(entities: [NOPE]) { id } }' }).results;
    expect(unknown.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  describe('shared execution of identical subscriptions', () => {
    const STATUS = 'subscription { clientStatusChanged(mqttClientId: "shop-9") { clientId mqttClientId status at } }';
    /** The gateway's subscription count once it has handled every subscribe sent (a loaded machine takes its time). */
    const liveOnce = async (settled: (live: { groups: number; subscribers: number }) => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!settled(h.mount.liveSubscriptions()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return h.mount.liveSubscriptions();
    };

    it('runs identical subscriptions of one role once and sends the event to each socket', async () => {
      const before = h.mount.liveSubscriptions();
      const subs = [wsTake(h.ws(), { query: STATUS }), wsTake(h.ws(), { query: STATUS }), wsTake(h.ws(), { query: STATUS })];
      await Promise.all(subs.map((s) => s.ready));
      expect(await liveOnce((live) => live.subscribers >= before.subscribers + 3)).toEqual({
        groups: before.groups + 1,
        subscribers: before.subscribers + 3,
      });
      h.pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'shop-9', status: 'ONLINE', at: 3 });
      for (const sub of subs) {
        const [event] = await sub.results;
        expect(event.data?.clientStatusChanged).toEqual({ clientId: 9, mqttClientId: 'shop-9', status: 'ONLINE', at: new Date(3).toISOString() });
      }
      // Each completed on its first event: the shared execution ends with its last subscriber.
      expect(await liveOnce((live) => live.subscribers <= before.subscribers)).toEqual(before);
    });

    it('keeps other roles apart and gives each the answer of its own scope', async () => {
      const viewer = await createTestApiKey(h.db.orm, 'viewer', h.clock);
      const before = h.mount.liveSubscriptions();
      const asAdmin = wsTake(h.ws(), { query: STATUS });
      const asViewer = wsTake(h.ws({ authorization: viewer.headers.authorization }), { query: STATUS });
      await Promise.all([asAdmin.ready, asViewer.ready]);
      expect((await liveOnce((live) => live.subscribers >= before.subscribers + 2)).groups).toBe(before.groups + 2);
      h.pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'shop-9', status: 'OFFLINE', at: 4 });
      const wanted = { clientId: 9, mqttClientId: 'shop-9', status: 'OFFLINE', at: new Date(4).toISOString() };
      expect((await asAdmin.results)[0].data?.clientStatusChanged).toEqual(wanted);
      expect((await asViewer.results)[0].data?.clientStatusChanged).toEqual(wanted);
    });

    it("sends a subscriber of another client nothing of this one's", async () => {
      const other = wsTake(h.ws(), { query: 'subscription { clientStatusChanged(mqttClientId: "shop-10") { mqttClientId status at } }' });
      const watched = wsTake(h.ws(), { query: STATUS });
      await Promise.all([other.ready, watched.ready]);
      h.pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'shop-9', status: 'ONLINE', at: 5 });
      await watched.results;
      h.pubsub.publish('CLIENT_STATUS', { clientId: 10, mqttClientId: 'shop-10', status: 'OFFLINE', at: 6 });
      const [first] = await other.results;
      expect(first.data?.clientStatusChanged).toEqual({ mqttClientId: 'shop-10', status: 'OFFLINE', at: new Date(6).toISOString() });
    });

    it('gives each socket its own operation id in the shared frame', async () => {
      const a = h.ws();
      const b = h.ws();
      const subs = [wsTake(a, { query: STATUS }, 2), wsTake(b, { query: STATUS }, 1), wsTake(a, { query: STATUS }, 1)];
      await Promise.all(subs.map((s) => s.ready));
      h.pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'shop-9', status: 'ONLINE', at: 7 });
      h.pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'shop-9', status: 'OFFLINE', at: 8 });
      const [twice, once, sameSocket] = await Promise.all(subs.map((s) => s.results));
      // (A subscription cancelled after one event may still see the second, sent before its `complete` arrived.)
      expect(twice.slice(0, 2).map((r) => r.data?.clientStatusChanged.status)).toEqual(['ONLINE', 'OFFLINE']);
      expect(once[0].data?.clientStatusChanged.status).toBe('ONLINE');
      expect(sameSocket[0].data?.clientStatusChanged.status).toBe('ONLINE');
    });
  });
});
