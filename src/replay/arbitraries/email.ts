/**
 * Emails as users type them: mixed case, padded, some malformed. Local parts and domains come from
 * small pools on purpose, so a generated table often holds the same address in two spellings —
 * exactly the rows that break a unique index on lower(email).
 */
import fc from 'fast-check';
import { applyCaseMask, blank, orNull, padding } from './text.js';

const LOCAL_PARTS = ['alice', 'o.brien', 'zoë', 'j.doe+news', 'İpek', 'straße'] as const;
const DOMAINS = ['example.com', 'müller.de', 'EXAMPLE.org'] as const;
const MALFORMED = ['no-at-sign', '@', 'a@@b.de', 'trailing.dot.@example.com', ' @example.com'] as const;

/** One email address, possibly padded, mixed-case or malformed. */
export const email = (nullable: boolean): fc.Arbitrary<string | null> =>
  orNull(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .record({
            local: fc.constantFrom(...LOCAL_PARTS),
            domain: fc.constantFrom(...DOMAINS),
            mask: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
            foldCase: fc.boolean(),
            before: padding(),
            after: padding(),
          })
          .map(({ local, domain, mask, foldCase, before, after }) => {
            const address = `${local}@${domain}`;
            return before + (foldCase ? address : applyCaseMask(address, mask)) + after;
          }),
      },
      { weight: 1, arbitrary: blank() },
      { weight: 1, arbitrary: fc.constantFrom(...MALFORMED) },
    ),
    nullable,
  );
