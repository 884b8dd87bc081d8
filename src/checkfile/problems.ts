/** Check-file problems, each pinned to file:line:column and the key it concerns. */

export interface SpecProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the key, e.g. checks[2].tolerance.absolute. */
  path: string;
  message: string;
}

/** Formats one problem the way compilers do, so editors can jump to it. */
export function formatProblem(p: SpecProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Thrown when check files cannot be loaded; carries every problem found, not just the first. */
export class CheckFileError extends Error {
  override readonly name = 'CheckFileError';
  constructor(readonly problems: SpecProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in check files:\n${problems.map(formatProblem).join('\n')}`);
  }
}

/** Renders a path like checks[2].old.table. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
