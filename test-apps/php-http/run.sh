#!/bin/sh
# Starts PHP's built-in server in place of this shell (exec), so the launcher's SIGTERM reaches
# php directly. Nothing is trapped: php dies by the signal, the launcher reports 128+15=143,
# and LAUNCHER_EXIT_REMAP=143=0 maps that to a clean exit if wanted.
cd "$(dirname "$0")"
exec php -S "0.0.0.0:${PORT:-8080}" -t public
