/**
 * A small language for the shapes of the REST document's examples:
 * - a JSON type name, or several joined by `|`: 'string', 'number', 'boolean', 'null', 'string|null';
 * - `[shape]`: an array whose items all have the shape (and, unless the route allows an empty
 *   answer, at least one item, so that the item shape is really checked);
 * - an object literal: exactly these field names, each with its shape;
 * - `{ $literal: value }`: exactly that JSON value (`"success"`, `null`).
 */
export type JsonTypeName = 'string' | 'number' | 'boolean' | 'null';
export type Shape = string | [Shape] | { $literal: unknown } | { [field: string]: Shape };

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Every mismatch between `value` and `shape`, as `path: problem` lines (none = it conforms). */
export function shapeProblems(value: unknown, shape: Shape, { allowEmpty = false, path = '$' } = {}): string[] {
  if (typeof shape === 'string') {
    const allowed = shape.split('|');
    return allowed.includes(typeOf(value)) ? [] : [`${path}: expected ${shape}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${typeOf(value)}`];
    if (!value.length && !allowEmpty) return [`${path}: expected at least one item (the seed should give one)`];
    return value.flatMap((item, i) => shapeProblems(item, shape[0], { allowEmpty, path: `${path}[${i}]` }));
  }
  if ('$literal' in shape && Object.keys(shape).length === 1) {
    return JSON.stringify(value) === JSON.stringify(shape.$literal)
      ? []
      : [`${path}: expected ${JSON.stringify(shape.$literal)}, got ${JSON.stringify(value)}`];
  }
  if (typeOf(value) !== 'object') return [`${path}: expected an object, got ${typeOf(value)}`];
  const record = value as Record<string, unknown>;
  const fields = shape as Record<string, Shape>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!(key in record)) problems.push(`${path}.${key}: missing`);
    else problems.push(...shapeProblems(record[key], fields[key], { allowEmpty, path: `${path}.${key}` }));
  }
  for (const key of Object.keys(record)) if (!(key in fields)) problems.push(`${path}.${key}: not in the document`);
  return problems;
}
