#!/usr/bin/env bash
# Builds the local base image byzps-base:bookworm without a registry: a Debian bookworm root
# filesystem from debootstrap plus the host's Node.js 20, imported into the local Docker engine.
# It stands in for node:20-bookworm-slim (node, npm, apt-get, bash, ca-certificates).
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
[ "$node_major" = 20 ] || { echo "build.sh: the host's Node.js must be version 20 (found: $node_major)" >&2; exit 1; }
dpkg -s nodejs >/dev/null 2>&1 || { echo "build.sh: Node.js must come from the Debian package nodejs (its file list is what gets copied)" >&2; exit 1; }

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

# The node binary and headers as the nodesource package installed them (docs and man pages stay
# behind, as in the slim image); npm and corepack as they are now, since `npm install -g npm` may
# have replaced the package's copy.
log "copying Node.js $(node --version) and npm $(npm --version) from the host"
dpkg -L nodejs | while read -r path; do
  if [ -f "$path" ] || [ -L "$path" ]; then
    case "$path" in /usr/share/doc/*|/usr/share/man/*|/usr/lib/node_modules/*) ;; *) printf '%s\n' "${path#/}" ;; esac
  fi
done >"$workdir/node-files"
tar -C / --no-recursion -cf - -T "$workdir/node-files" | tar -C "$rootfs" -xf -
tar -C / -cf - usr/lib/node_modules/npm usr/lib/node_modules/corepack | tar -C "$rootfs" -xf -

# Certificates the host trusts locally (a TLS-inspecting proxy's CA, say) are trusted inside too,
# so npm and apt reach the network from a build as they do from the host.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  log "trusting the host's local CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || { echo "build.sh: update-ca-certificates failed in the root filesystem" >&2; exit 1; }
fi
# Node reads only its own CA list; npm's global config points it at the system bundle above.
mkdir -p "$rootfs/usr/etc"
echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$rootfs/usr/etc/npmrc"

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
