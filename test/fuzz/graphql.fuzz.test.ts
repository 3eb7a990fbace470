import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLSchema,
} from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GRAPHQL_CODES } from '../../src/graphql/errors';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { startTestGateway, type TestGateway } from '../rest-compat/support/gateway';
import { seedFleet } from '../rest-compat/support/seed';
import { fuzzOptions, tooDeep, tooDeepText, unstorableString, watchRecords, type RecordWatch } from './support';

/**
 * GraphQL over HTTP and WebSocket under generated bad input: unstorable text and too-deep values
 * in every String argument the schema has (root fields and their input objects), junk documents,
 * alias floods and fragment bombs. No answer may be INTERNAL_SERVER_ERROR, every error carries a
 * code (and a field for bad input), and a refused mutation stores nothing.
 */
let t: TestGateway;
let records: RecordWatch;
let schema: GraphQLSchema;
let ws: WsClient;
let url: string;

beforeAll(async () => {
  t = await startTestGateway();
  await seedFleet(t.gateway.db.orm, t.gateway.clock);
  records = await watchRecords(t.gateway.db.orm);
  url = `${t.gateway.url}/graphql`;
  schema = await buildGraphqlSchema({ pubsub: t.gateway.pubsub });
  ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: { authorization: t.api.headers!.authorization },
  });
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await t?.stop();
});

type Result = { data?: unknown; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };
type Op = { query: string; variables?: Record<string, unknown>; raw?: string; mutation: boolean };

/** A selection for a field's type: `{ __typename }` for objects, nothing for leaves. */
const selectionOf = (field: GraphQLField<unknown, unknown>) => (isLeafType(getNamedType(field.type)) ? '' : ' { __typename }');

/**
 * Operations with one String variable `$s` standing where the schema takes a String: an argument
 * of a root field, or a field of its input-object argument (other required inputs get neutral
 * values, or the field is left out).
 */
function stringSites(): { template: (bad: string) => string; mutation: boolean }[] {
  const sites: { template: (bad: string) => string; mutation: boolean }[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const required = field.args.filter((a) => isNonNullType(a.type));
      for (const arg of field.args) {
        const named = getNamedType(arg.type);
        const others = required.filter((a) => a !== arg);
        if (others.some((a) => !isLeafType(getNamedType(a.type)))) continue;
        const filler = others.map((a) => `${a.name}: ${neutral(getNamedType(a.type).name)}`).filter(Boolean);
        if (named.name === 'String') {
          sites.push({
            mutation: kind === 'mutation',
            template: (varType) => `${kind} ($s: ${varType}) { ${field.name}(${[...filler, `${arg.name}: $s`].join(', ')})${selectionOf(field)} }`,
          });
        } else if (isInputObjectType(named)) {
          for (const inner of Object.values((named as GraphQLInputObjectType).getFields())) {
            if (getNamedType(inner.type).name !== 'String') continue;
            const innerRequired = Object.values((named as GraphQLInputObjectType).getFields()).filter((f) => isNonNullType(f.type) && f !== inner);
            if (innerRequired.some((f) => neutral(getNamedType(f.type).name) === null)) continue;
            const innerFiller = innerRequired.map((f) => `${f.name}: ${neutral(getNamedType(f.type).name)}`);
            sites.push({
              mutation: kind === 'mutation',
              template: (varType) =>
                `${kind} ($s: ${varType}) { ${field.name}(${[...filler, `${arg.name}: { ${[...innerFiller, `${inner.name}: $s`].join(', ')} }`].join(', ')})${selectionOf(field)} }`,
            });
          }
        }
      }
    }
  }
  return sites;
}

/** A harmless literal for a required argument of a scalar type, or null when there is none. */
function neutral(typeName: string): string | null {
  if (typeName === 'Int') return '1';
  if (typeName === 'Boolean') return 'false';
  if (typeName === 'String') return '"fuzz"';
  const type = schema.getType(typeName);
  if (isEnumType(type)) return type.getValues()[0].name;
  return null;
}

function operations(): fc.Arbitrary<Op> {
  const sites = stringSites();
  const site = fc.constantFrom(...sites);
  const nested = (n: number, inner: string) => `${'{ a: '.repeat(n)}${inner}${' }'.repeat(n)}`;
  return fc.oneof(
    // Unstorable text in a variable.
    fc.tuple(site, unstorableString).map(([s, bad]): Op => ({ query: s.template('String'), variables: { s: bad }, mutation: s.mutation })),
    // Too deep a variable (a JSON value where a String is expected).
    fc.tuple(site, tooDeep).map(([s, deep]): Op => ({ query: s.template('String'), variables: { s: deep }, mutation: s.mutation })),
    // Too deep, as JSON text (JSON.stringify cannot write the deepest).
    fc.tuple(site, tooDeepText).map(([s, text]): Op => ({
      query: s.template('String'),
      raw: `{"query":${JSON.stringify(s.template('String'))},"variables":{"s":${text}}}`,
      mutation: s.mutation,
    })),
    // Junk documents.
    fc.string({ maxLength: 200 }).map((query): Op => ({ query, mutation: false })),
    // Alias floods of root fields, and fragment bombs.
    fc
      .tuple(
        fc.integer({ min: 101, max: 3_000 }),
        fc.constantFrom('settings { general { region } }', 'dashboard { reports { clients } }', '__schema { types { name } }'),
      )
      .map(([n, field]): Op => ({ query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`, mutation: false })),
    fc.integer({ min: 10, max: 60 }).map((levels): Op => {
      let q = 'query { ...F0 }\n';
      for (let i = 0; i < levels; i++) q += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
      return { query: `${q}fragment F${levels} on Query { settings { general { region } } }`, mutation: false };
    }),
    // Deep literals.
    fc.integer({ min: 140, max: 2_000 }).map((n): Op => ({ query: `{ tasks(filter: ${nested(n, '1')}) { totalCount } }`, mutation: false })),
  );
}

function expectClean(result: Result): void {
  expect(result.errors?.length ?? 0).toBeGreaterThan(0);
  for (const e of result.errors ?? []) {
    expect(e.extensions?.code).toBeDefined();
    expect(e.extensions?.code).not.toBe(GRAPHQL_CODES.INTERNAL_SERVER_ERROR);
    expect(e.message.length).toBeGreaterThan(0);
    if (e.extensions?.code === GRAPHQL_CODES.BAD_USER_INPUT && e.message.includes('NUL')) expect(e.extensions.field).toBeDefined();
  }
}

async function overHttp(op: Op): Promise<{ status: number; result: Result }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...t.api.headers },
    body: op.raw ?? JSON.stringify({ query: op.query, variables: op.variables }),
  });
  return { status: res.status, result: (await res.json()) as Result };
}

function overWs(op: Op): Promise<Result> {
  return new Promise((resolve, reject) => {
    let last: Result | undefined;
    ws.subscribe(
      { query: op.query, variables: op.variables },
      {
        next: (value) => (last = value as Result),
        error: (err) => (Array.isArray(err) ? resolve({ errors: err as Result['errors'] }) : reject(err)),
        complete: () => resolve(last ?? {}),
      },
    );
  });
}

describe('GraphQL under generated bad input', () => {
  it('over HTTP: never an INTERNAL_SERVER_ERROR or a 5xx, always a code (and the field), nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(operations(), async (op) => {
        const before = op.mutation ? await records.counts() : undefined;
        const { status, result } = await overHttp(op);
        expect(status).toBeLessThan(500);
        expectClean(result);
        if (before) expect(await records.counts()).toEqual(before);
      }),
      fuzzOptions(120),
    );
  });

  it('over WebSocket: the same', async () => {
    // Operations too deep for JSON.stringify cannot be sent by the client library; the rest can.
    await fc.assert(
      fc.asyncProperty(
        operations().filter((op) => op.raw === undefined),
        async (op) => {
          const before = op.mutation ? await records.counts() : undefined;
          expectClean(await overWs(op));
          if (before) expect(await records.counts()).toEqual(before);
        },
      ),
      fuzzOptions(80),
    );
  });

  it('leaves every record made before the run as it was', async () => {
    expect(await records.changedSinceStart()).toEqual([]);
  });

  it('audits the refused changes as failed, and nothing as done', async () => {
    expect(Object.keys(await records.auditOutcomesSinceStart()).filter((outcome) => outcome !== 'failed')).toEqual([]);
  });
});
