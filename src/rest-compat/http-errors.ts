import { randomUUID } from 'node:crypto';
import {
  ConnectionException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { Logger } from '../runtime/logger';
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from '../services/errors';
import { z } from './zod';

/** Codes the REST layer adds to the service codes: routing problems and the masked failure. */
export type RestErrorCode = ErrorCode | 'METHOD_NOT_ALLOWED' | 'INTERNAL';

/** The body of every non-2xx answer under /v1. */
export interface ErrorBody {
  code: RestErrorCode;
  message: string;
  /** The parameter or body field at fault, where there is one. */
  field?: string;
}

export const errorBodySchema = z
  .object({
    code: z.enum([...ERROR_CODES, 'METHOD_NOT_ALLOWED', 'INTERNAL']),
    message: z.string().openapi({ example: 'pageSize: expected an integer from 1 to 500, got "abc"' }),
    field: z.string().optional().openapi({ example: 'pageSize' }),
  })
  .openapi('Error');

/** The HTTP status of each service error code. Exhaustive: a new code fails the type check here. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
      return 404;
    case 'INVALID_INPUT':
      return 400;
    case 'CONFLICT':
      return 409;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/**
 * Errors express and body-parser raise for a bad request carry a 4xx `status` (http-errors);
 * body-parser's also carry a `type`. A path that does not URL-decode is one of them.
 */
interface HttpClientError extends Error {
  status: number;
  type?: string;
  limit?: number;
}

function isHttpClientError(err: unknown): err is HttpClientError {
  const status = (err as HttpClientError | undefined)?.status;
  return err instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

function clientErrorAnswer(err: HttpClientError): { status: number; body: ErrorBody } {
  switch (err.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { code: 'INVALID_INPUT', message: `body: expected valid JSON (${err.message})`, field: 'body' } };
    case 'entity.too.large':
      return { status: 413, body: { code: 'INVALID_INPUT', message: `body: expected at most ${err.limit ?? 'the limit of'} bytes of JSON`, field: 'body' } };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, body: { code: 'INVALID_INPUT', message: `body: expected UTF-8 JSON (${err.message})`, field: 'body' } };
    case undefined:
      // The router's own: a path parameter that does not URL-decode ("Failed to decode param ...").
      return { status: 400, body: { code: 'INVALID_INPUT', message: `path: expected a valid URL-encoded path (${err.message})` } };
    default:
      return { status: err.status, body: { code: 'INVALID_INPUT', message: `body: ${err.message}`, field: 'body' } };
  }
}

/**
 * The one translation of errors into HTTP answers. Services throw AppError; database constraint
 * errors that a service did not foresee still become 4xx (the row at fault names no field);
 * anything else is a bug: 500 with a reference, logged in full, the details kept from the caller.
 */
export function toHttpError(err: unknown, logger: Logger): { status: number; body: ErrorBody } {
  if (isAppError(err)) return { status: statusOf(err.code), body: appErrorBody(err) };
  if (isHttpClientError(err)) return clientErrorAnswer(err);
  if (err instanceof UniqueConstraintViolationException) {
    return { status: 409, body: { code: 'CONFLICT', message: 'a record with the same unique value already exists' } };
  }
  if (err instanceof ForeignKeyConstraintViolationException) {
    return { status: 409, body: { code: 'CONFLICT', message: 'the record refers to, or is referred to by, a record that does not exist or still exists' } };
  }
  if (err instanceof NotNullConstraintViolationException) {
    return { status: 400, body: { code: 'INVALID_INPUT', message: 'a required value is missing' } };
  }
  // SQLSTATE class 22, "data exception": a value the database cannot store (NUL in text, a date
  // or number out of its range) that got past the checks. The caller's input, so a 400.
  if (err instanceof DriverException && typeof err.code === 'string' && err.code.startsWith('22')) {
    logger.warn({ err }, 'a /v1 value refused by the database');
    return { status: 400, body: { code: 'INVALID_INPUT', message: 'a value cannot be stored (text with NUL characters, or a date or number out of range)' } };
  }
  if (err instanceof ConnectionException || err instanceof DeadlockException || err instanceof LockWaitTimeoutException) {
    logger.warn({ err }, 'the database is unavailable or busy');
    return { status: 503, body: { code: 'UNAVAILABLE', message: 'the database is unavailable or busy: try again' } };
  }
  const ref = randomUUID();
  logger.error({ err, ref, driver: err instanceof DriverException }, 'unexpected error in a /v1 route');
  return { status: 500, body: { code: 'INTERNAL', message: `internal error (reference ${ref}; the gateway log has the details)` } };
}

function appErrorBody(err: AppError): ErrorBody {
  return err.field ? { code: err.code, message: err.message, field: err.field } : { code: err.code, message: err.message };
}
