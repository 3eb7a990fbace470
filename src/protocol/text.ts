/**
 * Text PostgreSQL cannot store: NUL (text and jsonb refuse it) and lone UTF-16 surrogates (no
 * UTF-8 form). The front doors refuse it (src/http/input-guard.ts); text agents send is cleaned.
 */
export type TextProblem = 'NUL' | 'SURROGATE';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What makes a string unstorable: NUL (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not UTF-8). */
export function textProblem(value: string): TextProblem | null {
  if (value.includes('\u0000')) return 'NUL';
  return LONE_SURROGATE.test(value) ? 'SURROGATE' : null;
}

/** The "expected ..." of a text problem, for error messages. */
export function textExpectation(problem: TextProblem): string {
  return problem === 'NUL' ? 'text without NUL (\\u0000) characters' : 'well-formed Unicode text (no lone UTF-16 surrogate such as \\ud800)';
}

/** Replaces NUL and lone surrogates with U+FFFD: for text agents send, which is kept rather than refused. */
export function cleanText(value: string): string {
  return textProblem(value) === null ? value : value.replaceAll('\u0000', '\uFFFD').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}
