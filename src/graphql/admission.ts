import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { admitHttp, callerOf, credentialOf, inputCost, type Admission, type Release } from '../http/admission';
import type { Actor } from '../auth/actor';
import { isAppError } from '../services/errors';
import { GRAPHQL_CODES } from './errors';

/**
 * GraphQL's side of admission (src/http/admission.ts): an operation weighs its estimated cost
 * (limits.ts `checkCost`) plus the bytes of its document and variables; over HTTP and over
 * WebSocket alike. A refusal is RATE_LIMITED with `extensions.retryAfterSeconds`, and over HTTP
 * status 429 with Retry-After.
 */
function rateLimited(err: unknown): GraphQLError {
  if (!isAppError(err) || err.code !== 'RATE_LIMITED') throw err;
  const retryAfterSeconds = err.retryAfterSeconds ?? 1;
  return new GraphQLError(err.message, {
    extensions: {
      code: GRAPHQL_CODES.RATE_LIMITED,
      retryAfterSeconds,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/** HTTP, before the request is read: a caller whose share of the queue is full is refused at once (`Admission.gate`). */
export function graphqlAdmissionGate(admission: Admission) {
  return (req: Request, res: Response, next: NextFunction) => {
    const refused = admission.gate(credentialOf(req));
    if (!refused) return next();
    const { http: _http, ...extensions } = rateLimited(refused).extensions as Record<string, unknown>;
    res.set('Retry-After', String(refused.retryAfterSeconds ?? 1));
    res.status(429).json({ errors: [{ message: refused.message, extensions }] });
  };
}

/** HTTP: the slot, if the operation needs one, is held until its answer is sent. Throws RATE_LIMITED. */
export async function admitHttpOperation(
  admission: Admission,
  res: ServerResponse,
  actor: Actor | undefined,
  cost: number,
  requestBytes: number,
): Promise<void> {
  try {
    await admitHttp(admission, res, { caller: callerOf(actor), cost: cost + inputCost(requestBytes) });
  } catch (err) {
    throw rateLimited(err);
  }
}

/** WebSocket: the release to call once the operation has run, or the refusal to send. */
export async function admitWsOperation(
  admission: Admission,
  actor: Actor,
  cost: number,
  payload: { query: string; variables?: Record<string, unknown> | null },
): Promise<Release | GraphQLError> {
  const bytes = payload.query.length + (payload.variables ? JSON.stringify(payload.variables).length : 0);
  try {
    return await admission.admit({ caller: callerOf(actor), cost: cost + inputCost(bytes) });
  } catch (err) {
    return rateLimited(err);
  }
}
