import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  getArgumentValues,
  getVariableValues,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The cost of an operation, estimated before it runs (docs/graphql.md, Limits): an upper bound of
 * the values its answer holds, plus what its service calls and rows cost the server, in the same
 * unit (one value of the answer), so that the limit bounds the synchronous work of the operation
 * (resolving, completing and serialising its answer): see test/graphql/event-loop-budget.test.ts.
 *
 * - A field costs 1; a field that is a service call of its own (a root field, a dashboard figure,
 *   a settings section, `upcomingRuns` of each job: declared with `SERVICE_CALL`) SERVICE_CALL_COST.
 * - What is under a list field counts once per item: the `pageSize`/`first`/`limit`/`count`
 *   argument or its default, the field's `extensions.itemsOf(args)` or `maxItems`, else UNBOUNDED_LIST_SIZE (a page's
 *   `nodes` once: its page size has counted them); each item of a list of objects (a row read and
 *   hydrated) costs LIST_ITEM_COST on top of its fields, each item of a list of leaves 1, unless
 *   the field declares `extensions.itemCost` (a fire time computed from a cron expression).
 * - Aliases are separate fields; every fragment spread counts its fragment again (so a fragment
 *   bomb costs what it would return), but each fragment is walked once: the time of the estimate is
 *   linear in the document's size.
 * - Introspection (`__schema`, `__type`) is counted exactly, by walking the schema along the
 *   selection with a memo per (schema element, selection set), and abandoned past the limit.
 *
 * The weights were measured (docs/graphql.md, "The cost"): one settings section or dashboard
 * figure read costs as much CPU as a few hundred values of an introspection answer; a task of a
 * job's list costs about three.
 */

/** What one service call costs on top of its answer (one SQL round trip or more, its rows, its checks). */
export const SERVICE_CALL_COST = 400;
/** Field options (type-graphql) of a field that makes a service call of its own each time it is resolved. */
export const SERVICE_CALL = { complexity: SERVICE_CALL_COST } as const;
/** What each item of a list of objects costs on top of its fields (the row it is read from). */
export const LIST_ITEM_COST = 4;
/** What each fire time computed from a cron expression costs (`Job.upcomingRuns`: its `extensions.itemCost`). */
export const FIRE_TIME_COST = 50;
/** What each step of a script returned as one JSON value costs (`Task.script`, `TaskResult.taskScript`: their complexity is MAX_SCRIPT_STEPS times this). */
export const SCRIPT_STEP_COST = 2;
/** A list field with no size argument nor `maxItems` is counted as this many items. */
export const UNBOUNDED_LIST_SIZE = 10;
/** Arguments that bound how many items a list field returns. */
const SIZE_ARGUMENTS = ['pageSize', 'first', 'limit', 'count'];
/** The items of a page (`{ nodes }`): the page's size argument has already multiplied them. */
const PAGE_ITEMS_FIELD = 'nodes';

type Fragments = Map<string, FragmentDefinitionNode>;

function fragmentsOf(document: DocumentNode): Fragments {
  const map: Fragments = new Map();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) map.set(d.name.value, d);
  return map;
}

/** Thrown inside the estimate when it is already past the limit. */
class OverBudget extends Error {}

/** Depth of the deepest field (introspection excluded); each fragment is measured once. */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, 1 + depthOf(sel.selectionSet));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(sel.selectionSet));
      else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue; // unknown or cyclic: other rules report them
        if (!memo.has(name)) {
          visiting.add(name);
          memo.set(name, depthOf(fragment.selectionSet));
          visiting.delete(name);
        }
        deepest = Math.max(deepest, memo.get(name)!);
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet);
}

function sizeArgument(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  for (const name of SIZE_ARGUMENTS) {
    const def = field.args.find((a) => a.name === name);
    if (!def) continue;
    const arg = node.arguments?.find((a) => a.name.value === name);
    const value = arg ? valueFromAST(arg.value, def.type, variables) : def.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  }
  return undefined;
}

/** Fields whose size follows from their arguments declare `extensions.itemsOf(args)` (a chart: its range over its interval). */
export type ItemsOf = (args: Record<string, unknown>) => number;

function itemsOfArguments(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  const itemsOf = field.extensions?.itemsOf;
  if (typeof itemsOf !== 'function') return undefined;
  try {
    const items = (itemsOf as ItemsOf)(getArgumentValues(field, node, variables));
    return Number.isFinite(items) ? Math.max(0, items) : undefined;
  } catch {
    // Arguments the resolver will refuse: the declared maximum bounds the estimate.
    return undefined;
  }
}

function numberExtension(field: GraphQLField<unknown, unknown>, name: 'complexity' | 'maxItems' | 'itemCost'): number | undefined {
  const value = field.extensions?.[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The operation's variables as execution will see them: coerced by their declared types, with
 * their declared defaults, so a list sized by `$n: Int = 500` is estimated at 500, not at the
 * field's maximum. Variables execution will refuse are left as sent: the estimate then falls back
 * to each field's declared maximum, and execution answers the error.
 */
function coercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): Record<string, unknown> {
  if (!operation.variableDefinitions?.length) return variables;
  const coerced = getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 1 });
  return coerced.coerced ?? variables;
}

/**
 * The estimated cost of the operation named `operationName` (or the only one), or a number
 * greater than `budget` as soon as it is known to exceed it.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string | null,
  budget = Number.MAX_SAFE_INTEGER,
): number {
  const fragments = fragmentsOf(document);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  variables = coercedVariables(schema, operation, variables);
  const introspection = createIntrospectionCounter(schema, fragments, variables, budget);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  const costOf = (set: SelectionSetNode | undefined, parent: GraphQLCompositeType, isRoot: boolean): number => {
    if (!set) return 0;
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name === '__typename') total += 1;
        else if (name === '__schema' || name === '__type') {
          total += SERVICE_CALL_COST;
          if (total <= budget) total += introspection.root(sel, budget - total);
        } else if (isObjectType(parent) || isInterfaceType(parent)) {
          const field = parent.getFields()[name];
          if (!field) continue;
          const type = getNullableType(field.type);
          const named = getNamedType(field.type);
          const weight = numberExtension(field, 'complexity') ?? (isRoot ? SERVICE_CALL_COST : 1);
          const size =
            sizeArgument(field, sel, variables) ??
            itemsOfArguments(field, sel, variables) ??
            numberExtension(field, 'maxItems') ??
            (isListType(type) && name !== PAGE_ITEMS_FIELD ? UNBOUNDED_LIST_SIZE : 1);
          const composite = isObjectType(named) || isInterfaceType(named) || isAbstractType(named);
          // A list of leaves counts 1 per item, as a leaf field counts 1.
          const item = numberExtension(field, 'itemCost');
          const inner = composite
            ? costOf(sel.selectionSet, named, false) + (isListType(type) ? (item ?? LIST_ITEM_COST) : 0)
            : isListType(type)
              ? (item ?? 1)
              : 0;
          total += weight + size * inner;
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const typed = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined) : parent;
        total += costOf(sel.selectionSet, typed ?? parent, isRoot);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        if (!memo.has(name)) {
          visiting.add(name);
          const typed = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
          memo.set(name, costOf(fragment.selectionSet, typed ?? parent, isRoot));
          visiting.delete(name);
        }
        total += memo.get(name)!;
      }
      // Past the limit the exact figure does not matter; saturating also keeps bombs finite.
      if (total > budget) return budget + 1;
    }
    return total;
  };
  try {
    return costOf(operation.selectionSet, root, true);
  } catch (err) {
    if (err instanceof OverBudget) return budget + 1;
    throw err;
  }
}

type Element = { kind: 'schema' } | { kind: 'type'; type: GraphQLType } | { kind: 'field' | 'input' | 'enum' | 'directive'; value: object };

/**
 * Counts the values an introspection selection returns, exactly: the schema is walked along the
 * selection, each (schema element, selection set) pair once (memo). Every element visited for the
 * first time adds at least one value to the answer, so the walk stops (OverBudget) within
 * `budget` steps whatever the document.
 */
function createIntrospectionCounter(schema: GraphQLSchema, fragments: Fragments, variables: Record<string, unknown>, budget: number) {
  const memo = new Map<object, Map<SelectionSetNode, number>>();
  // The children of each (element, field), computed once: the walk visits them many times.
  const childrenMemo = new Map<object, Map<string, Element | Element[] | null>>();
  let steps = 0;
  let allowed = budget;
  const schemaKey = {};
  const keyOf = (e: Element): object => (e.kind === 'schema' ? schemaKey : e.kind === 'type' ? e.type : e.value);

  const typeEl = (type: GraphQLType | null | undefined): Element | null => (type ? { kind: 'type', type } : null);
  const list = (kind: 'field' | 'input' | 'enum' | 'directive', values: readonly object[]): Element[] => values.map((value) => ({ kind, value }));

  /** The children a field of an introspection object leads to: null (a scalar or null), one element or a list. */
  const children = (e: Element, field: string): Element | Element[] | null => {
    if (e.kind === 'schema') {
      if (field === 'types') return Object.values(schema.getTypeMap()).map((type) => ({ kind: 'type', type }));
      if (field === 'queryType') return typeEl(schema.getQueryType());
      if (field === 'mutationType') return typeEl(schema.getMutationType());
      if (field === 'subscriptionType') return typeEl(schema.getSubscriptionType());
      if (field === 'directives') return list('directive', schema.getDirectives());
      return null;
    }
    if (e.kind === 'type') {
      const t = e.type;
      if (field === 'ofType') return isListType(t) || isNonNullType(t) ? typeEl(t.ofType) : null;
      if (field === 'fields') return isObjectType(t) || isInterfaceType(t) ? list('field', Object.values(t.getFields())) : null;
      if (field === 'interfaces') return isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().map((type) => ({ kind: 'type', type })) : null;
      if (field === 'possibleTypes') return isAbstractType(t) ? schema.getPossibleTypes(t).map((type) => ({ kind: 'type', type })) : null;
      if (field === 'enumValues') return isEnumType(t) ? list('enum', t.getValues()) : null;
      if (field === 'inputFields') return isInputObjectType(t) ? list('input', Object.values(t.getFields())) : null;
      return null;
    }
    const value = e.value as { args?: readonly object[]; type?: GraphQLType; locations?: readonly string[] };
    if (field === 'args') return list('input', value.args ?? []);
    if (field === 'type') return typeEl(value.type);
    // `locations` of a directive: a list of enum values, each one value of the answer.
    if (field === 'locations') return (value.locations ?? []).map(() => ({ kind: 'enum', value: {} }));
    return null;
  };

  const countIn = (e: Element, set: SelectionSetNode): number => {
    const key = keyOf(e);
    let bySet = memo.get(key);
    const known = bySet?.get(set);
    if (known !== undefined) return known;
    if (++steps > allowed) throw new OverBudget();
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += 1;
        if (!sel.selectionSet) continue;
        let byField = childrenMemo.get(key);
        if (!byField) childrenMemo.set(key, (byField = new Map()));
        let next = byField.get(sel.name.value);
        if (next === undefined) byField.set(sel.name.value, (next = children(e, sel.name.value)));
        if (Array.isArray(next)) for (const child of next) total += countIn(child, sel.selectionSet);
        else if (next) total += countIn(next, sel.selectionSet);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) total += countIn(e, sel.selectionSet);
      else {
        const fragment = fragments.get(sel.name.value);
        if (fragment) total += countIn(e, fragment.selectionSet);
      }
      if (total > allowed) throw new OverBudget();
    }
    if (!bySet) memo.set(key, (bySet = new Map()));
    bySet.set(set, total);
    return total;
  };

  return {
    /** A root `__schema { ... }` or `__type(name: ...) { ... }`, within what is left of the budget. */
    root(node: FieldNode, left: number): number {
      steps = 0;
      allowed = left;
      if (!node.selectionSet) return 1;
      if (node.name.value === '__schema') return countIn({ kind: 'schema' }, node.selectionSet);
      const arg = node.arguments?.find((a) => a.name.value === 'name');
      const name = arg
        ? arg.value.kind === Kind.VARIABLE
          ? variables[arg.value.name.value]
          : arg.value.kind === Kind.STRING
            ? arg.value.value
            : undefined
        : undefined;
      const type = typeof name === 'string' ? schema.getType(name) : undefined;
      return type ? countIn({ kind: 'type', type }, node.selectionSet) : 1;
    },
  };
}
