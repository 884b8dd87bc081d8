/**
 * Where a source's URL is meant to reach, as a short key recorded with every reading of the source
 * (ServerIdentity.target) and compared by the gate: a reading recorded under this key shows what
 * the URL reaches, whichever check took it and whatever became of that check since. A digest, so
 * no host name taken from the environment (a secret) is ever written with a result.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './hash.js';
import { serverReach } from './target.js';

/** The key of a source's identity (resolved target or embedded name), by the server it reaches; undefined when there is none. */
export function reachKey(identity: unknown): string | undefined {
  if (identity === undefined || identity === null) return undefined;
  // serverReach: role and startup parameters change what is read there, not where.
  return `reach:${createHash('sha256').update(`parity server reach\0${canonicalJson(serverReach(identity))}`).digest('hex').slice(0, 32)}`;
}
