import { bearer, loginOverGraphql, type Headers } from '../support/auth';
import { call, graphqlCall, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/*
 * One list per entity, two doors: the same filter sent as a /v1 query and as a GraphQL `filter`
 * to one real gateway must get the same outcome: the same number of rows, or both refused naming
 * the same field, or both NOT_FOUND for an unknown parent. Filters are written in the services'
 * (and GraphQL's) names, times in epoch milliseconds; each list says what the REST document
 * names otherwise.
 */

let t: TestGateway;
let session: Headers;
/** Ids the cases name as `"@name"`. */
const known: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestGateway();
  session = bearer(await loginOverGraphql(`${t.gateway.url}/graphql`));
  const made = async <T>(path: string, body: unknown) => (await call<T>(t.api, 'POST', path, body)).body;
  known.jobId = (await made<{ jobId: number }>('/jobs', { jobName: 'parity list job' })).jobId;
  await made('/jobs', { jobName: 'parity list other', enabled: false });
  known.taskId = (await made<{ taskId: number }>('/tasks', { taskName: 'parity list task' })).taskId;
  known.clientId = (await made<{ clientId: number }>('/clients', { mqttClientId: 'parity-list-a', username: 'north' })).clientId;
  await made('/clients', { mqttClientId: 'parity-list-b', username: 'south' });
  await call(t.api, 'PUT', `/jobs/${known.jobId}/tasks`, [known.taskId]);
  await call(t.api, 'PUT', `/jobs/${known.jobId}/clients`, [known.clientId]);
});

afterAll(async () => {
  await t?.stop();
});

type Filter = Record<string, unknown>;

interface List {
  /** REST: the path (a scope in the filter may move into it) and the filter's query parameters. */
  rest: (filter: Filter) => { path: string; query: Filter };
  /** GraphQL: the list field, taking `$filter`. */
  field: string;
  filterType: string;
  /** The REST parameter of each filter field (`createdAt.gte`: a time bound) REST names otherwise. */
  restNames: Record<string, string>;
}

/** `{ nameContains: 'x', createdAt: { gte: 5 } }` -> `{ jobNameContain: 'x', createAtGte: 5 }`. */
function restQuery(filter: Filter, names: Record<string, string>): Filter {
  const query: Filter = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [bound, ms] of Object.entries(value)) query[names[`${key}.${bound}`] ?? `${key}${bound[0].toUpperCase()}${bound.slice(1)}`] = ms;
    } else query[names[key] ?? key] = value;
  }
  return query;
}

const configurationNames = (entity: 'job' | 'task') => ({
  name: `${entity}Name`,
  nameContains: `${entity}NameContain`,
  'createdAt.gte': 'createAtGte',
  'createdAt.lte': 'createAtLte',
});

/** Scoped lists: the scope moves into the REST path. */
function scoped(base: string, scopes: Record<string, (id: unknown) => string>, names: Record<string, string>) {
  return (filter: Filter) => {
    const scope = Object.keys(scopes).find((key) => key in filter);
    const { [scope ?? '']: id, ...rest } = filter;
    return { path: scope ? scopes[scope](id) : base, query: restQuery(rest, names) };
  };
}

const LISTS: Record<string, List> = {
  jobs: {
    rest: scoped('/jobs', { taskId: (id) => `/tasks/${id}/jobs`, clientId: (id) => `/clients/${id}/jobs` }, configurationNames('job')),
    field: 'jobs',
    filterType: 'JobFilterInput',
    restNames: configurationNames('job'),
  },
  tasks: {
    rest: scoped('/tasks', { jobId: (id) => `/jobs/${id}/tasks`, clientId: (id) => `/clients/${id}/tasks` }, configurationNames('task')),
    field: 'tasks',
    filterType: 'TaskFilterInput',
    restNames: configurationNames('task'),
  },
  clients: {
    rest: scoped(
      '/clients',
      { jobId: (id) => `/jobs/${id}/clients`, taskId: (id) => `/tasks/${id}/clients`, groupId: (id) => `/groups/${id}/clients` },
      { id: 'clientId', usernameContains: 'usernameContain', mqttClientIdContains: 'mqttClientIdContain', 'createdAt.gte': 'createAtGte' },
    ),
    field: 'clients',
    filterType: 'ClientFilterInput',
    restNames: { id: 'clientId', usernameContains: 'usernameContain', mqttClientIdContains: 'mqttClientIdContain', 'createdAt.gte': 'createAtGte' },
  },
};

interface Case {
  list: keyof typeof LISTS;
  what: string;
  filter: Filter;
  /** How many rows both find. */
  total?: number;
  /** The field both refuse (GraphQL's name within the filter). */
  refused?: string;
  /** Both answer NOT_FOUND (an unknown parent). */
  notFound?: true;
}

const long = (n: number) => 'x'.repeat(n);

const CASES: Case[] = [
  { list: 'jobs', what: 'a part of the name', filter: { nameContains: 'PARITY LIST' }, total: 2 },
  { list: 'jobs', what: 'the exact name', filter: { name: 'parity list job' }, total: 1 },
  { list: 'jobs', what: 'disabled ones', filter: { nameContains: 'parity list', enabled: false }, total: 1 },
  { list: 'jobs', what: 'a time window from 0', filter: { nameContains: 'parity list', createdAt: { gte: 0 } }, total: 2 },
  { list: 'jobs', what: 'a negative time bound', filter: { createdAt: { gte: -1 } }, refused: 'createdAt.gte' },
  { list: 'jobs', what: 'a NUL in the name part', filter: { nameContains: 'a\u0000b' }, refused: 'nameContains' },
  { list: 'jobs', what: 'a name part of 10001 characters', filter: { nameContains: long(10_001) }, refused: 'nameContains' },
  { list: 'jobs', what: "a task's jobs", filter: { taskId: '@taskId' }, total: 1 },
  { list: 'jobs', what: 'the jobs reaching a client', filter: { clientId: '@clientId', nameContains: 'other' }, total: 0 },
  { list: 'jobs', what: 'the jobs of an unknown task', filter: { taskId: 999_999 }, notFound: true },

  { list: 'tasks', what: 'the exact name', filter: { name: 'parity list task' }, total: 1 },
  { list: 'tasks', what: 'a NUL in the name', filter: { name: 'a\u0000' }, refused: 'name' },
  { list: 'tasks', what: "a job's tasks", filter: { jobId: '@jobId' }, total: 1 },
  { list: 'tasks', what: 'the tasks reaching a client', filter: { clientId: '@clientId' }, total: 1 },
  { list: 'tasks', what: 'the tasks of an unknown client', filter: { clientId: 999_999 }, notFound: true },

  { list: 'clients', what: 'a part of the username', filter: { usernameContains: 'NOR' }, total: 1 },
  { list: 'clients', what: 'a part of the MQTT client id', filter: { mqttClientIdContains: 'parity-list-' }, total: 2 },
  { list: 'clients', what: 'a client id of 0', filter: { id: 0 }, refused: 'id' },
  { list: 'clients', what: 'a negative creation bound', filter: { createdAt: { gte: -5 } }, refused: 'createdAt.gte' },
  { list: 'clients', what: "a job's clients", filter: { jobId: '@jobId' }, total: 1 },
  { list: 'clients', what: 'the clients a task reaches', filter: { taskId: '@taskId', usernameContains: 'south' }, total: 0 },
  { list: 'clients', what: 'the members of an unknown group', filter: { groupId: 999_999 }, notFound: true },
];

/** A whole string `"@name"` -> the id `known.name`. */
const withIds = (filter: Filter): Filter =>
  JSON.parse(JSON.stringify(filter).replace(/"@(\w+)"/g, (whole, name: string) => (name in known ? String(known[name]) : whole))) as Filter;

async function throughRest(c: Case): Promise<string> {
  const list = LISTS[c.list];
  const { path, query } = list.rest(withIds(c.filter));
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const answer = await call<{ total?: number; code?: string; field?: string }>(t.api, 'GET', `${path}?${search}`);
  if (answer.status === 200) return `total ${answer.body.total}`;
  if (answer.status === 404 && answer.body.code === 'NOT_FOUND') return 'not found';
  if (answer.status !== 400 || answer.body.code !== 'INVALID_INPUT') return `status ${answer.status} ${JSON.stringify(answer.body)}`;
  const field = Object.entries(list.restNames).find(([, rest]) => rest === answer.body.field)?.[0] ?? answer.body.field ?? '';
  return `refused ${field.replace(/(Gte|Lte)$/, (bound) => `.${bound.toLowerCase()}`)}`;
}

/** GraphQL takes the time bounds as ISO dates. */
function graphqlFilter(filter: Filter): Filter {
  return Object.fromEntries(
    Object.entries(filter).map(([key, value]) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? [key, Object.fromEntries(Object.entries(value).map(([bound, ms]) => [bound, new Date(ms as number).toISOString()]))]
        : [key, value],
    ),
  );
}

async function throughGraphql(c: Case): Promise<string> {
  const list = LISTS[c.list];
  const query = `query ($filter: ${list.filterType}) { ${list.field}(filter: $filter) { totalCount } }`;
  const answer = await graphqlCall(t, session, query, { filter: graphqlFilter(withIds(c.filter)) });
  if (!answer.errors) return `total ${answer.data?.[list.field].totalCount}`;
  const [error] = answer.errors;
  if (error.extensions?.code === 'NOT_FOUND') return 'not found';
  if (error.extensions?.code !== 'BAD_USER_INPUT') return `error ${JSON.stringify(error)}`;
  // The service names the field within the argument (`filter.nameContains`); the request guard, within the variable.
  return `refused ${String(error.extensions.field).replace(/^\$?filter\.?/, '')}`;
}

describe('the same list filter through REST and GraphQL', () => {
  it.each(CASES.map((c) => [`${c.list}: ${c.what}`, c] as const))('%s', async (_name, c) => {
    const expected = c.notFound ? 'not found' : c.refused ? `refused ${c.refused}` : `total ${c.total}`;
    const outcomes = { rest: await throughRest(c), graphql: await throughGraphql(c) };
    expect(outcomes).toEqual({ rest: expected, graphql: expected });
  });
});
