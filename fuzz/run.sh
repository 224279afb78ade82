#!/usr/bin/env bash
# Run the fuzz targets and print one line per target with its execution count.
#   bash fuzz/run.sh --seconds 30            every target for 30 s (what CI does)
#   bash fuzz/run.sh --runs 10000000 arguments   one target for 10 M executions
# Seeds come from fuzz/seeds/TARGET; the grown corpus lives in fuzz/corpus/TARGET (not committed).
# A crash stops the run with libFuzzer's report; copy the input it names into
# fuzz/regressions/TARGET/ so tests/fuzz_regressions.rs replays it forever.
set -euo pipefail
cd "$(dirname "$0")"
limit=(-max_total_time=30)
case "${1:-}" in
  --seconds) limit=(-max_total_time="$2"); shift 2 ;;
  --runs) limit=(-runs="$2"); shift 2 ;;
esac
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
# cargo-fuzz needs nightly rustc flags; use a nightly toolchain when there is one, else let the
# stable compiler accept them.
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi
if ! build=$(cargo "${toolchain[@]}" fuzz build -O -s none 2>&1); then
  printf '%s\n' "$build" >&2
  exit 1
fi
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log=$(mktemp)
  if cargo "${toolchain[@]}" fuzz run -O -s none "$t" "corpus/$t" "seeds/$t" -- \
       "${limit[@]}" -max_len=65536 -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo '?')
    printf '%-16s %12s execs in %5s s, no crash\n' "$t" "$runs" "$secs"
  else
    found=$(ls "artifacts/$t" 2>/dev/null | head -3 | tr '\n' ' ')
    if [ -n "$found" ]; then
      printf '%-16s FOUND %s— keep it in fuzz/regressions/%s/; libFuzzer output:\n' "$t" "$found" "$t"
    else
      printf '%-16s stopped before the end (killed or failed to start); libFuzzer output:\n' "$t"
    fi
    tail -40 "$log"
    status=1
  fi
  rm -f "$log"
done
exit $status
