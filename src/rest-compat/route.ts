import type { Request, Response } from 'express';
import type { Permission } from '../auth/permissions';
import type { ServiceContext } from '../services/service-context';
import { z } from './zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** What a handler receives: the parsed (coerced, checked) path, query and body. */
export interface RouteInput<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined> {
  params: P extends AnyObject ? z.output<P> : Record<string, never>;
  query: Q extends AnyObject ? z.output<Q> : Record<string, never>;
  body: B extends z.ZodType ? z.output<B> : undefined;
}

/**
 * The answer of a route that does not answer JSON (a file download): its handler returns one and
 * the router lets it write the HTTP answer. Errors it throws before writing become the usual
 * JSON errors.
 */
export abstract class RawAnswer {
  abstract send(req: Request, res: Response): Promise<void>;
}

/** The `response` of a route whose handler returns a RawAnswer (its answers are documented by `raw`). */
export const rawAnswer = z.custom<RawAnswer>((value) => value instanceof RawAnswer);

/** How the answers of a raw route appear in OpenAPI, by status. */
export type RawResponses = Record<number, { description: string; contentType?: string; headers?: Record<string, string>; json?: z.ZodType }>;

/**
 * One documented route, defined once. The router validates requests from `params`, `query` and
 * `body`; the OpenAPI document is generated from the same schemas and from `response` (the shape of
 * the document's example); `handler` parses nothing itself: it calls a service and shapes the answer.
 */
export interface RouteSpec<
  P extends AnyObject | undefined = AnyObject | undefined,
  Q extends AnyObject | undefined = AnyObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** Express syntax, relative to /v1: `/jobs/:jobId/details`. */
  path: string;
  /** The document's heading for the route. */
  summary: string;
  /** The document's section: JobLogApi, dashboard, config, monitoring, settings. */
  tag: string;
  /**
   * Who may call it: the one declaration the router authorises and audits with
   * (src/auth/permissions.ts says which roles hold it; docs/security.md lists every route).
   */
  permission: Permission;
  /** Decisions taken where the document is silent or contradicts itself (also in docs/rest-compat.md). */
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The shape of the document's 200 example (`rawAnswer` for a route that answers bytes). */
  response: R;
  /** The answers of a route whose handler returns a RawAnswer, documented in OpenAPI instead of `response`. */
  raw?: RawResponses;
  handler: (ctx: ServiceContext, input: RouteInput<P, Q, B>) => Promise<z.input<R>>;
  /**
   * The estimated cost of a request, in GraphQL's unit (src/graphql/cost.ts), for admission
   * (src/http/admission.ts), from its path and query (the body is parsed once admitted; its bytes
   * are counted apart); without it, `routeCost`'s rule (src/rest-compat/route-cost.ts).
   */
  cost?: (input: Omit<RouteInput<P, Q, B>, 'body'>) => number;
}

// `any` erases the per-route types so routes of every shape sit in one table; each route's own
// types were checked where it was defined (defineRoute).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

/** Declares a route with its types inferred from the schemas (the handler's return is checked against `response`). */
export function defineRoute<
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AnyRoute {
  return spec;
}
