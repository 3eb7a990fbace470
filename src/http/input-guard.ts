import { MAX_STEP_DEPTH, textExpectation, textProblem, type TextProblem } from '../protocol';

export { cleanText, textExpectation, textProblem, type TextProblem } from '../protocol';

/**
 * The edge checks every front door (REST, GraphQL over HTTP and WebSocket) runs on a request's
 * input before anything else reads it: nesting depth and text that PostgreSQL cannot store.
 * Iterative, so no input can overflow the stack here, and linear in the input's size.
 */

/**
 * Deepest JSON nesting a request may carry. A script is the deepest input there is: each level of
 * steps is an object in an array (2 levels), so the deepest script that can be dispatched
 * (MAX_STEP_DEPTH) fits with room for the envelope (`{ "steps": [...] }`, a step's `groups`,
 * its `transferOption`). One rule: derived from the protocol's limit, never set apart from it.
 */
export const MAX_INPUT_DEPTH = 2 * MAX_STEP_DEPTH + 16;

export type InputProblem =
  { kind: 'depth'; path: (string | number)[]; maxDepth: number } | { kind: 'text'; path: (string | number)[]; problem: TextProblem; key: boolean };

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
  /** 1 for the root container. */
  depth: number;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * The first problem of a parsed JSON value (or query/path parameters): containers nested deeper
 * than `maxDepth`, or a string (value or key) with NUL or a lone surrogate. Null when it is fine.
 * Each node is visited once and paths are only built for the problem found.
 */
export function findInputProblem(value: unknown, maxDepth = MAX_INPUT_DEPTH): InputProblem | null {
  const stack: Visit[] = [{ value, key: null, parent: null, depth: 1 }];
  while (stack.length) {
    const visit = stack.pop()!;
    const current = visit.value;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { kind: 'text', path: pathOf(visit), problem, key: false };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (visit.depth > maxDepth) return { kind: 'depth', path: pathOf(visit), maxDepth };
    const keys: (string | number)[] = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
    for (const key of keys) {
      const problem = typeof key === 'string' ? textProblem(key) : null;
      if (problem) return { kind: 'text', path: [...pathOf(visit), key], problem, key: true };
    }
    // Pushed in reverse, so the first problem found is the first in document order.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      stack.push({ value: (current as Record<string | number, unknown>)[key], key, parent: visit, depth: visit.depth + 1 });
    }
  }
  return null;
}

/** `steps[0].true[1].filePath`; `prefix` names the root (`body`, `$steps`, ...) when the path is empty. */
export function formatPath(path: readonly (string | number)[], prefix = ''): string {
  const rest = path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i || prefix ? '.' : ''}${key}`)).join('');
  return prefix ? `${prefix}${rest}` : rest || 'input';
}

/** A long path cut in the middle: a path to the bottom of a deep input is hundreds of characters. */
export function shortPath(path: string): string {
  return path.length <= 80 ? path : `${path.slice(0, 40)}...${path.slice(-30)}`;
}

/**
 * The message of a problem: `name: expected text without NUL (\u0000) characters`; for depth,
 * `field` is the root of the input (`body`, `$steps`) and `at` the path of the deepest container.
 */
export function describeInputProblem(problem: InputProblem, field: string, at?: string): string {
  if (problem.kind === 'depth')
    return `${field}: nested deeper than ${problem.maxDepth} levels${at ? ` (at ${shortPath(at)})` : ''}; that is the limit of every input (the deepest script that can run has ${MAX_STEP_DEPTH} levels of steps)`;
  return `${field}: expected ${textExpectation(problem.problem)}${problem.key ? ' in field names' : ''}`;
}
