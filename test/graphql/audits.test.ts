import { serverAudits } from 'graphql-http';
import { useGraphqlServer } from './support';

describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  const h = useGraphqlServer();

  it('passes every audit without an error', async () => {
    const results = [];
    // The audits' requests carry the admin's session, as every client's must.
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}) =>
      fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), authorization: `Bearer ${h.token}` } });
    for (const audit of serverAudits({ url: () => h.url, fetchFn })) {
      results.push({ ...(await audit.fn()), name: audit.name });
    }
    const errors = results.filter((r) => r.status === 'error').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(errors).toEqual([]);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(30);
  });
});
