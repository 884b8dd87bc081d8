#!/bin/sh
# Flyway: apply the contract migrations only when parity allows the contract phase.
# `parity gate` exits 0 allowed, 1 denied, 2 could not evaluate; `&&` runs Flyway on 0 only, and the
# step's exit code is parity's when it does not. PARITY_TOKEN is read by `parity gate --server`.
#   PARITY_URL, MIGRATION (e.g. users-split-name), FLYWAY_CONTRACT_TARGET (e.g. 42)
set -eu
parity gate "$MIGRATION" contract --refresh --server "$PARITY_URL" \
  && flyway -target="$FLYWAY_CONTRACT_TARGET" migrate
