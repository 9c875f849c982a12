#!/bin/sh
# Tests the 128+N exit code of a child killed by a signal: sends itself the signal named by its first
# argument (TERM, KILL, SEGV, ...). No core file is written. If the signal does not kill it (an ignored
# disposition inherited from the launcher), it exits 99 so that the test sees it.
ulimit -c 0 2>/dev/null
kill -s "${1:?usage: die-by.sh SIGNAL}" $$
sleep 1
exit 99
