#!/usr/bin/env bash
# The step behind action.yml: runs `parity gate|run --format markdown`, appends the report to the
# job summary, sets the outputs, and exits with parity's own exit code (only 0 lets the job go on).
set -uo pipefail

read -ra parity <<< "${INPUT_PARITY:-parity}"
args=()
case "${INPUT_COMMAND:-gate}" in
  gate)
    if [[ -z "${INPUT_MIGRATION:-}" || -z "${INPUT_PHASE:-}" ]]; then
      echo "::error::parity: the gate command needs the migration and phase inputs"
      exit 64
    fi
    args=(gate "$INPUT_MIGRATION" "$INPUT_PHASE")
    [[ "${INPUT_REFRESH:-false}" == "true" ]] && args+=(--refresh)
    [[ -n "${INPUT_SERVER:-}" ]] && args+=(--server "$INPUT_SERVER")
    ;;
  run)
    args=(run)
    read -ra ids <<< "${INPUT_CHECK_IDS:-}"
    args+=("${ids[@]}")
    read -ra tags <<< "${INPUT_TAGS:-}"
    for tag in "${tags[@]}"; do args+=(--tag "$tag"); done
    ;;
  *)
    echo "::error::parity: command must be gate or run, not \"${INPUT_COMMAND}\""
    exit 64
    ;;
esac
[[ -n "${INPUT_CHECKS:-}" ]] && args+=(--checks "$INPUT_CHECKS")
# An empty DATABASE_URL means "not set": keep state in the data directory.
[[ -z "${DATABASE_URL:-}" ]] && unset DATABASE_URL
[[ -z "${PARITY_TOKEN:-}" ]] && unset PARITY_TOKEN

report="$(mktemp)"
"${parity[@]}" "${args[@]}" --format markdown > "$report"
code=$?

case "$INPUT_COMMAND:$code" in
  gate:0) verdict=allowed ;;
  gate:1) verdict=denied ;;
  run:0) verdict=passed ;;
  run:1) verdict=failed ;;
  *:64) verdict=bad-configuration ;;
  *) verdict=could-not-verify ;;
esac
cat "$report"
if [[ -s "$report" ]]; then
  { cat "$report"; echo; } >> "$GITHUB_STEP_SUMMARY"
else
  # Nothing on stdout (bad configuration, or parity could not start): the summary still says so.
  echo "### ⚠️ parity ${INPUT_COMMAND}: ${verdict} (exit ${code}); see the step log" >> "$GITHUB_STEP_SUMMARY"
fi
{ echo "exit-code=$code"; echo "verdict=$verdict"; } >> "$GITHUB_OUTPUT"
if [[ "$code" -ne 0 ]]; then
  echo "::error title=parity ${INPUT_COMMAND}::${verdict} (exit ${code}); see the job summary"
fi
exit "$code"
