#!/bin/sh
# Tests what the launcher does with the rest of the app's process group when the app exits: leaves behind a
# worker in its group that stops on SIGTERM (creating $DONE_DIR/got-term first) and would otherwise run
# for 60 s, then exits with code $1 (default 3). The launcher must send the worker TERM at once and pass on
# the app's code without waiting out its grace.
: "${DONE_DIR:?set DONE_DIR to the directory where the worker notes the TERM}"
sh -c 'trap ": > \"$DONE_DIR/got-term\"; exit 0" TERM
       : > "$DONE_DIR/.trapped"
       i=0
       while [ "$i" -lt 600 ]; do
         sleep 0.1
         i=$((i + 1))
       done' </dev/null &
# Only once the worker has its trap: a TERM that came before would end it at once.
while [ ! -e "$DONE_DIR/.trapped" ]; do sleep 0.01; done
echo ready
exit "${1:-3}"
