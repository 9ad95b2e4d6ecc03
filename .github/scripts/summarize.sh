#!/usr/bin/env bash
# The daily job's summarize step, kept as a script so it can be run (and tested) outside Actions.
#
# It never fails the step by itself: whatever could be written is committed by the next step,
# and the job's last step fails the run for exit codes >= 2. Exit 1 (some papers failed; they
# are asked again on the next run) is shown as a warning annotation, not a red job.
# arxiv-digest itself appends the job summary to $GITHUB_STEP_SUMMARY.
set -uo pipefail

args=(summarize)
if [ "${FORCE:-false}" = "true" ]; then
  args+=(--force)
fi

arxiv-digest "${args[@]}"
code=$?
echo "code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"

case "$code" in
  0) ;;
  1) echo "::warning title=arxiv-digest::some papers failed; they are asked again on the next run (see the job summary)" ;;
  2) echo "::error title=arxiv-digest::setup or input problem (exit 2); nothing was overwritten — run 'arxiv-digest doctor' from the Actions tab" ;;
  3) echo "::error title=arxiv-digest::arXiv or the LLM endpoint could not be reached (exit 3); what could be written is committed" ;;
  4) echo "::error title=arxiv-digest::the output or the cache could not be written (exit 4)" ;;
  *) echo "::error title=arxiv-digest::stopped with exit code $code" ;;
esac
exit 0
