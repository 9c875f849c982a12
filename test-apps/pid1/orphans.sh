#!/bin/sh
# Tests zombie reaping: double-forks COUNT grandchildren (default 5) whose parent subshell exits at once,
# so they are re-parented to PID 1 (the launcher) and exit there a moment later. A PID 1 that does not
# reap leaves each of them a zombie. Before exiting, each grandchild appends "<its pid> <its parent pid>"
# to $ORPHANS_LOG (parent 1 proves it was PID 1's). Then the script stays until $RELEASE_FILE exists
# (at most LINGER seconds, default 1) and exits 0.
count=${1:-5}
linger=${2:-1}
i=0
while [ "$i" -lt "$count" ]; do
  (sh -c 'sleep 0.3
          read -r pid comm state ppid rest < /proc/$$/stat
          [ -n "$ORPHANS_LOG" ] && echo "$pid $ppid" >> "$ORPHANS_LOG"
          exit 0' </dev/null &)
  i=$((i + 1))
done
echo ready
steps=$((linger * 20))
i=0
while [ "$i" -lt "$steps" ]; do
  if [ -n "$RELEASE_FILE" ] && [ -e "$RELEASE_FILE" ]; then
    break
  fi
  sleep 0.05
  i=$((i + 1))
done
exit 0
