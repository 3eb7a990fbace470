import { parse, type GraphQLResolveInfo, type FieldNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode } from 'graphql';
import { selectsAny } from '../../src/graphql/selection';

/** The resolve info of the operation's first root field, as far as selectsAny reads it. */
function infoOf(query: string): GraphQLResolveInfo {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return { fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments } as unknown as GraphQLResolveInfo;
}

describe('selectsAny', () => {
  it.each([
    ['a field under the path', '{ jobs { nodes { id tasksCount } } }', true],
    ['through a fragment spread', '{ jobs { nodes { ...Counts } } } fragment Counts on Job { groupsCount }', true],
    ['through an inline fragment', '{ jobs { ... on JobPage { nodes { ... on Job { clientsCount } } } } }', true],
    ['through nested fragments', '{ jobs { ...Page } } fragment Page on JobPage { nodes { ...Counts } } fragment Counts on Job { tasksCount }', true],
    ['under an alias of the path field', '{ jobs { items: nodes { tasksCount } } }', true],
    ['none of the names', '{ jobs { nodes { id name tasks { id } } } }', false],
    ['a name outside the path', '{ jobs { totalCount nodes { id } } }', false],
    ['a name deeper than the path', '{ jobs { nodes { tasks { jobsCount tasksCount } } } }', false],
  ])('answers for %s', (_case, query, expected) => {
    expect(selectsAny(infoOf(query), ['nodes'], ['tasksCount', 'groupsCount', 'clientsCount'])).toBe(expected);
  });
});
