#!/usr/bin/env bash
# The step behind action.yml: runs `parity gate|run --format markdown`, appends the report to the
# job summary, sets the outputs, and exits with parity's own exit code (only 0 lets the job go on).
set -uo pipefail

# The step cannot start: say so in the summary and the outputs, as parity's own refusals do, and
# exit 64 (bad configuration) — never 0, never a question asked of another store than the one meant.
refuse() {
  echo "::error title=parity ${INPUT_COMMAND:-gate}::$1"
  echo "### ⚠️ parity ${INPUT_COMMAND:-gate}: bad-configuration (exit 64, nothing was asked): $1" >> "$GITHUB_STEP_SUMMARY"
  { echo "exit-code=64"; echo "verdict=bad-configuration"; } >> "$GITHUB_OUTPUT"
  exit 64
}

read -ra parity <<< "${INPUT_PARITY:-parity}"
# Options first, then `--`, then the positional arguments: a migration or phase input such as
# `--help` or `--server=…` is an id, never an option.
args=()
positional=()
case "${INPUT_COMMAND:-gate}" in
  gate)
    if [[ -z "${INPUT_MIGRATION:-}" || -z "${INPUT_PHASE:-}" ]]; then
      refuse "the gate command needs the migration and phase inputs"
    fi
    case "${INPUT_REFRESH:-false}" in
      true) args+=(--refresh) ;;
      false) ;;
      *) refuse "refresh must be \"true\" or \"false\", not \"${INPUT_REFRESH}\"" ;;
    esac
    # Where the gate is asked is chosen explicitly. An empty server (an unset secret or variable)
    # must not fall back to the runner's own state store: another database's evidence, or none.
    server="${INPUT_SERVER:-}"
    case "${INPUT_LOCAL:-false}" in
      true)
        [[ -n "${server//[[:space:]]/}" ]] && refuse "give either server or local: \"true\", not both"
        ;;
      false)
        [[ -z "${server//[[:space:]]/}" ]] && refuse "the server input is empty: give the URL of the parity server to ask (an unset secret or variable is empty), or local: \"true\" to evaluate against the state store named by database-url"
        # parity itself refuses a server that is not an http(s) URL (exit 64) and asks nothing.
        args+=(--server "$server")
        ;;
      *) refuse "local must be \"true\" or \"false\", not \"${INPUT_LOCAL}\"" ;;
    esac
    positional=("$INPUT_MIGRATION" "$INPUT_PHASE")
    cmd=gate
    ;;
  run)
    cmd=run
    read -ra positional <<< "${INPUT_CHECK_IDS:-}"
    read -ra tags <<< "${INPUT_TAGS:-}"
    for tag in ${tags[@]+"${tags[@]}"}; do args+=(--tag "$tag"); done
    ;;
  *)
    refuse "command must be gate or run, not \"${INPUT_COMMAND}\""
    ;;
esac
[[ -n "${INPUT_CHECKS:-}" ]] && args+=(--checks "$INPUT_CHECKS")
# An empty DATABASE_URL means "not set": keep state in the data directory.
[[ -z "${DATABASE_URL:-}" ]] && unset DATABASE_URL
[[ -z "${PARITY_TOKEN:-}" ]] && unset PARITY_TOKEN

report="$(mktemp)"
# `${a[@]+"${a[@]}"}`: an empty array under `set -u` on the bash 3.2 of macOS runners.
"${parity[@]}" "$cmd" ${args[@]+"${args[@]}"} --format markdown -- ${positional[@]+"${positional[@]}"} > "$report"
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
