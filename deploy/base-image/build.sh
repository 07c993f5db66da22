#!/usr/bin/env bash
# Builds the local base image byzps-base:bookworm without a registry: a Debian bookworm root
# filesystem from debootstrap plus the host's Node.js (20 or newer) and npm, imported into the local
# Docker engine. It stands in for node:20-bookworm-slim (node, npm, apt-get, bash, ca-certificates)
# and, like it, keeps node and npm under /usr/local. Any Node.js build that needs no shared library
# beyond libc and libstdc++ works: NodeSource's nodejs package, the nodejs.org tarballs, nvm's.
# Usage: deploy/base-image/build.sh [--force]   (root; skips the build when the image exists)
set -euo pipefail

readonly IMAGE=byzps-base:bookworm
readonly MIRROR=http://deb.debian.org/debian
readonly SECURITY_MIRROR=http://deb.debian.org/debian-security
# Downloaded packages stay here, so a rebuild (--force) does not fetch them again.
readonly DEBOOTSTRAP_CACHE=/var/cache/byzps-base/debootstrap

force=false
case "${1:-}" in
  --force) force=true ;;
  "") ;;
  *) echo "build.sh: unknown argument '$1' (usage: build.sh [--force])" >&2; exit 2 ;;
esac

log() { echo "[base-image $(date +%H:%M:%S)] $*" >&2; }

if [ "$force" = false ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE exists; nothing to do (--force rebuilds it)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "build.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build.sh: debootstrap is not installed (deploy/engine/ensure-docker.sh installs it)" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
[[ "$node_major" =~ ^[0-9]+$ ]] && [ "$node_major" -ge 20 ] || { echo "build.sh: the host's Node.js must be version 20 or newer (found: $node_major)" >&2; exit 1; }
node_binary=$(readlink -f "$(command -v node)")
npm_directory=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_directory/bin/npm-cli.js" ] || { echo "build.sh: cannot find npm's own directory from $(command -v npm)" >&2; exit 1; }
# The root filesystem has libc and libstdc++ (with libgcc_s); a node linked against anything else
# (Debian's own nodejs package, with its libnode and libuv) would not start in it.
foreign_libraries=$(ldd "$node_binary" | awk '$1 ~ /\.so/ { name = $1; sub(".*/", "", name); print name }' \
  | grep -Ev '^(linux-vdso|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^ ]*)\.so' || true)
[ -z "$foreign_libraries" ] || { echo "build.sh: $node_binary needs $(echo $foreign_libraries), which the base image lacks; use a self-contained Node.js build (NodeSource's nodejs package or a nodejs.org tarball)" >&2; exit 1; }

workdir=$(mktemp -d /var/tmp/byzps-base.XXXXXX)
rootfs="$workdir/rootfs"
# debootstrap mounts /proc inside the root filesystem; an interrupted run may leave it mounted.
remove_workdir() {
  grep -o " $rootfs/[^ ]*" /proc/mounts | sort -r | xargs -r -n 1 umount -l || true
  rm -rf --one-file-system "$workdir"
}
trap remove_workdir EXIT

# libstdc++6 is what node links against beyond libc; ca-certificates lets npm and apt use TLS.
log "debootstrap --variant=minbase bookworm from $MIRROR (a few minutes)"
mkdir -p "$DEBOOTSTRAP_CACHE"
debootstrap --variant=minbase --include=ca-certificates,libstdc++6 --cache-dir="$DEBOOTSTRAP_CACHE" \
  bookworm "$rootfs" "$MIRROR" >"$workdir/debootstrap.log" 2>&1 \
  || { tail -n 20 "$workdir/debootstrap.log" >&2; echo "build.sh: debootstrap failed" >&2; exit 1; }

log "apt sources: bookworm, bookworm-updates, bookworm-security"
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES
# Like the official Debian images: no recommends, and apt's caches leave no files in image layers.
cat >"$rootfs/etc/apt/apt.conf.d/90byzps-base" <<'APTCONF'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APTCONF

# The node binary, its headers when the host has them (what node-gyp builds against), npm as it is
# now (`npm install -g npm` may have replaced the copy Node.js came with) and corepack when present,
# laid out under /usr/local as in the official image; docs and man pages stay behind.
log "copying Node.js $(node --version) ($node_binary) and npm $(npm --version) ($npm_directory) from the host"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
cp "$node_binary" "$rootfs/usr/local/bin/node"
node_headers=$(dirname "$(dirname "$node_binary")")/include/node
[ ! -d "$node_headers" ] || cp -r "$node_headers" "$rootfs/usr/local/include/node"
cp -r "$npm_directory" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
corepack_directory=$(dirname "$npm_directory")/corepack
if [ -f "$corepack_directory/dist/corepack.js" ]; then
  cp -r "$corepack_directory" "$rootfs/usr/local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
fi

# Certificates the host trusts locally (a TLS-inspecting proxy's CA, say) are trusted inside too,
# so npm and apt reach the network from a build as they do from the host.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  log "trusting the host's local CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || { echo "build.sh: update-ca-certificates failed in the root filesystem" >&2; exit 1; }
fi
# Node reads only its own CA list; npm's global config points it at the system bundle above.
mkdir -p "$rootfs/usr/local/etc"
echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$rootfs/usr/local/etc/npmrc"

log "trimming the root filesystem"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/*.log "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

log "importing into Docker as $IMAGE"
tar -C "$rootfs" --numeric-owner -cf - . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "Debian bookworm (debootstrap minbase) with Node.js $(node --version)" \
  - "$IMAGE" >/dev/null

docker run --rm "$IMAGE" sh -c 'node --version && npm --version && apt-get --version | head -n 1' \
  | sed 's/^/[base-image] inside: /' >&2
log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
