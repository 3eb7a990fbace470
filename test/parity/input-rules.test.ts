import { bearer, loginOverGraphql, type Headers } from '../support/auth';
import { call, graphqlCall, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/*
 * One rule set, two doors: the same inputs sent as REST /v1 bodies and as GraphQL mutation
 * variables to one real gateway must get the same outcome, both accepted or both refused naming
 * the same field. Inputs are written in the services' (and GraphQL's) field names; each entity
 * says which fields the REST document names otherwise.
 */

let t: TestGateway;
let session: Headers;
let taskId: number;
/** What the update cases change: one job and one static group made the REST document's way. */
let jobId: number;
let groupId: number;
/** Ids the cases name as `"@name"` (an attribute of each kind, a client to set them on). */
const known: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestGateway();
  session = bearer(await loginOverGraphql(`${t.gateway.url}/graphql`));
  const task = await call<{ taskId: number }>(t.api, 'POST', '/tasks', { taskName: 'parity scripts' });
  taskId = task.body.taskId;
  jobId = (await call<{ jobId: number }>(t.api, 'POST', '/jobs', { jobName: 'parity updates' })).body.jobId;
  const group = { groupName: 'parity static to edit', type: 0, queryProperty: '', queryOperation: '', queryValue: '' };
  groupId = (await call<{ groupId: number }>(t.api, 'POST', '/groups', group)).body.groupId;
  const attribute = async (body: Input) => (await call<{ attributesId: number }>(t.api, 'POST', '/settings/attributes', body)).body.attributesId;
  known.textAttribute = await attribute({ attributeName: 'parity text', type: 0 });
  known.numberAttribute = await attribute({ attributeName: 'parity number', type: 1 });
  known.readOnlyAttribute = await attribute({ attributeName: 'parity read-only', type: 0, readOnly: true });
  known.clientId = (await call<{ clientId: number }>(t.api, 'POST', '/clients', { mqttClientId: 'parity-attributes' })).body.clientId;
  known.jobId = jobId;
});

afterAll(async () => {
  await t?.stop();
});

type Input = Record<string, unknown>;

interface Door {
  /** REST: the method and path, and the body for an input in the services' names. */
  rest: (input: Input) => { method: string; path: string; body: unknown };
  /** GraphQL: the mutation, taking the input as `$input`. */
  mutation: string;
  /** GraphQL's name of each field REST names otherwise (to compare the fields named). */
  restNames?: Record<string, string>;
  /** GraphQL's spelling of a field path REST names otherwise. */
  fromRestPath?: (field: string) => string;
  /** GraphQL's variables for an input (default `{ input }`). */
  variables?: (input: Input) => Record<string, unknown>;
}

/** `{ name: 'x' }` -> `{ jobName: 'x' }` for `restNames: { name: 'jobName' }`. */
const renamed = (input: Input, names: Record<string, string> = {}) => Object.fromEntries(Object.entries(input).map(([k, v]) => [names[k] ?? k, v]));

/** GraphQL's IF branches are `whenTrue`/`whenFalse`, the REST document's `true`/`false`. */
const restScript = (steps: unknown): unknown =>
  Array.isArray(steps)
    ? steps.map((s: Input) => {
        const { whenTrue, whenFalse, conditions, ...rest } = s;
        return {
          ...rest,
          ...(conditions ? { conditions: restScript(conditions) } : {}),
          ...(whenTrue ? { true: restScript(whenTrue) } : {}),
          ...(whenFalse ? { false: restScript(whenFalse) } : {}),
        };
      })
    : steps;

const DOORS: Record<string, Door> = {
  job: {
    rest: (input) => ({ method: 'POST', path: '/jobs', body: renamed(input, DOORS.job.restNames) }),
    mutation: 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }',
    restNames: { name: 'jobName' },
  },
  task: {
    rest: (input) => ({ method: 'POST', path: '/tasks', body: renamed(input, DOORS.task.restNames) }),
    mutation: 'mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }',
    restNames: { name: 'taskName' },
  },
  group: {
    rest: (input) => ({ method: 'POST', path: '/groups', body: renamed(input, DOORS.group.restNames) }),
    mutation: 'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
    restNames: { name: 'groupName' },
  },
  client: {
    rest: (input) => ({ method: 'POST', path: '/clients', body: renamed(input, DOORS.client.restNames) }),
    mutation: 'mutation ($input: CreateClientInput!) { createClient(input: $input) { id } }',
    restNames: { enabled: 'enable' },
  },
  jobUpdate: {
    rest: (input) => ({ method: 'PUT', path: '/jobs', body: { jobId, ...renamed(input, DOORS.jobUpdate.restNames) } }),
    mutation: 'mutation ($input: UpdateJobInput!) { updateJob(input: $input) { id } }',
    restNames: { name: 'jobName' },
  },
  groupUpdate: {
    rest: (input) => ({ method: 'PUT', path: '/groups', body: { groupId, ...renamed(input, DOORS.groupUpdate.restNames) } }),
    mutation: 'mutation ($input: UpdateGroupInput!) { updateGroup(input: $input) { id } }',
    restNames: { name: 'groupName' },
  },
  script: {
    rest: (input) => ({ method: 'POST', path: `/tasks/${taskId}/scripts`, body: restScript(input.steps) }),
    mutation: 'mutation ($taskId: Int!, $input: [StepInput!]!) { saveTaskScript(taskId: $taskId, steps: $input) { id } }',
    fromRestPath: (field) => field.replace(/\.true\[/g, '.whenTrue[').replace(/\.false\[/g, '.whenFalse['),
  },
  generalSettings: {
    rest: (input) => ({ method: 'POST', path: '/settings', body: input }),
    mutation: 'mutation ($input: GeneralSettingsInput!) { updateGeneralSettings(input: $input) { region } }',
  },
  attribute: {
    rest: (input) => ({ method: 'POST', path: '/settings/attributes', body: renamed(input, DOORS.attribute.restNames) }),
    mutation: 'mutation ($input: CreateAttributeInput!) { createAttribute(input: $input) { id } }',
    restNames: { name: 'attributeName' },
  },
  attributeValues: {
    rest: (input) => ({
      method: 'POST',
      path: `/clients/${known.clientId}/attributes`,
      body: (input.values as Input[]).map(({ value, ...rest }) => ({ ...rest, attributeValue: value })),
    }),
    mutation: 'mutation ($clientId: Int!, $input: [ClientAttributeValueInput!]!) { setClientAttributes(clientId: $clientId, values: $input) { id } }',
    fromRestPath: (field) => field.replace(/\.attributeValue$/, '.value'),
    variables: (input) => ({ clientId: known.clientId, input: input.values }),
  },
  association: {
    rest: (input) => ({ method: 'PUT', path: '/config/maintenance', body: input }),
    mutation: 'mutation ($input: AssociationInput!) { associate(input: $input) }',
    // GraphQL names the kinds (JOB, TASK, GROUP, CLIENT) and says `add` for opt 1.
    variables: ({ opt, optionType, targetType, ...rest }) => {
      const kinds = ['JOB', 'TASK', 'GROUP', 'CLIENT'];
      return { input: { ...rest, optionType: kinds[optionType as number], targetType: kinds[targetType as number], add: opt === 1 } };
    },
  },
  jobSettings: {
    rest: (input) => ({ method: 'POST', path: '/jobs/settings', body: input }),
    mutation: 'mutation ($input: JobSettingsInput!) { updateJobSettings(input: $input) { maxConcurrentSession } }',
  },
};

interface Case {
  entity: keyof typeof DOORS;
  what: string;
  /** In the services' names; `@door` in a string becomes `rest` or `graphql` (for unique ids). */
  input: Input;
  /** What GraphQL spells otherwise (enum names for the integers REST sends). */
  graphql?: Input;
  /** The field both refuse (GraphQL's name), or nothing: both accept. */
  refused?: string;
}

const long = (n: number) => 'x'.repeat(n);

const CASES: Case[] = [
  { entity: 'job', what: 'a plain job', input: { name: 'parity job' } },
  { entity: 'job', what: 'a negative priority', input: { name: 'p', priority: -5 } },
  { entity: 'job', what: '5000 retries', input: { name: 'p', maxRetries: 5000 }, refused: 'maxRetries' },
  { entity: 'job', what: '1000 retries', input: { name: 'p', maxRetries: 1000 } },
  { entity: 'job', what: 'an empty name', input: { name: '' }, refused: 'name' },
  { entity: 'job', what: 'a blank name', input: { name: '   ' }, refused: 'name' },
  { entity: 'job', what: 'a name of 256 characters', input: { name: long(256) }, refused: 'name' },
  { entity: 'job', what: 'a NUL in the name', input: { name: 'a\u0000b' }, refused: 'name' },
  { entity: 'job', what: 'a description of 4097 characters', input: { name: 'p', description: long(4097) }, refused: 'description' },
  { entity: 'job', what: 'a cron with hour 25', input: { name: 'p', executionTime: '0 25 * * *' }, refused: 'executionTime' },
  { entity: 'job', what: 'a cron of three fields', input: { name: 'p', executionTime: '* * *' }, refused: 'executionTime' },
  { entity: 'job', what: 'a daily cron', input: { name: 'p', executionTime: '0 2 * * *', cycleType: 1 }, graphql: { cycleType: 'DAILY' } },
  { entity: 'job', what: 'no schedule ("")', input: { name: 'p', executionTime: '' } },
  { entity: 'job', what: 'a negative retryWait', input: { name: 'p', retryWait: -1 }, refused: 'retryWait' },
  { entity: 'job', what: 'a duration of 0', input: { name: 'p', duration: 0 }, refused: 'duration' },
  { entity: 'job', what: 'a fractional priority', input: { name: 'p', priority: 1.5 }, refused: 'priority' },
  { entity: 'job', what: 'a priority past int32', input: { name: 'p', priority: 2 ** 31 }, refused: 'priority' },

  { entity: 'task', what: 'a plain task', input: { name: 'parity task' } },
  { entity: 'task', what: 'a negative priority', input: { name: 'p', priority: -5 } },
  { entity: 'task', what: 'an empty name', input: { name: '' }, refused: 'name' },
  { entity: 'task', what: 'a name of 256 characters', input: { name: long(256) }, refused: 'name' },
  { entity: 'task', what: 'a NUL in the description', input: { name: 'p', description: 'a\u0000b' }, refused: 'description' },

  {
    entity: 'group',
    what: 'a static group with empty query fields (the document example)',
    input: { name: 'parity static', type: 0, queryProperty: '', queryOperation: '', queryValue: '' },
    // GraphQL's enum has no "" value: null is its "none".
    graphql: { type: 'STATIC', queryOperation: null },
  },
  {
    entity: 'group',
    what: 'a dynamic group',
    input: { name: 'parity dynamic', type: 1, queryProperty: 'role', queryOperation: 'EQ', queryValue: 'STORE' },
    graphql: { type: 'DYNAMIC' },
  },
  {
    entity: 'group',
    what: 'a dynamic group with a bad operation',
    input: { name: 'p', type: 1, queryProperty: 'role', queryOperation: 'LIKE', queryValue: 'x' },
    graphql: { type: 'DYNAMIC' },
    refused: 'queryOperation',
  },
  {
    entity: 'group',
    what: 'a dynamic group on an unknown property',
    input: { name: 'p', type: 1, queryProperty: 'shoeSize', queryOperation: 'EQ', queryValue: '1' },
    graphql: { type: 'DYNAMIC' },
    refused: 'queryProperty',
  },
  {
    entity: 'group',
    what: 'a dynamic group without a property',
    input: { name: 'p', type: 1, queryProperty: '', queryOperation: 'EQ', queryValue: '1' },
    graphql: { type: 'DYNAMIC' },
    refused: 'queryProperty',
  },
  {
    entity: 'group',
    what: 'a dynamic group without a value',
    input: { name: 'p', type: 1, queryProperty: 'role', queryOperation: 'EQ' },
    graphql: { type: 'DYNAMIC' },
    refused: 'queryValue',
  },
  { entity: 'group', what: 'an empty name', input: { name: '' }, refused: 'name' },

  { entity: 'jobUpdate', what: 'a new priority', input: { priority: 3 } },
  { entity: 'jobUpdate', what: 'null where null means nothing (unchanged)', input: { priority: null, enabled: null, name: null } },
  { entity: 'jobUpdate', what: 'an empty name', input: { name: '' }, refused: 'name' },
  { entity: 'jobUpdate', what: '5000 retries', input: { maxRetries: 5000 }, refused: 'maxRetries' },
  { entity: 'jobUpdate', what: 'a bad cron', input: { executionTime: '61 * * * *' }, refused: 'executionTime' },
  { entity: 'jobUpdate', what: 'removing the schedule (null)', input: { executionTime: null } },

  {
    entity: 'groupUpdate',
    what: 'the static group sent back with its empty query fields',
    input: { name: 'parity static edited', type: 0, queryProperty: '', queryOperation: '', queryValue: '' },
    graphql: { type: 'STATIC', queryOperation: null },
  },
  {
    entity: 'groupUpdate',
    what: 'turning it dynamic without a query',
    input: { type: 1 },
    graphql: { type: 'DYNAMIC' },
    refused: 'queryProperty',
  },

  { entity: 'client', what: 'a plain client', input: { mqttClientId: 'parity-@door' } },
  { entity: 'client', what: 'an empty mqttClientId', input: { mqttClientId: '' }, refused: 'mqttClientId' },
  { entity: 'client', what: 'a NUL in the mqttClientId', input: { mqttClientId: 'a\u0000b' }, refused: 'mqttClientId' },
  { entity: 'client', what: 'an ip that is not one', input: { mqttClientId: 'parity-ip-@door', ip: 'not-an-ip' }, refused: 'ip' },
  { entity: 'client', what: 'an IPv6 address', input: { mqttClientId: 'parity-v6-@door', ip: '::1' } },
  { entity: 'client', what: 'an unknown role', input: { mqttClientId: 'parity-role-@door', role: 'KING' }, refused: 'role' },
  { entity: 'client', what: 'a username of 256 characters', input: { mqttClientId: 'parity-u-@door', username: long(256) }, refused: 'username' },

  { entity: 'script', what: 'a copy step', input: { steps: [{ type: 'COPY_FILE', filePath: '/a', targetFilePath: '/b' }] } },
  { entity: 'script', what: 'a copy step without a target', input: { steps: [{ type: 'COPY_FILE', filePath: '/a' }] }, refused: '[0].targetFilePath' },
  { entity: 'script', what: 'an unknown step type', input: { steps: [{ type: 'FORMAT_DISK', filePath: '/' }] }, refused: '[0].type' },
  { entity: 'script', what: 'negative retries', input: { steps: [{ type: 'DELETE_FILE', filePath: '/a', retryTimes: -1 }] }, refused: '[0].retryTimes' },
  { entity: 'script', what: 'a NUL in a path', input: { steps: [{ type: 'DELETE_FILE', filePath: '/a\u0000' }] }, refused: '[0].filePath' },
  { entity: 'script', what: 'a broadcast without groups', input: { steps: [{ type: 'BROADCAST', filePath: '/a' }] }, refused: '[0].groups' },
  {
    entity: 'script',
    what: 'an IF without a condition',
    input: { steps: [{ type: 'IF', whenTrue: [{ type: 'DELETE_FILE', filePath: '/a' }] }] },
    refused: '[0].conditions',
  },
  {
    entity: 'script',
    what: 'a bad step inside an IF branch',
    input: {
      steps: [
        { type: 'DELETE_FILE', filePath: '/a' },
        {
          type: 'IF',
          conditions: [{ type: 'GET_FILE_STATUS', filePath: '/a' }],
          whenTrue: [{ type: 'DELETE_FILE', filePath: '/b' }],
          whenFalse: [
            { type: 'DELETE_FILE', filePath: '/c' },
            { type: 'COPY_FILE', filePath: '/d' },
          ],
        },
      ],
    },
    refused: '[1].whenFalse[1].targetFilePath',
  },

  { entity: 'attribute', what: 'a plain attribute', input: { name: 'parity attribute @door' } },
  { entity: 'attribute', what: 'an empty name', input: { name: '' }, refused: 'name' },
  { entity: 'attribute', what: 'a name of 256 characters', input: { name: long(256) }, refused: 'name' },
  { entity: 'attribute', what: 'a default value of 4097 characters', input: { name: 'parity long @door', defaultValue: long(4097) }, refused: 'defaultValue' },
  {
    entity: 'attribute',
    what: 'a NUMBER with a default that is no number',
    input: { name: 'parity ten @door', type: 1, defaultValue: 'ten' },
    graphql: { type: 'NUMBER' },
    refused: 'defaultValue',
  },
  {
    entity: 'attribute',
    what: 'a BOOLEAN defaulting to "true"',
    input: { name: 'parity flag @door', type: 2, defaultValue: 'true' },
    graphql: { type: 'BOOLEAN' },
  },

  { entity: 'attributeValues', what: 'a number for a NUMBER', input: { values: [{ attributeId: '@numberAttribute', value: '12' }] } },
  { entity: 'attributeValues', what: 'null (clears the value)', input: { values: [{ attributeId: '@textAttribute', value: null }] } },
  { entity: 'attributeValues', what: 'text for a NUMBER', input: { values: [{ attributeId: '@numberAttribute', value: 'ten' }] }, refused: '[0].value' },
  {
    entity: 'attributeValues',
    what: 'a value of 4097 characters',
    input: {
      values: [
        { attributeId: '@textAttribute', value: 'a' },
        { attributeId: '@textAttribute', value: long(4097) },
      ],
    },
    refused: '[1].value',
  },
  { entity: 'attributeValues', what: 'an attribute id of 0', input: { values: [{ attributeId: 0, value: 'x' }] }, refused: '[0].attributeId' },
  {
    entity: 'attributeValues',
    what: 'a read-only attribute',
    input: { values: [{ attributeId: '@readOnlyAttribute', value: 'x' }] },
    refused: '[0].attributeId',
  },

  {
    entity: 'association',
    what: 'a client bound to a job',
    input: { optionType: 3, optionIds: ['@clientId'], targetType: 0, targetId: '@jobId', opt: 1 },
  },
  {
    entity: 'association',
    what: 'a target id of 0',
    input: { optionType: 3, optionIds: ['@clientId'], targetType: 0, targetId: 0, opt: 1 },
    refused: 'targetId',
  },
  {
    entity: 'association',
    what: 'an option id of 0',
    input: { optionType: 3, optionIds: [0], targetType: 0, targetId: '@jobId', opt: 1 },
    refused: 'optionIds[0]',
  },
  {
    entity: 'association',
    what: 'a pair that does not exist',
    input: { optionType: 1, optionIds: [1], targetType: 3, targetId: '@clientId', opt: 1 },
    refused: 'targetType',
  },

  { entity: 'generalSettings', what: 'a region', input: { region: 'north' } },
  { entity: 'generalSettings', what: 'an adminTimeOut of 0', input: { adminTimeOut: 0 }, refused: 'adminTimeOut' },
  { entity: 'generalSettings', what: 'an unknown time zone', input: { managementServerTimeZone: 'Mars/Olympus' }, refused: 'managementServerTimeZone' },
  { entity: 'jobSettings', what: 'maxConcurrentSession 0', input: { maxConcurrentSession: 0 }, refused: 'maxConcurrentSession' },
];

/** `@door` -> the door's name, in every string of the input; a whole string `"@name"` -> the id `known.name`. */
function forDoor(input: Input, door: 'rest' | 'graphql'): Input {
  const json = JSON.stringify(input).replace(/"@(\w+)"/g, (whole, name: string) => (name in known ? String(known[name]) : whole));
  return JSON.parse(json.replaceAll('@door', door)) as Input;
}

async function throughRest(c: Case): Promise<string> {
  const door = DOORS[c.entity];
  const { method, path, body } = door.rest(forDoor(c.input, 'rest'));
  const answer = await call<{ code?: string; field?: string }>(t.api, method, path, body);
  if (answer.status === 200) return 'accepted';
  if (answer.status !== 400 || answer.body.code !== 'INVALID_INPUT') return `status ${answer.status} ${JSON.stringify(answer.body)}`;
  const graphqlName = Object.entries(door.restNames ?? {}).find(([, rest]) => rest === answer.body.field)?.[0];
  const field = graphqlName ?? answer.body.field ?? '';
  return `refused ${door.fromRestPath ? door.fromRestPath(field) : field}`;
}

async function throughGraphql(c: Case): Promise<string> {
  const input = forDoor({ ...c.input, ...c.graphql }, 'graphql');
  const ids: Record<string, number> = { jobUpdate: jobId, groupUpdate: groupId };
  const door = DOORS[c.entity];
  const variables = door.variables
    ? door.variables(input)
    : c.entity === 'script'
      ? { taskId, input: input.steps }
      : { input: ids[c.entity] ? { id: ids[c.entity], ...input } : input };
  const answer = await graphqlCall(t, session, door.mutation, variables);
  if (!answer.errors) return 'accepted';
  const [error] = answer.errors;
  if (error.extensions?.code !== 'BAD_USER_INPUT') return `error ${JSON.stringify(error)}`;
  // The request guard names a variable's field from the variable (`$input.name`); services and
  // coercion errors name it within the input (`name`), as REST does within the body.
  return `refused ${String(error.extensions.field).replace(/^\$input\.?/, '')}`;
}

describe('the same input through REST and GraphQL', () => {
  it.each(CASES.map((c) => [`${c.entity}: ${c.what}`, c] as const))('%s', async (_name, c) => {
    const expected = c.refused ? `refused ${c.refused}` : 'accepted';
    const outcomes = { rest: await throughRest(c), graphql: await throughGraphql(c) };
    expect(outcomes).toEqual({ rest: expected, graphql: expected });
  });
});

describe('a static group made the way the REST document shows it', () => {
  it('stays usable: its clients can be bound and listed, and it reads back as static without a query', async () => {
    const clientId = (await call<{ clientId: number }>(t.api, 'POST', '/clients', { mqttClientId: 'parity-member' })).body.clientId;
    expect((await call(t.api, 'PUT', `/groups/${groupId}/clients`, [clientId])).status).toBe(200);
    const members = await call<{ list: { clientId: number }[]; total: number }>(t.api, 'GET', `/groups/${groupId}/clients`);
    expect(members.body).toMatchObject({ total: 1, list: [{ clientId }] });
    const read = await graphqlCall(t, session, 'query ($id: Int!) { group(id: $id) { type queryProperty queryOperation queryValue } }', { id: groupId });
    expect(read.data?.group).toEqual({ type: 'STATIC', queryProperty: null, queryOperation: null, queryValue: null });
  });
});
