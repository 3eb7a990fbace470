import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FrontDoorDeps } from '../../src/http/deps';
import { createLivePubSub } from '../../src/live/pubsub';
import { createRestRouter } from '../../src/rest-compat';
import { statusOf, toHttpError } from '../../src/rest-compat/http-errors';
import { q } from '../../src/rest-compat/params';
import { defineRoute } from '../../src/rest-compat/route';
import { sortRoutes } from '../../src/rest-compat/router';
import { z } from '../../src/rest-compat/zod';
import { systemClock } from '../../src/runtime/clock';
import { silentLogger } from '../../src/runtime/logger';
import { AppError, ERROR_CODES, errors } from '../../src/services/errors';
import { call } from './support/gateway';

/*
 * The router's machinery with routes of our own and no database: ordering, coercion, the error
 * mapper, the masked 500. (The real routes are covered over the real gateway in the other files.)
 */

const logged: unknown[] = [];
const logger = Object.assign(silentLogger(), { error: (...args: unknown[]) => void logged.push(args) });
const fakeOrm = { em: { fork: () => ({}) } } as unknown as MikroORM;
const deps: FrontDoorDeps = { orm: fakeOrm, clock: systemClock, pubsub: createLivePubSub(), logger };

// The machinery alone: routes open to anyone, so no credential (and no database) is involved.
const routes = [
  defineRoute({
    method: 'get',
    path: '/things/:thingId',
    summary: 'a thing',
    tag: 'test',
    permission: 'public',
    params: z.object({ thingId: q.id() }),
    query: z.object({ flag: q.bool().optional(), tags: q.strArray().optional(), n: q.int(0, 10).optional() }),
    response: z.object({ thingId: z.int(), flag: z.boolean().nullable(), tags: z.array(z.string()), n: z.int().nullable() }),
    handler: async (_ctx, { params, query }) => ({ thingId: params.thingId, flag: query.flag ?? null, tags: query.tags ?? [], n: query.n ?? null }),
  }),
  defineRoute({
    method: 'get',
    path: '/things/special',
    summary: 'a static segment registered after the parameter',
    tag: 'test',
    permission: 'public',
    response: z.literal('special'),
    handler: async () => 'special' as const,
  }),
  defineRoute({
    method: 'get',
    path: '/boom',
    summary: 'a bug',
    tag: 'test',
    permission: 'public',
    response: z.null(),
    handler: async () => Promise.reject(new Error('secret detail')),
  }),
  defineRoute({
    method: 'get',
    path: '/conflict',
    summary: 'a conflict',
    tag: 'test',
    permission: 'public',
    response: z.null(),
    handler: async () => Promise.reject(errors.conflict('name', 'taken')),
  }),
  defineRoute({
    method: 'get',
    path: '/down',
    summary: 'unavailable',
    tag: 'test',
    permission: 'public',
    response: z.null(),
    handler: async () => Promise.reject(errors.unavailable('broker down')),
  }),
  defineRoute({ method: 'get', path: '/nothing', summary: 'null', tag: 'test', permission: 'public', response: z.null(), handler: async () => null }),
];

let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use('/v1', createRestRouter(deps, routes));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the /v1 router', () => {
  it('matches a static segment before a parameter, whatever the table order', async () => {
    expect(
      sortRoutes(routes)
        .map((r) => r.path)
        .indexOf('/things/special'),
    ).toBeLessThan(
      sortRoutes(routes)
        .map((r) => r.path)
        .indexOf('/things/:thingId'),
    );
    expect((await call(base, 'GET', '/things/special')).body).toBe('special');
  });

  it('coerces query strings: numbers, "true"/"false", repeated array parameters, empty values as absent', async () => {
    expect((await call(base, 'GET', '/things/7?flag=false&tags=a&tags=b&n=3')).body).toEqual({ thingId: 7, flag: false, tags: ['a', 'b'], n: 3 });
    expect((await call(base, 'GET', '/things/7?flag=true&tags=solo&n=')).body).toEqual({ thingId: 7, flag: true, tags: ['solo'], n: null });
  });

  it('answers a JSON null as the body `null`', async () => {
    const res = await fetch(`${base}/nothing`);
    expect(await res.text()).toBe('null');
  });

  it.each([
    ['/conflict', 409, 'CONFLICT'],
    ['/down', 503, 'UNAVAILABLE'],
    ['/things/0', 400, 'INVALID_INPUT'],
  ])('maps %s to %i %s', async (path, status, code) => {
    const answer = await call(base, 'GET', path);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ code });
  });

  it('masks an unexpected error and logs it in full', async () => {
    logged.length = 0;
    const answer = await call<{ code: string; message: string }>(base, 'GET', '/boom');
    expect(answer.status).toBe(500);
    expect(answer.body.code).toBe('INTERNAL');
    expect(answer.body.message).not.toContain('secret detail');
    const ref = /reference ([0-9a-f-]+)/.exec(answer.body.message)?.[1];
    expect(ref).toBeTruthy();
    expect(JSON.stringify(logged)).toContain(ref);
    expect((logged[0] as [{ err: Error }])[0].err.message).toBe('secret detail');
  });
});

describe('the error mapper', () => {
  it('has a status for every service error code', () => {
    expect(Object.fromEntries(ERROR_CODES.map((c) => [c, statusOf(c)]))).toEqual({
      NOT_FOUND: 404,
      INVALID_INPUT: 400,
      CONFLICT: 409,
      UNAUTHENTICATED: 401,
      RATE_LIMITED: 429,
      FORBIDDEN: 403,
      UNAVAILABLE: 503,
    });
  });

  it('keeps the field of an AppError', () => {
    expect(toHttpError(new AppError('FORBIDDEN', 'not yours', 'jobId'), logger)).toEqual({
      status: 403,
      body: { code: 'FORBIDDEN', message: 'not yours', field: 'jobId' },
    });
  });
});
