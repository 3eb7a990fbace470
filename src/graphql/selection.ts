import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Look-ahead for list resolvers: what the operation asks of the items, so that a list can read
 * it with the page, in the same statement (e.g. the jobs list with the counts its nodes show).
 * Fragments are followed; @skip/@include are not evaluated, so "maybe" counts as yes.
 */

/** The field nodes named `name` under the current field and then the fields of `path`. */
function fieldNodes(info: GraphQLResolveInfo, path: readonly string[], name: string): FieldNode[] {
  const found: FieldNode[] = [];
  const visit = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): void => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (depth === path.length) {
          if (sel.name.value === name) found.push(sel);
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
