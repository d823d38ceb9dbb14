#!/usr/bin/env bash
# Build Zeblit's template images locally, for machines that cannot reach an
# image registry (see docs/development.md, "CI and local images").
#
#   zeblit/blank:local    Debian bookworm minbase (+ ca-certificates)
#   zeblit/python:local   blank + python3, python3-pip, python3-venv
#   zeblit/node:local     blank + the host's Node (>= 20) and npm
#   zeblit/busybox:local  busybox-static only: a 2 MB image for fast tests
#
# Usage: bash scripts/build-images.sh [--force] [--clean-cache] [IMAGE...]
#   IMAGE          blank, python, node, busybox (default: all of them)
#   --force        rebuild even when the image exists
#   --clean-cache  drop the cached debootstrap root file system and .debs first
#
# An image that exists and carries the current recipe label is skipped, so a
# second run takes well under a second. The debootstrap root file system and
# the downloaded .deb files are cached in $ZEBLIT_IMAGE_CACHE (default
# /var/cache/zeblit-images), so a forced rebuild does not download again.
# The Debian mirror is read from /etc/apt (override: ZEBLIT_APT_MIRROR).
# Needs root (debootstrap, chroot), a running Docker engine
# (scripts/ensure-docker.sh) and, for the node image, Node >= 20 on the host.
set -euo pipefail

# Bump when an image's content or settings change: older images get rebuilt.
RECIPE=1
SUITE="${ZEBLIT_IMAGE_SUITE:-bookworm}"
CACHE="${ZEBLIT_IMAGE_CACHE:-/var/cache/zeblit-images}"
ALL_IMAGES=(blank python node busybox)
BASE_INCLUDE="ca-certificates"
PYTHON_PACKAGES=(python3 python3-pip python3-venv python-is-python3)
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'build-images: %s\n' "$*"; }
die() {
  printf 'build-images: ERROR: %s\n' "$*" >&2
  exit 1
}
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

# ---- arguments --------------------------------------------------------------
FORCE=0
CLEAN=0
TARGETS=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --clean-cache) CLEAN=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    all) TARGETS+=("${ALL_IMAGES[@]}") ;;
    blank | python | node | busybox) TARGETS+=("$arg") ;;
    *)
      usage >&2
      die "unknown argument: $arg"
      ;;
  esac
done
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL_IMAGES[@]}")

# ---- timing -----------------------------------------------------------------
T_START=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

# ---- helpers ----------------------------------------------------------------
tag_of() { printf 'zeblit/%s:local' "$1"; }
# Images are imported under a temporary tag and get their real tag only after
# their self-test passes, so a failed build never leaves a "current" image.
tmp_tag_of() { printf 'zeblit/%s:building-%s' "$1" "$$"; }
promote() {
  local old
  old="$(docker image inspect -f '{{.Id}}' "$(tag_of "$1")" 2>/dev/null || true)"
  docker tag "$(tmp_tag_of "$1")" "$(tag_of "$1")"
  docker rmi "$(tmp_tag_of "$1")" >/dev/null
  # The replaced image goes too, unless a container still uses it.
  if [ -n "$old" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
}

image_current() {
  # True when the image exists and was built by this recipe.
  local label
  label="$(docker image inspect -f '{{ index .Config.Labels "zeblit.recipe" }}' "$1" 2>/dev/null)" || return 1
  [ "$label" = "$RECIPE" ] && return 0
  say "$1 exists but was built by recipe '${label:-none}' (now $RECIPE): rebuilding"
  return 1
}

size_of() {
  docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  local log="$CACHE/apt-install.log"
  say "installing on the host: $* (apt-get, log: $log)"
  if [ "$APT_UPDATED" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || {
      tail -n 20 "$log" >&2
      die "apt-get update failed"
    }
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
    apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "apt-get install $* failed"
  }
}

is_static() {
  # ldd refuses a static executable ("not a dynamic executable").
  ! ldd "$1" >/dev/null 2>&1
}

# Print "URI SUITE" for every enabled `deb` source the host's apt uses, from
# one-line (*.list) and deb822 (*.sources) files.
apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
      print $i, $(i + 1)
    }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush(   n, m, i, j, U, S) {
        if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
          n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (U[i] != "" && S[j] != "") print U[i], S[j]
        }
        types = uris = suites = enabled = key = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ {   # continuation of a multi-line field
        if (key == "uris") uris = uris " " $0; else if (key == "suites") suites = suites " " $0
        next
      }
      {
        p = index($0, ":"); key = tolower(substr($0, 1, p - 1)); val = substr($0, p + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }' "$f"
  done
}

pick_mirror() {
  # $1 = suite; prints the first http(s) URI serving it, without a trailing /.
  apt_sources | awk -v s="$1" '$2 == s && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print $1; exit }'
}

# ---- cleanup ----------------------------------------------------------------
WORK=""
cleanup() {
  local m
  docker images -q --filter "reference=zeblit/*:building-$$" 2>/dev/null | sort -u | while read -r m; do
    docker rmi -f "$m" >/dev/null 2>&1 || true
  done
  [ -n "$WORK" ] && [ -d "$WORK" ] || return 0
  # Mounts made by a background build (its subshell has no EXIT trap) too.
  awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# ---- what needs building ----------------------------------------------------
command -v docker >/dev/null 2>&1 || die "docker CLI not found: run scripts/ensure-docker.sh first"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: run scripts/ensure-docker.sh first"

BUILD=()
declare -A SEEN=()
for name in "${TARGETS[@]}"; do
  [ -z "${SEEN[$name]:-}" ] || continue
  SEEN[$name]=1
  tag="$(tag_of "$name")"
  if [ "$FORCE" -eq 0 ] && image_current "$tag"; then
    say "exists, skipped: $tag ($(size_of "$tag"); --force rebuilds)"
  else
    BUILD+=("$name")
  fi
done
if [ "${#BUILD[@]}" -eq 0 ] && [ "$CLEAN" -eq 0 ]; then
  say "nothing to build ($(elapsed "$T_START"))"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "building images needs root (debootstrap, chroot): run it with sudo"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  say "another build holds $CACHE/.lock: waiting"
  flock 9
fi
if [ "$CLEAN" -eq 1 ]; then
  say "dropping the cache in $CACHE"
  find "$CACHE" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
fi
[ "${#BUILD[@]}" -gt 0 ] || exit 0
WORK="$(mktemp -d "$CACHE/work.XXXXXX")"
say "building: ${BUILD[*]}"

needs() {
  local n
  for n in "${BUILD[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

COMMON_CHANGES=(
  --change "ENV PATH=$CHROOT_PATH"
  --change 'ENV LANG=C.UTF-8'
  --change 'ENV HOME=/home/zeblit'
  --change 'WORKDIR /workspace'
  --change "LABEL zeblit.recipe=$RECIPE"
  --change "LABEL zeblit.suite=$SUITE"
)

import_dir() {
  # $1 = root dir, $2 = tag, rest = extra --change arguments
  local root="$1" tag="$2"
  shift 2
  tar --numeric-owner -C "$root" -cf - . | docker import "${COMMON_CHANGES[@]}" "$@" - "$tag" >/dev/null
}

# ---- the shared Debian root file system -------------------------------------
BASE_TAR=""
prepare_base() {
  local t0=$EPOCHREALTIME mirror security key root
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  mirror="${ZEBLIT_APT_MIRROR:-$(pick_mirror "$SUITE")}"
  [ -n "$mirror" ] || die "no apt source for '$SUITE' in /etc/apt/sources.list{,.d}: set ZEBLIT_APT_MIRROR=http://your-debian-mirror/debian"
  security="${ZEBLIT_APT_SECURITY_MIRROR:-$(pick_mirror "$SUITE-security")}"
  key="$(printf '%s\n' "$RECIPE" "$SUITE" "$mirror" "$security" "$BASE_INCLUDE" | sha256sum | cut -c1-12)"
  BASE_TAR="$CACHE/rootfs-$SUITE-minbase-$key.tar"
  if [ -f "$BASE_TAR" ]; then
    say "base: cached root file system $BASE_TAR"
    return
  fi
  say "base: debootstrap --variant=minbase $SUITE from $mirror (cache: $CACHE/debs)"
  root="$WORK/base"
  mkdir -p "$CACHE/debs" "$root"
  if ! debootstrap --variant=minbase --include="$BASE_INCLUDE" --cache-dir="$CACHE/debs" \
    "$SUITE" "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    die "debootstrap failed"
  fi
  # apt inside the image uses the same mirror as the host, plus updates and
  # security when the host has them.
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" "$SUITE" "$SUITE"
    if [ -n "$security" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$security" "$SUITE"
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
  # Slim like the official -slim images: no docs, man pages or translations,
  # now and for every later install.
  cat >"$root/etc/dpkg/dpkg.cfg.d/zeblit-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  cat >"$root/etc/apt/apt.conf.d/zeblit-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root/debootstrap"
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  # The project's workspace is bind-mounted at /workspace; the home folder is a
  # volume. Both exist in the image so that a container without them works too.
  install -d -m 1777 "$root/workspace" "$root/home/zeblit"
  tar --numeric-owner -C "$root" -cf "$BASE_TAR.tmp" .
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  # Older recipes' root file systems are useless now.
  find "$CACHE" -maxdepth 1 -name "rootfs-$SUITE-minbase-*.tar" ! -path "$BASE_TAR" -delete
  rm -rf --one-file-system "$root"
  say "base: ready in $(elapsed "$t0") ($(du -h "$BASE_TAR" | cut -f1))"
}

unpack_base() {
  mkdir -p "$1"
  tar --numeric-owner -C "$1" -xf "$BASE_TAR"
}

# ---- images -----------------------------------------------------------------
build_blank() {
  local t0=$EPOCHREALTIME tag
  tag="$(tmp_tag_of blank)"
  docker import "${COMMON_CHANGES[@]}" --change 'LABEL zeblit.template=blank' \
    --change 'CMD ["bash"]' "$BASE_TAR" "$tag" >/dev/null
  docker run --rm --read-only --user 1000:1000 --cap-drop ALL "$tag" \
    sh -c 'test -d /workspace && grep -q "^12" /etc/debian_version' ||
    die "blank: self-test failed"
  promote blank
  tag="$(tag_of blank)"
  say "blank: $tag built in $(elapsed "$t0") ($(size_of "$tag"))"
}

build_python() {
  local t0=$EPOCHREALTIME tag root
  tag="$(tmp_tag_of python)"
  root="$WORK/python"
  unpack_base "$root"
  mkdir -p "$CACHE/apt-archives"
  mount -t proc proc "$root/proc"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  find "$CACHE/apt-archives" -maxdepth 1 -name '*.deb' -exec cp -t "$root/var/cache/apt/archives/" {} +
  chroot "$root" env PATH="$CHROOT_PATH" DEBIAN_FRONTEND=noninteractive apt-get update -qq
  chroot "$root" env PATH="$CHROOT_PATH" DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${PYTHON_PACKAGES[@]}" >/dev/null
  find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec cp -n -t "$CACHE/apt-archives/" {} +
  chroot "$root" env PATH="$CHROOT_PATH" apt-get clean
  umount "$root/proc"
  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/apt/* "$root"/var/log/*.log
  : >"$root/etc/resolv.conf"
  # Like the official python images: pip may install (into a venv, or --user
  # into $HOME when the system is read-only) without --break-system-packages.
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  import_dir "$root" "$tag" --change 'LABEL zeblit.template=python' \
    --change 'ENV PIP_DISABLE_PIP_VERSION_CHECK=1' --change 'ENV PYTHONUNBUFFERED=1' \
    --change 'CMD ["python3"]'
  rm -rf --one-file-system "$root"
  docker run --rm --read-only --tmpfs /tmp:exec --user 1000:1000 --cap-drop ALL "$tag" \
    sh -c 'python --version && python3 -m venv /tmp/v && /tmp/v/bin/pip --version >/dev/null' >/dev/null ||
    die "python: self-test failed (python3, venv, pip)"
  promote python
  tag="$(tag_of python)"
  say "python: $tag built in $(elapsed "$t0") ($(size_of "$tag"), $(docker run --rm "$tag" python3 --version))"
}

build_node() {
  local t0=$EPOCHREALTIME tag root node_bin prefix major version tool
  tag="$(tmp_tag_of node)"
  node_bin="$(command -v node || true)"
  [ -n "$node_bin" ] || die "node image: no node on the host (it copies the host's Node >= 20)"
  node_bin="$(readlink -f "$node_bin")"
  version="$("$node_bin" --version)"
  major="${version#v}"
  major="${major%%.*}"
  [ "$major" -ge 20 ] || die "node image: the host's node is $version; need >= 20"
  prefix="$(dirname "$(dirname "$node_bin")")"
  [ -f "$prefix/lib/node_modules/npm/bin/npm-cli.js" ] ||
    die "node image: npm not found in $prefix/lib/node_modules/npm"
  root="$WORK/node"
  unpack_base "$root"
  install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  for tool in npm corepack; do
    [ -d "$prefix/lib/node_modules/$tool" ] && cp -a "$prefix/lib/node_modules/$tool" "$root/usr/local/lib/node_modules/"
  done
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  if [ -d "$root/usr/local/lib/node_modules/corepack" ]; then
    ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
  fi
  import_dir "$root" "$tag" --change 'LABEL zeblit.template=node' \
    --change "ENV NODE_VERSION=${version#v}" --change 'CMD ["node"]'
  rm -rf --one-file-system "$root"
  local got
  got="$(docker run --rm --read-only --tmpfs /tmp --user 1000:1000 --cap-drop ALL -e HOME=/tmp "$tag" \
    sh -c 'node --version && npm --version')" || die "node: self-test failed (node, npm)"
  [ "$(printf '%s\n' "$got" | head -n 1)" = "$version" ] || die "node: node --version printed '$got', expected $version"
  promote node
  tag="$(tag_of node)"
  say "node: $tag built in $(elapsed "$t0") ($(size_of "$tag"), node $version, npm $(printf '%s\n' "$got" | sed -n 2p))"
}

build_busybox() {
  local t0=$EPOCHREALTIME tag root bb applet
  tag="$(tmp_tag_of busybox)"
  bb=/bin/busybox
  if ! [ -x "$bb" ] || ! is_static "$bb"; then apt_install busybox-static; fi
  is_static "$bb" || die "$bb is not statically linked"
  root="$WORK/busybox"
  mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
  install -d -m 1777 "$root/tmp" "$root/workspace" "$root/home/zeblit"
  cp "$bb" "$root/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nzeblit:x:1000:1000:zeblit:/home/zeblit:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nzeblit:x:1000:\n' >"$root/etc/group"
  tar --numeric-owner -C "$root" -cf - . | docker import --change 'ENV PATH=/bin' \
    --change 'ENV HOME=/home/zeblit' --change 'WORKDIR /workspace' \
    --change "LABEL zeblit.recipe=$RECIPE" --change 'LABEL zeblit.template=busybox' \
    --change 'CMD ["sh"]' - "$tag" >/dev/null
  rm -rf "$root"
  docker run --rm --read-only --user 1000:1000 --cap-drop ALL "$tag" true || die "busybox: self-test failed"
  promote busybox
  tag="$(tag_of busybox)"
  say "busybox: $tag built in $(elapsed "$t0") ($(size_of "$tag"))"
}

# ---- run --------------------------------------------------------------------
if needs busybox; then build_busybox; fi
if needs blank || needs python || needs node; then prepare_base; fi

# python (apt in a chroot) runs in the background while blank and node import.
PY_PID=""
if needs python; then
  say "python: installing ${PYTHON_PACKAGES[*]} in a chroot (background)"
  build_python >"$WORK/python.log" 2>&1 &
  PY_PID=$!
fi
if needs blank; then build_blank; fi
if needs node; then build_node; fi
if [ -n "$PY_PID" ]; then
  if wait "$PY_PID"; then
    grep '^build-images:' "$WORK/python.log" || true
  else
    cat "$WORK/python.log" >&2
    die "python image failed"
  fi
fi

say "done in $(elapsed "$T_START"):"
for name in "${TARGETS[@]}"; do
  tag="$(tag_of "$name")"
  printf '  %-22s %s\n' "$tag" "$(size_of "$tag")"
done | sort -u
