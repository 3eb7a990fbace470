import fc from 'fast-check';
import { REST_ROUTES } from '../../src/rest-compat';
import type { AnyRoute } from '../../src/rest-compat/route';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';
import { seedFleet } from '../rest-compat/support/seed';
import { alwaysRefused, badId, fuzzOptions, tooDeepText, unstorableString, watchRecords, type RecordWatch } from './support';

/**
 * Every route of the REST table gets generated input that must be refused (a non-canonical id in
 * its path, a NUL in its query, unstorable text or too deep a body), and must answer a JSON 4xx
 * naming the field or the limit, storing nothing.
 */
let t: TestGateway;
let records: RecordWatch;

beforeAll(async () => {
  t = await startTestGateway();
  await seedFleet(t.gateway.db.orm, t.gateway.clock);
  records = await watchRecords(t.gateway.db.orm);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

type ErrorBody = { code?: string; message?: string; field?: string };
type Bad = { where: 'path' | 'query' | 'body'; path: string; body?: unknown; raw?: string };

const paramsOf = (route: AnyRoute) => [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
const queryKeysOf = (route: AnyRoute): string[] => Object.keys((route.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
/** The route's path with canonical ids (1): only the part under test is bad. */
const withIds = (route: AnyRoute, bad: Record<string, string> = {}) => route.path.replace(/:(\w+)/g, (_, name: string) => bad[name] ?? '1');

function badRequests(route: AnyRoute): fc.Arbitrary<Bad> {
  const kinds: fc.Arbitrary<Bad>[] = [];
  const params = paramsOf(route);
  if (params.length) kinds.push(fc.tuple(fc.constantFrom(...params), badId).map(([name, id]) => ({ where: 'path', path: withIds(route, { [name]: id }) })));
  const keys = [...queryKeysOf(route), 'x'];
  // Only a NUL can be sent in a query (a lone surrogate has no UTF-8 form to percent-encode).
  const nulText = unstorableString.map((s) => s.replace(/[\ud800-\udfff]/g, '\u0000'));
  kinds.push(
    fc.tuple(fc.constantFrom(...keys), nulText).map(([key, value]) => ({ where: 'query', path: `${withIds(route)}?${key}=${encodeURIComponent(value)}` })),
  );
  if (route.body) {
    const bodyKeys = [...Object.keys((route.body as { shape?: Record<string, unknown> }).shape ?? {}), 'x'];
    kinds.push(
      fc.oneof(
        alwaysRefused.map((body): Bad => ({ where: 'body', path: withIds(route), body })),
        fc.tuple(fc.constantFrom(...bodyKeys), alwaysRefused).map(([key, value]): Bad => ({ where: 'body', path: withIds(route), body: { [key]: value } })),
        fc.array(alwaysRefused, { minLength: 1, maxLength: 3 }).map((body): Bad => ({ where: 'body', path: withIds(route), body })),
        tooDeepText.map((raw): Bad => ({ where: 'body', path: withIds(route), raw })),
        fc.string({ maxLength: 30 }).map((s): Bad => ({ where: 'body', path: withIds(route), raw: `{${s}` })),
      ),
    );
  }
  return fc.oneof(...kinds);
}

describe('REST under generated bad input', () => {
  it.each(REST_ROUTES.map((route) => [`${route.method.toUpperCase()} /v1${route.path}`, route] as const))(
    '%s refuses it with a JSON 4xx naming the field or limit, storing nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(badRequests(route), async (bad) => {
          const before = await records.counts();
          const answer = await call<ErrorBody>(t.api, route.method.toUpperCase(), bad.path, bad.body, bad.raw === undefined ? {} : { raw: bad.raw });
          const body = answer.body;
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          expect(answer.contentType).toMatch(/json/);
          expect(body.code).not.toBe('INTERNAL');
          expect(typeof body.message).toBe('string');
          // The message names what is at fault: the field it reports, or the part of the request.
          if (body.field) expect(body.message!.startsWith(body.field)).toBe(true);
          else expect(body.message).toMatch(/^(body|path|query)\b|^[\w.[\]]+:/);
          expect(await records.counts()).toEqual(before);
        }),
        fuzzOptions(3),
      );
    },
  );

  it('leaves every record made before the run as it was', async () => {
    expect(await records.changedSinceStart()).toEqual([]);
  });

  it('audits the refused changes as failed, and nothing as done', async () => {
    expect(Object.keys(await records.auditOutcomesSinceStart()).filter((outcome) => outcome !== 'failed')).toEqual([]);
  });
});
