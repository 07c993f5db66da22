#!/usr/bin/env bash
# A second Docker engine on this machine, in a network namespace of its own, to stand in for a
# second host: `up` makes the namespace byzps-node2, a veth pair (10.203.0.1 here, 10.203.0.2
# there, the host as its default route) and starts a dockerd in it with its own data root, exec
# root (and so its own containerd), pidfile, socket and config; `down` stops that dockerd (the pid
# in its pidfile, nothing else) and removes the namespace and the veth pair; `--purge` also its
# data root. It needs root, iproute2 and dockerd (deploy/engine/ensure-docker.sh installs it).
# Usage: deploy/engine/netns-engine.sh up|down [--purge]
# Then: docker -H unix:///run/byzps-node2/docker.sock info
set -euo pipefail

readonly NETNS=byzps-node2
readonly HOST_IF=byzps-n1 PEER_IF=byzps-n2
readonly HOST_ADDRESS=10.203.0.1 PEER_ADDRESS=10.203.0.2 PREFIX=24
readonly STATE=/var/lib/byzps-node2 RUN=/run/byzps-node2
readonly SOCKET=$RUN/docker.sock PIDFILE=$RUN/dockerd.pid LOG=/var/log/byzps-node2-dockerd.log
readonly START_TIMEOUT_S=${BYZPS_NODE2_START_TIMEOUT_S:-90}

log() { echo "[netns-engine] $*" >&2; }
fail() { echo "netns-engine.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, a dockerd)"
command -v dockerd >/dev/null || fail "dockerd is not installed (deploy/engine/ensure-docker.sh installs it)"

engine_answers() { timeout 20 docker -H "unix://$SOCKET" info >/dev/null 2>&1; }

up() {
  if ! ip netns list | grep -qw "$NETNS"; then
    log "network namespace $NETNS, veth $HOST_IF ($HOST_ADDRESS) <-> $PEER_IF ($PEER_ADDRESS)"
    ip netns add "$NETNS"
    ip link add "$HOST_IF" type veth peer name "$PEER_IF"
    ip link set "$PEER_IF" netns "$NETNS"
    ip addr add "$HOST_ADDRESS/$PREFIX" dev "$HOST_IF"
    ip link set "$HOST_IF" up
    ip netns exec "$NETNS" ip link set lo up
    ip netns exec "$NETNS" ip addr add "$PEER_ADDRESS/$PREFIX" dev "$PEER_IF"
    ip netns exec "$NETNS" ip link set "$PEER_IF" up
    ip netns exec "$NETNS" ip route add default via "$HOST_ADDRESS"
  fi
  if engine_answers; then
    log "the engine in $NETNS answers already"
    return 0
  fi
  mkdir -p "$STATE" "$RUN"
  # An empty configuration: whatever /etc/docker/daemon.json says is for the host's engine.
  echo '{}' >"$RUN/daemon.json"
  log "starting dockerd in $NETNS (log: $LOG)"
  # Its own session, /dev/null for stdin and no descriptor of the caller's, as ensure-docker.sh does.
  (
    for fd in $(ls /proc/"$BASHPID"/fd); do
      case "$fd" in 0 | 1 | 2) ;; *) eval "exec $fd>&-" ;; esac
    done
    # nsenter, not `ip netns exec`: that also mounts a fresh /sys, which hides the cgroup
    # hierarchies dockerd needs ("Devices cgroup isn't mounted").
    exec nsenter --net="/run/netns/$NETNS" setsid dockerd --config-file "$RUN/daemon.json" \
      --data-root "$STATE/docker" --exec-root "$RUN/docker" --pidfile "$PIDFILE" \
      -H "unix://$SOCKET" --bip 172.31.255.1/24 </dev/null >"$LOG" 2>&1
  ) &
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until engine_answers; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the dockerd in $NETNS did not answer within ${START_TIMEOUT_S}s; see $LOG"
    sleep 1
  done
  log "up: docker -H unix://$SOCKET ($(docker -H "unix://$SOCKET" version --format 'server {{.Server.Version}}'))"
}

down() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping the dockerd in $NETNS (pid $pid)"
      kill "$pid"
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      ! kill -0 "$pid" 2>/dev/null || fail "dockerd (pid $pid) did not stop within 60 s"
    fi
  fi
  if ip link show "$HOST_IF" >/dev/null 2>&1; then ip link del "$HOST_IF"; fi
  if ip netns list | grep -qw "$NETNS"; then ip netns del "$NETNS"; fi
  # What the dockerd mounted under its exec root goes with it; a killed one may leave mounts.
  grep -o " $RUN/[^ ]*" /proc/mounts | sort -r | xargs -r -n 1 umount -l || true
  rm -rf "$RUN"
  if [ "${1:-}" = --purge ]; then
    grep -o " $STATE/[^ ]*" /proc/mounts | sort -r | xargs -r -n 1 umount -l || true
    rm -rf --one-file-system "$STATE"
  fi
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  *) echo "usage: netns-engine.sh up|down [--purge]" >&2; exit 2 ;;
esac
