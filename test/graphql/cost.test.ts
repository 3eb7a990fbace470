import { buildSchema, parse } from 'graphql';
import { estimateCost } from '../../src/graphql/cost';

/** A page of items, sized by `first` (default 10). */
const schema = buildSchema(`
  type Item { id: ID! name: String }
  type Query { items(first: Int = 10): [Item!]! }
`);

const cost = (query: string, variables?: Record<string, unknown>) => estimateCost(schema, parse(query), variables);

describe('estimateCost sizes a list by its arguments as execution will see them', () => {
  const literal = (n: number) => cost(`{ items(first: ${n}) { id name } }`);

  it('grows with the literal size', () => {
    expect(literal(50)).toBeGreaterThan(literal(5));
  });

  it("takes a variable's value, and the variable's declared default when it is not sent", () => {
    expect(cost('query ($n: Int) { items(first: $n) { id name } }', { n: 50 })).toBe(literal(50));
    expect(cost('query ($n: Int = 50) { items(first: $n) { id name } }')).toBe(literal(50));
    expect(cost('query ($n: Int = 50) { items(first: $n) { id name } }', { n: 5 })).toBe(literal(5));
  });

  it("takes the field's default when the argument is absent", () => {
    expect(cost('{ items { id name } }')).toBe(literal(10));
  });
});
