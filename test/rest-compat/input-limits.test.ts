import net from 'node:net';
import { MAX_STEP_DEPTH } from '../../src/protocol';
import { MAX_INPUT_DEPTH } from '../../src/http/input-guard';
import { call, startTestGateway, type TestGateway } from './support/gateway';
import { createMaker, type Maker } from './support/maker';

let t: TestGateway;
let make: Maker;
const REQUEST_TIMEOUT_MS = 1_500;

beforeAll(async () => {
  t = await startTestGateway({ config: { httpLimits: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: REQUEST_TIMEOUT_MS } } });
  make = createMaker(t.gateway.db.orm, t.gateway.clock);
});

afterAll(async () => {
  await t?.stop();
});

type ErrorBody = { code: string; message: string; field?: string };

const cond = [{ type: 'GET_FILE_STATUS', filePath: '/flag' }];
/** The JSON of nestedIfs(levels), built as text: too deep for JSON.stringify when levels is in the thousands. */
function nestedIfsJson(levels: number): string {
  const c = JSON.stringify(cond);
  return `${'[{"type":"IF","conditions":' + c + ',"true":'}`.repeat(levels - 1) + '[{"type":"DELETE_FILE","filePath":"/leaf"}]' + '}]'.repeat(levels - 1);
}

function nestedIfs(levels: number): unknown[] {
  let steps: unknown[] = [{ type: 'DELETE_FILE', filePath: '/leaf' }];
  for (let i = 1; i < levels; i++) steps = [{ type: 'IF', conditions: cond, true: steps }];
  return steps;
}

/** The body of the answer, asserting a JSON 4xx. */
function refused(answer: { status: number; body: unknown }, status = 400): ErrorBody {
  expect(answer.status).toBe(status);
  return answer.body as ErrorBody;
}

describe('deep input', () => {
  it('refuses ~4,100 nested arrays (8 KB) with a 400 naming the limit, not a stack overflow', async () => {
    const raw = '['.repeat(4_100) + ']'.repeat(4_100);
    const body = refused(await call(t.api, 'POST', '/clients', undefined, { raw }));
    expect(body).toMatchObject({ code: 'INVALID_INPUT' });
    expect(body.message).toContain(`nested deeper than ${MAX_INPUT_DEPTH} levels`);
  });

  it.each([6_000, 1_200])('refuses %i nested IFs at once, and nothing is saved', async (levels) => {
    const taskId = await make.task();
    const started = performance.now();
    const body = refused(await call(t.api, 'POST', `/tasks/${taskId}/scripts`, undefined, { raw: nestedIfsJson(levels) }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(body.message).toMatch(/nested deeper than/);
    expect((await call(t.api, 'GET', `/tasks/${taskId}/scripts`)).body).toEqual({ script: '[]' });
  });

  it.each([MAX_STEP_DEPTH + 1, 70])('refuses a script deeper than the protocol dispatches (%i levels), naming the limit', async (levels) => {
    const taskId = await make.task();
    const body = refused(await call(t.api, 'POST', `/tasks/${taskId}/scripts`, nestedIfs(levels)));
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.message).toContain(`${MAX_STEP_DEPTH} levels`);
    expect((await call(t.api, 'GET', `/tasks/${taskId}/scripts`)).body).toEqual({ script: '[]' });
  });

  it('saves a script exactly as deep as the protocol dispatches', async () => {
    const taskId = await make.task();
    expect((await call(t.api, 'POST', `/tasks/${taskId}/scripts`, nestedIfs(MAX_STEP_DEPTH))).status).toBe(200);
  });
});

describe('text the database cannot store', () => {
  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['a lone surrogate', 'a\ud800b', /surrogate/],
  ])('refuses %s in a body field, naming it', async (_what, value, pattern) => {
    const body = refused(await call(t.api, 'POST', '/clients', { mqttClientId: value }));
    expect(body).toMatchObject({ code: 'INVALID_INPUT', field: 'mqttClientId' });
    expect(body.message).toMatch(pattern);
  });

  it('refuses a lone surrogate in a field name of a JSON option', async () => {
    const taskId = await make.task();
    const body = refused(await call(t.api, 'POST', `/tasks/${taskId}/scripts`, [{ type: 'DELETE_FILE', filePath: 'x', transferOption: { 'k\udc00': 1 } }]));
    expect(body.field).toBe('[0].transferOption.k\udc00');
  });

  it('refuses a NUL in a path parameter, naming it', async () => {
    const body = refused(await call(t.api, 'GET', '/jobs/%00/details'));
    expect(body.field).toBe('jobId');
  });
});

describe('path ids', () => {
  it.each(['75.0', '+75', '75e0', '%2075%20', '00075', '0x4b', '-75', '0', '2147483648'])('refuses /v1/jobs/%s with a 400 naming jobId', async (id) => {
    const body = refused(await call(t.api, 'GET', `/jobs/${id}/details`));
    expect(body).toMatchObject({ code: 'INVALID_INPUT', field: 'jobId' });
    expect(body.message).toMatch(/positive integer id/);
  });

  it('does not delete a job through a non-canonical id', async () => {
    const jobId = await make.job();
    refused(await call(t.api, 'DELETE', `/jobs/${jobId}.0`));
    expect((await call(t.api, 'GET', `/jobs/${jobId}/details`)).status).toBe(200);
  });
});

describe('slow clients', () => {
  it('closes a connection whose body is shorter than its Content-Length soon after the request timeout', async () => {
    const url = new URL(t.base);
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Read what comes (the 408), or the end of the connection is never seen.
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const started = performance.now();
    socket.write(`POST /v1/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mqttC`);
    await new Promise((resolve) => socket.once('close', resolve));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    // The timeout plus Node's check interval (1 s here), with room for a busy machine.
    expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 4_000);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });

  it('refuses request headers larger than the limit with 431', async () => {
    const answer = await call(t.api, 'GET', '/jobs', undefined, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(answer.status).toBe(431);
  });

  it('refuses a body over 1 MiB with 413 naming the limit', async () => {
    const body = refused(await call(t.api, 'POST', '/clients', { mqttClientId: 'x', pad: 'a'.repeat(1_100_000) }), 413);
    expect(body.message).toMatch(/at most 1048576 bytes/);
  });
});
