import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mountGraphql, type GraphqlMount } from '../../src/graphql/server';
import type { QueryLimits } from '../../src/graphql/limits';
import { createLivePubSub, type LivePubSub } from '../../src/live/pubsub';
import { createLogger, silentLogger, type Logger } from '../../src/runtime/logger';
import { bearer, loginOverGraphql, TEST_ADMIN, type Headers } from '../support/auth';
export { captureSql } from '../support/capture-sql';
import { ManualClock } from '../support/clock';
import { openTestDatabase, type TestDatabase } from '../support/database';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserService } from '../../src/services/user.service';

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface GraphqlHarness {
  db: TestDatabase;
  clock: ManualClock;
  pubsub: LivePubSub;
  logger: Logger;
  url: string;
  mount: GraphqlMount;
  /** The session token of the admin the harness logs in as (with the `login` mutation). */
  token: string;
  /** POSTs an operation to /graphql over real HTTP, as the admin (or with `headers` instead). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Headers): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A graphql-ws client on the same port, as the admin unless `connectionParams` says otherwise (closed after the file's tests). */
  ws(connectionParams?: Record<string, unknown>): WsClient;
}

/**
 * The GraphQL front door as the gateway mounts it (express + http server + graphql-ws), on a
 * fresh migrated database, listening on a free port: tests speak real HTTP and WebSocket to it.
 */
export function useGraphqlServer({
  limits,
  authSweepMs,
  logger = process.env.TEST_LOG ? createLogger({ name: 'graphql-test', level: 'debug' }) : silentLogger(),
}: { limits?: Partial<QueryLimits>; authSweepMs?: number; logger?: Logger } = {}): GraphqlHarness {
  const h = { clock: new ManualClock(), pubsub: createLivePubSub(), logger } as GraphqlHarness;
  let server: http.Server;
  const sockets: WsClient[] = [];
  beforeAll(async () => {
    // A new embedded database takes seconds, more on a busy machine.
    h.db = await openTestDatabase();
    const app = express();
    server = http.createServer(app);
    h.mount = await mountGraphql({ app, httpServer: server, deps: { orm: h.db.orm, clock: h.clock, pubsub: h.pubsub, logger: h.logger }, limits, authSweepMs });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    // Every operation of the suites runs as a logged-in admin, as an operator's console would.
    await new UserService({ em: h.db.orm.em.fork() as EntityManager, clock: h.clock }).create({ ...TEST_ADMIN, role: 'admin' });
    h.token = await loginOverGraphql(h.url, TEST_ADMIN);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await h.mount?.stop();
    // Keep-alive sockets of fetch's pool would hold the server (and the jest worker) open for seconds.
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h.db?.close();
  });
  h.gql = async (query, variables, headers = bearer(h.token)) => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<any>;
  };
  h.ok = async (query, variables) => {
    const result = await h.gql(query, variables);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
    return result.data as any;
  };
  h.ws = (connectionParams = { authorization: `Bearer ${h.token}` }) => {
    const client = createClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams });
    // The server acknowledges once it has checked the credential (a database round trip).
    acknowledged.set(client, new Promise<void>((resolve) => client.on('connected', () => resolve())));
    sockets.push(client);
    return client;
  };
  return h;
}

const acknowledged = new WeakMap<WsClient, Promise<void>>();

/** Runs one operation over graphql-ws and returns its single result (queries, mutations) or the first `count` events. */
export function wsTake<T = Record<string, any>>(
  client: WsClient,
  payload: { query: string; variables?: Record<string, unknown> },
  count = 1,
): { results: Promise<GqlResult<T>[]>; ready: Promise<void>; cancel: () => void } {
  const results: GqlResult<T>[] = [];
  let cancel = () => {};
  let markReady = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise<GqlResult<T>[]>((resolve, reject) => {
    cancel = client.subscribe<T>(payload, {
      next: (value) => {
        results.push(value as GqlResult<T>);
        if (results.length >= count) {
          cancel();
          resolve(results);
        }
      },
      error: (err) => (Array.isArray(err) ? resolve([{ errors: err as GqlResult['errors'] }]) : reject(err)),
      complete: () => resolve(results),
    });
  });
  // The server subscribes to the pub/sub once it has processed the subscribe message (sent once the
  // connection is acknowledged); give it a moment.
  void (acknowledged.get(client) ?? Promise.resolve()).then(() => setTimeout(markReady, 100));
  return { results: done, ready, cancel: () => cancel() };
}
