import type { GraphQLResolveInfo } from 'graphql';
import { parseResolveInfo, type ResolveTree } from 'graphql-parse-resolve-info';
import { getMetadataStorage } from 'type-graphql';

/**
 * Look-ahead for list resolvers: what the operation asks of the items, so that a list can read
 * it with the page, in the same statement (e.g. the jobs list with the counts its nodes show).
 * graphql-parse-resolve-info reads the selection: fragments are followed, arguments get their
 * variables and defaults, and @skip/@include are evaluated, so a skipped field is not read.
 */

/** The parsed selection under each resolver call, parsed once however many questions it answers. */
const parsed = new WeakMap<GraphQLResolveInfo, ResolveTree | undefined>();

function treeOf(info: GraphQLResolveInfo): ResolveTree | undefined {
  if (!parsed.has(info)) parsed.set(info, (parseResolveInfo(info) as ResolveTree | null | undefined) ?? undefined);
  return parsed.get(info);
}

/** The selected fields under a field, over every type a fragment names, one entry per alias. */
const childrenOf = (tree: ResolveTree): ResolveTree[] => Object.values(tree.fieldsByTypeName).flatMap((byAlias) => Object.values(byAlias));

/** The selected fields named `name` (any name when undefined) under the current field and then the fields of `path`. */
function selectedFields(info: GraphQLResolveInfo, path: readonly string[], name: string | undefined): ResolveTree[] {
  const root = treeOf(info);
  let level = root ? [root] : [];
  for (const step of path) level = level.flatMap(childrenOf).filter((tree) => tree.name === step);
  return level.flatMap(childrenOf).filter((tree) => name === undefined || tree.name === name);
}

/** Whether the operation asks, under the current field and then the fields of `path`, for any of `names`. */
export function selectsAny(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
  return selectedFields(info, path, undefined).some((tree) => names.includes(tree.name));
}

/**
 * The arguments (variables and defaults applied) of every occurrence of field `name` under the
 * current field and then the fields of `path`: one entry per alias, [] when not asked for.
 */
export function selectedArguments(info: GraphQLResolveInfo, path: readonly string[], name: string): Record<string, unknown>[] {
  return selectedFields(info, path, name).map((tree) => tree.args as Record<string, unknown>);
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
  for (const { name } of selectedFields(info, path, undefined)) {
    if (name !== '__typename' && !resolved.has(name)) names.add(name);
  }
  return [...names];
}
