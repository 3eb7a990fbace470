import { useGraphqlServer } from './support';

/** Every query and mutation of the configuration graph, over real HTTP. */
describe('GraphQL configuration graph', () => {
  const h = useGraphqlServer();
  const ids: Record<string, number> = {};

  it('creates, reads, updates, enables and filters clients', async () => {
    const a = await h.ok(
      'mutation { createClient(input: { mqttClientId: "shop-01", username: "alice", ip: "10.0.0.1", role: STORE, enabled: true }) { id mqttClientId role enabled status } }',
    );
    expect(a.createClient).toMatchObject({ mqttClientId: 'shop-01', role: 'STORE', enabled: true, status: 'OFFLINE' });
    ids.shop = a.createClient.id;
    ids.hq = (await h.ok('mutation { createClient(input: { mqttClientId: "hq-01", role: SERVER }) { id } }')).createClient.id;
    expect((await h.ok(`mutation { updateClient(input: { id: ${ids.hq}, username: "root" }) { username } }`)).updateClient.username).toBe('root');
    expect((await h.ok(`mutation { disableClient(id: ${ids.shop}) { enabled } }`)).disableClient.enabled).toBe(false);
    expect((await h.ok(`mutation { enableClient(id: ${ids.shop}) { enabled } }`)).enableClient.enabled).toBe(true);
    expect((await h.ok(`{ client(id: ${ids.shop}) { mqttClientId } }`)).client.mqttClientId).toBe('shop-01');
    expect((await h.ok('{ clientByMqttClientId(mqttClientId: "hq-01") { role } }')).clientByMqttClientId.role).toBe('SERVER');
    const page = await h.ok(
      '{ clients(filter: { mqttClientIdContains: "SHOP", enabled: true }, pageSize: 1) { totalCount nodes { mqttClientId } pageInfo { totalPages hasNextPage } } }',
    );
    expect(page.clients).toEqual({ totalCount: 1, nodes: [{ mqttClientId: 'shop-01' }], pageInfo: { totalPages: 1, hasNextPage: false } });
    expect((await h.ok('{ clients(filter: { role: SERVER }) { nodes { mqttClientId } } }')).clients.nodes).toEqual([{ mqttClientId: 'hq-01' }]);
    const dup = await h.gql('mutation { createClient(input: { mqttClientId: "shop-01" }) { id } }');
    expect(dup.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'mqttClientId' });
  });

  it('defines attributes and sets client values', async () => {
    ids.region = (
      await h.ok('mutation { createAttribute(input: { name: "region", type: STRING, defaultValue: "none" }) { id type display readOnly } }')
    ).createAttribute.id;
    ids.size = (await h.ok('mutation { createAttribute(input: { name: "size", type: NUMBER }) { id } }')).createAttribute.id;
    expect((await h.ok(`mutation { updateAttribute(input: { id: ${ids.size}, display: false }) { display } }`)).updateAttribute.display).toBe(false);
    const set = await h.ok(
      `mutation { setClientAttributes(clientId: ${ids.shop}, values: [{ attributeId: ${ids.region}, value: "north" }]) { attributesCount attributes { attributeName value type } } }`,
    );
    expect(set.setClientAttributes.attributes).toEqual([
      { attributeName: 'region', value: 'north', type: 'STRING' },
      { attributeName: 'size', value: null, type: 'NUMBER' },
    ]);
    const bad = await h.gql(`mutation { setClientAttributes(clientId: ${ids.shop}, values: [{ attributeId: 4242, value: "big" }]) { id } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await h.ok(`{ attribute(id: ${ids.size}) { name } attributes { totalCount } }`)).attributes.totalCount).toBe(2);
    expect((await h.ok(`mutation { deleteAttribute(id: ${ids.size}) }`)).deleteAttribute).toBe(ids.size);
  });

  it('manages static and dynamic groups and their members', async () => {
    ids.stores = (await h.ok('mutation { createGroup(input: { name: "stores" }) { id type } }')).createGroup.id;
    const dyn = await h.ok(
      'mutation { createGroup(input: { name: "north", type: DYNAMIC, queryProperty: "region", queryOperation: EQ, queryValue: "north" }) { id type clientsCount clients { mqttClientId } } }',
    );
    expect(dyn.createGroup).toMatchObject({ type: 'DYNAMIC', clientsCount: 1, clients: [{ mqttClientId: 'shop-01' }] });
    ids.north = dyn.createGroup.id;
    const bound = await h.ok(`mutation { bindGroupClients(groupId: ${ids.stores}, clientIds: [${ids.shop}, ${ids.hq}]) { clientsCount } }`);
    expect(bound.bindGroupClients.clientsCount).toBe(2);
    expect(
      (await h.ok(`mutation { unbindGroupClients(groupId: ${ids.stores}, clientIds: [${ids.hq}]) { clientsCount } }`)).unbindGroupClients.clientsCount,
    ).toBe(1);
    const refused = await h.gql(`mutation { bindGroupClients(groupId: ${ids.north}, clientIds: [${ids.hq}]) { id } }`);
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      (await h.ok(`mutation { bindClientGroups(clientId: ${ids.hq}, groupIds: [${ids.stores}]) { groupsCount groups { name } } }`)).bindClientGroups
        .groupsCount,
    ).toBe(1);
    expect((await h.ok(`mutation { unbindClientGroups(clientId: ${ids.hq}, groupIds: [${ids.stores}]) { groupsCount } }`)).unbindClientGroups.groupsCount).toBe(
      0,
    );
    expect((await h.ok(`mutation { updateGroup(input: { id: ${ids.north}, queryValue: "south" }) { clientsCount } }`)).updateGroup.clientsCount).toBe(0);
    expect((await h.ok(`mutation { updateGroup(input: { id: ${ids.north}, queryValue: "north" }) { clientsCount } }`)).updateGroup.clientsCount).toBe(1);
    expect((await h.ok(`mutation { disableGroup(id: ${ids.north}) { enabled } }`)).disableGroup.enabled).toBe(false);
    expect((await h.ok(`mutation { enableGroup(id: ${ids.north}) { enabled } }`)).enableGroup.enabled).toBe(true);
    expect((await h.ok('mutation { refreshGroups }')).refreshGroups).toEqual([]);
    const groups = await h.ok(`{ groups(filter: { clientId: ${ids.shop} }) { totalCount nodes { name } } g: group(id: ${ids.stores}) { name } }`);
    expect(groups.groups.totalCount).toBe(2);
    const badOp = await h.gql(
      'mutation { createGroup(input: { name: "x", type: DYNAMIC, queryProperty: "nope", queryOperation: EQ, queryValue: "1" }) { id } }',
    );
    expect(badOp.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('manages tasks and their scripts, with IF conditions and branches', async () => {
    ids.task = (await h.ok('mutation { createTask(input: { name: "copy sales", priority: 2 }) { id enabled disableValidation } }')).createTask.id;
    ids.task2 = (await h.ok('mutation { createTask(input: { name: "cleanup" }) { id } }')).createTask.id;
    const saved = await h.ok(
      `mutation ($steps: [StepInput!]!) { saveTaskScript(taskId: ${ids.task}, steps: $steps) { stepsCount steps { id type order conditions { type filePath } whenTrue { type filePath targetFilePath overWrite } whenFalse { type } } } }`,
      {
        steps: [
          {
            type: 'IF',
            conditions: [{ type: 'GET_FILE_STATUS', filePath: '/data/flag' }],
            whenTrue: [{ type: 'COPY_FILE', filePath: '/data/*.csv', targetFilePath: '/out', overWrite: 'COMPARE_OVERWRITE', createFilePath: true }],
            whenFalse: [{ type: 'EXECUTE_FILE', filePath: '/bin/alert.sh', duration: 30 }],
          },
        ],
      },
    );
    expect(saved.saveTaskScript.stepsCount).toBe(4);
    expect(saved.saveTaskScript.steps[0]).toMatchObject({
      type: 'IF',
      conditions: [{ type: 'GET_FILE_STATUS', filePath: '/data/flag' }],
      whenTrue: [{ type: 'COPY_FILE', targetFilePath: '/out', overWrite: 'COMPARE_OVERWRITE' }],
      whenFalse: [{ type: 'EXECUTE_FILE' }],
    });
    const invalid = await h.gql(`mutation { saveTaskScript(taskId: ${ids.task}, steps: [{ type: COPY_FILE, filePath: "/a" }]) { id } }`);
    expect(invalid.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: '[0].targetFilePath' } });
    expect((await h.ok(`mutation { updateTask(input: { id: ${ids.task2}, description: "old files" }) { description } }`)).updateTask.description).toBe(
      'old files',
    );
    expect((await h.ok(`mutation { disableTask(id: ${ids.task2}) { enabled } }`)).disableTask.enabled).toBe(false);
    expect((await h.ok(`mutation { enableTask(id: ${ids.task2}) { enabled } }`)).enableTask.enabled).toBe(true);
    expect((await h.ok('{ tasks(filter: { nameContains: "SALES" }) { totalCount } }')).tasks.totalCount).toBe(1);
  });

  it('manages jobs, binds tasks, groups and clients from both sides, and counts them', async () => {
    const bad = await h.gql('mutation { createJob(input: { name: "nightly", executionTime: "0 25 * * *" }) { id } }');
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'executionTime' });
    expect(bad.errors?.[0].message).toMatch(/hour/);
    ids.job = (
      await h.ok('mutation { createJob(input: { name: "nightly", executionTime: "0 2 * * *", cycleType: DAILY }) { id cycleType nextRunAt } }')
    ).createJob.id;
    ids.job2 = (await h.ok('mutation { createJob(input: { name: "manual" }) { id } }')).createJob.id;
    await h.ok(`mutation { bindJobTasks(jobId: ${ids.job}, taskIds: [${ids.task}, ${ids.task2}]) { tasksCount } }`);
    await h.ok(`mutation { reorderJobTasks(jobId: ${ids.job}, taskIds: [${ids.task2}, ${ids.task}]) { id } }`);
    await h.ok(`mutation { bindJobGroups(jobId: ${ids.job}, groupIds: [${ids.stores}]) { id } }`);
    await h.ok(`mutation { bindJobClients(jobId: ${ids.job}, clientIds: [${ids.hq}]) { id } }`);
    await h.ok(`mutation { bindTaskJobs(taskId: ${ids.task}, jobIds: [${ids.job2}]) { id } }`);
    await h.ok(`mutation { bindGroupJobs(groupId: ${ids.north}, jobIds: [${ids.job2}]) { id } }`);
    await h.ok(`mutation { bindClientJobs(clientId: ${ids.shop}, jobIds: [${ids.job2}]) { id } }`);
    const job = await h.ok(
      `{ job(id: ${ids.job}) { tasksCount groupsCount clientsCount targetClientsCount assignmentsChangedAt tasks { name } groups { name } clients { mqttClientId } targetClients { mqttClientId } upcomingRuns(count: 2) } }`,
    );
    expect(job.job).toMatchObject({
      tasksCount: 2,
      groupsCount: 1,
      clientsCount: 1,
      targetClientsCount: 2,
      tasks: [{ name: 'cleanup' }, { name: 'copy sales' }],
    });
    expect(job.job.upcomingRuns).toHaveLength(2);
    expect(job.job.assignmentsChangedAt).not.toBeNull();
    const task = await h.ok(`{ task(id: ${ids.task}) { jobsCount clientsCount jobs { name } clients { mqttClientId } } }`);
    expect(task.task).toMatchObject({ jobsCount: 2, clientsCount: 2 });
    const client = await h.ok(`{ client(id: ${ids.shop}) { jobsCount tasksCount jobs { name } tasks { name } } }`);
    expect(client.client).toMatchObject({ jobsCount: 2, tasksCount: 2 });
    const group = await h.ok(`{ group(id: ${ids.north}) { jobsCount jobs { name } } }`);
    expect(group.group).toEqual({ jobsCount: 1, jobs: [{ name: 'manual' }] });
    const scoped = await h.ok(`{
      a: jobs(filter: { taskId: ${ids.task} }) { totalCount }
      b: jobs(filter: { clientId: ${ids.shop} }) { totalCount }
      c: jobs(filter: { groupId: ${ids.stores} }) { totalCount }
      d: tasks(filter: { jobId: ${ids.job} }) { nodes { name } }
      e: tasks(filter: { clientId: ${ids.hq} }) { totalCount }
      f: clients(filter: { jobId: ${ids.job} }) { totalCount }
      g: clients(filter: { targetOfJobId: ${ids.job} }) { totalCount }
      h: clients(filter: { taskId: ${ids.task} }) { totalCount }
      i: clients(filter: { groupId: ${ids.stores} }) { totalCount }
      j: groups(filter: { jobId: ${ids.job} }) { totalCount }
    }`);
    expect(scoped).toEqual({
      a: { totalCount: 2 },
      b: { totalCount: 2 },
      c: { totalCount: 1 },
      d: { nodes: [{ name: 'cleanup' }, { name: 'copy sales' }] },
      e: { totalCount: 2 },
      f: { totalCount: 1 },
      g: { totalCount: 2 },
      h: { totalCount: 2 },
      i: { totalCount: 1 },
      j: { totalCount: 1 },
    });
    const two = await h.gql(`{ clients(filter: { jobId: 1, groupId: 1 }) { totalCount } }`);
    expect(two.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.jobId' });
    await h.ok(`mutation { unbindJobTasks(jobId: ${ids.job2}, taskIds: [${ids.task}]) { id } }`);
    await h.ok(`mutation { unbindTaskJobs(taskId: ${ids.task2}, jobIds: [${ids.job}]) { id } }`);
    await h.ok(`mutation { unbindJobGroups(jobId: ${ids.job}, groupIds: [${ids.stores}]) { id } }`);
    await h.ok(`mutation { unbindGroupJobs(groupId: ${ids.north}, jobIds: [${ids.job2}]) { id } }`);
    await h.ok(`mutation { unbindJobClients(jobId: ${ids.job}, clientIds: [${ids.hq}]) { id } }`);
    await h.ok(`mutation { unbindClientJobs(clientId: ${ids.shop}, jobIds: [${ids.job2}]) { id } }`);
    expect((await h.ok(`{ job(id: ${ids.job}) { tasksCount groupsCount clientsCount } }`)).job).toEqual({ tasksCount: 1, groupsCount: 0, clientsCount: 0 });
    expect(
      (await h.ok(`mutation { associate(input: { optionType: CLIENT, optionIds: [${ids.shop}, ${ids.hq}], targetType: JOB, targetId: ${ids.job} }) }`))
        .associate,
    ).toBe(true);
    expect((await h.ok(`{ job(id: ${ids.job}) { clientsCount } }`)).job.clientsCount).toBe(2);
    const pair = await h.gql(`mutation { associate(input: { optionType: TASK, optionIds: [${ids.task}], targetType: GROUP, targetId: ${ids.stores} }) }`);
    expect(pair.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      (await h.ok(`mutation { updateJob(input: { id: ${ids.job}, executionTime: null, priority: 3 }) { executionTime priority nextRunAt } }`)).updateJob,
    ).toEqual({ executionTime: null, priority: 3, nextRunAt: null });
    expect((await h.ok(`mutation { disableJob(id: ${ids.job}) { enabled } }`)).disableJob.enabled).toBe(false);
    expect((await h.ok(`mutation { enableJob(id: ${ids.job}) { enabled } }`)).enableJob.enabled).toBe(true);
  });

  it('sorts the lists by a whitelisted field, either way, scoped or not, and refuses other fields', async () => {
    const sorted = await h.ok(`{
      clientsAsc: clients(orderBy: { field: MQTT_CLIENT_ID }) { nodes { mqttClientId } }
      clientsDesc: clients(orderBy: { field: MQTT_CLIENT_ID, direction: DESC }) { nodes { mqttClientId } }
      ofJob: clients(filter: { jobId: ${ids.job} }, orderBy: { field: USERNAME, direction: DESC }) { nodes { username } }
      groups(orderBy: { field: NAME, direction: DESC }) { nodes { name } }
      jobs(orderBy: { field: NAME }) { nodes { name } }
      byPriority: jobs(orderBy: { field: PRIORITY, direction: DESC }) { nodes { name priority } }
      tasks(orderBy: { field: NAME, direction: DESC }) { nodes { name } }
      attributes(orderBy: { field: NAME, direction: DESC }) { nodes { name } }
      byId: jobs { nodes { name } }
    }`);
    expect(sorted).toEqual({
      clientsAsc: { nodes: [{ mqttClientId: 'hq-01' }, { mqttClientId: 'shop-01' }] },
      clientsDesc: { nodes: [{ mqttClientId: 'shop-01' }, { mqttClientId: 'hq-01' }] },
      ofJob: { nodes: [{ username: 'root' }, { username: 'alice' }] },
      groups: { nodes: [{ name: 'stores' }, { name: 'north' }] },
      jobs: { nodes: [{ name: 'manual' }, { name: 'nightly' }] },
      byPriority: {
        nodes: [
          { name: 'nightly', priority: 3 },
          { name: 'manual', priority: 0 },
        ],
      },
      tasks: { nodes: [{ name: 'copy sales' }, { name: 'cleanup' }] },
      attributes: { nodes: [{ name: 'region' }] },
      byId: { nodes: [{ name: 'nightly' }, { name: 'manual' }] },
    });
    const unknown = await h.gql('{ jobs(orderBy: { field: DESCRIPTION }) { totalCount } }');
    expect(unknown.errors?.[0]).toMatchObject({ message: expect.stringMatching(/JobOrderField/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('runs a job and reads its execution records and the dashboard', async () => {
    await h.ok(`mutation { enableClient(id: ${ids.hq}) { id } }`);
    const run = await h.ok(`mutation { runJob(id: ${ids.job}) { id jobId jobName trigger status reportsCount job { name } } }`);
    expect(run.runJob).toMatchObject({ jobId: ids.job, jobName: 'nightly', trigger: 'MANUAL', reportsCount: 2, job: { name: 'nightly' } });
    const runs = await h.ok(
      `{ runs(filter: { jobId: ${ids.job} }, pageSize: 2) { totalCount nodes { id reportsCount reports(pageSize: 5) { totalCount nodes { reportId mqttClientId status client { mqttClientId } run { id } tasks { taskName status steps { type } } } } } } }`,
    );
    expect(runs.runs.totalCount).toBe(1);
    const report = runs.runs.nodes[0].reports.nodes[0];
    expect(report.tasks[0]).toMatchObject({ taskName: 'copy sales', status: 'PENDING' });
    const one = await h.ok(
      `{ run(id: ${run.runJob.id}) { id } report(reportId: "${report.reportId}") { reportId client { id } } reports(filter: { runId: ${run.runJob.id} }) { totalCount } taskResults(filter: { reportId: "${report.reportId}" }) { totalCount nodes { id taskId } } stepResults(taskId: ${ids.task}, reportId: "${report.reportId}") { totalCount } clientLogOverview { totalCount } taskHistory(filter: { taskName: "copy sales" }) { totalCount nodes { mqttClientId status } } }`,
    );
    expect(one.reports.totalCount).toBe(2);
    expect(one.taskResults.totalCount).toBe(1);
    expect(one.taskHistory.totalCount).toBe(2);
    expect((await h.gql('{ report(reportId: "nope") { reportId } }')).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const refused = await h.gql(`mutation { runJob(id: ${ids.job2}) { id } }`);
    expect(refused.errors?.[0].extensions?.code).toBe('CONFLICT');
    const dash =
      await h.ok(`{ dashboard { reports { clients groups jobs tasks clientsOnline } info { clients tasks jobs groups tasksHistory alerts } logsCount { clients jobs } onlineClients { time clientCount }
      scheduledJobs(from: "2026-11-29T00:00:00Z", to: "2026-12-01T00:00:00Z") { jobId result startAt } } }`);
    expect(dash.dashboard.reports).toMatchObject({ clients: 2, groups: 2, jobs: 2, tasks: 2, clientsOnline: 0 });
    expect(dash.dashboard.info).toMatchObject({ clients: 2, tasks: 2, jobs: 2, groups: 2 });
  });

  it('reads and updates every settings section', async () => {
    const s = await h.ok(
      '{ settings { general { managementServerTimeZone adminTimeOut } job { enable maxConcurrentSession } task { priority } client { autoEnableNewClient } } }',
    );
    expect(s.settings).toMatchObject({ general: { managementServerTimeZone: 'UTC' }, client: { autoEnableNewClient: false } });
    expect(
      (await h.ok('mutation { updateGeneralSettings(input: { managementServerTimeZone: "Asia/Shanghai" }) { managementServerTimeZone } }'))
        .updateGeneralSettings.managementServerTimeZone,
    ).toBe('Asia/Shanghai');
    expect(
      (await h.ok('mutation { updateJobSettings(input: { maxConcurrentSession: 5 }) { maxConcurrentSession } }')).updateJobSettings.maxConcurrentSession,
    ).toBe(5);
    expect((await h.ok('mutation { updateTaskSettings(input: { priority: 7 }) { priority } }')).updateTaskSettings.priority).toBe(7);
    expect(
      (await h.ok('mutation { updateClientSettings(input: { autoEnableNewClient: true }) { autoEnableNewClient } }')).updateClientSettings.autoEnableNewClient,
    ).toBe(true);
    const bad = await h.gql('mutation { updateGeneralSettings(input: { managementServerTimeZone: "Mars/Olympus" }) { region } }');
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managementServerTimeZone' });
    const tooShort = await h.gql('mutation { updateGeneralSettings(input: { adminTimeOut: 0 }) { region } }');
    expect(tooShort.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'adminTimeOut' });
  });

  it('deletes what it created, and answers NOT_FOUND afterwards', async () => {
    expect((await h.ok(`mutation { deleteJob(id: ${ids.job2}) }`)).deleteJob).toBe(ids.job2);
    expect((await h.ok(`mutation { deleteTask(id: ${ids.task2}) }`)).deleteTask).toBe(ids.task2);
    expect((await h.ok(`mutation { deleteGroup(id: ${ids.north}) }`)).deleteGroup).toBe(ids.north);
    expect((await h.ok(`mutation { deleteClient(id: ${ids.hq}) }`)).deleteClient).toBe(ids.hq);
    for (const q of [
      `{ job(id: ${ids.job2}) { id } }`,
      `{ task(id: ${ids.task2}) { id } }`,
      `{ group(id: ${ids.north}) { id } }`,
      `{ client(id: ${ids.hq}) { id } }`,
      '{ attribute(id: 999) { id } }',
      '{ run(id: 999) { id } }',
    ]) {
      expect((await h.gql(q)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    expect((await h.gql(`mutation { deleteJob(id: ${ids.job2}) }`)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
