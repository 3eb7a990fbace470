import { cacheExchange, Client, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

/** The gateway's own GraphQL endpoint: the console is served by it, so same origin. */
const HTTP_URL = '/graphql';
const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

export interface Api {
  client: Client;
  ws: WsClient;
  dispose(): void;
}

/**
 * One urql client per session: queries and mutations over HTTP with the token in the header,
 * subscriptions over graphql-ws with the token in connection_init (docs/security.md). An
 * UNAUTHENTICATED answer (expired session) calls `onUnauthenticated`, which logs the user out.
 */
export function createApi(token: string, onUnauthenticated: () => void): Api {
  // 4401/4403: the gateway refused the token or the origin (docs/security.md); retrying is pointless.
  const refused = (event: unknown) => [4401, 4403].includes((event as CloseEvent | undefined)?.code ?? 0);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    void ws.dispose();
    onUnauthenticated();
  };
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: { authorization: `Bearer ${token}` },
    // A gateway restart or a network blip: keep trying, so live pages come back by themselves.
    retryAttempts: Infinity,
    shouldRetry: (event) => !refused(event),
    on: {
      closed: (event) => {
        if (refused(event)) end();
      },
    },
  });
  const client = new Client({
    url: HTTP_URL,
    // Lists change under the operator's feet (agents connect, runs end): always ask the gateway.
    requestPolicy: 'cache-and-network',
    // urql sends short queries as GET by default; Apollo's CSRF check wants a JSON POST (docs/graphql.md).
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      // An ended session (logout elsewhere, adminTimeOut): back to the login page.
      mapExchange({
        onError(error) {
          if (error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) end();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return {
    client,
    ws,
    dispose: () => void ws.dispose(),
  };
}

/** Signs in with the public `login` mutation (no token yet, so a bare client). */
export async function login(username: string, password: string): Promise<string> {
  const res = await fetch(HTTP_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation Login($username: String!, $password: String!) { login(username: $username, password: $password) { token } }',
      variables: { username, password },
    }),
  });
  const body = (await res.json()) as { data?: { login?: { token: string } }; errors?: { message: string }[] };
  if (body.data?.login?.token) return body.data.login.token;
  throw new Error(body.errors?.[0]?.message ?? `login failed (HTTP ${res.status})`);
}

/** Ends the session on the gateway too (best effort: the token is forgotten either way). */
export async function logout(token: string): Promise<void> {
  await fetch(HTTP_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'mutation { logout }' }),
  }).catch(() => undefined);
}
