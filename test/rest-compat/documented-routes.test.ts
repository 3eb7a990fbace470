import { REST_ROUTES } from '../../src/rest-compat';
import { DOCUMENTED_ROUTES, routeKey, type DocumentedRoute } from './documented-routes';
import { call, startTestGateway, type TestGateway } from './support/gateway';
import { createMaker, type Maker } from './support/maker';
import { seedFleet, type Seed } from './support/seed';
import { shapeProblems } from './support/shape';

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

function urlOf(route: DocumentedRoute, path: Record<string, number | string> = {}, query: Record<string, unknown> = {}): string {
  const filled = route.path.replace(/^\/v1/, '').replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (!(name in path)) throw new Error(`the table gives no value for {${name}} of ${route.path}`);
    return encodeURIComponent(String(path[name]));
  });
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  const qs = params.toString();
  return qs ? `${filled}?${qs}` : filled;
}

describe('the route table written from the REST document', () => {
  it('has the 93 documented routes, each once', () => {
    const keys = DOCUMENTED_ROUTES.map((r) => routeKey(r.method, r.path));
    expect(keys).toHaveLength(93);
    expect(new Set(keys).size).toBe(93);
  });

  it('matches the routes the gateway serves, no more and no fewer', () => {
    const documented = DOCUMENTED_ROUTES.map((r) => routeKey(r.method, r.path)).sort();
    const served = REST_ROUTES.map((r) => routeKey(r.method, `/v1${r.path}`)).sort();
    expect(served).toEqual(documented);
  });
});

describe('every documented route answers as its example shows', () => {
  it.each(DOCUMENTED_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, route) => {
    const request = (await route.request?.(seed, make)) ?? {};
    const answer = await call(t.api, route.method, urlOf(route, request.path, request.query), request.body);
    if (answer.status !== 200) throw new Error(`${route.method} ${route.path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(shapeProblems(answer.body, route.response, { allowEmpty: route.allowEmpty })).toEqual([]);
  });
});
