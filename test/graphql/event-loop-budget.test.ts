import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { startGateway, type Gateway } from '../../src/gateway';
import { estimateCost } from '../../src/graphql/cost';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';
import { silentLogger } from '../../src/runtime/logger';
import { bearer, createTestUser, loginOverGraphql, type Headers } from '../support/auth';
import { createE2eDatabase } from '../e2e/support/fleet';
import { costliestGraphqlOperations, costOf, largestRestRequests, MAX_COST, seedFullLists } from '../support/costliest-operations';

/**
 * The costliest operations the limits admit, on full lists, are admitted and answered whole (no
 * error, nothing cut), and every operation the console sends is within the cost limit. How long
 * each blocks the event loop is measured by `bench/abuse/run.sh budget` (a timing, so a bench,
 * not a test); docs/graphql.md gives the figures.
 */
let gateway: Gateway;
let auth: Headers;
let schema: GraphQLSchema;
let db: Awaited<ReturnType<typeof createE2eDatabase>>;
let scriptTaskId: number;

async function request(method: string, url: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gateway.url}${url}`, { method, headers: { 'content-type': 'application/json', ...auth }, body });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  // A fresh database (on the DATABASE_URL server, else embedded): the file seeds full lists, and runs again.
  db = await createE2eDatabase();
  gateway = await startGateway({
    config: { port: 0, host: '127.0.0.1', databaseUrl: db.databaseUrl, dataDir: db.dataDir, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'silent' },
    logger: silentLogger(),
  });
  schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
  auth = bearer(await loginOverGraphql(`${gateway.url}/graphql`, await createTestUser(gateway.db.orm, 'budget', 'admin')));
  scriptTaskId = await seedFullLists(gateway, async (taskId, body) => (await request('POST', `/v1/tasks/${taskId}/scripts`, body)).status);
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await db?.drop();
});

describe('the costliest admitted GraphQL operations', () => {
  it('are admitted and answered whole', async () => {
    for (const [shape, query] of costliestGraphqlOperations(schema)) {
      expect([shape, costOf(schema, query) <= MAX_COST]).toEqual([shape, true]);
      const answer = JSON.parse((await request('POST', '/graphql', JSON.stringify({ query }))).text) as { data?: unknown; errors?: unknown[] };
      expect([shape, answer.errors]).toEqual([shape, undefined]);
      expect(answer.data).toBeTruthy();
    }
  }, 120_000);
});

describe("the console's operations", () => {
  /** Every operation the console's pages send, as written in src/console (interpolations are field lists: `id`). */
  function consoleOperations(): string[] {
    const dir = path.join(__dirname, '../../src/console');
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
    return files.flatMap((f) =>
      [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/`((?:query|mutation)\b[^`]*)`/g)].map((m) => m[1].replace(/\$\{[^}]*\}/g, 'id')),
    );
  }

  /** As the console's client (urql) sends it: `__typename` in every selection set but the operation's. */
  const asSent = (query: string): DocumentNode =>
    visit(parse(query), {
      SelectionSet: {
        leave: (node, _key, parent) =>
          parent && !Array.isArray(parent) && (parent as { kind?: string }).kind === Kind.OPERATION_DEFINITION
            ? node
            : { ...node, selections: [...node.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] },
      },
    });

  it('are all within the cost limit as the console sends them, their lists at their page sizes', () => {
    const operations = consoleOperations();
    expect(operations.length).toBeGreaterThan(20);
    // The run view pages its reports 500 at a time (the only page size given as a variable).
    // Its variables as the console fills them (raw JSON values: dates as ISO text).
    const dayAgo = new Date(Date.now() - 24 * 3600_000).toISOString();
    const variables = { pageSize: 500, pageNo: 1, from: dayAgo, weekFrom: dayAgo, weekTo: new Date(Date.now() + 6 * 24 * 3600_000).toISOString() };
    const over = operations.filter((q) => estimateCost(schema, asSent(q), variables) > MAX_COST);
    expect(over).toEqual([]);
  });
});

describe('the largest REST answers and bodies', () => {
  it('are answered', async () => {
    for (const [shape, method, url, body] of largestRestRequests(scriptTaskId)) {
      expect([shape, (await request(method, url, body)).status]).toEqual([shape, 200]);
    }
  }, 120_000);
});
