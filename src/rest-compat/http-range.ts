import type { ByteRange } from '../files';

/** What a download answers for its Range and If-Range headers (RFC 9110 sections 13.1.5, 14). */
export type RangeDecision =
  /** The whole file (200): no Range, one to ignore (other unit, bad syntax, If-Range stale, empty file). */
  | { kind: 'full' }
  /** 206: one range, or several (sorted, overlapping and adjacent ones merged) as multipart/byteranges. */
  | { kind: 'partial'; ranges: ByteRange[] }
  /** 416: `message` says what was wrong, in the form of the other refusals. */
  | { kind: 'unsatisfiable'; message: string };

/** More ranges than this in one request are refused (RFC 9110 14.2 allows it): a thousand tiny parts cost more than the file. */
export const MAX_RANGES = 16;

const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;
const RANGE_UNIT = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(.*)$/s;

type Spec = { first: number; last?: number } | { suffix: number };

/** The range specs of a `bytes=` value, or undefined when any is not valid syntax (the header is then ignored). */
function specsOf(set: string): Spec[] | undefined {
  const specs: Spec[] = [];
  // A list may hold empty elements (`0-1, ,5-6`): they are skipped, as RFC 9110 5.6.1 asks.
  for (const raw of set.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const int = INT_RANGE.exec(item);
    if (int) {
      const first = Number(int[1]);
      const last = int[2] === '' ? undefined : Number(int[2]);
      if (last !== undefined && last < first) return undefined;
      specs.push({ first, last });
      continue;
    }
    const suffix = SUFFIX_RANGE.exec(item);
    if (!suffix) return undefined;
    specs.push({ suffix: Number(suffix[1]) });
  }
  return specs.length ? specs : undefined;
}

/**
 * Reads a `Range` header against a file of `size` bytes. Written here rather than taken from
 * range-parser (express's), which refuses a suffix longer than the file (`bytes=-500` of 100
 * bytes must be the whole file) and answers 416 for a reversed range (`5-1`, invalid syntax,
 * which must be ignored).
 */
export function decideRange(header: string | undefined, size: number, maxRanges = MAX_RANGES): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const unit = RANGE_UNIT.exec(header.trim());
  if (!unit || unit[1].toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = specsOf(unit[2]);
  // A zero-length file has no byte to select: its (empty) whole is the answer.
  if (!specs || size === 0) return { kind: 'full' };
  if (specs.length > maxRanges) return { kind: 'unsatisfiable', message: `Range: expected at most ${maxRanges} ranges, got ${specs.length}` };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    if ('suffix' in spec) {
      if (spec.suffix > 0) ranges.push({ start: Math.max(0, size - spec.suffix), end: size - 1 });
    } else if (spec.first < size) {
      ranges.push({ start: spec.first, end: Math.min(spec.last ?? size - 1, size - 1) });
    }
  }
  if (!ranges.length) {
    return { kind: 'unsatisfiable', message: `Range: expected byte ranges that start within 0-${size - 1} (the file has ${size} bytes), got "${header}"` };
  }
  ranges.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [{ ...ranges[0] }];
  for (const r of ranges.slice(1)) {
    const last = merged[merged.length - 1];
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return { kind: 'partial', ranges: merged };
}

/**
 * Whether an `If-Range` lets the Range apply: absent, the file's strong ETag, or exactly its
 * Last-Modified date. Otherwise the client's copy is another version: it gets the whole file.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  return lastModified !== undefined && !Number.isNaN(Date.parse(value)) && Date.parse(value) === Date.parse(lastModified);
}
