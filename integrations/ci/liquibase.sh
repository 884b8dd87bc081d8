#!/bin/sh
# Liquibase: apply the changesets labelled `contract` only when parity allows the contract phase.
# `parity gate` exits 0 allowed, 1 denied, 2 could not evaluate; `&&` runs Liquibase on 0 only.
#   PARITY_URL, MIGRATION (e.g. users-split-name)
set -eu
parity gate "$MIGRATION" contract --refresh --server "$PARITY_URL" \
  && liquibase update --label-filter=contract
