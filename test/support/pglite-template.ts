/**
 * Every in-memory PGlite a test opens starts from a copy of one freshly initialised cluster
 * instead of running initdb again: initdb is ~2.5 s of CPU per database, loading the copy ~0.7 s,
 * and the suite opens hundreds. The copy is a real cluster made by PGlite's own initdb in this
 * process, so each test still gets a real, empty, private database, never a stand-in.
 *
 * Only option-less in-memory creates are redirected (what src/embedded asks for under `memory:`);
 * anything with a data directory, a file system, a tarball of its own, extensions or initdb
 * settings goes to PGlite untouched.
 */
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Options that do not shape the cluster on disk, so a copied cluster serves them as initdb would
 * (startParams are the server's run-time settings, e.g. src/embedded's shared_buffers: passed on).
 */
const CLIENT_ONLY_OPTIONS = new Set<string>(['parsers', 'serializers', 'debug', 'startParams']);

type Create = (dataDirOrOptions?: string | PGliteOptions, options?: PGliteOptions) => Promise<PGlite>;

/** Kept on the class: with isolation off, this module may be evaluated again in the same worker. */
const INSTALLED = Symbol.for('parity.test.pgliteTemplate');
interface Patched { [INSTALLED]?: true }

function clusterFree(dataDirOrOptions: string | PGliteOptions | undefined, options: PGliteOptions | undefined): PGliteOptions | undefined {
  if (typeof dataDirOrOptions === 'string' || options !== undefined) return undefined;
  const requested = dataDirOrOptions ?? {};
  return Object.keys(requested).every((key) => CLIENT_ONLY_OPTIONS.has(key)) ? requested : undefined;
}

if (!(PGlite as unknown as Patched)[INSTALLED]) {
  const create = PGlite.create.bind(PGlite) as Create;
  let cluster: Promise<Blob> | undefined;
  let makingPristine = false;
  const freshCluster = (): Promise<Blob> => {
    cluster ??= (async () => {
      makingPristine = true;
      const pristine = await create().finally(() => {
        makingPristine = false;
      });
      try {
        return await pristine.dumpDataDir('none');
      } finally {
        await pristine.close();
      }
    })().catch((error: unknown) => {
      cluster = undefined;
      throw error;
    });
    return cluster;
  };
  const fromTemplate: Create = async (dataDirOrOptions, options) => {
    // PGlite's own initdb opens a PGlite through this same static (with pass-through options);
    // while the pristine cluster is being made, every call goes straight to PGlite.
    const requested = makingPristine ? undefined : clusterFree(dataDirOrOptions, options);
    if (!requested) return create(dataDirOrOptions, options);
    return create({ ...requested, loadDataDir: await freshCluster() });
  };
  (PGlite as unknown as { create: Create }).create = fromTemplate;
  (PGlite as unknown as Patched)[INSTALLED] = true;
}
