import { getNamedType, isLeafType, isObjectType, type GraphQLSchema } from 'graphql';
import { captureSql, useGraphqlServer } from './support';

/**
 * Every field of an object type: leaves as they are, object fields with their `id` (or
 * `__typename`). Fields with required arguments are left out.
 */
function everyField(schema: GraphQLSchema, typeName: string, skip: readonly string[] = []): string {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
  return Object.values(type.getFields())
    .filter((f) => !skip.includes(f.name) && f.args.every((a) => a.defaultValue !== undefined || !String(a.type).endsWith('!')))
    .map((f) => {
      const named = getNamedType(f.type);
      if (isLeafType(named)) return f.name;
      return isObjectType(named) && named.getFields().id ? `${f.name} { id }` : `${f.name} { __typename }`;
    })
    .join(' ');
}

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

/** The run history drill-down: runs, their reports with client and run, task results, step results and messages. */
const RUNS = `query ($pageSize: Int!) {
  runs(pageSize: $pageSize) {
    totalCount
    nodes {
      id jobName reportsCount job { id name }
      reports(pageSize: 5) {
        totalCount
        nodes {
          reportId status client { id mqttClientId } run { id reportsCount }
          tasks { id taskName status steps { id type status messages { message } } }
        }
      }
      failed: reports(status: FAILED) { totalCount }
    }
  }
}`;

describe('GraphQL batching (no N+1)', () => {
  // The nested lists without a size argument (the run drill-down's tasks, steps, messages) count 10
  // items each, and every list item costs more than its fields: lift the cost limit here, this file
  // counts statements.
  const h = useGraphqlServer({ limits: { maxCost: 100_000_000 } });

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
    await conn.execute(
      `insert into job_task (job_id, task_id, position) select j, (j + k) % 100 + 1, k from generate_series(1, 60) j, generate_series(0, 2) k`,
    );
    await conn.execute(`insert into job_group (job_id, group_id) select j, (j + k) % 40 + 1 from generate_series(1, 60) j, generate_series(0, 1) k`);
    await conn.execute(`insert into job_client (job_id, client_id) select j, (j * 7 + k) % 200 + 1 from generate_series(1, 60) j, generate_series(0, 1) k`);
    // 40 runs, each with 3 reports (one FAILED), 2 task results per report, 2 step results per task result, 2 messages per step.
    await conn.execute(`insert into job_run (job_id, job_name, trigger, status, scheduled_at, started_at, deadline_at)
      select g, 'job-' || g, 'MANUAL', 'SUCCESS', now() - g * interval '1 minute', now() - g * interval '1 minute', now() + interval '1 hour' from generate_series(1, 40) g`);
    await conn.execute(`insert into report (report_id, run_id, client_id, status, attempt, created_at)
      select 'rep-' || r.id || '-' || k, r.id, (r.id * 3 + k) % 200 + 1, case when k = 0 then 'FAILED' else 'SUCCESS' end, 0, now() from job_run r, generate_series(0, 2) k`);
    await conn.execute(`insert into task_result (report_id, task_id, task_name, "order", status)
      select p.id, k + 1, 'task-' || (k + 1), k, 'SUCCESS' from report p, generate_series(0, 1) k`);
    await conn.execute(`insert into step_result (task_result_id, step_id, type, "order", step, status, started_at, ended_at)
      select t.id, k + 1, 'DELETE_FILE', k, '{"filePath": "/tmp/x"}', 'SUCCESS', now(), now() from task_result t, generate_series(0, 1) k`);
    await conn.execute(`insert into step_message (step_result_id, seq, start_time, end_time, message)
      select s.id, k, now(), now(), 'line ' || k from step_result s, generate_series(1, 2) k`);
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

  it('reads the dashboard job page (counts, first 5 task names) in one statement: the page with its counts and its tasks', async () => {
    const { result, statements } = await captureSql(() =>
      h.ok(
        'query ($p: Int!) { jobs(pageNo: $p, pageSize: 20) { totalCount nodes { id name tasksCount groupsCount clientsCount tasks(first: 5) { name } } } }',
        { p: 2 },
      ),
    );
    expect(result.jobs.totalCount).toBe(60);
    expect(result.jobs.nodes[0]).toMatchObject({
      id: 21,
      tasksCount: 3,
      groupsCount: 2,
      clientsCount: 2,
      tasks: [{ name: expect.any(String) }, { name: expect.any(String) }, { name: expect.any(String) }],
    });
    expect(statements).toHaveLength(1);
    // Without the counts and the tasks the page is one statement too.
    expect((await captureSql(() => h.ok('{ jobs { nodes { id } } }'))).statements).toHaveLength(1);
  });

  it('gives the same tasks read with the page as through the loader (every field, job order, windows)', async () => {
    const fields = 'id name description priority enabled createdAt lastEditedAt';
    for (const args of ['', '(first: 2)', '(first: 2, offset: 1)', '(first: 0)', '(offset: 5)']) {
      const withPage = await captureSql(() => h.ok(`{ jobs(pageSize: 10) { nodes { id tasksCount tasks${args} { ${fields} } } } }`));
      // Two `tasks` fields (aliases): the look-ahead leaves them to the loader.
      const viaLoader = await captureSql(() =>
        h.ok(`{ jobs(pageSize: 10) { nodes { id tasksCount tasks${args} { ${fields} } again: tasks(first: 1) { id } } } }`),
      );
      expect(withPage.statements).toHaveLength(1);
      expect(viaLoader.statements.length).toBeGreaterThan(1);
      const strip = (r: Record<string, any>) => (r.jobs.nodes as Record<string, unknown>[]).map(({ again: _again, ...rest }) => rest);
      expect(strip(withPage.result)).toEqual(strip(viaLoader.result));
      expect(withPage.result.jobs.nodes.some((n: { tasks: unknown[] }) => n.tasks.length > 0)).toBe(args !== '(first: 0)' && args !== '(offset: 5)');
    }
  });

  it('answers every field of the jobs and their tasks read with the page as a single job query does (field resolvers need only the id)', async () => {
    const schema = h.mount.schema;
    const taskFields = everyField(schema, 'Task');
    const jobFields = everyField(schema, 'Job', ['tasks']);
    const page = await captureSql(() => h.ok(`{ jobs(pageSize: 4) { nodes { ${jobFields} tasks(first: 2) { ${taskFields} } } } }`));
    expect(page.result.jobs.nodes).toHaveLength(4);
    for (const node of page.result.jobs.nodes as { id: number }[]) {
      const single = await h.ok(`query ($id: Int!) { job(id: $id) { ${jobFields} tasks(first: 2) { ${taskFields} } } }`, { id: node.id });
      expect(node).toEqual(single.job);
    }
  });

  it('reads only the columns a page asks for', async () => {
    const { statements } = await captureSql(() => h.ok('{ jobs(pageSize: 3) { nodes { id name tasksCount tasks(first: 2) { name } } } }'));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/json_build_object\('id', t\."id", 'name', t\."name"\)/);
    expect(statements[0]).not.toMatch(/"e"\.\*/);
    expect(statements[0]).not.toMatch(/description/);
  });

  it('does not read the counts of a page when @skip or @include leaves them out', async () => {
    const plain = await captureSql(() => h.ok('{ jobs(pageSize: 3) { nodes { id name } } }'));
    const counted = await captureSql(() => h.ok('{ jobs(pageSize: 3) { nodes { id name tasksCount } } }'));
    const skipped = await captureSql(() => h.ok('{ jobs(pageSize: 3) { nodes { id name tasksCount @skip(if: true) } } }'));
    const excluded = await captureSql(() =>
      h.ok('query ($show: Boolean!) { jobs(pageSize: 3) { nodes { id name groupsCount @include(if: $show) } } }', { show: false }),
    );
    expect(counted.statements).not.toEqual(plain.statements);
    expect(skipped.statements).toEqual(plain.statements);
    expect(excluded.statements).toEqual(plain.statements);
    expect(skipped.result.jobs.nodes[0]).toEqual({ id: expect.any(Number), name: expect.any(String) });
    // Not skipped, the count is read with the page as without the directive.
    const kept = await captureSql(() => h.ok('{ jobs(pageSize: 3) { nodes { id name tasksCount @skip(if: false) } } }'));
    expect(kept.statements).toEqual(counted.statements);
  });

  it('reports invalid nested-list arguments of a page the same way with the look-ahead', async () => {
    const { errors } = await h.gql('{ jobs(pageSize: 3) { nodes { id tasksCount tasks(first: -1) { id } } } }');
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toMatch(/first/);
  });

  it('sends as many SQL statements for 40 runs with their reports, task and step results as for 4', async () => {
    const small = await captureSql(() => h.ok(RUNS, { pageSize: 4 }));
    const large = await captureSql(() => h.ok(RUNS, { pageSize: 40 }));
    expect(small.result.runs.nodes).toHaveLength(4);
    expect(large.result.runs.nodes).toHaveLength(40);
    const run = large.result.runs.nodes[0];
    expect(run).toMatchObject({ reportsCount: 3, job: { id: expect.any(Number) }, reports: { totalCount: 3 }, failed: { totalCount: 1 } });
    expect(run.reports.nodes).toHaveLength(3);
    const report = run.reports.nodes[0];
    expect(report).toMatchObject({ client: { id: expect.any(Number) }, run: { id: run.id, reportsCount: 3 } });
    expect(report.tasks.map((t: { taskName: string }) => t.taskName)).toEqual(['task-1', 'task-2']);
    expect(report.tasks[0].steps).toHaveLength(2);
    expect(report.tasks[0].steps[0].messages).toEqual([{ message: 'line 1' }, { message: 'line 2' }]);
    console.info(`N+1 check: page of 4 runs -> ${small.statements.length} SQL statements, page of 40 runs -> ${large.statements.length}`);
    expect(large.statements.length).toBe(small.statements.length);
    expect(large.statements.length).toBeLessThanOrEqual(15);
  });
});
