/** Why a gate question could not be answered. A gate that cannot be evaluated is never open. */

/** The migration id is not declared in the check files. */
export class UnknownMigrationError extends Error {
  override readonly name = 'UnknownMigrationError';
  readonly code = 'unknown_migration';
  constructor(readonly migrationId: string, known: string[]) {
    super(`migration "${migrationId}" is not declared; declared migrations: ${known.join(', ') || '(none)'}`);
  }
}

/** The migration has no phase of that name. */
export class UnknownPhaseError extends Error {
  override readonly name = 'UnknownPhaseError';
  readonly code = 'unknown_phase';
  constructor(readonly migrationId: string, readonly phase: string, known: string[]) {
    super(`migration "${migrationId}" has no phase "${phase}"; its phases are: ${known.join(', ')}`);
  }
}

/** The state store (or a refresh run) failed, so no verdict could be reached; the answer is "no". */
export class GateUnavailableError extends Error {
  override readonly name = 'GateUnavailableError';
  readonly code = 'gate_unavailable';
  constructor(readonly migrationId: string, readonly phase: string, what: string, options: { cause: unknown }) {
    super(`could not evaluate the gate for ${migrationId}/${phase}: ${what}: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
  }
}
