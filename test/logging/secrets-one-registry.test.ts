/** Two copies of the secrets module (the bundled CLI and the unbundled dist/replay/ it loads) redact alike. */
import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../src/logging/secrets.js';

describe('the secrets registry', () => {
  it('is one per process: a secret registered through another copy of the module is redacted here', async () => {
    const copy = (await import(/* @vite-ignore */ `../../src/logging/secrets.ts?copy=${Date.now()}`)) as typeof import('../../src/logging/secrets.js');
    expect(copy.registerSecret).not.toBe(registerSecret);
    copy.registerSecret('s3cr3t-from-another-copy');
    expect(redact('password s3cr3t-from-another-copy')).toBe('password ***');
  });
});
