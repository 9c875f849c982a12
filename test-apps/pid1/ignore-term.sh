#!/bin/sh
# Tests the grace period: ignores SIGTERM (and its children inherit that), so only the launcher's
# SIGKILL after LAUNCHER_GRACE seconds ends it. Prints "ready" once TERM is ignored; gives up with
# exit 3 after 60 s.
trap '' TERM
echo ready
i=0
while [ "$i" -lt 600 ]; do
  sleep 0.1
  i=$((i + 1))
done
exit 3
