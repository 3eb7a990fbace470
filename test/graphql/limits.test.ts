import { getIntrospectionQuery } from 'graphql';
import WebSocket from 'ws';
import { GRAPHQL_CODES } from '../../src/graphql/errors';
import { DEFAULT_LIMITS } from '../../src/graphql/limits';
import { MAX_STEP_DEPTH } from '../../src/protocol';
import { MAX_SCRIPT_STEPS } from '../../src/services/step-script';
import { captureSql, useGraphqlServer, wsTake, type GqlResult } from './support';

/**
 * The limits of docs/graphql.md with their default values, except for the per-socket and answer
 * limits, lowered so that a test reaches them quickly.
 */
const h = useGraphqlServer({ limits: { maxOperationsPerSocket: 5, maxAnswerBytes: 600_000 } });

const LIMIT_CODES = [GRAPHQL_CODES.QUERY_TOO_COMPLEX, GRAPHQL_CODES.QUERY_TOO_LARGE, GRAPHQL_CODES.QUERY_TOO_DEEP, GRAPHQL_CODES.INPUT_TOO_DEEP];

/** A document of `count` aliases of `field`. */
const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** `levels` fragments, each spreading the next twice: 2^levels copies of the last one. */
function fragmentBomb(levels: number): string {
  let text = 'query Bomb { ...F0 }\n';
  for (let i = 0; i < levels; i++) text += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
  return `${text}fragment F${levels} on Query { settings { general { region } } }`;
}

const cond = [{ type: 'GET_FILE_STATUS', filePath: '/flag' }];
function nestedIfs(levels: number): unknown[] {
  let steps: unknown[] = [{ type: 'DELETE_FILE', filePath: '/leaf' }];
  for (let i = 1; i < levels; i++) steps = [{ type: 'IF', conditions: cond, whenTrue: steps }];
  return steps;
}
/** The same as a GraphQL literal. */
function nestedIfsLiteral(levels: number): string {
  return (
    '[{type: IF, conditions: [{type: GET_FILE_STATUS, filePath: "/f"}], whenTrue: '.repeat(levels - 1) +
    '[{type: DELETE_FILE, filePath: "/leaf"}]' +
    '}]'.repeat(levels - 1)
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - started };
}

function codeOf(result: GqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

describe('cost limits that bound cost', () => {
  it.each([20, 24, 40])('refuses a %i-fragment bomb at once, before touching the database', async (levels) => {
    const { result, ms } = await timed(() => captureSql(() => h.gql(fragmentBomb(levels))));
    expect(codeOf(result.result)).toBe(GRAPHQL_CODES.QUERY_TOO_COMPLEX);
    expect(result.statements).toEqual([]);
    // Milliseconds on a quiet machine; the bound leaves room for a loaded CI one.
    expect(ms).toBeLessThan(5_000);
  });

  it.each([
    ['2,500 aliases of dashboard { reports }', aliases(2_500, 'dashboard { reports { clients } }')],
    ['200 aliases of dashboard { reports }', aliases(200, 'dashboard { reports { clients } }')],
    ['5,000 aliases of settings', aliases(5_000, 'settings { general { region } }')],
    ['101 aliases of settings', aliases(101, 'settings { general { region } }')],
    ['1,500 aliases of __schema', aliases(1_500, '__schema { types { name fields { name } } }')],
    ['100 aliases of __schema', aliases(100, '__schema { types { name fields { name } } }')],
    ['400 aliases of onlineClients(intervalSeconds: 1)', aliases(400, 'dashboard { onlineClients(intervalSeconds: 1) { time clientCount } }')],
  ])('refuses %s with a code naming the limit, before touching the database', async (_what, query) => {
    const { result, ms } = await timed(() => captureSql(() => h.gql(query)));
    expect(LIMIT_CODES).toContain(codeOf(result.result));
    expect(result.statements).toEqual([]);
    expect(ms).toBeLessThan(5_000);
  });

  it('admits the IDE introspection query and a dashboard page', async () => {
    expect((await h.gql(getIntrospectionQuery())).errors).toBeUndefined();
    expect((await h.gql('{ dashboard { reports { clients } info { __typename } } settings { general { region } } }')).errors).toBeUndefined();
  });

  it('refuses a document over the token limit, naming it', async () => {
    const result = await h.gql(`{ ${'a '.repeat(DEFAULT_LIMITS.maxTokens + 1)} }`);
    expect(codeOf(result)).toBe(GRAPHQL_CODES.QUERY_TOO_LARGE);
    expect(result.errors?.[0].extensions?.maxTokens).toBe(DEFAULT_LIMITS.maxTokens);
  });

  it('replaces an answer over the size limit by an error naming the limit', async () => {
    // The largest script, read back in one value: long paths make it about 700 KB of JSON, within the cost limit.
    const taskId = (await h.ok('mutation { createTask(input: { name: "wide" }) { id } }')).createTask.id;
    const wide = Array.from({ length: MAX_SCRIPT_STEPS / 10 }, (_, i) => ({
      type: 'IF',
      conditions: [{ type: 'GET_FILE_STATUS', filePath: '/flag' }],
      whenTrue: Array.from({ length: 8 }, (_, j) => ({ type: 'DELETE_FILE', filePath: `/d/${i}/${j}/${'x'.repeat(300)}` })),
    }));
    await h.ok('mutation ($taskId: Int!, $steps: [StepInput!]!) { saveTaskScript(taskId: $taskId, steps: $steps) { id } }', { taskId, steps: wide });
    const result = await h.gql(`{ task(id: ${taskId}) { script } }`);
    expect(codeOf(result)).toBe(GRAPHQL_CODES.RESPONSE_TOO_LARGE);
    expect(result.data).toBeUndefined();
  });
});

describe('deep input', () => {
  let taskId: number;
  beforeAll(async () => {
    taskId = (await h.ok('mutation { createTask(input: { name: "deep" }) { id } }')).createTask.id;
  });
  /** POSTs the request as JSON text: JSON.stringify overflows on thousands of levels. */
  const rawGql = async (body: string): Promise<GqlResult> =>
    (
      await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` }, body })
    ).json() as Promise<GqlResult>;
  const save = (steps: unknown) =>
    h.gql('mutation ($taskId: Int!, $steps: [StepInput!]!) { saveTaskScript(taskId: $taskId, steps: $steps) { id } }', { taskId, steps });

  it.each([800, 3_000])('refuses %i nested IFs in variables with INPUT_TOO_DEEP naming the variable', async (levels) => {
    const steps =
      '[{"type":"IF","conditions":[{"type":"GET_FILE_STATUS","filePath":"/f"}],"whenTrue":'.repeat(levels - 1) +
      '[{"type":"DELETE_FILE","filePath":"/leaf"}]' +
      '}]'.repeat(levels - 1);
    const query = 'mutation ($taskId: Int!, $steps: [StepInput!]!) { saveTaskScript(taskId: $taskId, steps: $steps) { id } }';
    const result = await rawGql(`{"query":${JSON.stringify(query)},"variables":{"taskId":${taskId},"steps":${steps}}}`);
    expect(result.errors?.[0].extensions).toMatchObject({ code: GRAPHQL_CODES.INPUT_TOO_DEEP, field: '$steps' });
  });

  it('refuses 800 nested IFs in a literal with INPUT_TOO_DEEP', async () => {
    const result = await h.gql(`mutation { saveTaskScript(taskId: ${taskId}, steps: ${nestedIfsLiteral(800)}) { id } }`);
    expect(codeOf(result)).toBe(GRAPHQL_CODES.INPUT_TOO_DEEP);
  });

  it('refuses 3,000 nested IFs in a literal by its size, before lexing it', async () => {
    const result = await h.gql(`mutation { saveTaskScript(taskId: ${taskId}, steps: ${nestedIfsLiteral(3_000)}) { id } }`);
    expect(result.errors?.[0].extensions).toMatchObject({ code: GRAPHQL_CODES.QUERY_TOO_LARGE, maxDocumentChars: DEFAULT_LIMITS.maxDocumentChars });
  });

  it('refuses a script one level deeper than the protocol dispatches, naming the script', async () => {
    const result = await save(nestedIfs(MAX_STEP_DEPTH + 1));
    expect(result.errors?.[0].extensions).toMatchObject({ code: GRAPHQL_CODES.BAD_USER_INPUT, field: 'script' });
    expect(result.errors?.[0].message).toContain(`at most ${MAX_STEP_DEPTH} levels deep`);
  });

  it('saves the deepest script the protocol dispatches', async () => {
    expect((await save(nestedIfs(MAX_STEP_DEPTH))).errors).toBeUndefined();
  });
});

describe('text the database cannot store', () => {
  it.each([
    ['a NUL in a filter literal', '{ tasks(filter: { nameContains: "a\\u0000b" }) { totalCount } }', undefined, 'filter.nameContains'],
    ['a NUL in a variable', 'query ($f: TaskFilterInput) { tasks(filter: $f) { totalCount } }', { f: { nameContains: 'a\u0000b' } }, '$f.nameContains'],
    ['a NUL in a mutation input', 'mutation ($n: String!) { createTask(input: { name: $n }) { id } }', { n: 'x\u0000' }, '$n'],
    ['a lone surrogate in a variable', 'mutation ($n: String!) { createTask(input: { name: $n }) { id } }', { n: 'x\udc00' }, '$n'],
  ])('refuses %s with BAD_USER_INPUT naming the field, writing nothing', async (_what, query, variables, field) => {
    const { result, statements } = await captureSql(() => h.gql(query, variables));
    expect(result.errors?.[0].extensions).toMatchObject({ code: GRAPHQL_CODES.BAD_USER_INPUT, field });
    expect(statements).toEqual([]);
  });
});

it('refuses a lone surrogate in a string literal as the syntax error the GraphQL grammar makes it, with its position', async () => {
  const result = await h.gql('{ tasks(filter: { nameContains: "a\\ud800b" }) { totalCount } }');
  expect(codeOf(result)).toBe(GRAPHQL_CODES.GRAPHQL_PARSE_FAILED);
  expect(result.errors?.[0].message).toMatch(/Invalid Unicode escape sequence/);
});

describe('subscriptions over plain HTTP', () => {
  it('answers a clean BAD_REQUEST that says to use the WebSocket', async () => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ query: 'subscription { clientStatusChanged { mqttClientId } }' }),
    });
    const result = (await res.json()) as GqlResult;
    expect(res.status).toBe(400);
    expect(codeOf(result)).toBe(GRAPHQL_CODES.BAD_REQUEST);
    expect(result.errors?.[0].message).toMatch(/WebSocket/);
  });
});

describe('limits per WebSocket', () => {
  it('closes a socket that sends a message over the size limit, before parsing it', async () => {
    const socket = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'a'.repeat(DEFAULT_LIMITS.maxMessageBytes + 10) } }));
    expect(await closed).toBe(1009);
  });

  it('refuses more operations at once than the limit on one socket, naming it', async () => {
    const client = h.ws();
    const open = Array.from({ length: 5 }, () => wsTake(client, { query: 'subscription { clientStatusChanged { mqttClientId } }' }, 1));
    await Promise.all(open.map((o) => o.ready));
    const extra = wsTake(client, { query: 'subscription { clientStatusChanged { mqttClientId } }' }, 1);
    const [refused] = await extra.results;
    expect(codeOf(refused)).toBe(GRAPHQL_CODES.TOO_MANY_SUBSCRIPTIONS);
    for (const o of open) o.cancel();
  });

  it('applies the same cost limit over WebSocket', async () => {
    const [result] = await wsTake(h.ws(), { query: fragmentBomb(24) }).results;
    expect(codeOf(result)).toBe(GRAPHQL_CODES.QUERY_TOO_COMPLEX);
  });

  it('refuses a NUL in a variable over WebSocket, naming it', async () => {
    const [result] = await wsTake(h.ws(), { query: 'mutation ($n: String!) { createTask(input: { name: $n }) { id } }', variables: { n: 'x\u0000' } }).results;
    expect(result.errors?.[0].extensions).toMatchObject({ code: GRAPHQL_CODES.BAD_USER_INPUT, field: '$n' });
  });
});
