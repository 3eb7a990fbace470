import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { GRAPHQL_CODES } from './errors';

export interface DocumentCache {
  /** The parsed and validated document of `query`, or the errors to answer it with. */
  check(query: string): DocumentNode | readonly GraphQLError[];
}

/**
 * Parse and validation of GraphQL-over-WebSocket documents, kept by their text: a thousand
 * dashboards sending the same subscription parse and validate it once. Validation does not
 * depend on variables or on who asks, so the text is the whole key; documents that fail are not
 * kept. The oldest entry leaves when `size` is reached.
 */
export function createDocumentCache({
  schema,
  rules,
  maxTokens,
  size = 500,
}: {
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  maxTokens: number;
  size?: number;
}): DocumentCache {
  const documents = new Map<string, DocumentNode>();
  return {
    check(query) {
      const cached = documents.get(query);
      if (cached) return cached;
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens });
      } catch (err) {
        const e = err as GraphQLError;
        return [new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: GRAPHQL_CODES.GRAPHQL_PARSE_FAILED } })];
      }
      const errors = validate(schema, document, rules);
      if (errors.length) return errors;
      if (documents.size >= size) documents.delete(documents.keys().next().value!);
      documents.set(query, document);
      return document;
    },
  };
}
