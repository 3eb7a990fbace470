import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createLoginLimiter } from '../auth/login-limiter';
import { runOperation } from '../auth/operation';
import { actorOfRequest } from '../auth/request';
import { admitHttp, callerOf, createAdmission, credentialOf, inputCost } from '../http/admission';
import type { FrontDoorDeps } from '../http/deps';
import { AppError, isAppError } from '../services/errors';
import type { ServiceContext } from '../services/service-context';
import { createDocsRouter } from './docs-page';
import { toHttpError } from './http-errors';
import { buildOpenApiDocument } from './openapi';
import { RawAnswer, type AnyRoute } from './route';
import { routeCost } from './route-cost';
import { SERVED_ROUTES } from './routes';
import { describeInputProblem, findInputProblem } from '../http/input-guard';
import { fieldName, parsePart, type InputPart } from './validation';

/**
 * The edge check of every part a route reads, before its schema: nesting (iterative, so no body
 * can overflow the stack in the schema's recursion) and text PostgreSQL cannot store.
 */
function guardInput(part: InputPart, value: unknown): void {
  const problem = findInputProblem(value);
  if (!problem) return;
  const path = fieldName(part, problem.path);
  // Too deep: the field is the part (the path to the bottom of a deep body says little).
  const field = problem.kind === 'depth' ? (part === 'body' ? 'body' : fieldName(part, problem.path.slice(0, 1))) : path;
  throw new AppError('INVALID_INPUT', describeInputProblem(problem, field, path), field);
}

/**
 * Express matches in registration order, so `/jobs/settings` must come before `/jobs/:jobId`:
 * routes are sorted so that, at the first segment where two paths differ in kind, the static
 * segment comes first. The sort key makes that a total order ('0' static, '1' parameter).
 */
export function sortRoutes(routes: readonly AnyRoute[]): AnyRoute[] {
  const key = (r: AnyRoute) =>
    r.path
      .split('/')
      .map((s) => (s.startsWith(':') ? '1' : '0'))
      .join('');
  return [...routes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function pathPattern(expressPath: string): RegExp {
  const source = expressPath
    .split('/')
    .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** Query values that are empty (`?jobName=`) count as absent: legacy forms send every field. */
function withoutEmpty(query: Request['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) if (v !== '' && v !== undefined) out[k] = v;
  return out;
}

function isJsonRequest(req: Request): boolean {
  return !!req.is(['application/json', 'application/*+json']);
}

/** The parts of a request the audit log keeps (empty ones left out). */
function auditInput(req: Request, query: Record<string, unknown>): Record<string, unknown> | undefined {
  const input: Record<string, unknown> = {};
  if (Object.keys(req.params).length) input.params = req.params;
  if (Object.keys(query).length) input.query = query;
  if (req.body !== undefined) input.body = req.body;
  return Object.keys(input).length ? input : undefined;
}

/**
 * The /v1 router: every route of the REST document from one table (src/rest-compat/routes), with
 * request validation, `/v1/openapi.json`, the `/v1/docs` page, JSON 404/405 and one error mapper.
 * Every route is authorised and audited by its declared permission (src/auth/operation.ts); only
 * the OpenAPI document and the docs page are open without a credential.
 * Mount it with `app.use('/v1', createRestRouter(deps))`.
 */
export function createRestRouter(deps: FrontDoorDeps, routes: readonly AnyRoute[] = SERVED_ROUTES): Router {
  const router = express.Router();
  const openApi = buildOpenApiDocument(routes);
  const loginLimiter = deps.auth?.loginLimiter ?? createLoginLimiter();
  const admission = deps.admission ?? createAdmission();
  const contextFor = async (req: Request): Promise<ServiceContext> => {
    const em = deps.orm.em.fork();
    const actor = await actorOfRequest({ em, clock: deps.clock, auth: deps.auth }, req, 'rest');
    return {
      em,
      clock: deps.clock,
      pubsub: deps.pubsub,
      dispatcher: deps.dispatcher,
      files: deps.files,
      remoteFolders: deps.remoteFolders,
      actor,
      loginLimiter,
    };
  };

  // A caller whose share of the admission queue is full is refused before its request is read.
  router.use((req, _res, next) => next(admission.gate(credentialOf(req)) ?? undefined));
  router.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  router.use(createDocsRouter());

  for (const route of sortRoutes(routes)) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const ctx = await contextFor(req);
        const rawQuery = withoutEmpty(req.query);
        const operation = { name: `${route.method.toUpperCase()} ${req.baseUrl}${route.path}`, permission: route.permission, input: auditInput(req, rawQuery) };
        const result = await runOperation(ctx, operation, async () => {
          guardInput('path', req.params);
          guardInput('query', req.query);
          const params = route.params ? parsePart('path', route.params, req.params) : {};
          const query = route.query ? parsePart('query', route.query, rawQuery) : {};
          // A costly request waits for an admission slot (src/http/admission.ts), held until its
          // answer is sent; its body (up to 1 MiB) is checked against the route's schema under the slot.
          const cost = routeCost(route, { params, query }) + inputCost(Number(req.headers['content-length']) || 0);
          await admitHttp(admission, res, { caller: callerOf(ctx.actor), cost });
          let body: unknown;
          if (route.body) {
            if (req.body === undefined) {
              const hint = isJsonRequest(req) ? '' : ' with Content-Type: application/json';
              throw new AppError('INVALID_INPUT', `body: required, expected a JSON body${hint}`, 'body');
            }
            guardInput('body', req.body);
            body = parsePart('body', route.body, req.body);
          }
          return route.handler(ctx, { params, query, body });
        });
        if (result instanceof RawAnswer) await result.send(req, res);
        else res.status(200).json(result ?? null);
      } catch (err) {
        next(err);
      }
    });
  }

  const patterns = routes.map((r) => ({ method: r.method.toUpperCase(), pattern: pathPattern(r.path) }));
  router.use((req: Request, res: Response) => {
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(req.path)).map((p) => p.method))].sort();
    if (allowed.length) {
      res.set('Allow', allowed.join(', '));
      res.status(405).json({ code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${req.baseUrl}${req.path}: expected one of ${allowed.join(', ')}` });
      return;
    }
    res
      .status(404)
      .json({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.baseUrl}${req.path}; the routes are listed at ${req.baseUrl}/openapi.json` });
  });

  // Express recognises an error handler by its four parameters.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = toHttpError(err, deps.logger);
    if (res.headersSent) return;
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="SDES"');
    if (isAppError(err) && err.retryAfterSeconds) res.set('Retry-After', String(err.retryAfterSeconds));
    res.status(status).json(body);
  });
  return router;
}
