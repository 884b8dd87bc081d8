#!/bin/sh
# pgroll: `pgroll start` has expanded the schema and the backfill has run; complete the migration
# (drop the old columns, end the dual-write triggers) only when parity allows the contract phase.
# `parity gate` exits 0 allowed, 1 denied, 2 could not evaluate; `&&` runs `pgroll complete` on 0
# only. On a denial the migration stays started: fix the data, or `pgroll rollback`.
#   PARITY_URL, MIGRATION (e.g. users-split-name)
set -eu
parity gate "$MIGRATION" contract --refresh --server "$PARITY_URL" \
  && pgroll complete
