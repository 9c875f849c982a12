#!/usr/bin/env bash
# Benchmark: resident memory (VmRSS) and threads of the launcher while it supervises an app, in the
# three ways it gets there (cold pull, cached digest, app dir assembled earlier), beside tini doing
# the same job. Prints one table; RUNS runs per row (default 3), median shown.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/setup
source test-apps/lib/registry.sh
command -v tini >/dev/null || { [[ $(id -u) -eq 0 ]] && apt-get install -y -q tini >/dev/null 2>&1; } || true
build_launcher
runs=${RUNS:-3}

work=$(mktemp -d)
trap 'stop_registry; rm -rf "$work"' EXIT
start_registry
pinned=$($launcher push --insecure "$registry" "$registry/bench/hello:1" test-apps/hello 2>/dev/null)

# Starts "$@" supervising `sleep 30`, waits until its child runs plus a settle time, prints
# "rss_kb private_kb threads" (private: Private_Clean + Private_Dirty of /proc/PID/smaps_rollup).
sample() {
  "$@" > /dev/null 2>&1 &
  local pid=$! child=
  for _ in $(seq 200); do
    child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | tr -d ' ')
    [[ -n $child ]] && [[ "$(cat "/proc/$child/comm" 2>/dev/null)" == sleep ]] && break
    sleep 0.05
  done
  sleep 2
  echo "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status") $(awk '/^Private_/ {s += $2} END {print s}' "/proc/$pid/smaps_rollup")" \
    "$(awk '/Threads/ {print $2}' "/proc/$pid/status")"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

row() {
  local name=$1; shift
  local rss=() private=() threads=
  for i in $(seq "$runs"); do
    read -r kb pk th < <("$@" "$i")
    rss+=("$kb"); private+=("$pk"); threads=$th
  done
  printf '%-44s %8s KB %8s KB %8s\n' "$name" "$(printf '%s\n' "${rss[@]}" | median)" \
    "$(printf '%s\n' "${private[@]}" | median)" "$threads"
}

cold() { rm -rf "$work/c$1"; sample env ARTIFACT="$registry/bench/hello:1" LAUNCHER_INSECURE="$registry" LAUNCHER_CACHE="$work/c$1" LAUNCHER_APP_DIR="$work/a$1" RUNARGS='["sleep","30"]' "$launcher"; }
cached() { sample env ARTIFACT="$pinned" LAUNCHER_CACHE="$work/c$1" LAUNCHER_APP_DIR="$work/b$1" RUNARGS='["sleep","30"]' "$launcher"; }
assembled() { sample env LAUNCHER_CACHE="$work/c$1" LAUNCHER_APP_DIR="$work/a$1" RUNARGS='["sleep","30"]' "$launcher"; }
tini_row() { sample tini -s -- sleep 30; }

echo "launcher resident memory while supervising \`sleep 30\` (median of $runs; $(nproc) cores, $(uname -r))"
printf '%-44s %11s %11s %8s\n' "scenario" "VmRSS" "private" "threads"
row "launcher, after a cold pull" cold
row "launcher, from a cached digest (no registry)" cached
row "launcher, app dir assembled earlier" assembled
if command -v tini >/dev/null; then row "tini (peer)" tini_row; else echo "tini not installed: peer row skipped"; fi
