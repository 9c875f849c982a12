#!/bin/sh
# Tests signal forwarding: traps every signal the launcher forwards (TERM INT HUP QUIT USR1 USR2 WINCH
# CONT TTIN TTOU TRAP ABRT PIPE ALRM STKFLT TSTP URG XCPU XFSZ VTALRM PROF IO PWR SYS, and the real-time
# 34, 40 and 64) and appends the signal's name to $SIGNALS_FILE once per delivery, so a test sees each
# signal arrive exactly once. Prints "ready" once the traps are set. Exits 0 when $STOP_FILE exists,
# 3 after 60 s. Sleeps in short steps: dash runs a trap only after the foreground command ends.
: "${SIGNALS_FILE:?set SIGNALS_FILE to the file that collects the signal names}"
for sig in TERM INT HUP QUIT USR1 USR2 WINCH CONT TTIN TTOU TRAP ABRT PIPE ALRM TSTP URG XCPU XFSZ VTALRM \
    PROF IO PWR SYS; do
  trap "echo $sig >> \"\$SIGNALS_FILE\"" "$sig"
done
trap 'echo STKFLT >> "$SIGNALS_FILE"' 16 # dash knows these by number only
trap 'echo RTMIN >> "$SIGNALS_FILE"' 34
trap 'echo RTMIN+6 >> "$SIGNALS_FILE"' 40
trap 'echo RTMAX >> "$SIGNALS_FILE"' 64
echo ready
i=0
while [ "$i" -lt 1200 ]; do
  if [ -n "$STOP_FILE" ] && [ -e "$STOP_FILE" ]; then
    exit 0
  fi
  sleep 0.05
  i=$((i + 1))
done
exit 3
