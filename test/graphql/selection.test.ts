import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { selectedArguments, selectsAny } from '../../src/graphql/selection';

/** A schema shaped like the job page's, enough for the look-ahead to walk. */
const schema = buildSchema(`
  type Task { id: ID! jobsCount: Int tasksCount: Int }
  type Job { id: ID! name: String tasksCount: Int groupsCount: Int clientsCount: Int tasks(first: Int = 10, offset: Int = 0): [Task!]! }
  type JobPage { totalCount: Int! nodes: [Job!]! }
  type Query { jobs: JobPage! }
`);

/** The resolve info the `jobs` root field gets for `query`. */
async function infoOf(query: string, variableValues?: Record<string, unknown>): Promise<GraphQLResolveInfo> {
  let seen: GraphQLResolveInfo | undefined;
  const rootValue = {
    jobs: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
      seen = info;
      return { totalCount: 0, nodes: [] };
    },
  };
  const result = await graphql({ schema, source: query, rootValue, variableValues });
  expect(result.errors).toBeUndefined();
  return seen!;
}

const COUNTS = ['tasksCount', 'groupsCount', 'clientsCount'];

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
    ['a count under @skip(if: true)', '{ jobs { nodes { id tasksCount @skip(if: true) } } }', false],
    ['a count under @skip(if: false)', '{ jobs { nodes { id tasksCount @skip(if: false) } } }', true],
    ['a count under @include(if: false)', '{ jobs { nodes { id groupsCount @include(if: false) } } }', false],
    ['a fragment under @skip(if: true)', '{ jobs { nodes { id ...Counts @skip(if: true) } } } fragment Counts on Job { tasksCount }', false],
    ['the path field under @include(if: false)', '{ jobs { totalCount nodes @include(if: false) { tasksCount } } }', false],
  ])('answers for %s', async (_case, query, expected) => {
    expect(selectsAny(await infoOf(query), ['nodes'], COUNTS)).toBe(expected);
  });

  it('reads @skip from a variable', async () => {
    const query = 'query ($hide: Boolean!) { jobs { nodes { id clientsCount @skip(if: $hide) } } }';
    expect(selectsAny(await infoOf(query, { hide: true }), ['nodes'], COUNTS)).toBe(false);
    expect(selectsAny(await infoOf(query, { hide: false }), ['nodes'], COUNTS)).toBe(true);
  });
});

describe('selectedArguments', () => {
  it('applies variables and defaults, one entry per alias', async () => {
    const info = await infoOf('query ($n: Int) { jobs { nodes { tasks(first: $n) { id } more: tasks(offset: 5) { id } } } }', { n: 3 });
    expect(selectedArguments(info, ['nodes'], 'tasks')).toEqual([
      { first: 3, offset: 0 },
      { first: 10, offset: 5 },
    ]);
  });

  it('is empty when the field is skipped', async () => {
    const info = await infoOf('{ jobs { nodes { tasks(first: 2) @skip(if: true) { id } } } }');
    expect(selectedArguments(info, ['nodes'], 'tasks')).toEqual([]);
  });
});
