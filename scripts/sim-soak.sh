#!/usr/bin/env bash
# Runs the simulator suite over many fresh random seeds (SIM_SEED unset, CI unset) and stops at the
# first failure, whose seed the failing test prints ("replay with SIM_SEED=...").
# Usage: scripts/sim-soak.sh [runs]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
for i in $(seq 1 "$runs"); do
  echo "sim soak: run $i of $runs"
  env -u SIM_SEED -u CI npx vitest run spec-tests/sim
done
echo "sim soak: $runs passed, 0 failed"
