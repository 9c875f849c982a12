#!/usr/bin/env bash
# The built-in demo: build the launcher, start a throwaway registry on loopback, push test-apps/hello as
# an OCI artifact with `launcher push`, then run it through the launcher twice (cold, then from the cache
# with the registry stopped). Everything lives in a temp dir that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/setup

source test-apps/lib/registry.sh
build_launcher

work=$(mktemp -d)
trap 'stop_registry; rm -rf "$work"' EXIT
start_registry
echo "demo: registry on $registry" >&2

echo "demo: \$ launcher push --insecure $registry $registry/demo/hello:1 test-apps/hello" >&2
pinned=$($launcher push --insecure "$registry" "$registry/demo/hello:1" test-apps/hello)
echo "demo: pushed $pinned" >&2

export LAUNCHER_CACHE=$work/cache LAUNCHER_INSECURE=$registry RUNARGS=./hello.sh
echo "demo: \$ ARTIFACT=$registry/demo/hello:1 RUNARGS=./hello.sh launcher" >&2
ARTIFACT=$registry/demo/hello:1 LAUNCHER_APP_DIR=$work/app1 $launcher

stop_registry
echo "demo: registry stopped; the pinned digest starts from the cache alone" >&2
echo "demo: \$ ARTIFACT=$pinned RUNARGS=./hello.sh launcher" >&2
ARTIFACT=$pinned LAUNCHER_APP_DIR=$work/app2 GREETING="started with no registry at all" $launcher
