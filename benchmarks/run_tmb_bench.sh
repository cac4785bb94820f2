#!/usr/bin/env bash
# TMB benchmark: make the data if missing, then time every contender on it.
#
#   benchmarks/run_tmb_bench.sh            # 10k and 100k
#   benchmarks/run_tmb_bench.sh 10k 100k 1m
#   RUNS=3 NICE=10 benchmarks/run_tmb_bench.sh 1m
#
# Needs (Debian): apt-get update && apt-get install -y hyperfine bcftools tabix time
# pyTMB 1.6.0 goes into its own venv (benchmarks/.venv-pytmb) so it never touches ours.
# Data and raw timings stay in benchmarks/data/ and benchmarks/results/raw/ (git-ignored);
# the summaries land in benchmarks/results/tmb_<size>.{md,json}.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PY="$REPO/.venv/bin/python"
SEED="${SEED:-1}"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10k 100k)

for tool in hyperfine bcftools bgzip tabix /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y hyperfine bcftools tabix time" >&2; exit 2; }
done
if [ ! -x "$HERE/.venv-pytmb/bin/pyTMB" ]; then
  python3 -m venv "$HERE/.venv-pytmb"
  "$HERE/.venv-pytmb/bin/pip" install -q "pytmb-curie==1.6.0"
fi

mkdir -p "$HERE/data"
for size in "${SIZES[@]}"; do
  case "$size" in
    10k) n=10000; runs=${RUNS:-10}; warm=1 ;;
    100k) n=100000; runs=${RUNS:-5}; warm=1 ;;
    1m) n=1000000; runs=${RUNS:-3}; warm=0 ;;
    *) echo "size must be 10k, 100k or 1m" >&2; exit 2 ;;
  esac
  vcf="$HERE/data/m2vep_${size}.vcf.gz"
  if [ ! -s "$vcf.tbi" ] || [ ! -s "$HERE/data/exome.bed" ]; then
    "$PY" "$HERE/make_vcf.py" -n "$n" --seed "$SEED" --out "$vcf" --bed "$HERE/data/exome.bed" \
      > "$HERE/data/m2vep_${size}.stats.tsv"
  fi
  extra=()
  [ "$size" != 10k ] && extra+=(--no-startup)
  "$PY" "$HERE/run_tmb_bench.py" --vcf "$vcf" --bed "$HERE/data/exome.bed" --label "$size" \
    --runs "$runs" --warmup "$warm" --nice "${NICE:-0}" "${extra[@]}"
done
