import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';

/** An error express's error handlers read as body-parser's own (status and type). */
class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
  ) {
    super(message);
  }
}

const PLAIN_JSON = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Reads a JSON body in the one form every GraphQL client sends it: POST, Content-Type
 * `application/json` (utf-8), not compressed, with a Content-Length within `limit`. Anything else
 * is left unread for the `express.json` that must follow this (compressed bodies, other
 * charsets, chunked ones, over the limit: its answers are unchanged). What it parses it parses as
 * express.json does (strict: an object or an array; an empty body is `{}`), without its per-request
 * machinery (type-is, raw-body, iconv, an async resource).
 */
export function plainJsonBody({ limit }: { limit: number }) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const { headers } = req;
    const length = Number(headers['content-length']);
    if (
      req.method !== 'POST' ||
      !PLAIN_JSON.test(headers['content-type'] ?? '') ||
      (headers['content-encoding'] !== undefined && headers['content-encoding'].toLowerCase() !== 'identity') ||
      !Number.isInteger(length) ||
      length > limit ||
      headers['transfer-encoding'] !== undefined
    ) {
      return next();
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      next(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (received !== length) return done(new BodyError('request size did not match content length', 400, 'request.size.invalid'));
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      const first = /\S/.exec(text)?.[0];
      if (first === undefined) {
        req.body = {};
        return done();
      }
      if (first !== '{' && first !== '[') return done(new BodyError('a JSON body must be an object or an array', 400, 'entity.parse.failed'));
      try {
        req.body = JSON.parse(text) as unknown;
      } catch (err) {
        return done(new BodyError((err as Error).message, 400, 'entity.parse.failed'));
      }
      done();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', done);
  };
}

/**
 * Apollo Server on express, as `@as-integrations/express5` binds it, less what it costs per
 * request (issue 12): the path's query string without `url.parse`, and the answer written with
 * `res.end` rather than express's `res.send`, which hashes every answer for an ETag (a GraphQL
 * POST is never revalidated) and checks freshness. The request body must be parsed before.
 */
export function apolloHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: ContextFunction<[{ req: Request; res: Response }], TContext>,
) {
  return async (req: Request, res: Response): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url;
    const q = url.indexOf('?');
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: q < 0 ? '' : url.slice(q), body: req.body as unknown },
      context: () => context({ req, res }),
    });
    writeAnswer(res, answer.status ?? 200, answer.headers, answer.body);
    if (answer.body.kind === 'chunked') {
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
}

function writeAnswer(
  res: ServerResponse<IncomingMessage>,
  status: number,
  headers: Map<string, string>,
  body: { kind: 'complete'; string: string } | { kind: 'chunked' },
): void {
  res.statusCode = status;
  for (const [key, value] of headers) res.setHeader(key, value);
  if (body.kind !== 'complete') return;
  res.setHeader('content-length', Buffer.byteLength(body.string));
  res.end(body.string);
}
