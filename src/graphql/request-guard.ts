import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { describeInputProblem, findInputProblem, formatPath, MAX_INPUT_DEPTH } from '../http/input-guard';
import { GRAPHQL_CODES } from './errors';

/** What a GraphQL request may carry before it is parsed (docs/graphql.md, Limits). */
export interface DocumentLimits {
  /** Longest document, in characters. Default 100,000: large inputs belong in variables. */
  maxDocumentChars: number;
  /** Most lexical tokens in a document. Default 20,000. */
  maxTokens: number;
  /** Deepest nesting of `{`, `[` and `(` in a document, and of arrays/objects in variables. */
  maxNesting: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { maxDocumentChars: 100_000, maxTokens: 20_000, maxNesting: MAX_INPUT_DEPTH };

const OPENERS = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSERS = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

function tooLarge(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: GRAPHQL_CODES.QUERY_TOO_LARGE, ...extensions } });
}

/**
 * The checks a request passes before graphql-js parses it (whose parser and input coercion
 * recurse): its size, its tokens and nesting (one pass of graphql's own lexer, iterative), and its
 * variables (nesting and unstorable text, naming the variable). Null when it may go on. A syntax
 * error is left to the parser, which reports it as usual.
 */
export function checkGraphqlRequest(query: unknown, variables: unknown, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS): GraphQLError | null {
  const { maxDocumentChars, maxTokens, maxNesting } = limits;
  if (typeof query === 'string') {
    if (query.length > maxDocumentChars) {
      return tooLarge(`Query too large: the document has ${query.length} characters; the limit is ${maxDocumentChars}. Send large inputs as variables.`, {
        maxDocumentChars,
      });
    }
    const lexer = new Lexer(new Source(query));
    let tokens = 0;
    let depth = 0;
    try {
      for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
        if (++tokens > maxTokens)
          return tooLarge(`Query too large: the document has more than ${maxTokens} tokens, the limit. Send large inputs as variables.`, { maxTokens });
        if (OPENERS.has(token.kind) && ++depth > maxNesting) {
          return new GraphQLError(`Query too deep: the document nests braces, brackets and parentheses more than ${maxNesting} levels deep, the limit.`, {
            extensions: { code: GRAPHQL_CODES.INPUT_TOO_DEEP, maxNesting },
          });
        }
        if (CLOSERS.has(token.kind)) depth--;
      }
    } catch {
      return null; // a syntax error: the parser reports it with its position
    }
  }
  if (variables !== null && typeof variables === 'object') {
    for (const [name, value] of Object.entries(variables)) {
      const problem = findInputProblem(value, maxNesting - 1);
      if (!problem) continue;
      const at = formatPath(problem.path, `$${name}`);
      const field = problem.kind === 'depth' ? `$${name}` : at;
      return new GraphQLError(`Variable ${describeInputProblem(problem, field, at)}`, {
        extensions: { code: problem.kind === 'depth' ? GRAPHQL_CODES.INPUT_TOO_DEEP : GRAPHQL_CODES.BAD_USER_INPUT, field },
      });
    }
  }
  return null;
}
