#!/usr/bin/env bash
# CI part "sanitizers": ONE clang build (build-san) with ASan + UBSan everywhere and the cr_*
# libraries instrumented for libFuzzer serves both
#   1. the whole test suite (unit, integration, e2e, USB under umockdev, fuzz replays) with
#      leak detection on and UB fatal, and
#   2. every libFuzzer target, FUZZ_SECONDS (30) each from a copy of its corpus.
# A crash, a leak, UB or a failing test fails this script (and CI). docs/reliability.md
# ("Sanitizers and fuzzing") explains what runs; FUZZ_SECONDS=0 skips the fuzzers.
# Env: CLANG (clang | clang-16), BUILD_SAN (build-san), FUZZ_SECONDS (30), FUZZ_JOBS (2),
# SAN_TEST_JOBS (3: a third of the suite's time is waiting on timeouts, not CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh --sanitize

cc=${CLANG:-clang}
build=${BUILD_SAN:-build-san}
fuzz_seconds=${FUZZ_SECONDS:-30}
fuzz_jobs=${FUZZ_JOBS:-2}
started=$(date +%s)

# -O1 with line tables: what ASan recommends (usable stacks, fast enough), and about a third
# cheaper to compile than -O2 -g, which CI's budget needs; unity batches halve it again.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="${cc/clang/clang++}" \
  -DCELLRESCUE_TESTS=ON -DCELLRESCUE_FUZZ=ON -DCELLRESCUE_BENCH=OFF -DCELLRESCUE_UNITY=ON >/dev/null
ninja -C "$build"
built=$(date +%s)

# verify_asan_link_order=0: the USB tests run under umockdev's LD_PRELOAD, which comes before
# the ASan runtime. fast_unwind_on_malloc=0: full malloc stacks, because glib and libgsf are
# built without frame pointers and the fast unwinder stops at g_malloc, which leaves a leak
# report with nothing to tell whose it is (ours or a suppressed library's). The suppressions
# name third-party code only (see the file).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:verify_asan_link_order=0:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/sanitizers/ubsan.supp"
ctest --test-dir "$build" --output-on-failure -j"${SAN_TEST_JOBS:-3}" --timeout 900
tested=$(date +%s)

# Each fuzzer starts from a scratch copy of its corpus (what it finds stays out of the tree);
# a crash leaves its input in $out/<target>/ and fails.
out=$(mktemp -d "${TMPDIR:-/tmp}/cr-fuzz.XXXXXX")
run_fuzzer() {
  local bin=$1 name
  name=$(basename "$bin")
  mkdir -p "$out/$name/corpus"
  cp -r "$root/tests/fuzz/corpus/$name/." "$out/$name/corpus/"
  if "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/$name/" "$out/$name/corpus" >"$out/$name/log" 2>&1; then
    echo "fuzz $name: $(grep -o 'cov: [0-9]*.*exec/s: [0-9]*' "$out/$name/log" | tail -1)"
  else
    echo "fuzz $name: FAILED (log and crashing input in $out/$name/)"
    tail -60 "$out/$name/log"
    return 1
  fi
}
export -f run_fuzzer
export out root fuzz_seconds
if [[ "$fuzz_seconds" != 0 ]]; then
  ls "$build"/tests/fuzz/fuzz_* | grep -v '_replay$' |
    xargs -P "$fuzz_jobs" -I{} bash -c 'run_fuzzer {}'
fi
done_at=$(date +%s)
echo "ci-sanitizers: build $((built - started)) s, tests $((tested - built)) s," \
  "fuzzers $((done_at - tested)) s"
