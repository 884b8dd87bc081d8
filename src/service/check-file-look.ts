/**
 * A look at the check files: one fingerprint of every check file's path and bytes as they are when
 * the look is taken. Every gate answer takes one (catalog-holder.ts), so reading and hashing every
 * file each time was most of an answer's cost. A look now reuses what it learnt before, under git's
 * "racy clean" rule (docs/decisions.md, "Check-file looks trust settled stat data"):
 *
 * - A file's digest is reused only when `stat` shows the same (dev, ino, mode, size, mtime, ctime)
 *   as when it was hashed, and both timestamps were already older than `marginMs` before the moment
 *   that stat was taken. Any write after that moment stamps the file with a later ctime (the kernel
 *   sets ctime on every change, and no call sets it back), so the tuple differs; a file stamped
 *   within the margin of its hashing is read again until it has settled.
 * - The listing (which files there are) is reused only when every directory walked shows the same
 *   settled stat data (entries added, removed or renamed change a directory's mtime and ctime),
 *   every symbolic link followed resolves to the same path and the same target, and the checks
 *   directory itself resolves to the same path. Everything is noted before the walk reads it, so a
 *   change after a note shows up as a difference from it.
 * - Anything that fails (a stat, a read) is never reused: the slow path runs, and reports it.
 *
 * The margin covers timestamp granularity: Linux stamps files from a coarse clock that lags by up
 * to a jiffy, and some filesystems keep only seconds (FAT: 2 s). Timestamps are compared with this
 * host's wall clock, so the files must be stamped by a clock no further behind it than the margin.
 */
import { realpathSync, statSync, type BigIntStats } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { listCheckFiles } from '../catalog/list-check-files.js';

/** How long after its last change a file's or directory's stat data may vouch for its contents. */
export const DEFAULT_SETTLE_MARGIN_MS = 3_000;

export interface CheckFileLookOptions {
  dir: string;
  /** Settle margin; at least the coarsest timestamp granularity of the filesystem. */
  marginMs?: number | undefined;
  /** The wall clock the filesystem stamps files by: the real one, never a test or store clock. */
  wallClockMs?: (() => number) | undefined;
  /**
   * Reads timestamps as if the filesystem kept them only to this precision (tests: a kernel whose
   * multigrain timestamps never repeat cannot otherwise show two writes within one granule).
   */
  timestampGranuleMs?: number | undefined;
}

export interface CheckFileLook {
  /** Hash of every check file's path and bytes as they are now; `unreadable:…` when they cannot be listed. */
  fingerprint(): Promise<string>;
  /** How many times files were read and directories walked so far (a look that trusted stat data does neither). */
  counts(): { reads: number; walks: number };
}

interface Stamp { dev: bigint; ino: bigint; mode: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }

/** What was noted of a directory or link before the walk used it. */
interface Note {
  /** Its resolved path, when the listing depends on it (the checks directory, links). */
  real: string | null;
  /** Null for a link that dangled: it must still dangle. */
  stamp: Stamp | null;
  /** Directories: the stamp must also have settled, since entries can change within one timestamp granule. */
  timed: boolean;
  takenAtMs: number;
}

interface Listing { notes: Map<string, Note>; files: string[] }
interface FileDigest { stamp: Stamp; takenAtMs: number; digest: string }


const sameIdentity = (a: Stamp, b: Stamp): boolean => a.dev === b.dev && a.ino === b.ino && a.mode === b.mode;
const sameStamp = (a: Stamp, b: Stamp): boolean => sameIdentity(a, b) && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** Creates a look over `dir`; what it learns is kept in memory between looks. */
export function createCheckFileLook(options: CheckFileLookOptions): CheckFileLook {
  const marginMs = options.marginMs ?? DEFAULT_SETTLE_MARGIN_MS;
  const wallClockMs = options.wallClockMs ?? Date.now;
  const granuleNs = BigInt(Math.max(1, Math.round((options.timestampGranuleMs ?? 0) * 1_000_000)));
  const coarse = (ns: bigint): bigint => ns - (ns % granuleNs);
  const stampOf = (s: BigIntStats): Stamp => ({ dev: s.dev, ino: s.ino, mode: s.mode, size: s.size, mtimeNs: coarse(s.mtimeNs), ctimeNs: coarse(s.ctimeNs) });
  let reads = 0;
  let walks = 0;
  let listing: Listing | undefined;
  const digests = new Map<string, FileDigest>();

  /** Stat data taken at `takenAtMs` vouches for what is read after it only if nothing changed within the margin before. */
  const settled = (stamp: Stamp, takenAtMs: number): boolean => {
    const limit = BigInt(Math.floor(takenAtMs - marginMs)) * 1_000_000n;
    return stamp.mtimeNs < limit && stamp.ctimeNs < limit;
  };

  const note = async (notes: Map<string, Note>, at: string, kind: 'directory' | 'link', isRoot = false): Promise<void> => {
    const takenAtMs = wallClockMs();
    const previous = notes.get(at);
    let real: string | null;
    let stamp: Stamp;
    try {
      real = kind === 'link' || isRoot ? await realpath(at) : previous?.real ?? null;
      stamp = stampOf(await stat(at, { bigint: true }));
    } catch (error) {
      // A dangling link the walk skips (not named like a check file) must still dangle next time.
      if (kind === 'link' && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        notes.set(at, { real: null, stamp: null, timed: false, takenAtMs });
        return;
      }
      throw error;
    }
    notes.set(at, { real, stamp, timed: kind === 'directory' || previous?.timed === true, takenAtMs });
  };

  const listFresh = async (): Promise<Listing> => {
    walks++;
    const notes = new Map<string, Note>();
    // A note that fails is left out of the listing's reuse, not of the walk: the walk reports the failure.
    let complete = true;
    const observe = (at: string, kind: 'directory' | 'link', isRoot = false) => note(notes, at, kind, isRoot).catch(() => { complete = false; });
    const files = await listCheckFiles(options.dir, {
      directory: (at, isRoot) => observe(at, 'directory', isRoot),
      link: (at) => observe(at, 'link'),
    });
    const fresh = { notes, files };
    listing = complete ? fresh : undefined;
    // Files no longer listed are forgotten (a file that comes back is read again).
    const listed = new Set(files);
    for (const file of digests.keys()) if (!listed.has(file)) digests.delete(file);
    return fresh;
  };

  // The fast path (nothing changed) is a few stat and realpath calls made synchronously: each
  // takes microseconds on a local or mounted directory, where the same call through the thread pool
  // costs ~20 µs of CPU and a hop — most of a gate answer's cost when made per answer.
  const stillHolds = (held: Listing): boolean => {
    try {
      for (const [at, noted] of held.notes) {
        if (noted.stamp === null) {
          if (statSync(at, { throwIfNoEntry: false }) !== undefined) return false;
          continue;
        }
        if (noted.real !== null && realpathSync.native(at) !== noted.real) return false;
        const stamp = stampOf(statSync(at, { bigint: true }));
        const same = noted.timed ? sameStamp(stamp, noted.stamp) && settled(noted.stamp, noted.takenAtMs) : sameIdentity(stamp, noted.stamp);
        if (!same) return false;
      }
      return true;
    } catch {
      return false;
    }
  };

  /** The digest stat data vouches for, or what must be read: the stat taken now, with when it was taken. */
  const trusted = (file: string): string | { stamp: Stamp; takenAtMs: number } => {
    const takenAtMs = wallClockMs();
    let stamp: Stamp;
    try {
      stamp = stampOf(statSync(file, { bigint: true }));
    } catch (error) {
      digests.delete(file);
      return `unreadable:${(error as NodeJS.ErrnoException).code ?? ''}`;
    }
    const known = digests.get(file);
    if (known && sameStamp(stamp, known.stamp) && settled(known.stamp, known.takenAtMs)) return known.digest;
    return { stamp, takenAtMs };
  };

  const read = async (file: string, seen: { stamp: Stamp; takenAtMs: number }): Promise<string> => {
    try {
      reads++;
      const digest = createHash('sha256').update(await readFile(file)).digest('hex');
      digests.set(file, { ...seen, digest });
      return digest;
    } catch (error) {
      digests.delete(file);
      return `unreadable:${(error as NodeJS.ErrnoException).code ?? ''}`;
    }
  };

  return {
    async fingerprint() {
      let files: string[];
      try {
        const held = listing;
        files = held && stillHolds(held) ? held.files : (await listFresh()).files;
      } catch (error) {
        // An unreadable directory is a state of its own; the load reports it.
        listing = undefined;
        return `unreadable:${(error as Error).message}`;
      }
      const each = files.map(trusted);
      const digested = each.every((d) => typeof d === 'string')
        ? each as string[]
        : await Promise.all(each.map((d, i) => (typeof d === 'string' ? d : read(files[i]!, d))));
      // Paths and per-file digests, joined: compared only with other fingerprints of this process.
      return files.map((file, i) => `${file}\0${digested[i]}`).join('\0');
    },
    counts: () => ({ reads, walks }),
  };
}
