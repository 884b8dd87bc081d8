/** redact(): secrets parity recognises in text (URL credentials, credential-named parameters) and secrets it was told. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact, redactDeep, registerSecret } from '../../src/logging/secrets.js';

const secretText = fc.stringMatching(/^[A-Za-z0-9._~-]{6,40}$/).filter((s) => !/^[.~_-]/.test(s));
const sensitiveNames = ['token', 'access_token', 'api_key', 'apikey', 'API-KEY', 'sig', 'X-Amz-Signature', 'X-Amz-Credential',
  'X-Amz-Security-Token', 'X-Goog-Signature', 'password', 'passwd', 'pwd', 'client_secret', 'auth', 'jsessionid', 'session_id', 'jwt', 'otp', 'tok', 'pw'];

describe('redact', () => {
  it('masks the value of every credential-named URL parameter, in query, fragment or ;params', () => {
    fc.assert(fc.property(secretText, fc.constantFrom(...sensitiveNames), fc.constantFrom('?', '&', '#', ';'), fc.constantFrom('', '&v=1', ' and more', '"', '#x'),
      (secret, name, separator, tail) => {
        const text = `GET https://svc.internal:8443/users/7?a=b${separator}${name}=${secret}${tail}`;
        expect(redact(text)).not.toContain(secret);
      }));
  });

  it('masks the whole userinfo of any URL, and the password of a postgres DSN', () => {
    fc.assert(fc.property(secretText, secretText, fc.constantFrom('http', 'https', 'ftp', 'redis', 'amqp'), (user, pass, scheme) => {
      expect(redact(`x ${scheme}://${user}:${pass}@host:1/p y`)).toBe(`x ${scheme}://***@host:1/p y`);
      expect(redact(`${scheme}://${user}@host/p`)).toBe(`${scheme}://***@host/p`);
      expect(redact(`postgres://${user}:${pass}@db/app`)).toBe(`postgres://${user}:***@db/app`);
    }));
  });

  it('leaves ordinary text and parameters alone', () => {
    const text = 'GET https://svc/users/7?id=7&page=2 answered 500; mismatches by field: email 3';
    expect(redact(text)).toBe(text);
    expect(redact('alice@example.com wrote https://example.com/a@b')).toBe('alice@example.com wrote https://example.com/a@b');
  });

  it('masks registered secrets anywhere, and spells out errors with their messages redacted', () => {
    registerSecret('registered-secret-5e2a');
    const error = new Error('failed with registered-secret-5e2a at https://u:p4ss@h/x');
    expect(redactDeep({ err: error, list: ['registered-secret-5e2a'] })).toEqual({
      err: { type: 'Error', message: 'failed with *** at https://***@h/x', stack: expect.not.stringContaining('p4ss') },
      list: ['***'],
    });
  });
});
