import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type OperationDefinitionNode,
  type ValueNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import { formatPath, textExpectation, textProblem } from '../http/input-guard';
import { estimateCost, LIST_ITEM_COST, operationDepth, SERVICE_CALL_COST } from './cost';
import { GRAPHQL_CODES } from './errors';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './request-guard';

/** Limits that keep one operation, or one WebSocket, from costing the server more than a dashboard would. docs/graphql.md, Limits. */
export interface QueryLimits extends DocumentLimits {
  /** Deepest nesting of fields (introspection fields are not counted). Default 12. */
  maxDepth: number;
  /**
   * Highest estimated cost (src/graphql/cost.ts). Default 15,000: the costliest operation it admits
   * keeps the event loop busy for well under 100 ms (test/graphql/event-loop-budget.test.ts), and
   * the console's pages and the IDE's introspection fit.
   */
  maxCost: number;
  /** Largest answer, in bytes of JSON. Default 8 MiB. */
  maxAnswerBytes: number;
  /** Largest graphql-ws message, in bytes. Default 1 MiB (the HTTP body limit). */
  maxMessageBytes: number;
  /** Most operations (subscriptions included) running at once on one WebSocket. Default 100. */
  maxOperationsPerSocket: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  ...DEFAULT_DOCUMENT_LIMITS,
  maxDepth: 12,
  maxCost: 15_000,
  maxAnswerBytes: 8 * 1024 * 1024,
  maxMessageBytes: 1024 * 1024,
  maxOperationsPerSocket: 100,
};

/** A validation rule (runs with the standard rules) that refuses operations nested deeper than `maxDepth`. */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node: OperationDefinitionNode) {
      const depth = operationDepth(context.getDocument(), node);
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(
            `Query too deep: ${node.name ? `operation "${node.name.value}"` : 'the operation'} nests fields ${depth} levels deep; the limit is ${maxDepth}. Ask for fewer nested levels, or split it into several operations.`,
            { nodes: [node], extensions: { code: GRAPHQL_CODES.QUERY_TOO_DEEP, depth, maxDepth } },
          ),
        );
      }
    },
  });
}

/** The first string of a literal argument value that PostgreSQL cannot store, with its path. Iterative. */
function badLiteral(value: ValueNode, name: string): { path: (string | number)[]; problem: 'NUL' | 'SURROGATE' } | null {
  const stack: { node: ValueNode; path: (string | number)[] }[] = [{ node: value, path: [name] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (node.kind === Kind.STRING) {
      const problem = textProblem(node.value);
      if (problem) return { path, problem };
    } else if (node.kind === Kind.LIST) {
      for (let i = node.values.length - 1; i >= 0; i--) stack.push({ node: node.values[i], path: [...path, i] });
    } else if (node.kind === Kind.OBJECT) {
      for (let i = node.fields.length - 1; i >= 0; i--) stack.push({ node: node.fields[i].value, path: [...path, node.fields[i].name.value] });
    }
  }
  return null;
}

/**
 * Refuses string literals PostgreSQL cannot store (NUL; a lone surrogate, which the lexer lets
 * through as an escape) in any argument, naming it: `filter.nameContains`. Variables get the
 * same check before parsing (request-guard.ts).
 */
export function storableTextRule(context: ValidationContext): ASTVisitor {
  return {
    Argument(node) {
      const bad = badLiteral(node.value, node.name.value);
      if (!bad) return;
      const field = formatPath(bad.path);
      context.reportError(
        new GraphQLError(`${field}: expected ${textExpectation(bad.problem)}`, { nodes: [node], extensions: { code: GRAPHQL_CODES.BAD_USER_INPUT, field } }),
      );
    },
  };
}

/** The cost check, run once variables are known (after validation): the estimate (admission, src/http/admission.ts, weighs the operation by it) and the error when over the limit. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
  maxCost: number,
): { cost: number; error: GraphQLError | null } {
  const cost = estimateCost(schema, document, variables ?? {}, operationName, maxCost);
  return { cost, error: cost <= maxCost ? null : tooComplex(maxCost) };
}

function tooComplex(maxCost: number): GraphQLError {
  return new GraphQLError(
    `Query too complex: its estimated cost is over ${maxCost}, the limit (each field costs 1, each list item ${LIST_ITEM_COST} more, each root field or other service call ${SERVICE_CALL_COST}, times the page size of every list around it; aliases and fragment spreads count each time). Ask for smaller pages, fewer nested lists or fewer aliases.`,
    { extensions: { code: GRAPHQL_CODES.QUERY_TOO_COMPLEX, maxCost } },
  );
}

/** The answer-size check; null when within the limit. */
export function answerSizeError(bytes: number, maxAnswerBytes: number): GraphQLError | null {
  if (bytes <= maxAnswerBytes) return null;
  return new GraphQLError(`Response too large: the answer has ${bytes} bytes of JSON; the limit is ${maxAnswerBytes}. Ask for smaller pages or fewer fields.`, {
    extensions: { code: GRAPHQL_CODES.RESPONSE_TOO_LARGE, maxAnswerBytes },
  });
}
