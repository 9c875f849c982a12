#!/usr/bin/env bash
# The built-in demo: build the launcher, start a throwaway registry on loopback, push test-apps/hello as
# an OCI artifact with `launcher push`, then run it through the launcher twice (cold, then from the cache
# with the registry stopped). Everything lives in a temp dir that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/setup

launcher=agent/target/launcher/bin/launcher
if [[ ! -x $launcher || -n "$(find agent/src agent/pom.xml pom.xml -newer "$launcher" -print -quit)" ]]; then
  echo "demo: building the launcher (mvn package)" >&2
  mvn -q -B package -DskipTests >&2
fi

work=$(mktemp -d)
registry_pid=
cleanup() {
  [[ -n $registry_pid ]] && kill "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=5055
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
cat > "$work/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
registry=127.0.0.1:$port
echo "demo: registry on $registry" >&2

echo "demo: \$ launcher push --insecure $registry $registry/demo/hello:1 test-apps/hello" >&2
pinned=$($launcher push --insecure "$registry" "$registry/demo/hello:1" test-apps/hello)
echo "demo: pushed $pinned" >&2

export LAUNCHER_CACHE=$work/cache LAUNCHER_INSECURE=$registry RUNARGS=./hello.sh
echo "demo: \$ ARTIFACT=$registry/demo/hello:1 RUNARGS=./hello.sh launcher" >&2
ARTIFACT=$registry/demo/hello:1 LAUNCHER_APP_DIR=$work/app1 $launcher

kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; registry_pid=
echo "demo: registry stopped; the pinned digest starts from the cache alone" >&2
echo "demo: \$ ARTIFACT=$pinned RUNARGS=./hello.sh launcher" >&2
ARTIFACT=$pinned LAUNCHER_APP_DIR=$work/app2 GREETING="started with no registry at all" $launcher
