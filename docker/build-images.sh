#!/usr/bin/env bash
# Builds the launcher image and the runtime images (node, php, jvm) with podman on a machine that has no
# Docker engine and no Docker Hub: the Debian base is made locally with debootstrap, and each runtime's
# base is that Debian plus Debian's own interpreter package (nodejs, php-cli, openjdk-17-jre-headless),
# passed to runtimes/*/Dockerfile as BASE. Run as root from anywhere; needs podman, runc, debootstrap.
# Builds the distribution first when agent/target/launcher is missing (mvn package).
# Images: localhost/launcher, localhost/runtime-{node,php,jvm} (and localhost/runtime-base-* under them);
# all in the machine's podman storage, so they replace earlier builds of the same names.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# podman here: runc (crun refuses this kernel's cgroup setup) and rlimits the kernel accepts.
if [[ -z ${CONTAINERS_CONF:-} ]]; then
  cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF=$work/containers.conf
fi

# The Debian base: an existing one, else the lab's localhost/deb12-fresh, else debootstrap
# (DEBIAN_IMAGE names another tag; FRESH_DEBOOTSTRAP=1 skips the reuse of deb12-fresh).
debian=${DEBIAN_IMAGE:-docker.io/library/debian:bookworm-slim}
if ! podman image exists "$debian"; then
  if [[ -z ${FRESH_DEBOOTSTRAP:-} ]] && podman image exists localhost/deb12-fresh; then
    podman tag localhost/deb12-fresh "$debian"
  else
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    echo "build-images: debootstrap bookworm from ${mirror:-the default mirror} (about a minute)" >&2
    debootstrap --variant=minbase bookworm "$work/rootfs" ${mirror:+"$mirror"} >&2
    tar -C "$work/rootfs" -c . | podman import - "$debian"
    rm -rf "$work/rootfs"
  fi
fi

if [[ ! -x agent/target/launcher/bin/launcher ]]; then
  echo "build-images: building the launcher distribution (mvn package)" >&2
  mvn -q -B package -DskipTests >&2
fi
podman build --network host -f docker/Dockerfile -t localhost/launcher agent/target/launcher

declare -A packages=([node]=nodejs [php]=php-cli [jvm]=openjdk-17-jre-headless)
for runtime in node php jvm; do
  printf 'FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*\n' \
    "$debian" "${packages[$runtime]}" > "$work/Dockerfile.base-$runtime"
  podman build --network host -f "$work/Dockerfile.base-$runtime" -t "localhost/runtime-base-$runtime" "$work"
  podman build --network host --build-arg BASE="localhost/runtime-base-$runtime" \
    --build-arg LAUNCHER_IMAGE=localhost/launcher \
    -f "runtimes/$runtime/Dockerfile" -t "localhost/runtime-$runtime" "runtimes/$runtime"
done
podman images --filter reference='localhost/launcher' --filter reference='localhost/runtime-*'
