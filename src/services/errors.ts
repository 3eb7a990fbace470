/** The codes every front door translates: REST to an HTTP status, GraphQL to `extensions.code`. */
export const ERROR_CODES = ['NOT_FOUND', 'INVALID_INPUT', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'UNAVAILABLE'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One refused field of an input and what it must be. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

/** The one application error. `field` names the input at fault, where there is one. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** RATE_LIMITED: seconds until a new try may succeed (REST sends it as Retry-After). */
    readonly retryAfterSeconds?: number,
    /** INVALID_INPUT: every field at fault (the message and `field` tell the first). */
    readonly problems?: readonly FieldProblem[],
  ) {
    super(message);
  }
}

/** Named constructors keep every message in one place and in one form. */
export const errors = {
  notFound: (entity: string, id: number | string) => new AppError('NOT_FOUND', `${entity} ${id} does not exist`, `${entity}Id`),
  /** `field`: the input at fault; `expected`: the form it must take. */
  invalid: (field: string, expected: string, got?: unknown) =>
    new AppError('INVALID_INPUT', `${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`, field),
  conflict: (field: string, message: string) => new AppError('CONFLICT', `${field}: ${message}`, field),
  unavailable: (message: string) => new AppError('UNAVAILABLE', message),
  /** No credential, or one that is unknown, expired, revoked or banned: `reason` says which and what to do. */
  unauthenticated: (reason: string) => new AppError('UNAUTHENTICATED', reason),
  forbidden: (message: string) => new AppError('FORBIDDEN', message),
  rateLimited: (message: string, retryAfterSeconds: number) => new AppError('RATE_LIMITED', message, undefined, retryAfterSeconds),
};

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * The same error with its field paths spelled by `rename`, for a door whose input names differ
 * from the service's (GraphQL's `whenTrue` for the script's `true`); anything else as it is.
 */
export function withFieldsRenamed(err: unknown, rename: (field: string) => string): unknown {
  if (!(err instanceof AppError) || err.field === undefined) return err;
  const fields = new Set([err.field, ...(err.problems ?? []).map((p) => p.field)]);
  const message = [...fields].reduce((text, field) => text.split(field).join(rename(field)), err.message);
  const problems = err.problems?.map((p) => ({ ...p, field: rename(p.field) }));
  return new AppError(err.code, message, rename(err.field), err.retryAfterSeconds, problems);
}
