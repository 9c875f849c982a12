#!/usr/bin/env bash
# Issue 5's benchmark: every scenario beside its peer, measured in the same run on the same machine,
# printed as ONE markdown table of medians and ratios (launcher / peer) against the issue's targets.
# Not part of the test suite: it takes several minutes and its figures depend on the machine.
#
#   bash test-apps/bench/run.sh            # RUNS=5 for the light rows, 3 for the heavy ones
#   RUNS=1 bash test-apps/bench/run.sh     # RUNS sets the runs of every row
#
# Progress and hyperfine's own output go to stderr; the table goes to stdout. A scenario that cannot
# run (missing tool, failure) says why in its row and the others still run. Works on a fresh Debian 12
# as root: what is missing (hyperfine, skopeo, tini, python3, curl) comes from apt-get, the JDK and the
# rest from .ci/setup. The deploy-cycle row needs the images of docker/build-images.sh (built if absent).
# ONLY="warm_start memory ..." runs only the scenarios of those function names (for trying one out).
# PEER_SCRIPT overrides where the cold-pull peer (peer-skopeo-tar.sh) is looked for.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
source .ci/setup

for p in hyperfine skopeo tini python3 curl; do
  command -v "$p" >/dev/null && continue
  if [[ $(id -u) -eq 0 ]]; then
    echo "bench: installing $p" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" < /dev/null >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" < /dev/null >&2; } || true
  fi
done
command -v hyperfine >/dev/null && command -v python3 >/dev/null ||
  { echo "bench: hyperfine and python3 are needed (apt-get install hyperfine python3)" >&2; exit 1; }

source test-apps/lib/registry.sh
build_launcher
launcher=$repo/$launcher
dist=$repo/agent/target/launcher
export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/docker/podman-containers.conf}

light=${RUNS:-5}   # warm start, memory
heavy=${RUNS:-3}   # cold pulls, 8 at once, deploy cycle

work=$(mktemp -d)
tag=bench$$        # names of the containers, volume and images this run makes, so cleanup takes only those
cleanup() {
  set +e
  if command -v podman >/dev/null; then
    podman rm -f -v "$tag-launcher" "$tag-image" >/dev/null 2>&1
    podman volume rm -f "$tag-cache" >/dev/null 2>&1
    podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "/$tag/" | xargs -r podman rmi -f >/dev/null 2>&1
    if [[ -d $work/clean ]]; then
      podman --root "$work/clean/root" --runroot "$work/clean/run" rm -af >/dev/null 2>&1
      podman --root "$work/clean/root" --runroot "$work/clean/run" system reset -f >/dev/null 2>&1
    fi
  fi
  stop_registry
  rm -rf "$work"
}
trap cleanup EXIT
start_registry
# What pushes record about their directories stays in this run's work dir, not in the home directory.
export LAUNCHER_PUSH_RECORDS=$work/push-records
log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------------------------------------------
# Table plumbing: each scenario appends rows to $work/rows; the table is printed once at the end.

# row SCENARIO LAUNCHER_MEDIAN PEER PEER_MEDIAN RATIO TARGET MET
row() { local IFS='|'; echo "$*" >> "$work/rows"; }
note() { echo "$*" >> "$work/notes"; }
not_measured() { row "$1" "not measured: $2" "" "" "" "$3" "-"; }

# Runs one scenario function in a subshell of its own, so that `set -e` stops that scenario only: a
# failure becomes a "not measured" row and the next scenario runs. (`fn || ...` would switch -e off.)
# scenario NAME TARGET FUNCTION [ARGS...]
scenario() {
  local name=$1 target=$2; shift 2
  [[ -z ${ONLY:-} || " $ONLY " == *" $1 "* ]] || return 0
  log "--- $name"
  ( "$@" ) &
  if ! wait $!; then not_measured "$name" "$1 failed (its output is above)" "$target"; fi
}

# Medians of a hyperfine --export-json file, in seconds, one per command in order.
medians() { python3 -c 'import json,sys; print(" ".join("%.6f" % r["median"] for r in json.load(open(sys.argv[1]))["results"]))' "$1"; }
# Seconds as "0.412 s" / "12.3 s"; "ratio A B" as "0.83x"; "le A B" succeeds when A <= B.
secs() { python3 -c 'import sys; v=float(sys.argv[1]); print("%.3f s" % v if v < 10 else "%.1f s" % v)' "$1"; }
ratio() { python3 -c 'import sys; print("%.2fx" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
le() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$1" "$2"; }
yesno() { if "$@"; then echo yes; else echo no; fi; }

# hyperfine with the common options; its JSON lands in $work/$1.json.
bench() {
  local name=$1; shift
  hyperfine --style basic --export-json "$work/$name.json" "$@" >&2
}

# The launcher's "stage NAME N ms" log lines of one run, as "resolve 12, fetch 3400, ..." (ms).
stages() { grep -o 'stage [a-z]* [0-9]* ms' "$1" | awk '{printf "%s%s %s", (NR>1 ? ", " : ""), $2, $3} END {print " ms"}'; }

# ---------------------------------------------------------------------------------------------------
# Artifacts shared by several scenarios.

# A small app for the warm start and memory rows.
hello_ref=$($launcher push --insecure "$registry" "$registry/$tag/hello:1" test-apps/hello 2>/dev/null)

# Each scenario runs in a subshell, so these are made by the first scenario that needs them and
# remembered by a marker file in $work.
# 200 MB of random bytes: gzip cannot shrink them, so the layer is ~200 MB on the wire and on disk.
make_big() {
  [[ -f $work/big.pushed ]] && return
  log "pushing the 200 MB random layer"
  mkdir -p "$work/big"
  head -c 200M /dev/urandom > "$work/big/random.bin"
  $launcher push --insecure "$registry" "$registry/$tag/big:1" "$work/big" > /dev/null 2>&1
  rm -rf "$work/big"   # the registry holds it now
  touch "$work/big.pushed"
}

# The node app as the developer loop pushes it: node_modules and the app's own files as two layers.
make_node() {
  [[ -f $work/node.pushed ]] && return
  [[ -d test-apps/node-http/node_modules ]] || bash test-apps/node-http/prepare.sh >&2
  mkdir -p "$work/node/deps" "$work/node/app"
  cp -a test-apps/node-http/node_modules "$work/node/deps/"
  cp test-apps/node-http/{server.js,package.json,version.txt} "$work/node/app/"
  $launcher push --insecure "$registry" "$registry/$tag/node-http:1" "$work/node/deps" "$work/node/app" > /dev/null 2>&1
  touch "$work/node.pushed"
}

# ---------------------------------------------------------------------------------------------------
# Warm start: cache filled, digest-pinned reference (no registry call), RUNARGS=true, so the run ends
# when the child has run. Each run assembles a fresh app dir from the cache, as a new container does.
# Peer: the cheapest possible Java program on the very same jlink'd runtime.
warm_start() {
  mkdir -p "$work/hello-java"
  printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello-java/Hello.java"
  "$JAVA_HOME/bin/javac" -d "$work/hello-java" "$work/hello-java/Hello.java"
  local env="LAUNCHER_CACHE=$work/warm-cache LAUNCHER_APP_DIR=$work/warm-app RUNARGS=true"
  env ARTIFACT="$hello_ref" LAUNCHER_INSECURE="$registry" $env "$launcher" 2>/dev/null   # fill the cache
  bench warm --runs "$light" --warmup 1 \
    --prepare "rm -rf $work/warm-app" --prepare true \
    -n launcher "env ARTIFACT=$hello_ref $env $launcher" \
    -n hello "$dist/runtime/bin/java -cp $work/hello-java Hello"
  env ARTIFACT="$hello_ref" $env "$launcher" 2> "$work/warm.err"; rm -rf "$work/warm-app"
  note "warm start, launcher stages of one run: $(stages "$work/warm.err")"
  local m; read -r -a m <<< "$(medians "$work/warm.json")"
  row "warm start (cached, pinned digest, RUNARGS=true)" "$(secs "${m[0]}")" "hello-world main, same runtime" \
    "$(secs "${m[1]}")" "$(ratio "${m[0]}" "${m[1]}")" "<= 1.2x" "$(yesno le "${m[0]}" "$(python3 -c "print(${m[1]}*1.2)")")"
}

# One cold pull of $tag/REPO:1 beside the peer, each run from an empty cache and app dir (hyperfine JSON in
# $work/NAME.json), then one more run whose stage lines become a note.   cold_pull NAME REPO PEER LABEL
cold_pull() {
  local name=$1 repo=$2 peer=$3 label=$4
  local env="ARTIFACT=$registry/$tag/$repo:1 LAUNCHER_INSECURE=$registry LAUNCHER_CACHE=$work/cold-cache LAUNCHER_APP_DIR=$work/cold-app RUNARGS=true"
  bench "$name" --runs "$heavy" \
    --prepare "rm -rf $work/cold-cache $work/cold-app" --prepare true \
    -n launcher "env $env $launcher" \
    -n peer "$peer $registry/$tag/$repo:1"
  rm -rf "$work/cold-cache" "$work/cold-app"
  env $env "$launcher" 2> "$work/$name.err"; rm -rf "$work/cold-cache" "$work/cold-app"
  note "$label, launcher stages of one run: $(stages "$work/$name.err")"
}

# Cold start of one 200 MB incompressible tar+gzip layer: empty cache and app dir on every run.
# Peer: skopeo copy (digest checks) + tar -xzf. Second row: against the slowest single stage a pull
# cannot avoid (download, gunzip, sha256), each timed alone on the same blob.
cold_big() {
  local peer=$1
  make_big
  cold_pull cold-big big "$peer" "cold 200 MB"

  local digest blob_url
  digest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$registry/v2/$tag/big/manifests/1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
  blob_url="http://$registry/v2/$tag/big/blobs/$digest"
  curl -fsS -o "$work/big.tgz" "$blob_url"
  bench stages --runs "$heavy" --warmup 1 \
    -n download "curl -fsS -o /dev/null $blob_url" \
    -n gunzip "gunzip -c < $work/big.tgz > /dev/null" \
    -n sha256sum "sha256sum $work/big.tgz"
  rm -f "$work/big.tgz"

  local m s slowest=0 slowest_name= names=(download gunzip sha256sum) i detail=()
  read -r -a m <<< "$(medians "$work/cold-big.json")"
  read -r -a s <<< "$(medians "$work/stages.json")"
  for i in 0 1 2; do
    detail+=("${names[$i]} $(secs "${s[$i]}")")
    if le "$slowest" "${s[$i]}"; then slowest=${s[$i]}; slowest_name=${names[$i]}; fi
  done
  note "cold 200 MB, single stages alone on the same blob: ${detail[*]}"
  row "cold start, one 200 MB incompressible layer" "$(secs "${m[0]}")" "peer-skopeo-tar.sh" "$(secs "${m[1]}")" \
    "$(ratio "${m[0]}" "${m[1]}")" "<= 0.45x" "$(yesno le "${m[0]}" "$(python3 -c "print(${m[1]}*0.45)")")"
  row "cold start, 200 MB, vs slowest single stage" "$(secs "${m[0]}")" "$slowest_name alone (slowest stage)" "$(secs "$slowest")" \
    "$(ratio "${m[0]}" "$slowest")" "<= 1.5x" "$(yesno le "${m[0]}" "$(python3 -c "print($slowest*1.5)")")"
}

# Cold start of the node app: node_modules (2,866 small files) and the app files, two layers.
cold_node() {
  local peer=$1
  make_node
  cold_pull cold-node node-http "$peer" "cold node app"
  local m; read -r -a m <<< "$(medians "$work/cold-node.json")"
  row "cold start, node app (node_modules + app, 2 layers)" "$(secs "${m[0]}")" "peer-skopeo-tar.sh" "$(secs "${m[1]}")" \
    "$(ratio "${m[0]}" "${m[1]}")" "<= 0.8x" "$(yesno le "${m[0]}" "$(python3 -c "print(${m[1]}*0.8)")")"
}

# 8 launchers started together on one empty cache, the 200 MB artifact, each with its own app dir
# (8 containers on one node sharing the cache volume). Wall time against one launcher alone, and the
# registry log must show each blob fetched once per run however many launchers wanted it.
eight_at_once() {
  local mode=${1:-copy}
  make_big
  cat > "$work/eight-$mode.sh" <<EOF
#!/usr/bin/env bash
# 8 launchers at once on one cache; fails when any of them fails.
pids=()
for i in 1 2 3 4 5 6 7 8; do
  ARTIFACT=$registry/$tag/big:1 LAUNCHER_INSECURE=$registry LAUNCHER_CACHE=$work/shared-cache \\
    LAUNCHER_APP_DIR=$work/shared-app\$i LAUNCHER_ASSEMBLY=$mode RUNARGS=true $launcher 2>/dev/null &
  pids+=(\$!)
done
rc=0
for p in "\${pids[@]}"; do wait "\$p" || rc=1; done
exit \$rc
EOF
  local clean="rm -rf $work/shared-cache $work/shared-app*"
  bench alone-$mode --runs "$heavy" --prepare "$clean" \
    -n alone "env ARTIFACT=$registry/$tag/big:1 LAUNCHER_INSECURE=$registry LAUNCHER_CACHE=$work/shared-cache LAUNCHER_APP_DIR=$work/shared-app0 LAUNCHER_ASSEMBLY=$mode RUNARGS=true $launcher"
  # Only the 8-at-once runs are in the registry log from here on.
  local from; from=$(wc -l < "$work/registry.log")
  bench eight-$mode --runs "$heavy" --prepare "$clean" -n eight "bash $work/eight-$mode.sh"
  bash -c "$clean"
  # One line per layer blob: "digest-prefix GETs-per-run"; "fetched once" when every figure is 1.
  local per_blob once
  per_blob=$(tail -n +"$((from + 1))" "$work/registry.log" | grep -o "\"GET /v2/$tag/big/blobs/sha256:[0-9a-f]*" | sort | uniq -c |
    awk -v runs="$heavy" '{printf "%s%s %g", (NR>1 ? ", " : ""), substr($3, length($3) - 63, 12), $1 / runs} END {print ""}')
  once=$(awk -F', ' '{for (i = 1; i <= NF; i++) { split($i, f, " "); if (f[2] != 1) bad = 1 }} END {print (NF && !bad) ? "yes" : "no"}' <<< "$per_blob")
  note "8 at once ($mode mode), blob GETs per run (digest prefix, GETs): $per_blob"
  local a e
  a=$(medians "$work/alone-$mode.json"); e=$(medians "$work/eight-$mode.json")
  row "8 launchers at once, one empty cache, 200 MB artifact ($mode mode)" "$(secs "$e")" "one launcher alone" "$(secs "$a")" \
    "$(ratio "$e" "$a")" "<= 1.5x; each blob fetched once" \
    "wall: $(yesno le "$e" "$(python3 -c "print($a*1.5)")"); fetched once: $once"
}

# Resident memory while supervising `sleep 30`, the way test-apps/bench/rss.sh measures it: start,
# wait until the child is sleep, let it settle 2 s, read VmRSS of the launcher's pid.
# (All threads' children: the JVM may spawn the app from a thread other than its main one.)
sample_rss() {
  "$@" > /dev/null 2>&1 &
  local pid=$! child= found=
  for _ in $(seq 300); do
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
      [[ "$(cat "/proc/$child/comm" 2>/dev/null)" == sleep ]] && found=1
    done
    [[ -n $found ]] && break
    sleep 0.05
  done
  sleep 2
  local kb; kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  [[ -n $found && -n $kb ]] || { log "sample_rss: no sleep child seen under $1 ($*)"; return 1; }
  echo "$kb"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f MB", kb / 1024}'; }

memory() {
  local i cold=() cached=() tini_kb=()
  for i in $(seq "$light"); do
    rm -rf "$work/rss-cache" "$work/rss-app"
    cold+=("$(sample_rss env ARTIFACT="$registry/$tag/hello:1" LAUNCHER_INSECURE="$registry" LAUNCHER_CACHE="$work/rss-cache" \
      LAUNCHER_APP_DIR="$work/rss-app" RUNARGS='["sleep","30"]' "$launcher")")
    rm -rf "$work/rss-app"
    cached+=("$(sample_rss env ARTIFACT="$hello_ref" LAUNCHER_CACHE="$work/rss-cache" LAUNCHER_APP_DIR="$work/rss-app" \
      RUNARGS='["sleep","30"]' "$launcher")")
    tini_kb+=("$(sample_rss tini -s -- sleep 30)")
  done
  rm -rf "$work/rss-cache" "$work/rss-app"
  local c k t
  c=$(printf '%s\n' "${cold[@]}" | median); k=$(printf '%s\n' "${cached[@]}" | median); t=$(printf '%s\n' "${tini_kb[@]}" | median)
  row "RSS supervising sleep, after a cold pull" "$(mb "$c")" "tini -s" "$(mb "$t")" "$(ratio "$c" "$t")" "<= 32 MB" \
    "$(yesno le "$c" $((32 * 1024)))"
  row "RSS supervising sleep, from a cached digest" "$(mb "$k")" "tini -s" "$(mb "$t")" "$(ratio "$k" "$t")" "<= 32 MB" \
    "$(yesno le "$k" $((32 * 1024)))"
}

# exec mode: after the pull the launcher execve()s the app, so its pid must now be `sleep` (comm and
# /proc/PID/exe), with no JVM left anywhere in that process.
exec_mode() {
  rm -rf "$work/exec-app"
  env LAUNCHER_MODE=exec ARTIFACT="$hello_ref" LAUNCHER_CACHE="$work/exec-cache" LAUNCHER_APP_DIR="$work/exec-app" \
    LAUNCHER_INSECURE="$registry" RUNARGS='["sleep","30"]' "$launcher" > /dev/null 2>&1 &
  local pid=$! comm= exe= kb= maps=0
  for _ in $(seq 400); do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    [[ $comm == sleep ]] && break
    sleep 0.05
  done
  sleep 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  maps=$(grep -c 'libjvm' "/proc/$pid/maps" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -rf "$work/exec-cache" "$work/exec-app"
  local ok=no
  [[ $comm == sleep && $exe == */sleep && ${maps:-0} == 0 ]] && ok=yes
  row "exec mode: what the pid is after the pull" "comm=$comm exe=$exe libjvm maps=${maps:-0} RSS $(mb "$kb")" "-" "-" "-" \
    "no JVM left" "$ok"
}

# What the launcher adds to an image: its whole distribution (bin, lib, jlink'd runtime). The peer a
# start script would need instead: the oras CLI to pull and tini to supervise.
footprint() {
  local l tini_bin t oras_txt
  l=$(du -sk "$dist" | cut -f1)
  tini_bin=$(command -v tini-static || command -v tini || true)
  if [[ -n $tini_bin ]]; then t="$(basename "$tini_bin") $(mb "$(du -k "$tini_bin" | cut -f1)")"; else t="tini not installed"; fi
  if ! command -v oras >/dev/null && [[ $(id -u) -eq 0 ]] && apt-cache show oras >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q oras < /dev/null >&2 || true
  fi
  if command -v oras >/dev/null; then
    oras_txt="oras $(mb "$(du -k "$(command -v oras)" | cut -f1)")"
  else
    oras_txt="oras CLI not available here (no Debian 12 package)"
  fi
  row "launcher footprint added to an image" "$(mb "$l") (du of the distribution)" "oras CLI + tini" "$oras_txt; $t" \
    "-" "<= 60 MB" "$(yesno le "$l" $((60 * 1024)))"
}

# Assembly of the node app from a warm cache into a fresh app dir, in link mode against copy mode: the
# median of the launcher's own "stage assemble" line over the runs.
assemble_node() {
  make_node
  local env="ARTIFACT=$registry/$tag/node-http:1 LAUNCHER_INSECURE=$registry LAUNCHER_CACHE=$work/asm-cache RUNARGS=true"
  env $env LAUNCHER_APP_DIR="$work/asm-cache/apps/warm" "$launcher" 2>/dev/null   # fill the cache
  local mode i ms=()
  for mode in link copy; do
    env $env LAUNCHER_ASSEMBLY=$mode LAUNCHER_APP_DIR="$work/asm-cache/apps/$mode" "$launcher" 2>/dev/null  # links/ made once
    : > "$work/asm-$mode"
    for i in $(seq "$light"); do
      rm -rf "$work/asm-cache/apps/$mode"
      env $env LAUNCHER_ASSEMBLY=$mode LAUNCHER_APP_DIR="$work/asm-cache/apps/$mode" "$launcher" 2>&1 >/dev/null |
        grep -o 'stage assemble [0-9]*' | awk '{print $3}' >> "$work/asm-$mode"
    done
    ms+=("$(sort -n "$work/asm-$mode" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] / 1000}')")
  done
  row "node app assembly, warm cache, fresh app dir (LAUNCHER_ASSEMBLY=link)" "$(secs "${ms[0]}")" "the same in copy mode" \
    "$(secs "${ms[1]}")" "$(ratio "${ms[0]}" "${ms[1]}")" "<= 150 ms" "$(yesno le "${ms[0]}" 0.15)"
}

# Push of the node app after a one-file change (each run writes a new version.txt first), JVM start
# included, against the same push packing everything (LAUNCHER_PUSH_RECORDS=off).
push_one_change() {
  make_node
  sleep 2.1   # node_modules was just copied: a tree changed within 2 s is never recorded as unchanged
  "$launcher" push --insecure "$registry" "$registry/$tag/node-http:push" "$work/node/deps" "$work/node/app" > /dev/null 2>&1
  local change="sh -c 'date +%s%N > $work/node/app/version.txt'"
  local cmd="$launcher push --insecure $registry $registry/$tag/node-http:push $work/node/deps $work/node/app"
  bench push --runs "$light" --warmup 1 --prepare "$change" --prepare "$change" \
    -n launcher "$cmd" -n full "env LAUNCHER_PUSH_RECORDS=off $cmd"
  local m; read -r -a m <<< "$(medians "$work/push.json")"
  row "push of the node app after a one-file change" "$(secs "${m[0]}")" "the same push packing everything" \
    "$(secs "${m[1]}")" "$(ratio "${m[0]}" "${m[1]}")" "<= 0.6 s" "$(yesno le "${m[0]}" 0.6)"
}

# Deploy cycle: change one file of the node app until the new version answers HTTP.
# Launcher: push (two layers, only the app's is new), start a runtime-node container on a cache volume
# that holds the previous version, curl until the new version answers.
# Peer: podman build of an image with node_modules and the app baked in (two COPY layers, so the
# build cache keeps node_modules), podman push, pull on clean storage (its own --root, emptied before
# each run: a node that has never seen the image), run, curl until it answers.
deploy_cycle() {
  command -v podman >/dev/null || { not_measured "deploy cycle" "podman not installed" "<= 0.1x"; return; }
  if ! podman image exists localhost/runtime-node || ! podman image exists localhost/runtime-base-node; then
    log "building the runtime images (docker/build-images.sh)"
    bash docker/build-images.sh >&2
  fi
  local port_l port_p
  make_node
  port_l=$(free_port 18080); port_p=$(free_port $((port_l + 1)))
  echo 1 > "$work/version"
  podman volume create "$tag-cache" > /dev/null

  local clean_podman="podman --root $work/clean/root --runroot $work/clean/run"
  mkdir -p "$work/image"
  cp -a test-apps/node-http/node_modules "$work/image/"
  cp test-apps/node-http/{server.js,package.json,version.txt} "$work/image/"
  printf '%s\n' 'FROM localhost/runtime-base-node' 'WORKDIR /app' 'COPY node_modules /app/node_modules' \
    'COPY server.js package.json version.txt /app/' 'CMD ["node", "server.js"]' > "$work/image/Containerfile"

  # The two cycles as scripts for hyperfine. Both bump a version counter they share (each run deploys
  # a new version), time their steps into $work/*.steps (one line per run), and leave their container
  # running: the next run's --prepare removes it. What they need comes from deploy.env.
  declare -p work launcher registry tag port_l port_p clean_podman > "$work/deploy.env"
  cat > "$work/deploy-common.sh" <<'EOF'
set -euo pipefail
source "$(dirname "$0")/deploy.env"
v=$(($(cat "$work/version") + 1)); echo "$v" > "$work/version"
t=$EPOCHREALTIME steps=
step() { local now=$EPOCHREALTIME; steps+="$1 $(( (${now/./} - ${t/./}) / 1000 )) ms, "; t=$now; }
answer() {   # until 127.0.0.1:$1 answers with version $v
  for _ in $(seq 2400); do
    curl -fs "127.0.0.1:$1/" 2>/dev/null | grep -q "^node-http $v.0.0 " && return 0
    sleep 0.05
  done
  echo "deploy: version $v did not answer on port $1" >&2; return 1
}
EOF
  cat > "$work/deploy-launcher.sh" <<'EOF'
source "$(dirname "$0")/deploy-common.sh"
echo "$v.0.0" > "$work/node/app/version.txt"
"$launcher" push --insecure "$registry" "$registry/$tag/node-http:$v" "$work/node/deps" "$work/node/app" > /dev/null 2>&1
step push
podman run -d --name "$tag-launcher" --network host -v "$tag-cache:/var/cache/launcher" \
  -e ARTIFACT="$registry/$tag/node-http:$v" -e RUNARGS='node server.js' -e PORT="$port_l" \
  -e LAUNCHER_INSECURE="$registry" localhost/runtime-node > /dev/null
step "podman run"
answer "$port_l"
step "until it answers"
echo "$steps" >> "$work/deploy-launcher.steps"
EOF
  cat > "$work/deploy-image.sh" <<'EOF'
source "$(dirname "$0")/deploy-common.sh"
echo "$v.0.0" > "$work/image/version.txt"
podman build -q -t "$registry/$tag/node-image:$v" "$work/image" > /dev/null
step build
podman push -q --tls-verify=false "$registry/$tag/node-image:$v"
step push
$clean_podman pull -q --tls-verify=false "$registry/$tag/node-image:$v" > /dev/null
step "pull on clean storage"
$clean_podman run -d --name "$tag-image" --network host -e PORT="$port_p" "$registry/$tag/node-image:$v" > /dev/null
step "podman run"
answer "$port_p"
step "until it answers"
echo "$steps" >> "$work/deploy-image.steps"
EOF
  # The same in link mode, the app dir a directory of the cache volume (hard links cannot cross mounts).
  sed -e "s|-e LAUNCHER_INSECURE=|-e LAUNCHER_ASSEMBLY=link -e LAUNCHER_APP_DIR=/var/cache/launcher/apps/deploy -e LAUNCHER_INSECURE=|" \
    -e "s|\$tag-launcher|\$tag-linked|g; s|deploy-launcher.steps|deploy-linked.steps|" \
    "$work/deploy-launcher.sh" > "$work/deploy-linked.sh"
  # Between runs: stop the previous container (its log kept for the stage lines); for the peer also
  # empty its clean storage.
  local prep_l="! podman container exists $tag-launcher || podman logs $tag-launcher > $work/deploy-launcher.log 2>&1; podman rm -f -v $tag-launcher > /dev/null 2>&1 || true"
  prep_l+="; ! podman container exists $tag-linked || podman logs $tag-linked > $work/deploy-linked.log 2>&1; podman rm -f -v $tag-linked > /dev/null 2>&1 || true"
  local prep_p="$clean_podman rm -af > /dev/null 2>&1 || true; $clean_podman system reset -f > /dev/null 2>&1 || true; rm -rf $work/clean"

  # Seeds, untimed: the cache volume gets version 1 (the "previous version"); the registry gets the
  # base image's layers once, as it would have them from the previous release.
  log "deploy cycle: seeding version 1 (cache volume, base layers in the registry)"
  bash "$work/deploy-launcher.sh"; bash -c "$prep_l"; bash "$work/deploy-linked.sh"; bash -c "$prep_l"
  bash "$work/deploy-image.sh"; bash -c "$prep_p"

  bench deploy --runs "$heavy" --prepare "$prep_l" --prepare "$prep_l" --prepare "$prep_p" --cleanup "$prep_l; $prep_p" \
    -n launcher "bash $work/deploy-launcher.sh" \
    -n linked "bash $work/deploy-linked.sh" \
    -n image "bash $work/deploy-image.sh"
  local m; read -r -a m <<< "$(medians "$work/deploy.json")"
  row "deploy cycle: one file changed until the new version answers" "$(secs "${m[0]}")" \
    "podman build + push + pull on clean storage + run" "$(secs "${m[2]}")" \
    "$(ratio "${m[0]}" "${m[2]}")" "<= 0.1x" "$(yesno le "${m[0]}" "$(python3 -c "print(${m[2]}*0.1)")")"
  row "deploy cycle, link mode (app dir on the cache volume)" "$(secs "${m[1]}")" \
    "podman build + push + pull on clean storage + run" "$(secs "${m[2]}")" \
    "$(ratio "${m[1]}" "${m[2]}")" "<= 0.1x" "$(yesno le "${m[1]}" "$(python3 -c "print(${m[2]}*0.1)")")"
  note "deploy cycle, launcher steps of the last run: $(tail -n 1 "$work/deploy-launcher.steps" | sed 's/, $//')"
  note "deploy cycle, launcher stages in that container: $(stages "$work/deploy-launcher.log")"
  note "deploy cycle in link mode, launcher steps of the last run: $(tail -n 1 "$work/deploy-linked.steps" | sed 's/, $//')"
  note "deploy cycle in link mode, launcher stages in that container: $(stages "$work/deploy-linked.log")"
  note "deploy cycle, peer steps of the last run: $(tail -n 1 "$work/deploy-image.steps" | sed 's/, $//')"
}

# A free TCP port on loopback from $1 up.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# ---------------------------------------------------------------------------------------------------
# The cold-pull peer lives beside the repository on CI machines (../shared/bench). In a git worktree
# the repository root is the main worktree's, so look beside that one too.
peer=${PEER_SCRIPT:-$repo/../shared/bench/peer-skopeo-tar.sh}
if [[ ! -f $peer && -z ${PEER_SCRIPT:-} ]]; then
  main_root=$(cd "$(git rev-parse --git-common-dir 2>/dev/null || echo .)/.." 2>/dev/null && pwd)
  [[ -f $main_root/../shared/bench/peer-skopeo-tar.sh ]] && peer=$main_root/../shared/bench/peer-skopeo-tar.sh
fi
peer_missing=
if [[ ! -f $peer ]]; then
  peer_missing="peer script missing: expected ../shared/bench/peer-skopeo-tar.sh beside the repository (or set PEER_SCRIPT)"
  log "$peer_missing"
elif ! command -v skopeo >/dev/null; then
  peer_missing="skopeo not installed (the peer needs it)"
fi

scenario "warm start" "<= 1.2x" warm_start
if [[ -n $peer_missing ]]; then
  not_measured "cold start, one 200 MB incompressible layer" "$peer_missing" "<= 0.45x"
  not_measured "cold start, node app" "$peer_missing" "<= 0.8x"
else
  scenario "cold start, one 200 MB incompressible layer" "<= 0.45x; <= 1.5x slowest stage" cold_big "$peer"
  scenario "cold start, node app" "<= 0.8x" cold_node "$peer"
fi
scenario "8 launchers at once" "<= 1.5x; each blob fetched once" eight_at_once copy
scenario "8 launchers at once, link mode" "<= 1.5x; each blob fetched once" eight_at_once link
if command -v tini >/dev/null; then
  scenario "RSS supervising" "<= 32 MB" memory
else
  not_measured "RSS supervising" "tini not installed" "<= 32 MB"
fi
scenario "exec mode" "no JVM left" exec_mode
scenario "footprint" "<= 60 MB" footprint
scenario "node app assembly" "<= 150 ms" assemble_node
scenario "push after a one-file change" "<= 0.6 s" push_one_change
scenario "deploy cycle" "<= 0.1x" deploy_cycle

# ---------------------------------------------------------------------------------------------------
mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
echo
echo "Issue 5 benchmarks: median of $light runs (light rows) / $heavy (heavy rows); ratio = launcher / peer."
echo "Machine: $(nproc) cores, $mem RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")."
echo
echo "| scenario | launcher median | peer | peer median | ratio | target | met? |"
echo "|---|---|---|---|---|---|---|"
while IFS='|' read -r -a c; do
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${c[0]}" "${c[1]:-}" "${c[2]:-}" "${c[3]:-}" "${c[4]:-}" "${c[5]:-}" "${c[6]:-}"
done < "$work/rows"
if [[ -f $work/notes ]]; then
  echo
  sed 's/^/- /' "$work/notes"
fi
