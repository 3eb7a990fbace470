import { SERVED_ROUTES } from '../../src/rest-compat';
import { call, startTestGateway, type JsonAnswer, type TestGateway } from './support/gateway';
import { createMaker, type Maker } from './support/maker';
import { seedFleet, type Seed } from './support/seed';

let t: TestGateway;
let seed: Seed;
let make: Maker;

beforeAll(async () => {
  t = await startTestGateway();
  seed = await seedFleet(t.gateway.db.orm, t.gateway.clock);
  make = createMaker(t.gateway.db.orm, t.gateway.clock);
});

afterAll(async () => {
  await t?.stop();
});

type ErrorBody = { code: string; message: string; field?: string };

/** A refusal: the status, a JSON body `{code, message, field}` naming the parameter. */
function expectRefusal(answer: JsonAnswer, status: number, field: string | undefined, messagePart?: RegExp) {
  const body = answer.body as ErrorBody;
  expect({ status: answer.status, contentType: answer.contentType?.split(';')[0] }).toEqual({ status, contentType: 'application/json' });
  expect(typeof body.code).toBe('string');
  expect(typeof body.message).toBe('string');
  if (field !== undefined) {
    expect(body.field).toBe(field);
    // A refused value is named in the message; an unknown id is named by its entity ("job 7 does not exist").
    if (status === 400) expect(body.message.startsWith(field)).toBe(true);
  }
  if (messagePart) expect(body.message).toMatch(messagePart);
}

describe('a missing required parameter', () => {
  it.each([
    ['GET', '/logs/jobs', 'status', /required query parameter missing, expected one of ALL, SUCCESS, FAILED/],
    ['GET', '/logs/jobs/clients?status=ALL', 'jobId', /required/],
    ['GET', '/logs/clients/jobs/tasks?clientId=1&jobId=1', 'reportId', /required/],
    ['GET', '/dashboard/scheduledJobs?start=1&end=2', 'now', /epoch milliseconds/],
    ['GET', '/logs/scripts?clientId=1&jobId=1', 'taskId', /positive integer id/],
  ])('%s %s is refused naming %s', async (method, path, field, message) => {
    expectRefusal(await call(t.api, method, path), 400, field, message);
  });

  it.each([
    ['POST', '/jobs', {}, 'jobName'],
    ['POST', '/tasks', { priority: 1 }, 'taskName'],
    ['POST', '/groups', { type: 0 }, 'groupName'],
    ['POST', '/clients', { username: 'u' }, 'mqttClientId'],
    ['POST', '/settings/attributes', { type: 0 }, 'attributeName'],
    ['PUT', '/jobs', { jobName: 'x' }, 'jobId'],
    ['PUT', '/config/maintenance', { optionType: 0, optionIds: [1], targetType: 1, opt: 1 }, 'targetId'],
    ['POST', '/clients/1/attributes', [{ attributeValue: 'x' }], '[0].attributeId'],
  ])('%s %s %j is refused naming %s', async (method, path, body, field) => {
    expectRefusal(await call(t.api, method, path, body), 400, field, /required body field missing/);
  });

  it('refuses a bind without a body, and says how to send one', async () => {
    expectRefusal(await call(t.api, 'PUT', `/jobs/${seed.spareJobId}/tasks`), 400, 'body', /JSON body with Content-Type: application\/json/);
  });
});

describe('a value of the wrong type or form', () => {
  it('names the parameter and the expected form', async () => {
    const answer = await call(t.api, 'GET', '/clients?pageSize=abc');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 'INVALID_INPUT', message: 'pageSize: expected an integer from 1 to 500, got "abc"', field: 'pageSize' });
  });

  it.each([
    ['/clients?pageSize=501', 'pageSize'],
    ['/clients?pageSize=0', 'pageSize'],
    ['/clients?pageNo=0', 'pageNo'],
    ['/clients?pageNo=1.5', 'pageNo'],
    ['/clients?pageSize=1&pageSize=2', 'pageSize'],
    ['/clients?enabled=maybe', 'enabled'],
    ['/clients?createAtGte=yesterday', 'createAtGte'],
    ['/clients?clientId=-3', 'clientId'],
    ['/jobs?lastRunAtLte=1e400', 'lastRunAtLte'],
    ['/jobs/abc/details', 'jobId'],
    ['/jobs/-1/details', 'jobId'],
    ['/jobs/99999999999/details', 'jobId'],
    ['/tasks/1.5/details', 'taskId'],
    ['/dashboard/onlineClients?interval=10', 'interval'],
    ['/clients?createAtGte=253402300800000', 'createAtGte'],
  ])('GET %s is refused naming %s', async (path, field) => {
    expectRefusal(await call(t.api, 'GET', path), 400, field, /expected/);
  });

  it.each([
    ['POST', '/tasks', { taskName: 5 }, 'taskName'],
    ['POST', '/jobs', { jobName: 'x', maxRetries: -1 }, 'maxRetries'],
    ['POST', '/jobs', { jobName: 'x', enabled: 'yes' }, 'enabled'],
    ['POST', '/jobs', { jobName: 'x', priority: 1.5 }, 'priority'],
    ['POST', '/clients', { mqttClientId: 'x', connnectedAt: 'now' }, 'connnectedAt'],
    ['PUT', '/jobs/1/tasks', ['a'], '[0]'],
    ['PUT', '/jobs/1/tasks', { ids: [1] }, 'body'],
    ['POST', '/jobs', [], 'body'],
    ['POST', '/settings', { adminTimeOut: 0 }, 'adminTimeOut'],
    ['POST', '/settings', { managementServerTimeZone: 'Mars/Olympus' }, 'managementServerTimeZone'],
    ['POST', '/tasks/1/scripts', { type: 'COPY_FILE' }, 'body'],
  ])('%s %s %j is refused naming %s', async (method, path, body, field) => {
    expectRefusal(await call(t.api, method, path, body), 400, field, /expected/);
  });

  it.each([
    ['POST', '/clients', { mqttClientId: 'a\u0000b' }, 'mqttClientId'],
    ['GET', '/clients?username=%00', undefined, 'username'],
    ['GET', '/clients?mqttClientId=ok&mqttClientId=%00', undefined, 'mqttClientId[1]'],
  ])('%s %s with a NUL character is refused naming %s', async (method, path, body, field) => {
    expectRefusal(await call(t.api, method, path, body), 400, field, /NUL/);
  });

  it('a value the database cannot store deep in a script is a 400 naming it, and the script is kept', async () => {
    const taskId = await make.task();
    const answer = await call(t.api, 'POST', `/tasks/${taskId}/scripts`, [{ type: 'DELETE_FILE', filePath: 'x', transferOption: { note: 'a\u0000b' } }]);
    expectRefusal(answer, 400, '[0].transferOption.note', /NUL/);
    expect((await call(t.api, 'GET', `/tasks/${taskId}/scripts`)).body).toEqual({ script: '[]' });
  });

  it('refuses a schedule it cannot read, showing the cron form, and creates nothing', async () => {
    const answer = await call(t.api, 'POST', '/jobs', { jobName: 'bad schedule', executionTime: '0 25 * * *' });
    expectRefusal(answer, 400, 'executionTime', /hour/);
    const list = await call<{ total: number }>(t.api, 'GET', '/jobs?jobName=bad%20schedule');
    expect(list.body.total).toBe(0);
  });
});

describe('an unknown enum value', () => {
  it.each([
    ['GET', '/logs/jobs?status=DONE', undefined, 'status', /one of ALL, SUCCESS, FAILED/],
    ['GET', '/clients?status=AWAY', undefined, 'status', /ONLINE, OFFLINE/],
    ['POST', '/clients', { mqttClientId: 'king', role: 'KING' }, 'role', /SERVER, STORE/],
    ['POST', '/groups', { groupName: 'g', type: 1, queryProperty: 'role', queryOperation: 'LIKE', queryValue: 'x' }, 'queryOperation', /EQ, NE/],
    ['POST', '/groups', { groupName: 'g', type: 7 }, 'type', /0 to 1/],
    ['POST', '/jobs', { jobName: 'x', cycleType: 9 }, 'cycleType', /0 to 4/],
    ['POST', '/settings/attributes', { attributeName: 'a', type: 'COLOUR' }, 'type', /STRING/],
    ['POST', '/tasks/1/scripts', [{ type: 'FORMAT_DISK', filePath: 'c:/' }], '[0].type', /COPY_FILE/],
    ['PUT', '/config/maintenance', { optionType: 1, optionIds: [1], targetType: 2, targetId: 1, opt: 1 }, 'targetType', /job–task/],
  ])('%s %s is refused naming %s', async (method, path, body, field, message) => {
    expectRefusal(await call(t.api, method, path, body), 400, field, message);
  });
});

describe('an unknown id', () => {
  it.each([
    ['GET', '/jobs/987654/details', undefined, 'jobId'],
    ['GET', '/tasks/987654/scripts', undefined, 'taskId'],
    ['DELETE', '/groups/987654', undefined, 'groupId'],
    ['PUT', '/clients/987654/enable', undefined, 'clientId'],
    ['DELETE', '/settings/attributes/987654', undefined, 'attributeId'],
    ['PUT', '/tasks', { taskId: 987654, name: 'x' }, 'taskId'],
    ['GET', '/logs/clients/jobs/tasks?clientId=1&jobId=1&reportId=nope', undefined, 'reportId'],
  ])('%s %s answers 404 naming %s', async (method, path, body, field) => {
    expectRefusal(await call(t.api, method, path, body), 404, field, /does not exist/);
  });

  it('in a bind body: 404, and none of the other ids is bound', async () => {
    const jobId = await make.job();
    const answer = await call(t.api, 'PUT', `/jobs/${jobId}/tasks`, [seed.taskId, 987654]);
    expectRefusal(answer, 404, 'taskId', /task 987654 does not exist/);
    expect((await call<{ count: number }>(t.api, 'GET', `/jobs/${jobId}/tasks/count`)).body).toEqual({ count: 0 });
  });

  it('in attribute values: refused, and none of the values is written', async () => {
    const clientId = await make.client();
    const answer = await call(t.api, 'POST', `/clients/${clientId}/attributes`, [
      { attributeId: seed.attributeId, attributeValue: 'west' },
      { attributeId: 987654, attributeValue: 'x' },
    ]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    const values = await call<{ list: { attributeId: number; attributeValue: string }[] }>(t.api, 'GET', `/clients/${clientId}/attributes`);
    expect(values.body.list.find((a) => a.attributeId === seed.attributeId)?.attributeValue).toBe('north');
  });
});

describe('a body that is not JSON', () => {
  it('answers 400 JSON (not an HTML page) naming the body', async () => {
    const answer = await call(t.api, 'POST', '/jobs', undefined, { raw: '{"jobName": ' });
    expectRefusal(answer, 400, 'body', /expected valid JSON/);
  });

  it('tells a caller that forgot the content type', async () => {
    const answer = await call(t.api, 'POST', '/jobs', undefined, { raw: '{"jobName":"x"}', headers: { 'content-type': 'text/plain' } });
    expectRefusal(answer, 400, 'body', /Content-Type: application\/json/);
  });

  it('keeps a script intact when a new one is refused', async () => {
    const before = await call<{ script: string }>(t.api, 'GET', `/tasks/${seed.taskId}/scripts`);
    const answer = await call(t.api, 'POST', `/tasks/${seed.taskId}/scripts`, [
      { type: 'COPY_FILE', filePath: 'a', targetFilePath: 'b' },
      { type: 'IF', conditions: [{ type: 'GET_FILE_STATUS', filePath: 'f' }], true: [{ type: 'COPY_FILE', filePath: 'x' }] },
    ]);
    expectRefusal(answer, 400, '[1].true[0].targetFilePath', /path/);
    expect((await call(t.api, 'GET', `/tasks/${seed.taskId}/scripts`)).body).toEqual(before.body);
  });
});

describe('conflicts and routing', () => {
  it('a second client with the same mqttClientId is a conflict', async () => {
    expectRefusal(await call(t.api, 'POST', '/clients', { mqttClientId: 'hq-server-1' }), 409, 'mqttClientId', /already exists/);
  });

  it('an unknown route is a JSON 404', async () => {
    const answer = await call(t.api, 'GET', '/no/such/route');
    expectRefusal(answer, 404, undefined, /no route GET \/v1\/no\/such\/route/);
  });

  it('a known path with another method is a JSON 405 with Allow', async () => {
    const res = await fetch(`${t.base}/settings`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(await res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });
});

describe('no input makes the gateway answer 5xx', () => {
  const garbage: { label: string; params: string; query: string; body?: unknown; raw?: string }[] = [
    { label: 'text ids, text values', params: 'abc', query: 'zz', body: 'zz' },
    { label: 'huge numbers', params: '9'.repeat(30), query: '9'.repeat(30), body: { n: 1e308 } },
    { label: 'unknown ids, malformed JSON', params: '424242', query: '-1', raw: '{"a":[' },
    { label: 'nulls and arrays', params: '0', query: '', body: null },
    { label: 'a deep array', params: '77777', query: '[]', body: [[[[[[1]]]]]] },
    { label: 'a broken percent-encoding', params: '%E0%A4%A', query: '%', body: {} },
    { label: 'the far future', params: '8640000000000000', query: '253402300800000', body: { connnectedAt: 8.64e15, lastRunAt: 253402300800000 } },
  ];
  it.each(SERVED_ROUTES.map((r) => [`${r.method.toUpperCase()} /v1${r.path}`, r] as const))('%s', async (_name, route) => {
    const keys = Object.keys((route.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
    for (const g of garbage) {
      const path = route.path.replace(/:[A-Za-z]+/g, g.params);
      const query = keys.map((k) => `${k}=${encodeURIComponent(g.query)}`).join('&');
      // fetch sends no body with a GET.
      const withBody = route.method !== 'get';
      const answer = await call(
        t.api,
        route.method.toUpperCase(),
        `${path}${query ? `?${query}` : ''}`,
        withBody && g.raw === undefined ? g.body : undefined,
        withBody && g.raw !== undefined ? { raw: g.raw } : {},
      );
      expect([g.label, answer.status < 500]).toEqual([g.label, true]);
      expect(answer.contentType).toMatch(/^application\/json/);
    }
  });
});
