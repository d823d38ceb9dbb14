#!/usr/bin/env bash
# Make sure a Docker engine answers `docker info`.
#
#   - If `docker info` already works (Docker Engine, OrbStack, Docker Desktop,
#     Colima, or a DOCKER_HOST), do nothing.
#   - Otherwise, on Debian/Ubuntu as root: install Debian's docker.io when
#     dockerd is missing, start dockerd in the background (log in
#     $ZEBLIT_DOCKERD_LOG, default /var/log/dockerd.log) and wait up to
#     $ZEBLIT_DOCKER_WAIT seconds (default 60) for `docker info`.
#
# Idempotent: running it twice starts nothing twice.
# Usage: bash scripts/ensure-docker.sh [--check]
#   --check   after the engine is up, verify the features Zeblit needs
#             (cgroup limits, read-only root, dropped capabilities, a
#             user-defined bridge network) with a throw-away container.
set -euo pipefail

LOG_FILE="${ZEBLIT_DOCKERD_LOG:-/var/log/dockerd.log}"
WAIT_SECONDS="${ZEBLIT_DOCKER_WAIT:-60}"
CHECK=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "ensure-docker: unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

say() { printf 'ensure-docker: %s\n' "$*"; }
die() {
  printf 'ensure-docker: ERROR: %s\n' "$*" >&2
  exit 1
}

engine_ok() { docker info >/dev/null 2>&1; }

# Pids of running dockerd processes, from /proc (procps may be missing).
dockerd_pids() {
  local p comm
  for p in /proc/[0-9]*; do
    comm="$(cat "$p/comm" 2>/dev/null || true)"
    if [ "$comm" = dockerd ]; then printf '%s ' "${p#/proc/}"; fi
  done
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    return 1
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install Docker (or OrbStack / Docker Desktop / Colima) yourself"
  local log=/tmp/zeblit-ensure-docker-apt.log
  say "installing: $* (apt-get, log: $log)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "apt-get update failed"
  }
  as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
    apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "apt-get install $* failed"
  }
}

check_features() {
  # The throw-away image is zeblit/busybox:local (2 MB, built in a second).
  local img=zeblit/busybox:local net=zeblit-ensure-docker-check out
  bash "$(dirname "${BASH_SOURCE[0]}")/build-images.sh" busybox
  say "check: hardened run (--memory 64m --pids-limit 50 --cpus 1 --read-only --cap-drop ALL --security-opt no-new-privileges --user 1000:1000 --init)"
  out="$(docker run --rm --memory 64m --pids-limit 50 --cpus 1 --read-only --cap-drop ALL \
    --security-opt no-new-privileges --user 1000:1000 --init "$img" sh -c \
    'id -u; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')" ||
    die "hardened docker run failed"
  local uid mem pids
  { read -r uid; read -r mem; read -r pids; } <<<"$out"
  if [ "$uid" != 1000 ] || [ "$mem" != 67108864 ] || [ "$pids" != 50 ]; then
    die "limits not applied inside the container (uid $uid, memory $mem, pids $pids)"
  fi
  say "  ok: uid 1000, memory limit 64 MiB, pids limit 50"
  docker network rm "$net" >/dev/null 2>&1 || true
  docker network create --driver bridge "$net" >/dev/null || die "cannot create a user-defined bridge network"
  docker run --rm --network "$net" "$img" true || die "cannot run a container on a user-defined bridge network"
  docker network rm "$net" >/dev/null
  say "check: user-defined bridge network ok"
  docker run --rm --network none "$img" true || die "cannot run with --network none"
  say "check: --network none ok"
}

if ! command -v docker >/dev/null 2>&1 && ! command -v dockerd >/dev/null 2>&1; then
  say "no docker CLI and no dockerd"
  apt_install docker.io
fi

if engine_ok; then
  say "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'), $(docker info --format '{{.Driver}}' 2>/dev/null || echo '?') storage)"
  if [ "$CHECK" -eq 1 ]; then check_features; fi
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  die "DOCKER_HOST=$DOCKER_HOST is set but does not answer; unset it to use a local engine, or start that engine"
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd not found"
  apt_install docker.io
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after installing docker.io"
command -v docker >/dev/null 2>&1 || die "docker CLI missing after installing docker.io"

if [ "$(id -u)" -ne 0 ]; then
  die "docker info fails and starting dockerd needs root: start Docker (or OrbStack / Docker Desktop / Colima) yourself, or run this as root"
fi

RUNNING="$(dockerd_pids)"
if [ -n "$RUNNING" ]; then
  say "dockerd is already running (pid ${RUNNING% }); waiting for it"
else
  mkdir -p "$(dirname "$LOG_FILE")"
  # A stale pid file from a killed dockerd makes the next start refuse.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd in the background (log: $LOG_FILE)"
  # setsid: dockerd must outlive this script and the shell that called it.
  setsid dockerd >>"$LOG_FILE" 2>&1 </dev/null &
  say "dockerd pid $!"
fi

start=$SECONDS
until engine_ok; do
  if [ $((SECONDS - start)) -ge "$WAIT_SECONDS" ]; then
    echo "---- last lines of $LOG_FILE ----" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    die "dockerd did not answer within ${WAIT_SECONDS}s (see $LOG_FILE)"
  fi
  if [ -z "$(dockerd_pids)" ]; then
    echo "---- last lines of $LOG_FILE ----" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    die "dockerd exited (see $LOG_FILE)"
  fi
  sleep 1
done
say "Docker engine ready after $((SECONDS - start))s ($(docker version --format '{{.Server.Version}}'), $(docker info --format '{{.Driver}}') storage, cgroup $(docker info --format '{{.CgroupVersion}}'))"
if [ "$CHECK" -eq 1 ]; then check_features; fi
exit 0
