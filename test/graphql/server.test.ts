import vm from 'node:vm';
import { getIntrospectionQuery } from 'graphql';
import { captureSql, useGraphqlServer, wsTake } from './support';
import { GRAPHQL_CODES } from '../../src/graphql/errors';

describe('GraphQL serving', () => {
  const h = useGraphqlServer({ limits: { maxDepth: 6, maxCost: 20_000 } });

  it('answers a query over HTTP POST', async () => {
    const data = await h.ok('{ clients { totalCount nodes { id } pageInfo { pageNo pageSize totalPages hasNextPage hasPreviousPage } } }');
    expect(data.clients).toEqual({
      totalCount: 0,
      nodes: [],
      pageInfo: { pageNo: 1, pageSize: 20, totalPages: 0, hasNextPage: false, hasPreviousPage: false },
    });
  });

  it('answers a query over HTTP GET', async () => {
    const res = await fetch(`${h.url}?query=${encodeURIComponent('{ attributes { totalCount } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true', authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { attributes: { totalCount: 0 } } });
  });

  it('serves GraphiQL to a browser from local files only, and its assets load and work', async () => {
    const res = await fetch(h.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toContain('SDES GraphQL');
    expect(html).toContain('GraphiQL.createFetcher');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i); // nothing from a CDN
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    const styles = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(['/graphql/ide/react.production.min.js', '/graphql/ide/react-dom.production.min.js', '/graphql/ide/graphiql.min.js']);
    expect(styles).toEqual(['/graphql/ide/graphiql.min.css']);

    const css = await fetch(new URL(styles[0], h.url));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect(css.headers.get('cache-control')).toMatch(/max-age=86400/);
    expect(await css.text()).not.toMatch(/url\(\s*["']?https?:/); // fonts are inlined
    // The scripts run in the order the page loads them, in a bare global scope as a browser's window...
    const window: Record<string, unknown> = {
      TextDecoder,
      TextEncoder,
      URL,
      console,
      setTimeout,
      clearTimeout,
      queueMicrotask,
      fetch,
      navigator: { userAgent: 'jest' },
    };
    window.window = window.self = window.globalThis = window;
    vm.createContext(window);
    for (const src of scripts) {
      const js = await fetch(new URL(src, h.url));
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      vm.runInContext(await js.text(), window, { filename: src });
    }
    // ...and define what the page's inline script uses.
    const g = window as {
      React: { createElement: unknown };
      ReactDOM: { createRoot: unknown };
      GraphiQL: {
        createFetcher(o: { url: string; headers?: Record<string, string> }): (p: object) => Promise<{ data: { __schema: { queryType: { name: string } } } }>;
      };
    };
    expect(typeof g.React.createElement).toBe('function');
    expect(typeof g.ReactDOM.createRoot).toBe('function');
    // GraphiQL's own fetcher reads this server's schema, as the IDE does once its headers pane holds a token.
    const fetcher = g.GraphiQL.createFetcher({ url: h.url, headers: { authorization: `Bearer ${h.token}` } });
    const introspection = await fetcher({ query: getIntrospectionQuery(), operationName: 'IntrospectionQuery' });
    expect(introspection.data.__schema.queryType.name).toBe('Query');
    expect((await fetch(`${h.url}/ide/nope.js`)).status).toBe(404);
  });

  it('answers malformed JSON with a JSON 400, not an HTML page', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('gives NOT_FOUND with the field for an unknown id', async () => {
    const result = await h.gql('{ client(id: 4242) { id } }');
    expect(result.errors).toEqual([
      expect.objectContaining({ message: 'client 4242 does not exist', path: ['client'], extensions: { code: 'NOT_FOUND', field: 'clientId' } }),
    ]);
  });

  it('names the fields of an invalid input', async () => {
    const result = await h.gql('mutation { createClient(input: { mqttClientId: "", ip: "not-an-ip" }) { id } }');
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toBe('mqttClientId: expected a non-empty string of at most 255 characters, got ""');
    expect(result.errors?.[0].extensions?.fields.map((f: { field: string }) => f.field).sort()).toEqual(['ip', 'mqttClientId']);
  });

  it('refuses a page size over the maximum, naming it', async () => {
    const result = await h.gql('{ clients(pageSize: 501) { totalCount } }');
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'pageSize' } });
  });

  it('gives BAD_USER_INPUT for variables of the wrong type', async () => {
    const result = await h.gql('query ($id: Int!) { client(id: $id) { id } }', { id: 'seven' });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a query nested deeper than the limit with a clear error', async () => {
    const result = await h.gql('{ jobs { nodes { groups { clients { groups { clients { groups { id } } } } } } } }');
    expect(result.errors?.[0].extensions?.code).toBe(GRAPHQL_CODES.QUERY_TOO_DEEP);
    expect(result.errors?.[0].message).toMatch(/8 levels deep; the limit is 6/);
    expect(result.data).toBeUndefined();
  });

  it('refuses a query costing more than the limit, before touching the database', async () => {
    const { result, statements } = await captureSql(() => h.gql('{ jobs(pageSize: 500) { nodes { tasks(first: 100) { id name } } } }'));
    expect(result.errors?.[0].extensions?.code).toBe(GRAPHQL_CODES.QUERY_TOO_COMPLEX);
    expect(result.errors?.[0].message).toMatch(/estimated cost is over 20000, the limit/);
    expect(statements).toEqual([]);
  });

  it('gives GRAPHQL_VALIDATION_FAILED for an unknown field and GRAPHQL_PARSE_FAILED for a syntax error', async () => {
    expect((await h.gql('{ nope }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await h.gql('{ clients { ')).errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('masks an unexpected error and logs it', async () => {
    const em = h.db.orm.em.fork();
    await em.getConnection().execute('alter table attribute rename to attribute_moved');
    try {
      const result = await h.gql('{ attributes { totalCount } }');
      expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Internal server error/), extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(result)).not.toMatch(/attribute_moved|relation|select/i);
    } finally {
      await em.getConnection().execute('alter table attribute_moved rename to attribute');
    }
  });

  it('maps errors the same way over WebSocket', async () => {
    const ws = h.ws();
    const cases = [
      '{ client(id: 4242) { id } }',
      'mutation { createClient(input: { mqttClientId: "" }) { id } }',
      '{ jobs { nodes { groups { clients { groups { clients { groups { id } } } } } } } }',
      '{ nope }',
      '{ clients { ',
    ];
    for (const query of cases) {
      const overHttp = await h.gql(query);
      const [overWs] = await wsTake(ws, { query }).results;
      expect(overWs.errors?.map((e) => [e.message, e.extensions?.code])).toEqual(overHttp.errors?.map((e) => [e.message, e.extensions?.code]));
    }
  });
});
