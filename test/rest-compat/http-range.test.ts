import { decideRange, ifRangeHolds } from '../../src/rest-compat/http-range';

describe('decideRange (RFC 9110 Range on a 100-byte file)', () => {
  it.each([
    ['no header', undefined, { kind: 'full' }],
    ['one closed range', 'bytes=0-9', { kind: 'partial', ranges: [{ start: 0, end: 9 }] }],
    ['an open range', 'bytes=90-', { kind: 'partial', ranges: [{ start: 90, end: 99 }] }],
    ['a last byte past the end, clamped', 'bytes=90-1000', { kind: 'partial', ranges: [{ start: 90, end: 99 }] }],
    ['a suffix', 'bytes=-10', { kind: 'partial', ranges: [{ start: 90, end: 99 }] }],
    ['a suffix longer than the file: all of it', 'bytes=-500', { kind: 'partial', ranges: [{ start: 0, end: 99 }] }],
    [
      'the unit in capitals, spaces around',
      'Bytes = 0-9 ,  20-29',
      {
        kind: 'partial',
        ranges: [
          { start: 0, end: 9 },
          { start: 20, end: 29 },
        ],
      },
    ],
    [
      'ranges out of order, sorted',
      'bytes=50-59,0-9',
      {
        kind: 'partial',
        ranges: [
          { start: 0, end: 9 },
          { start: 50, end: 59 },
        ],
      },
    ],
    ['overlapping ranges, merged', 'bytes=0-20,10-30', { kind: 'partial', ranges: [{ start: 0, end: 30 }] }],
    ['adjacent ranges, merged', 'bytes=0-9,10-19', { kind: 'partial', ranges: [{ start: 0, end: 19 }] }],
    ['empty list elements, skipped', 'bytes=0-9, ,', { kind: 'partial', ranges: [{ start: 0, end: 9 }] }],
    ['one range past the end among good ones, dropped', 'bytes=0-9,200-300', { kind: 'partial', ranges: [{ start: 0, end: 9 }] }],
    ['another unit: ignored', 'items=0-9', { kind: 'full' }],
    ['bad syntax: ignored', 'bytes=abc', { kind: 'full' }],
    ['a reversed range (invalid): ignored', 'bytes=9-0', { kind: 'full' }],
    ['no equals sign: ignored', 'bytes 0-9', { kind: 'full' }],
    ['nothing after the unit: ignored', 'bytes=', { kind: 'full' }],
    ['a negative first byte: ignored', 'bytes=-5-9', { kind: 'full' }],
  ])('%s', (_label, header, expected) => {
    expect(decideRange(header, 100)).toEqual(expected);
  });

  it.each([
    ['a start at the end', 'bytes=100-'],
    ['a start past the end', 'bytes=150-160'],
    ['a zero suffix', 'bytes=-0'],
    ['every range past the end', 'bytes=100-110,200-'],
  ])('is unsatisfiable for %s, saying the valid span', (_label, header) => {
    const decision = decideRange(header, 100);
    expect(decision).toMatchObject({ kind: 'unsatisfiable' });
    expect(decision.kind === 'unsatisfiable' && decision.message).toMatch(/^Range: expected byte ranges that start within 0-99 \(the file has 100 bytes\)/);
  });

  it('refuses more than 16 ranges', () => {
    const header = `bytes=${Array.from({ length: 17 }, (_, i) => `${i * 5}-${i * 5 + 1}`).join(',')}`;
    expect(decideRange(header, 100)).toEqual({ kind: 'unsatisfiable', message: 'Range: expected at most 16 ranges, got 17' });
  });

  it('answers the whole of an empty file, whatever the Range', () => {
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=-5', 0)).toEqual({ kind: 'full' });
  });

  it('handles numbers past 2^53 without losing the range', () => {
    expect(decideRange('bytes=0-99999999999999999999999', 100)).toEqual({ kind: 'partial', ranges: [{ start: 0, end: 99 }] });
    expect(decideRange('bytes=99999999999999999999999-', 100)).toMatchObject({ kind: 'unsatisfiable' });
  });
});

describe('ifRangeHolds', () => {
  const etag = '"abc"';
  const lastModified = 'Sun, 29 Nov 2026 12:00:00 GMT';
  it.each([
    ['absent', undefined, true],
    ['the same strong ETag', '"abc"', true],
    ['another ETag', '"xyz"', false],
    ['a weak ETag (never strong-equal)', 'W/"abc"', false],
    ['the same date', lastModified, true],
    ['another date', 'Sun, 29 Nov 2026 11:00:00 GMT', false],
    ['not a date', 'yesterday', false],
  ])('%s', (_label, ifRange, holds) => {
    expect(ifRangeHolds(ifRange, etag, lastModified)).toBe(holds);
  });
});
