#!/usr/bin/env bash
# Builds the launcher image and the runtime images (node, php, jvm) on a machine without Docker Hub:
# the Debian base is made locally with debootstrap, and each runtime's base is that Debian plus
# Debian's own interpreter package (nodejs, php-cli, openjdk-17-jre-headless), passed to
# runtimes/*/Dockerfile as BASE. With Docker Hub, build runtimes/*/Dockerfile directly (docker/README.md).
#
# Engine: docker when its daemon answers, else podman (CONTAINER_ENGINE overrides). Run as root; needs
# debootstrap the first time. LAUNCHER_DIST names the distribution to put in the image (default
# agent/target/launcher, built with mvn package when missing).
# Images: localhost/launcher, localhost/runtime-{node,php,jvm} (over localhost/runtime-base-*).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${CONTAINER_ENGINE:-} ]]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then CONTAINER_ENGINE=docker; else CONTAINER_ENGINE=podman; fi
fi
engine=$CONTAINER_ENGINE
if [[ $engine == podman && -z ${CONTAINERS_CONF:-} ]]; then
  export CONTAINERS_CONF=$PWD/docker/podman-containers.conf
fi
image_exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The Debian base: an existing image of that name, else debootstrap (DEBIAN_IMAGE names another tag).
debian=${DEBIAN_IMAGE:-docker.io/library/debian:bookworm-slim}
if ! image_exists "$debian"; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "build-images: debootstrap bookworm from ${mirror:-the default mirror} (about a minute)" >&2
  debootstrap --variant=minbase bookworm "$work/rootfs" ${mirror:+"$mirror"} >&2
  tar -C "$work/rootfs" -c . | "$engine" import - "$debian" >&2
  rm -rf "$work/rootfs"
fi

dist=${LAUNCHER_DIST:-agent/target/launcher}
if [[ -n ${LAUNCHER_DIST:-} && ! -x $dist/bin/launcher ]]; then
  echo "build-images: LAUNCHER_DIST=$dist holds no bin/launcher (an absolute path, or one relative to the repository)" >&2
  exit 64
fi
if [[ ! -x $dist/bin/launcher ]]; then
  echo "build-images: building the launcher distribution (mvn package)" >&2
  mvn -q -B package -DskipTests >&2
fi
"$engine" build --network host -f docker/Dockerfile -t localhost/launcher "$dist"

declare -A packages=([node]=nodejs [php]=php-cli [jvm]=openjdk-17-jre-headless)
for runtime in node php jvm; do
  printf 'FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*\n' \
    "$debian" "${packages[$runtime]}" > "$work/Dockerfile.base-$runtime"
  # The interpreter layer changes only with this line: a cached build skips apt entirely.
  "$engine" build --network host -f "$work/Dockerfile.base-$runtime" -t "localhost/runtime-base-$runtime" "$work"
  "$engine" build --network host --build-arg BASE="localhost/runtime-base-$runtime" \
    --build-arg LAUNCHER_IMAGE=localhost/launcher \
    -f "runtimes/$runtime/Dockerfile" -t "localhost/runtime-$runtime" "runtimes/$runtime"
done
"$engine" images --filter reference='localhost/launcher' --filter reference='localhost/runtime-*'
