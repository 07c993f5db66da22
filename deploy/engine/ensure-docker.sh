#!/usr/bin/env bash
# Makes sure a Docker engine answers, on a fresh Debian machine too: installs Debian's docker.io
# (and debootstrap, docker-compose and prometheus, which the container tests use) when missing,
# then starts dockerd in the background unless `docker info` already answers. Idempotent.
# A dockerd it starts logs to $BYZPS_DOCKERD_LOG, leaves its pid in $BYZPS_DOCKERD_PIDFILE and keeps
# running after this script (stop it with `kill "$(cat /run/byzps-dockerd.pid)"`). Every wait is bounded.
set -euo pipefail

readonly DOCKERD_LOG=${BYZPS_DOCKERD_LOG:-/var/log/byzps-dockerd.log}
readonly DOCKERD_PIDFILE=${BYZPS_DOCKERD_PIDFILE:-/run/byzps-dockerd.pid}
readonly START_TIMEOUT_S=${BYZPS_DOCKERD_START_TIMEOUT_S:-90}
# An engine that accepts connections but never answers must not hang the caller.
readonly INFO_TIMEOUT_S=20

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
  timeout 300 apt-get update -qq || fail "apt-get update failed or took over 300 s"
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=120 $packages >/dev/null \
    || fail "apt-get install $packages failed or took over 600 s"
  # The tests need promtool, not a Prometheus server that systemd started on port 9090.
  if [[ " $packages " == *" prometheus "* ]] && command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    log "stopping the prometheus service the package started"
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

engine_answers() { timeout "$INFO_TIMEOUT_S" docker info >/dev/null 2>&1; }

# dockerd outlives this script, so it must not keep anything of its caller's open: a file the caller
# holds a lock through (flock FILE …) would stay locked for as long as dockerd runs. It gets its own
# session (no signal to the caller's process group reaches it), /dev/null for stdin, the log for
# output, and every other inherited descriptor closed.
start_dockerd() {
  local fd
  for fd in $(ls /proc/"$BASHPID"/fd); do
    case "$fd" in 0 | 1 | 2) ;; *) eval "exec $fd>&-" ;; esac
  done
  exec setsid dockerd </dev/null >"$DOCKERD_LOG" 2>&1
}

if engine_answers; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "docker info does not answer and starting dockerd needs root"

log "starting dockerd (log: $DOCKERD_LOG)"
start_dockerd &
echo $! >"$DOCKERD_PIDFILE"
deadline=$((SECONDS + START_TIMEOUT_S))
until engine_answers; do
  kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null || fail "dockerd exited; see $DOCKERD_LOG"
  [ "$SECONDS" -lt "$deadline" ] || fail "dockerd did not answer within ${START_TIMEOUT_S}s; see $DOCKERD_LOG"
  sleep 1
done
log "dockerd is up: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
