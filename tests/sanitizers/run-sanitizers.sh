#!/usr/bin/env bash
# Builds and runs the suites under the sanitizers: the unit and e2e suites under
# AddressSanitizer + UndefinedBehaviorSanitizer (preset asan), the suites that run threads under
# ThreadSanitizer (preset tsan, label "threads"). Fails on a failing test and on any sanitizer
# report, including one written by a `cachette` process an e2e suite started and stopped:
# the presets send every report to build/<preset>/sanitizer-logs/, and a report there fails the
# run even when the process that wrote it was not the one whose exit code ctest checked.
#   tests/sanitizers/run-sanitizers.sh            both presets
#   tests/sanitizers/run-sanitizers.sh tsan       one of them
set -uo pipefail
cd "$(dirname "$0")/../.."

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(asan tsan)

run_preset() {
    local preset=$1
    local logs="build/$preset/sanitizer-logs"
    local started=$SECONDS
    echo "== sanitizers: $preset: configure and build"
    nice cmake --preset "$preset" >/dev/null || return 1
    nice cmake --build --preset "$preset" || return 1
    echo "== sanitizers: $preset: built in $((SECONDS - started)) s"
    rm -rf "$logs" && mkdir -p "$logs"
    local status=0
    ctest --preset "$preset" || status=1
    local reports
    reports=$(find "$logs" -type f -size +0 | sort)
    if [ -n "$reports" ]; then
        echo "== sanitizers: $preset: reports in $logs:"
        for report in $reports; do
            echo "--- $report"
            cat "$report"
        done
        status=1
    fi
    echo "== sanitizers: $preset: $( [ $status -eq 0 ] && echo clean || echo FAILED ) after $((SECONDS - started)) s"
    return $status
}

overall=0
for preset in "${presets[@]}"; do
    run_preset "$preset" || overall=1
done
exit $overall
