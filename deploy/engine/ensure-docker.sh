#!/usr/bin/env bash
# Makes sure a Docker engine answers, on a fresh Debian machine too: installs Debian's docker.io
# (and debootstrap, docker-compose and prometheus, which the container tests use) when missing,
# then starts dockerd in the background unless `docker info` already answers. Idempotent.
# A dockerd it starts logs to $BYZPS_DOCKERD_LOG and leaves its pid in $BYZPS_DOCKERD_PIDFILE.
set -euo pipefail

readonly DOCKERD_LOG=${BYZPS_DOCKERD_LOG:-/var/log/byzps-dockerd.log}
readonly DOCKERD_PIDFILE=${BYZPS_DOCKERD_PIDFILE:-/run/byzps-dockerd.pid}
readonly START_TIMEOUT_S=${BYZPS_DOCKERD_START_TIMEOUT_S:-90}

log() { echo "[ensure-docker] $*" >&2; }
fail() { echo "ensure-docker.sh: $*" >&2; exit 1; }

# Each command and the Debian package that brings it.
missing=()
for pair in docker:docker.io dockerd:docker.io debootstrap:debootstrap docker-compose:docker-compose promtool:prometheus; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]}; installing them needs root"
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  log "apt-get install $packages"
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  # The tests need promtool, not a Prometheus server that systemd started on port 9090.
  if [[ " $packages " == *" prometheus "* ]] && command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    log "stopping the prometheus service the package started"
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "docker info does not answer and starting dockerd needs root"

log "starting dockerd (log: $DOCKERD_LOG)"
nohup dockerd >"$DOCKERD_LOG" 2>&1 &
echo $! >"$DOCKERD_PIDFILE"
deadline=$((SECONDS + START_TIMEOUT_S))
until docker info >/dev/null 2>&1; do
  kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null || fail "dockerd exited; see $DOCKERD_LOG"
  [ "$SECONDS" -lt "$deadline" ] || fail "dockerd did not answer within ${START_TIMEOUT_S}s; see $DOCKERD_LOG"
  sleep 1
done
log "dockerd is up: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
