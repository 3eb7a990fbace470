import type { Gateway } from '../../src/gateway';
import { createE2eDatabase, ensureBuilt, startE2eGateway } from '../e2e/support/fleet';

/** The gateway serves the built console at `/` and never in place of the APIs (src/http/console.ts). */
describe('the operator console served by the gateway', () => {
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let gateway: Gateway;
  const html = { accept: 'text/html,application/xhtml+xml' };

  beforeAll(async () => {
    ensureBuilt();
    db = await createE2eDatabase();
    gateway = await startE2eGateway({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });
  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  it('answers / and any page path with index.html, and its hashed assets as cacheable JavaScript', async () => {
    for (const page of ['/', '/runs/12', '/jobs']) {
      const res = await fetch(`${gateway.url}${page}`, { headers: html });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const body = await res.text();
      expect(body).toContain('<div id="root"></div>');
    }
    const index = await (await fetch(`${gateway.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${gateway.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${gateway.url}/assets/missing.js`)).status).toBe(404);
  });

  it('never shadows GraphQL, REST, their docs or /healthz', async () => {
    const ide = await fetch(`${gateway.url}/graphql`, { headers: html });
    expect(await ide.text()).not.toContain('<div id="root"></div>');
    const docs = await fetch(`${gateway.url}/v1/docs`, { headers: html });
    expect(docs.status).toBe(200);
    expect(await docs.text()).not.toContain('<div id="root"></div>');
    const missing = await fetch(`${gateway.url}/v1/no-such-route`, { headers: html });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/json/);
    const health = await fetch(`${gateway.url}/healthz`, { headers: html });
    expect(health.headers.get('content-type')).toMatch(/json/);
    const gql = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(gql.headers.get('content-type')).toMatch(/json/);
  });
});
