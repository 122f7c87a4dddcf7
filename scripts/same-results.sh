#!/usr/bin/env bash
# Checks that two builds of flywheel give byte-identical results: every
# shipped scenario (the bench_* files scaled down) is run by both with two
# replications and loan records, the subsidy sweep is swept and two
# variants compared; every CSV must match (manifests hold timings and
# versions, so they are left out).
#
#   bash scripts/same-results.sh OLD_BINARY NEW_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1
new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

produce() {
  local bin=$1 out=$2
  for s in scenarios/*.toml; do
    local n
    n=$(basename "$s" .toml)
    local extra=()
    if [ "$n" = bench_1m ] || [ "$n" = bench_10m ]; then
      extra=(--set market.consumers=20000 --set market.merchants=400 --set market.districts=50)
    fi
    "$bin" run "$s" --replications 2 --threads 2 --loans --quiet --out "$out/run/$n" "${extra[@]}"
  done
  "$bin" sweep scenarios/subsidy_sweep.toml --threads 2 --quiet --out "$out/sweep"
  "$bin" compare scenarios/subsidy_war.toml scenarios/subsidy_war_blue7.toml \
    --replications 2 --threads 2 --quiet --out "$out/compare"
}

produce "$old" "$work/old"
produce "$new" "$work/new"
status=0
count=0
while IFS= read -r f; do
  rel=${f#"$work/old/"}
  count=$((count + 1))
  if ! cmp -s "$f" "$work/new/$rel"; then
    echo "differs: $rel"
    status=1
  fi
done < <(find "$work/old" -name '*.csv' | sort)
missing=$(cd "$work/new" && find . -name '*.csv' | wc -l)
if [ "$missing" -ne "$count" ]; then
  echo "file count differs: $count before, $missing after"
  status=1
fi
[ "$status" -eq 0 ] && echo "identical: $count CSV files"
exit "$status"
