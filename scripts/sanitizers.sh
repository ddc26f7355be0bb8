#!/usr/bin/env bash
# ThreadSanitizer and AddressSanitizer runs of the integration tests, each
# with the standard library rebuilt under the sanitizer (-Zbuild-std), so
# std's and parking_lot's synchronization is instrumented too and no
# suppression is needed (there is none: add one only with a comment saying
# why the report is a false positive).
#
#   bash scripts/sanitizers.sh          # both
#   bash scripts/sanitizers.sh tsan     # one of them
#
# Environment:
#   TSAN_TESTS  integration test files for TSan (default: the multi-threaded
#               ones, "spsc_stream multi_stream closing hostile batch in_place"; TSan costs ~5-15x)
#   ASAN_TESTS  test files for ASan (default: all of them, with --tests)
#   SAN_TOOLCHAIN  nightly toolchain to use (default: nightly)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0

toolchain=${SAN_TOOLCHAIN:-nightly}
# The sanitized std is rebuilt from source: line tables (enough for the
# reports' stack traces) instead of full debug info make that much quicker.
export CARGO_PROFILE_TEST_DEBUG=${CARGO_PROFILE_TEST_DEBUG:-line-tables-only}
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}
target=x86_64-unknown-linux-gnu
runs=("$@")
[ "${#runs[@]}" -gt 0 ] || runs=(tsan asan)

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$toolchain" --profile minimal
fi
rustup component add --toolchain "$toolchain" rust-src

# `--test a --test b`, or `--tests` for everything (lib unit tests included).
selection() {
    if [ -z "$1" ]; then
        echo --tests
    else
        for t in $1; do printf -- '--test %s ' "$t"; done
    fi
}

# A sanitized build keeps each stack slot apart (ASan pads every one with
# red zones and never lets two share a place), so a call chain that moves
# a 64 KiB value through several frames needs more than the 2 MiB a test
# thread gets by default. The tests that measure stack use on purpose
# (tests/regressions.rs) skip themselves when RINGWEIR_SANITIZER is set.
# tests/realtime.rs skips too: a sanitizer's runtime makes system calls and
# allocations of its own on the thread it proves makes none.
export RUST_MIN_STACK=${RUST_MIN_STACK:-16777216}

report=()
for run in "${runs[@]}"; do
    export RINGWEIR_SANITIZER=$run
    case "$run" in
        tsan)
            flag=thread
            # halt_on_error: the first race fails the run, with its report.
            export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
            tests=${TSAN_TESTS-spsc_stream multi_stream closing hostile batch in_place regressions async_calls}
            ;;
        asan)
            flag=address
            # detect_leaks: a value the ring forgot to drop is a leak too.
            # allocator_may_return_null: not a suppression. tests/api.rs asks
            # for absurd capacities on purpose (e.g. 1 << 55 slots) to check
            # that `try_reserve` failure becomes a CapacityError; by default
            # ASan aborts on such a request ("allocation-size-too-big")
            # instead of failing it the way the system allocator does.
            export ASAN_OPTIONS="detect_leaks=1 allocator_may_return_null=1 ${ASAN_OPTIONS:-}"
            tests=${ASAN_TESTS-}
            ;;
        *)
            echo "unknown run '$run' (tsan or asan)" >&2
            exit 2
            ;;
    esac
    printf '\n=== %s: -Zsanitizer=%s, tests: %s\n' "$run" "$flag" "${tests:-all (--tests)}"
    started=$(date +%s)
    # shellcheck disable=SC2046 # the selection is meant to split
    RUSTFLAGS="-Zsanitizer=$flag" RUSTDOCFLAGS="-Zsanitizer=$flag" \
        CARGO_TARGET_DIR="target/$run" \
        cargo "+$toolchain" test -Zbuild-std --target "$target" --features async $(selection "$tests") \
        -- --test-threads="${SAN_TEST_THREADS:-2}"
    report+=("$run: passed in $(( $(date +%s) - started ))s (build included)")
done

printf '\n=== sanitizers\n'
printf '%s\n' "${report[@]}"
