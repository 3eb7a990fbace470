import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { admitHttp, callerOf, inputCost, type Admission, type Release } from '../http/admission';
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
