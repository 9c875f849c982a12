# Sourced by the demo and the benchmarks: a throwaway registry:2 (Debian's docker-registry) on a free
# loopback port, storage in $work (which the caller creates and removes). Sets $registry and
# $registry_pid; stop_registry ends it.
start_registry() {
  local port=5055
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
}

stop_registry() {
  if [[ -n ${registry_pid:-} ]]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=
  fi
}

# Builds the distribution when it is missing or older than the sources.
build_launcher() {
  launcher=agent/target/launcher/bin/launcher
  if [[ ! -x $launcher || -n "$(find agent/src agent/pom.xml pom.xml -newer "$launcher" -print -quit)" ]]; then
    echo "building the launcher (mvn package)" >&2
    mvn -q -B package -DskipTests >&2
  fi
}
