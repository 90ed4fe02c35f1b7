#!/usr/bin/env bash
# Runs every fuzz program for a while: tests/fuzz/run-fuzzers.sh [seconds-per-target] (default 15).
# Builds with the fuzz preset first (a no-op when up to date). Each target works on a copy of
# its seed corpus in a temporary directory, so new inputs never land in the committed corpus;
# a crash input is kept in build/fuzz/crashes/. Fails when any target finds a crash.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-15}"
targets=(http_request sse_stream anthropic_stream responses_stream cache_key prompt_text)

[ -f build/fuzz/build.ninja ] || cmake --preset fuzz
nice cmake --build --preset fuzz -j 2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
crashes="$PWD/build/fuzz/crashes"
mkdir -p "$crashes"
failed=()
for t in "${targets[@]}"; do
  cp -r "tests/fuzz/corpus/$t" "$work/$t"
  echo "run-fuzzers: fuzz_$t for ${seconds}s"
  # -rss_limit_mb: ASan's quarantine alone takes 256 MB; a real leak still trips it.
  if ! (cd "$work" && nice "$OLDPWD/build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
          -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$crashes/$t-" "$work/$t" \
          > "$work/$t.log" 2>&1); then
    tail -n 40 "$work/$t.log"
    failed+=("$t")
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$work/$t.log" | tr '\n' ' ' || true
  echo
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-fuzzers: crashes in ${failed[*]} (inputs in $crashes)" >&2
  exit 1
fi
echo "run-fuzzers: no crash in ${#targets[@]} targets"
