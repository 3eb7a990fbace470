import {
  getArgumentValues,
  getNamedType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * Look-ahead for list resolvers: what the operation asks of the items, so that a list can read
 * it with the page, in the same statement (e.g. the jobs list with the counts its nodes show).
 * Fragments are followed; @skip/@include are not evaluated, so "maybe" counts as yes.
 */

/** The field nodes named `name` (any name when undefined) under the current field and then the fields of `path`. */
function fieldNodes(info: GraphQLResolveInfo, path: readonly string[], name: string | undefined): FieldNode[] {
  const found: FieldNode[] = [];
  const visit = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): void => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (depth === path.length) {
          if (name === undefined || sel.name.value === name) found.push(sel);
        } else if (sel.name.value === path[depth]) visit(sel.selectionSet, depth + 1, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet, depth, seen);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visit(info.fragments[sel.name.value]?.selectionSet, depth, seen);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, 0, new Set());
  return found;
}

/** Whether the operation asks, under the current field and then the fields of `path`, for any of `names`. */
export function selectsAny(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
  return names.some((name) => fieldNodes(info, path, name).length > 0);
}

/** The definition of field `name` reached from the current field through `path` (undefined when the types do not have it). */
function fieldDefinition(info: GraphQLResolveInfo, path: readonly string[], name: string): GraphQLField<unknown, unknown> | undefined {
  let type = getNamedType(info.returnType);
  for (const step of [...path, name]) {
    if (!isObjectType(type)) return undefined;
    const field = type.getFields()[step];
    if (!field) return undefined;
    if (step === name) return field;
    type = getNamedType(field.type);
  }
  return undefined;
}

/**
 * The arguments (variables and defaults applied) of every occurrence of field `name` under the
 * current field and then the fields of `path`: one entry per occurrence, [] when not asked for.
 */
export function selectedArguments(info: GraphQLResolveInfo, path: readonly string[], name: string): Record<string, unknown>[] {
  const nodes = fieldNodes(info, path, name);
  const def = nodes.length ? fieldDefinition(info, path, name) : undefined;
  return def ? nodes.map((node) => getArgumentValues(def, node, info.variableValues)) : [];
}

/** Field names of each object type (class) that a @FieldResolver answers. */
const resolvedFields = new WeakMap<object, Set<string>>();

function fieldResolversOf(objectType: object): Set<string> {
  let names = resolvedFields.get(objectType);
  if (!names) {
    names = new Set(
      getMetadataStorage()
        .fieldResolvers.filter((r) => r.getObjectType?.() === objectType)
        .map((r) => r.schemaName),
    );
    resolvedFields.set(objectType, names);
  }
  return names;
}

/**
 * The fields asked of the items under the current field and then `path` that the items must
 * carry themselves: every selected field of `objectType` but those a @FieldResolver answers
 * (which read only the item's `id`, by this project's rule, see docs/graphql.md) and
 * `__typename`. A list resolver hands them to its service to read only those columns.
 */
export function ownFieldsSelected(info: GraphQLResolveInfo, path: readonly string[], objectType: object): string[] {
  const resolved = fieldResolversOf(objectType);
  const names = new Set<string>();
  for (const node of fieldNodes(info, path, undefined)) {
    const name = node.name.value;
    if (name !== '__typename' && !resolved.has(name)) names.add(name);
  }
  return [...names];
}
