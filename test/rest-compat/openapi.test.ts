import { ADDED_ROUTES, REST_ROUTES, SERVED_ROUTES } from '../../src/rest-compat';
import { routeKey } from './documented-routes';
import { call, startTestGateway, type TestGateway } from './support/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});

afterAll(async () => {
  await t?.stop();
});

type OpenApiDoc = { openapi: string; paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>> };

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3 document', async () => {
    const { status, body } = await call<OpenApiDoc>(t.base, 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    // ESM-only package: loaded with a native dynamic import.
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(body as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route of the table, from the same definitions', async () => {
    const { body } = await call<OpenApiDoc>(t.base, 'GET', '/openapi.json');
    const operations = Object.entries(body.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => routeKey(method, path)));
    expect(operations.sort()).toEqual(SERVED_ROUTES.map((r) => routeKey(r.method, `/v1${r.path}`)).sort());
    expect(operations).toHaveLength(93 + ADDED_ROUTES.length);
    expect(REST_ROUTES.map((r) => routeKey(r.method, `/v1${r.path}`))).toHaveLength(93);
    for (const ops of Object.values(body.paths)) {
      for (const op of Object.values(ops)) {
        expect(op.summary).toBeTruthy();
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404']));
      }
    }
  });
});

describe('the credentials the document declares', () => {
  it('names HTTP Basic and Bearer, and every route but the login needs one of them (401 documented)', async () => {
    type Doc = OpenApiDoc & { components: { securitySchemes: Record<string, { scheme: string }> } };
    const { body } = await call<Doc>(t.base, 'GET', '/openapi.json');
    expect(body.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ scheme: 'bearer' }),
      basic: expect.objectContaining({ scheme: 'basic' }),
    });
    for (const [path, ops] of Object.entries(body.paths)) {
      for (const [method, op] of Object.entries(ops) as [string, { security?: unknown[]; responses: Record<string, unknown> }][]) {
        const open = path === '/v1/auth/login';
        expect([method, path, op.security]).toEqual([method, path, open ? [] : [{ bearer: [] }, { basic: [] }]]);
        expect([method, path, '401' in op.responses]).toEqual([method, path, !open]);
      }
    }
  });
});

describe('GET /v1/docs', () => {
  it('serves a readable page from local assets only', async () => {
    const res = await fetch(`${t.base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of html.match(/(?:src|href)="([^"]+)"/g) ?? []) {
      const url = new URL(asset.replace(/^(src|href)="|"$/g, ''), `${t.base}/docs`);
      const got = await fetch(url);
      expect([url.pathname, got.status]).toEqual([url.pathname, 200]);
    }
    const init = await (await fetch(`${t.base}/docs/init.js`)).text();
    expect(init).toContain('openapi.json');
  });

  it('sends /v1/docs/ to /v1/docs, where the relative asset URLs resolve', async () => {
    const res = await fetch(`${t.base}/docs/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get('location')!, `${t.base}/docs/`).pathname).toBe('/v1/docs');
  });
});
