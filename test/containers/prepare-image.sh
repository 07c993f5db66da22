#!/usr/bin/env bash
# Prepares what the container tests run: a Docker engine (deploy/engine/ensure-docker.sh), the local
# base image (deploy/base-image/build.sh) and the project image built from this working tree. Each
# step is skipped by its own script when ready and bounded in time; a step that fails or overruns
# ends the script with one line naming it. test/containers/image.ts runs this under a lock.
# Usage: test/containers/prepare-image.sh BASE_IMAGE IMAGE
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$#" -eq 2 ] || { echo "prepare-image.sh: usage: prepare-image.sh BASE_IMAGE IMAGE" >&2; exit 2; }
readonly BASE_IMAGE=$1 IMAGE=$2

# Time limits, generous for a first run on a loaded machine: installing docker.io and starting
# dockerd; debootstrap and the import; npm ci and the TypeScript build inside the image.
readonly ENGINE_LIMIT=${BYZPS_PREPARE_ENGINE_LIMIT:-10m}
readonly BASE_LIMIT=${BYZPS_PREPARE_BASE_LIMIT:-15m}
readonly BUILD_LIMIT=${BYZPS_PREPARE_BUILD_LIMIT:-15m}

# step LIMIT WHAT COMMAND...: runs COMMAND under `timeout`, which signals its whole process group
# (a dockerd that ensure-docker.sh starts has a session of its own and is not part of it).
step() {
  local limit=$1 what=$2 status=0
  shift 2
  echo "[prepare-image $(date +%H:%M:%S)] $what" >&2
  timeout --kill-after=30s "$limit" "$@" || status=$?
  case "$status" in
    0) ;;
    124 | 137) echo "prepare-image.sh: $what did not finish within $limit" >&2; exit 1 ;;
    *) echo "prepare-image.sh: $what failed (exit $status)" >&2; exit 1 ;;
  esac
}

step "$ENGINE_LIMIT" "Docker engine (deploy/engine/ensure-docker.sh)" deploy/engine/ensure-docker.sh
[ "$BASE_IMAGE" = byzps-base:bookworm ] || { echo "prepare-image.sh: deploy/base-image/build.sh makes byzps-base:bookworm, not $BASE_IMAGE" >&2; exit 2; }
step "$BASE_LIMIT" "base image $BASE_IMAGE (deploy/base-image/build.sh)" deploy/base-image/build.sh
step "$BUILD_LIMIT" "docker build of $IMAGE from the working tree" \
  docker build -f deploy/Dockerfile --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" .
