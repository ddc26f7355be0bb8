#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 60) each,
# starting from a scratch copy of the committed seed corpus (the committed
# corpus is never grown here), and fails on any crash, leak, timeout or OOM.
# Prints execs/s and total execs per target from libFuzzer's final stats.
#
#   FUZZ_SECONDS=20 bash scripts/fuzz.sh            # every target
#   FUZZ_SECONDS=20 bash scripts/fuzz.sh concurrent # just these
#
# Needs a nightly toolchain (cargo-fuzz builds with -Zsanitizer=address).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

seconds=${FUZZ_SECONDS:-60}
toolchain=${FUZZ_TOOLCHAIN:-nightly}

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$toolchain" --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

cd fuzz
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi

# Build first, so that the timed runs only fuzz.
for t in "${targets[@]}"; do
    cargo "+$toolchain" fuzz build "$t"
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ringweir-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
summary=()
failed=()
for t in "${targets[@]}"; do
    corpus="$scratch/corpus/$t"
    mkdir -p "$corpus" "artifacts/$t"
    if [ -d "corpus/$t" ]; then
        cp -R "corpus/$t/." "$corpus/"
    fi
    log="$scratch/$t.log"
    printf '\n=== fuzz %s for %ss\n' "$t" "$seconds"
    # -timeout: a hang (say, a lost wake-up in `concurrent`) is a failure.
    # -rss_limit_mb: the harness allocates little; anything big is a bug.
    status=0
    cargo "+$toolchain" fuzz run "$t" "$corpus" -- \
        -max_total_time="$seconds" \
        -print_final_stats=1 \
        -timeout=30 \
        -rss_limit_mb=2048 \
        -max_len=512 \
        >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    summary+=("$(printf '%-12s %12s execs %10s execs/s  exit %s' "$t" "${execs:-?}" "${rate:-?}" "$status")")
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        echo "--- $t failed (exit $status); last lines of its log:"
        tail -n 60 "$log"
        echo "--- reproduce with: (cd fuzz && cargo +$toolchain fuzz run $t artifacts/$t/<crash file>)"
    else
        grep -E '^(#[0-9]+ +DONE|stat::)' "$log" || true
    fi
done

printf '\n=== fuzz summary (%ss per target)\n' "$seconds"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
