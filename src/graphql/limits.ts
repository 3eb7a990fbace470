import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from 'graphql';
import { GRAPHQL_CODES } from './errors';

/** Limits that keep one operation from costing the server more than a dashboard page would. */
export interface QueryLimits {
  /** Deepest nesting of fields (introspection fields are not counted). Default 12. */
  maxDepth: number;
  /** Highest estimated cost: every field is 1, list fields multiply what is under them by their page size. Default 100,000. */
  maxCost: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxCost: 100_000 };

/** Arguments that bound how many items a list field returns, with the default used when absent. */
const SIZE_ARGUMENTS = ['pageSize', 'first', 'limit'];
/** A list field without a size argument is counted as this many items. */
const UNBOUNDED_LIST_SIZE = 10;
/** The items of a page (`{ nodes }`): the page's size argument has already multiplied them. */
const PAGE_ITEMS_FIELD = 'nodes';

function isIntrospection(name: string): boolean {
  return name.startsWith('__');
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) map.set(d.name.value, d);
  return map;
}

function depthOf(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (isIntrospection(sel.name.value)) continue;
      deepest = Math.max(deepest, 1 + depthOf(sel.selectionSet, fragments, seen));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(sel.selectionSet, fragments, seen));
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report them
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, new Set(seen).add(name)));
    }
  }
  return deepest;
}

/** A validation rule (runs with the standard rules) that refuses operations nested deeper than `maxDepth`. */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node: OperationDefinitionNode) {
        const depth = depthOf(node.selectionSet, fragments, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `Query too deep: ${node.name ? `operation "${node.name.value}"` : 'the operation'} nests fields ${depth} levels deep; the limit is ${maxDepth}. Ask for fewer nested levels, or split it into several operations.`,
              { nodes: [node], extensions: { code: GRAPHQL_CODES.QUERY_TOO_DEEP, depth, maxDepth } },
            ),
          );
        }
      },
    };
  };
}

function argumentValue(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  for (const name of SIZE_ARGUMENTS) {
    const def = field.args.find((a) => a.name === name);
    if (!def) continue;
    const arg = node.arguments?.find((a) => a.name.value === name);
    const value = arg ? valueFromAST(arg.value, def.type, variables) : def.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  }
  return undefined;
}

/**
 * Estimates what an operation costs: 1 per field, times the page size of each list around it
 * (`pageSize`/`first` arguments, their defaults, or 10 for lists without one; a page's `nodes` count once).
 */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null): number {
  const fragments = fragmentsOf(document);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const costOf = (set: SelectionSetNode | undefined, parent: GraphQLCompositeType, seen: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (isIntrospection(sel.name.value) || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[sel.name.value];
        if (!field) continue;
        const type = getNullableType(field.type);
        const named = getNamedType(field.type);
        const size = argumentValue(field, sel, variables) ?? (isListType(type) && sel.name.value !== PAGE_ITEMS_FIELD ? UNBOUNDED_LIST_SIZE : 1);
        const inner = isObjectType(named) || isInterfaceType(named) ? costOf(sel.selectionSet, named, seen) : 0;
        total += 1 + size * inner;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const typed = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += costOf(sel.selectionSet, (typed as GraphQLCompositeType) ?? parent, seen);
      } else {
        const fragment = fragments.get(sel.name.value);
        if (!fragment || seen.has(sel.name.value)) continue;
        const typed = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
        total += costOf(fragment.selectionSet, typed ?? parent, new Set(seen).add(sel.name.value));
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

/** The cost check, run once variables are known (after validation); null when within the limit. */
export function costError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
  maxCost: number,
): GraphQLError | null {
  const cost = estimateCost(schema, document, variables ?? {}, operationName);
  if (cost <= maxCost) return null;
  return new GraphQLError(
    `Query too complex: its estimated cost is ${cost}, the limit is ${maxCost} (each field costs 1, times the page size of every list around it). Ask for smaller pages or fewer nested lists.`,
    { extensions: { code: GRAPHQL_CODES.QUERY_TOO_COMPLEX, cost, maxCost } },
  );
}
