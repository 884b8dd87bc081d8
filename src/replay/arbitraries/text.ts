/**
 * Messy text, the way production holds it: padded and doubled whitespace (tabs, NBSP, CRLF),
 * emoji (skin tones, ZWJ families, flags), decomposed letters with combining marks, scripts far
 * from ASCII, apostrophes and hyphens in names, empty strings next to NULLs.
 */
import fc from 'fast-check';
import { WHITESPACE_CHARACTERS } from '../../compare/normalizers.js';

/** Runs of whitespace that parity's trim/collapse_whitespace normalisers treat as whitespace. */
export const WHITESPACE_RUNS = [' ', '  ', '\t', '\u00a0', '\n', '\r\n', ' \u00a0 ', '\t \t', '\u000b', '\u000c'] as const;

/** Characters that look blank but are not whitespace to Postgres or to parity. */
export const WHITESPACE_LOOKALIKES = ['\u2009', '\u200b', '\u3000', '\u2003'] as const;

/** Emoji that break naive code: modifiers, ZWJ sequences, flags, variation selectors. */
export const EMOJI = ['😀', '👍🏽', '👩‍👩‍👧', '🇩🇪', '❤️', '🧑🏿‍🚀', '🎉'] as const;

/** Letters written as base + combining mark(s), which look identical to their precomposed forms. */
export const COMBINED_LETTERS = ['e\u0301', 'n\u0303', 'A\u030a', 'o\u0308\u0304', 'Z\u0327', 'i\u0307'] as const;

/** Names that break naive code: apostrophes, hyphens, diacritics, non-Latin scripts, case oddities. */
export const NAME_WORDS = [
  'Ann', "O'Brien", 'van', 'der', 'Berg', 'José', 'Müller', 'Zoë', 'Łukasz', 'Nguyễn', '李', 'محمد',
  'Ἀθηνᾶ', 'Anne-Marie', "d'Artagnan", 'MCDONALD', 'Øyvind', 'ß', 'İpek', 'Ólafur', 'Ɓello', 'Jr.',
] as const;

const LETTERS = [...'abcXYZéßøİıÆœçÑ', 'ǅ', 'Ω', 'Я', 'ж', 'ק', 'ا', '字', 'ﬁ'];

/** True when every character of `text` is one parity's normalisers treat as whitespace. */
export function isBlank(text: string): boolean {
  return [...text].every((c) => WHITESPACE_CHARACTERS.includes(c));
}

/** A run of whitespace. */
export const whitespaceRun = (): fc.Arbitrary<string> => fc.constantFrom(...WHITESPACE_RUNS);

/** Usually nothing, sometimes a run of whitespace: the padding around a value. */
export const padding = (): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: whitespaceRun() });

/** One non-blank word: a real-world name or a jumble of letters, emoji and combining marks. */
export const word = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NAME_WORDS) },
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom(...LETTERS) },
            { weight: 2, arbitrary: fc.constantFrom(...EMOJI) },
            { weight: 2, arbitrary: fc.constantFrom(...COMBINED_LETTERS) },
            { weight: 1, arbitrary: fc.constantFrom(...WHITESPACE_LOOKALIKES) },
            { weight: 1, arbitrary: fc.constantFrom("'", '-', '.', '"', '\\', '%', '_') },
          ),
          { minLength: 1, maxLength: 6 },
        )
        .map((parts) => parts.join(''))
        .filter((w) => !isBlank(w)),
    },
  );

/** Words joined by whitespace runs, optionally padded at both ends. */
export const words = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .tuple(padding(), fc.array(fc.tuple(word(), whitespaceRun()), { minLength: min, maxLength: max }), padding())
    .map(([before, parts, after]) => before + parts.map(([w, ws], i) => (i === parts.length - 1 ? w : w + ws)).join('') + after);

/** Blank values that are not NULL: '' and whitespace-only strings. */
export const blank = (): fc.Arbitrary<string> => fc.oneof(fc.constant(''), whitespaceRun());

/** Wraps an arbitrary so it also yields NULL (as null) when the column is nullable. */
export function orNull<T>(arbitrary: fc.Arbitrary<T>, nullable: boolean): fc.Arbitrary<T | null> {
  return nullable ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: arbitrary }) : arbitrary;
}

/** A person's full name: single words, multi-part names, padding, emoji, blanks. */
export const personName = (nullable: boolean): fc.Arbitrary<string | null> =>
  orNull(
    fc.oneof(
      { weight: 1, arbitrary: blank() },
      { weight: 3, arbitrary: words(1, 1) },
      { weight: 5, arbitrary: words(2, 4) },
    ),
    nullable,
  );

/** Free text: like names, plus longer runs of words. */
export const messyText = (nullable: boolean): fc.Arbitrary<string | null> =>
  orNull(fc.oneof({ weight: 1, arbitrary: blank() }, { weight: 5, arbitrary: words(1, 6) }), nullable);

/** Applies an upper/lower mask to the characters of `text` (mixed case, the way users type). */
export function applyCaseMask(text: string, mask: readonly boolean[]): string {
  return [...text].map((c, i) => (mask[i % Math.max(mask.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');
}
