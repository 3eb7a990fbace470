import { getIntrospectionQuery, getNamedType, isLeafType, isNonNullType, isObjectType, parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { Gateway } from '../../src/gateway';
import { estimateCost } from '../../src/graphql/cost';
import { DEFAULT_LIMITS } from '../../src/graphql/limits';
import { MAX_STEP_DEPTH } from '../../src/protocol';
import { MAX_SCRIPT_STEPS } from '../../src/services/step-script';

/**
 * The costliest operation of each shape the limits admit (built from the limits, at the bound) and
 * the largest REST answers and bodies, on a gateway whose lists are full: what issue 11's
 * "never blocks the event loop ~100 ms" is about. test/graphql/event-loop-budget.test.ts checks
 * they are admitted and answered; bench/abuse/budget.ts measures the longest block of each.
 */
export const MAX_COST = DEFAULT_LIMITS.maxCost;

/** Every field of `type` that is a leaf and needs no argument: the widest selection of that type. */
function leaves(schema: GraphQLSchema, typeName: string, except: string[] = []): string {
  const type = schema.getType(typeName) as GraphQLObjectType;
  return Object.values(type.getFields())
    .filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined) && !except.includes(f.name))
    .map((f) => f.name)
    .join(' ');
}

/** Every field of `type` without arguments, objects expanded to their leaves: `settings { general { ... } ... }`. */
function wide(schema: GraphQLSchema, typeName: string): string {
  const type = schema.getType(typeName) as GraphQLObjectType;
  return Object.values(type.getFields())
    .filter((f) => !f.args.length)
    .map((f) => {
      const named = getNamedType(f.type);
      return isObjectType(named) ? `${f.name} { ${leaves(schema, named.name)} }` : f.name;
    })
    .join(' ');
}

const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

export const costOf = (schema: GraphQLSchema, query: string) => estimateCost(schema, parse(query), {}, undefined, Number.MAX_SAFE_INTEGER);

/** build(n) for the largest n from 1 to max that the cost limit admits (build must cost more as n grows). */
function atTheBound(schema: GraphQLSchema, build: (n: number) => string, max: number): string {
  let lo = 1;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (costOf(schema, build(mid)) <= MAX_COST) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}

/** Each GraphQL shape at the bound: the most rows, service calls or introspection values one operation may cost. */
export function costliestGraphqlOperations(schema: GraphQLSchema): [string, string][] {
  const at = (build: (n: number) => string, max: number) => atTheBound(schema, build, max);
  const leavesOf = (type: string, except?: string[]) => leaves(schema, type, except);
  return [
    [
      'a page of jobs, every field, with their tasks',
      at((n) => `{ jobs(pageSize: ${n}) { nodes { ${leavesOf('Job', ['upcomingRuns'])} tasks(first: 100) { ${leavesOf('Task', ['script'])} } } } }`, 500),
    ],
    ['pages of clients, every field', at((n) => aliases(n, `clients(pageSize: 500) { totalCount nodes { ${leavesOf('Client')} } }`), 100)],
    ['a page of tasks with their whole scripts', at((n) => `{ tasks(pageSize: ${n}) { nodes { id name script } } }`, 500)],
    ['upcoming runs of a job', at((n) => `{ jobs(pageSize: 1) { nodes { id upcomingRuns(count: ${n}) } } }`, 1000)],
    ['settings, every section, in aliases', at((n) => aliases(n, `settings { ${wide(schema, 'Settings')} }`), 1000)],
    [
      'dashboard figures in aliases',
      at(
        (n) =>
          aliases(
            n,
            `dashboard { reports { ${leavesOf('DashboardReports')} } info { ${leavesOf('DashboardInfo')} } logsCount { ${leavesOf('DashboardLogsCount')} } }`,
          ),
        1000,
      ),
    ],
    [
      'online-clients charts of 2,000 points in aliases',
      at(
        (n) => aliases(n, 'dashboard { onlineClients(from: "2026-01-01T00:00:00Z", to: "2026-01-01T02:00:00Z", intervalSeconds: 4) { time clientCount } }'),
        1000,
      ),
    ],
    ["the IDE's introspection query", getIntrospectionQuery()],
  ];
}

/** A script of `count` steps: IFs of 8 deletes each. */
export function wideScript(count: number): unknown[] {
  const cond = [{ type: 'GET_FILE_STATUS', filePath: 'flag' }];
  return Array.from({ length: count / 10 }, (_, i) => ({
    type: 'IF',
    conditions: cond,
    true: Array.from({ length: 8 }, (_, j) => ({ type: 'DELETE_FILE', filePath: `d/${i}/${j}` })),
  }));
}

/** A script `levels` deep: IFs in IFs around one delete. */
export function deepScript(levels: number): unknown[] {
  let steps: unknown[] = [{ type: 'DELETE_FILE', filePath: 'leaf' }];
  for (let i = 1; i < levels; i++) steps = [{ type: 'IF', conditions: [{ type: 'GET_FILE_STATUS', filePath: 'flag' }], true: steps }];
  return steps;
}

/** The largest REST answers and bodies: [what, method, url, body]. */
export function largestRestRequests(scriptTaskId: number): [string, string, string, string?][] {
  return [
    ['a page of 500 clients', 'GET', '/v1/clients?pageSize=500'],
    ['a page of 500 jobs', 'GET', '/v1/jobs?pageSize=500'],
    [`a script of ${MAX_SCRIPT_STEPS} steps, read`, 'GET', `/v1/tasks/${scriptTaskId}/scripts`],
    [`a script of ${MAX_SCRIPT_STEPS} steps, saved`, 'POST', `/v1/tasks/${scriptTaskId}/scripts`, JSON.stringify(wideScript(MAX_SCRIPT_STEPS))],
    [`a script ${MAX_STEP_DEPTH} levels deep, saved`, 'POST', `/v1/tasks/${scriptTaskId + 1}/scripts`, JSON.stringify(deepScript(MAX_STEP_DEPTH))],
  ];
}

/**
 * Full lists: every page and nested list holds as many rows as it may return (100 tasks, 500 jobs
 * of all 100 tasks, 500 clients), and one task holds the largest script. Returns that task's id.
 */
export async function seedFullLists(gateway: Gateway, saveScript: (taskId: number, body: string) => Promise<number>): Promise<number> {
  const em = gateway.db.orm.em.fork();
  await em.execute(
    `insert into task (name, description, created_at, last_edited_at) select 'task ' || i, repeat('d', 40), now(), now() from generate_series(1, 100) i`,
  );
  await em.execute(
    `insert into job (name, description, cycle_type, execution_time, created_at, last_edited_at, next_run_at) select 'job ' || i, repeat('d', 40), 1, '0 * * * * ?', now(), now(), now() + interval '1 minute' from generate_series(1, 500) i`,
  );
  await em.execute(`insert into job_task (job_id, task_id, position) select j.id, t.id, t.id from job j cross join task t`);
  await em.execute(
    `insert into client (mqtt_client_id, hostname, created_at, updated_at) select 'c-' || i, 'host-' || i, now(), now() from generate_series(1, 500) i`,
  );
  const scriptTaskId = (await em.execute<{ id: number }[]>('select min(id) as id from task'))[0].id;
  const status = await saveScript(scriptTaskId, JSON.stringify(wideScript(MAX_SCRIPT_STEPS)));
  if (status !== 200) throw new Error(`saving the largest script answered ${status}`);
  return scriptTaskId;
}
