/** The codes every front door translates: REST to an HTTP status, GraphQL to `extensions.code`. */
export const ERROR_CODES = ['NOT_FOUND', 'INVALID_INPUT', 'CONFLICT', 'FORBIDDEN', 'UNAVAILABLE'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one application error. `field` names the input at fault, where there is one. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
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
};

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
