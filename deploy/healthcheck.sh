#!/usr/bin/env bash
# The image's health check (installed as /usr/local/bin/byzps-healthcheck): GET /healthz at the URL
# the byzps process in this container wrote to $BYZPS_HTTP_ADDRESS_FILE once it listened, so it
# probes the port the process really serves on, whether a flag (--http-port 9200), a variable or
# the default chose it. Bash's /dev/tcp makes a check cost milliseconds, where starting node for it
# takes seconds on a loaded host. Exits 0 on HTTP 200, else 1 with one line saying why.
set -uo pipefail

readonly ADDRESS_FILE=${BYZPS_HTTP_ADDRESS_FILE:-/tmp/byzps-http-address}
readonly READ_TIMEOUT_S=5

unhealthy() { echo "byzps-healthcheck: $*"; exit 1; }

[ -r "$ADDRESS_FILE" ] || unhealthy "no $ADDRESS_FILE: the byzps process has not listened yet (or runs without --http-address-file)"
read -r url <"$ADDRESS_FILE" || true
# http://HOST:PORT/healthz, HOST an IPv6 literal in brackets or a name or IPv4 address.
[[ ${url:-} =~ ^http://(\[([0-9a-fA-F:.]+)\]|([^/:]+)):([0-9]+)(/.*)$ ]] || unhealthy "$ADDRESS_FILE holds no /healthz URL: '${url:-}'"
host=${BASH_REMATCH[2]:-${BASH_REMATCH[3]}}
port=${BASH_REMATCH[4]}
path=${BASH_REMATCH[5]}

{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || unhealthy "cannot connect to $host:$port ($url)"
printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$path" "$host" "$port" >&3
read -r -t "$READ_TIMEOUT_S" status <&3 || unhealthy "no answer from $url within ${READ_TIMEOUT_S}s"
[[ $status == *' 200 '* ]] || unhealthy "$url answered ${status%$'\r'}"
