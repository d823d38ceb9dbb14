#!/usr/bin/env bash
# Make sure the programs the end-to-end tests drive are installed.
#
#   chromium          the web client's browser tests (playwright-core drives it)
#   tmux, zsh, fish   shell completion tested in real shells (bash is there)
#   git               folder projects cloned from git repositories
#   systemd-analyze   `zeblit daemon install`'s unit verified (package systemd)
#   chattr            proof 4's read-only database (package e2fsprogs)
#   script            a terminal for the CLI's confirmations (package bsdutils; Debian installs it always)
#
# Only what is missing is installed (Debian/Ubuntu, as root). Idempotent.
# Usage: bash scripts/ensure-tools.sh [--check]   (--check: report, install nothing)
set -euo pipefail

declare -A PACKAGE=([chromium]=chromium [tmux]=tmux [zsh]=zsh [fish]=fish [git]=git [systemd-analyze]=systemd [chattr]=e2fsprogs [script]=bsdutils)
missing=()
for cmd in "${!PACKAGE[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGE[$cmd]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "ensure-tools: all present (${!PACKAGE[*]})"
  exit 0
fi
echo "ensure-tools: missing packages: ${missing[*]}"
if [ "${1:-}" = "--check" ]; then exit 1; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: install them with your package manager (apt-get install -y ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "ensure-tools: installed ${missing[*]}"
