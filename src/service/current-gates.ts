/**
 * Gates that judge by the check files as they are on disk now. Before any verdict (and so before
 * a refresh run starts) the catalog is brought up to date; when the files on disk do not load,
 * no gate can be evaluated: the last good catalog describes checks the operator has since changed.
 */
import { formatProblem } from '../checkfile/problems.js';
import { GateUnavailableError } from '../gate/gate-errors.js';
import type { GateService } from '../gate/gate-service.js';
import type { GateVerdict } from '../gate/evaluate-gate.js';
import type { CatalogStatus } from './catalog-holder.js';

/** Why a gate is closed while the check files do not load. */
export function invalidCatalogReason(status: CatalogStatus): string {
  const shown = status.problems.slice(0, 5).map(formatProblem).join('; ');
  const more = status.problems.length > 5 ? `; and ${status.problems.length - 5} more` : '';
  return `the check files on disk do not load (${shown}${more}); fix them, the last good definitions are stale`;
}

/** Wraps a gate service so every answer first makes sure the catalog matches the files. */
export function createCurrentGates(gates: GateService, deps: { current: () => Promise<CatalogStatus> }): GateService {
  return {
    async decide(migrationId, phase, options) {
      const status = await deps.current();
      if (!status.valid) {
        throw new GateUnavailableError(migrationId, phase, 'the check files do not load', { cause: new Error(invalidCatalogReason(status)) });
      }
      return gates.decide(migrationId, phase, options);
    },
    async preview(migrationId, phase): Promise<GateVerdict> {
      const status = await deps.current();
      const verdict = await gates.preview(migrationId, phase);
      if (status.valid) return verdict;
      // A preview is not a decision, but whoever reads it must still read "no".
      return { ...verdict, allowed: false, reasons: [invalidCatalogReason(status), ...verdict.reasons] };
    },
    decisions: (migrationId, options) => gates.decisions(migrationId, options),
    close: () => gates.close(),
  };
}
