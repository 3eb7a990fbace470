import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isAppError, type ErrorCode } from '../services/errors';
import type { Logger } from '../runtime/logger';

/**
 * The `extensions.code` values a GraphQL client can meet. Service codes are translated by
 * `graphqlCode`; the rest come from the GraphQL layer itself.
 */
export const GRAPHQL_CODES = {
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  QUERY_TOO_LARGE: 'QUERY_TOO_LARGE',
  INPUT_TOO_DEEP: 'INPUT_TOO_DEEP',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  BAD_REQUEST: 'BAD_REQUEST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type GraphqlCode = (typeof GRAPHQL_CODES)[keyof typeof GRAPHQL_CODES];

/** The one translation of a service error code; exhaustive, so a new code fails the type check. */
export function graphqlCode(code: ErrorCode): GraphqlCode {
  switch (code) {
    case 'NOT_FOUND':
      return GRAPHQL_CODES.NOT_FOUND;
    case 'INVALID_INPUT':
      return GRAPHQL_CODES.BAD_USER_INPUT;
    case 'CONFLICT':
      return GRAPHQL_CODES.CONFLICT;
    case 'UNAUTHENTICATED':
      return GRAPHQL_CODES.UNAUTHENTICATED;
    case 'FORBIDDEN':
      return GRAPHQL_CODES.FORBIDDEN;
    case 'RATE_LIMITED':
      return GRAPHQL_CODES.RATE_LIMITED;
    case 'UNAVAILABLE':
      return GRAPHQL_CODES.SERVICE_UNAVAILABLE;
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/** What a client is told instead of an unexpected error (the full error goes to the log). */
export const MASKED_MESSAGE = 'Internal server error: the error was logged on the server';

/** Errors graphql-js raises without a code (graphql-ws has no Apollo to add one). */
function fallbackCode(error: GraphQLError): GraphqlCode {
  if (error.message.startsWith('Syntax Error')) return GRAPHQL_CODES.GRAPHQL_PARSE_FAILED;
  if (error.message.startsWith('Variable "$')) return GRAPHQL_CODES.BAD_USER_INPUT;
  return error.path ? GRAPHQL_CODES.INTERNAL_SERVER_ERROR : GRAPHQL_CODES.GRAPHQL_VALIDATION_FAILED;
}

/**
 * The field of a variable graphql-js could not coerce (an unknown enum value, a float for an
 * Int), named as the services name fields: relative to the argument, `queryOperation` for
 * `Variable "$input" got invalid value "LIKE" at "input.queryOperation"`, `[0].type` for
 * `... at "steps[0].type"`. Then both doors name the same field for the same bad value.
 */
function coercedField(message: string): string | undefined {
  const at = /^Variable "\$[^"]+" got invalid value .*? at "[A-Za-z_][A-Za-z0-9_]*((?:\.|\[)[^"]*)"; /.exec(message)?.[1];
  return at?.replace(/^\./, '');
}

/**
 * Turns any error of an operation into what the client sees: service errors keep their message
 * and get a code (and the field at fault), input validation names every field, GraphQL's own
 * errors keep their code, and anything unexpected is masked and logged in full.
 * Used by Apollo (`formatError`) and by graphql-ws (`onNext`, `onError`) alike.
 */
export function toClientError(error: GraphQLError, logger: Logger): GraphQLError {
  const original = error.originalError;
  if (isAppError(original)) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: {
        code: graphqlCode(original.code),
        ...(original.field ? { field: original.field } : {}),
        ...(original.problems ? { fields: original.problems } : {}),
      },
    });
  }
  if (!original || original instanceof GraphQLError) {
    // Parse, validation, coercion and limit errors, or a GraphQLError thrown on purpose: safe to show.
    const code = (original?.extensions?.code as string | undefined) ?? (error.extensions?.code as string | undefined) ?? fallbackCode(error);
    const { http: _http, ...extensions } = { ...error.extensions, ...original?.extensions } as Record<string, unknown>;
    const field = extensions.field ?? (code === GRAPHQL_CODES.BAD_USER_INPUT ? coercedField(error.message) : undefined);
    return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...extensions, code, ...(field ? { field } : {}) } });
  }
  logger.error({ err: original, path: error.path?.join('.') }, 'unexpected error in a GraphQL operation');
  return new GraphQLError(MASKED_MESSAGE, { nodes: error.nodes, path: error.path, extensions: { code: GRAPHQL_CODES.INTERNAL_SERVER_ERROR } });
}

/** `toClientError` in the formatted (JSON) form. */
export function formatClientError(error: GraphQLError, logger: Logger): GraphQLFormattedError {
  return toClientError(error, logger).toJSON();
}
