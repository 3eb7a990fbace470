import { captureSql, useGraphqlServer } from './support';

/** A dashboard page: jobs with their first tasks, groups and clients, and every count. */
const PAGE = `query ($pageSize: Int!) {
  jobs(pageSize: $pageSize) {
    totalCount
    nodes {
      id name tasksCount groupsCount clientsCount targetClientsCount
      tasks(first: 5) { id name stepsCount jobsCount clientsCount steps { id type } }
      groups(first: 5) { id name clientsCount jobsCount clients(first: 3) { id mqttClientId } }
      clients(first: 5) { id mqttClientId groupsCount jobsCount tasksCount attributesCount attributes { attributeName value } groups(first: 2) { id } }
    }
  }
}`;

describe('GraphQL batching (no N+1)', () => {
  const h = useGraphqlServer();

  beforeAll(async () => {
    // 60 jobs, each with 3 tasks (one with a script), 2 groups of 3 clients and 2 direct clients.
    const em = h.db.orm.em.fork();
    const conn = em.getConnection();
    await conn.execute(`insert into attribute (name, type, display, read_only, created_at) values ('region', 0, true, false, now())`);
    await conn.execute(`insert into client (mqtt_client_id, role, enable, status, created_at, updated_at)
      select 'agent-' || g, 'STORE', true, 'OFFLINE', now(), now() from generate_series(1, 200) g`);
    await conn.execute(`insert into client_group (name, type, enabled, created_at, last_edited_at)
      select 'group-' || g, 0, true, now(), now() from generate_series(1, 40) g`);
    await conn.execute(`insert into group_client (group_id, client_id) select g, (g * 3 + k) % 200 + 1 from generate_series(1, 40) g, generate_series(0, 2) k`);
    await conn.execute(`insert into task (name, priority, enabled, disable_validation, created_at, last_edited_at)
      select 'task-' || g, 0, true, false, now(), now() from generate_series(1, 100) g`);
    await conn.execute(`insert into step (task_id, "order", type, block, file_path) select t, 0, 'DELETE_FILE', true, '/tmp/x' from generate_series(1, 100) t`);
    await conn.execute(`insert into job (name, enabled, priority, cycle_type, max_retries, retry_wait, duration, created_at, last_edited_at)
      select 'job-' || g, true, 0, 0, 0, 0, 3600, now(), now() from generate_series(1, 60) g`);
    await conn.execute(`insert into job_task (job_id, task_id, position) select j, (j + k) % 100 + 1, k from generate_series(1, 60) j, generate_series(0, 2) k`);
    await conn.execute(`insert into job_group (job_id, group_id) select j, (j + k) % 40 + 1 from generate_series(1, 60) j, generate_series(0, 1) k`);
    await conn.execute(`insert into job_client (job_id, client_id) select j, (j * 7 + k) % 200 + 1 from generate_series(1, 60) j, generate_series(0, 1) k`);
  });

  it('sends as many SQL statements for 50 jobs as for 5', async () => {
    const small = await captureSql(() => h.ok(PAGE, { pageSize: 5 }));
    const large = await captureSql(() => h.ok(PAGE, { pageSize: 50 }));
    expect(small.result.jobs.nodes).toHaveLength(5);
    expect(large.result.jobs.nodes).toHaveLength(50);
    const first = large.result.jobs.nodes[0];
    expect(first).toMatchObject({ tasksCount: 3, groupsCount: 2, clientsCount: 2 });
    expect(first.tasks).toHaveLength(3);
    expect(first.tasks[0].steps).toEqual([{ id: expect.any(Number), type: 'DELETE_FILE' }]);
    expect(first.groups[0].clients).toHaveLength(3);
    expect(first.clients[0].attributes).toEqual([{ attributeName: 'region', value: null }]);
    // Printed for the report: statements per page size.
    console.info(`N+1 check: page of 5 jobs -> ${small.statements.length} SQL statements, page of 50 jobs -> ${large.statements.length}`);
    expect(large.statements.length).toBe(small.statements.length);
    expect(large.statements.length).toBeLessThanOrEqual(30);
  });
});
