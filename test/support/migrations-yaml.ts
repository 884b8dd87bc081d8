/** The HTTP fixture's checks plus a two-phase migration over them, for gate and status-page tests. */
import { CHECKS_YAML } from '../http/support.js';

/** switch-reads needs users-row-count and users-name-parity; contract adds `gated` and inherits the rest. */
export const MIGRATIONS_YAML = `${CHECKS_YAML}
migrations:
  - id: users-split-name
    description: split users.full_name into first_name / last_name
    phases:
      - name: switch-reads
        requires: [users-row-count, users-name-parity]
        max_age: 1h
      - name: contract
        requires: [gated]
        max_age: 15m
`;
