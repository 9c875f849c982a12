#!/bin/sh
# Tests the drain of the child's process group: starts COUNT background workers (default 2) in its own
# process group (no job control, so they stay in it) and exits 0 at once. Each worker works SECONDS
# (default 1), keeps working through SIGTERM ("draining"), then creates $DONE_DIR/worker-<n>; a worker
# killed before the end leaves no file. With a grace longer than SECONDS the launcher must wait for
# them; with a shorter one it must kill them when the grace ends.
: "${DONE_DIR:?set DONE_DIR to the directory where finished workers leave a file}"
seconds=${1:-1}
count=${2:-2}
n=1
while [ "$n" -le "$count" ]; do
  sh -c 'trap "echo draining >&2" TERM
         : > "$DONE_DIR/.trapped-$2"
         steps=$(($1 * 10))
         i=0
         while [ "$i" -lt "$steps" ]; do
           sleep 0.1
           i=$((i + 1))
         done
         : > "$DONE_DIR/worker-$2"' worker "$seconds" "$n" </dev/null &
  n=$((n + 1))
done
# Only once every worker has its trap: a TERM that came before would end it at once.
n=1
while [ "$n" -le "$count" ]; do
  while [ ! -e "$DONE_DIR/.trapped-$n" ]; do sleep 0.01; done
  n=$((n + 1))
done
echo ready
exit 0
