import type { SeqRanges } from './command.schema';

/** Compresses seqs into sorted, merged inclusive ranges: [1,2,3,7,8] → [[1,3],[7,8]]. */
export function toSeqRanges(seqs: Iterable<number>): SeqRanges {
  const sorted = [...new Set(seqs)].filter((s) => Number.isInteger(s) && s > 0).sort((a, b) => a - b);
  const ranges: SeqRanges = [];
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}

/** True when `seq` falls inside one of the inclusive ranges. */
export function inSeqRanges(seq: number, ranges: SeqRanges): boolean {
  return ranges.some(([from, to]) => seq >= from && seq <= to);
}
