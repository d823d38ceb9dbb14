#!/usr/bin/env bash
# Zeblit's checks and tests; `npm test` runs this.
#
# Usage: bash scripts/test.sh [all|unit|e2e|checks]      (default: all)
#   checks  layer check (scripts/check-layers.mjs) and `npm run typecheck`
#   unit    unit tests: *.test.ts in src/, cli/, daemon/, scripts/
#   e2e     `node build.mjs`, then the process tests in test/ (one file at a time)
#   all     checks, build, unit, e2e
#
# Environment:
#   ZEBLIT_REQUIRE_DOCKER=1   fail at once when `docker info` fails (CI sets it);
#                             tests read it too and fail instead of skipping
#   ZEBLIT_TEST_CONCURRENCY   unit test files run at once (default: node's choice)
#   ZEBLIT_TEST_TIMEOUT_MS    per-test timeout (default 600000)
#
# Every phase runs even when an earlier one failed (except the e2e tests,
# which need the build), so one run shows every failure; a summary closes the
# output and the exit status is non-zero when any phase failed or when a test
# phase found no test file or ran no test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
MODE="${1:-all}"
case "$MODE" in
  all | unit | e2e | checks) ;;
  -h | --help)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "test.sh: unknown mode '$MODE' (all, unit, e2e, checks)" >&2
    exit 2
    ;;
esac

TIMEOUT_MS="${ZEBLIT_TEST_TIMEOUT_MS:-600000}"
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/zeblit-test.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

T_ALL=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }
banner() { printf '\n==> %s\n' "$*"; }

SUMMARY=()
NOTES=()
FAILED=0
record() {
  # $1 = phase, $2 = ok|FAIL|skipped, $3 = start time, $4 = detail
  SUMMARY+=("$(printf '%-10s %-8s %8s  %s' "$1" "$2" "$(elapsed "$3")" "${4:-}")")
  if [ "$2" = FAIL ]; then FAILED=1; fi
}

# ---- Docker -----------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  DOCKER_STATE="available ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
elif [ "${ZEBLIT_REQUIRE_DOCKER:-}" = 1 ]; then
  echo "test.sh: ERROR: ZEBLIT_REQUIRE_DOCKER=1 but the Docker engine does not answer (docker info failed)." >&2
  echo "test.sh: start it with: bash scripts/ensure-docker.sh  (and build images: bash scripts/build-images.sh)" >&2
  exit 1
else
  DOCKER_STATE="NOT available: tests that need it skip (set ZEBLIT_REQUIRE_DOCKER=1 to fail instead)"
fi
echo "test.sh: mode $MODE, node $(node --version), Docker $DOCKER_STATE"

# ---- phases -----------------------------------------------------------------
run_checks() {
  local t0
  banner "layer check (scripts/check-layers.mjs)"
  t0=$EPOCHREALTIME
  if node scripts/check-layers.mjs; then record layers ok "$t0"; else record layers FAIL "$t0" "imports break DESIGN.md's layer table"; fi

  banner "typecheck (npm run typecheck)"
  t0=$EPOCHREALTIME
  if npm run --silent typecheck; then record typecheck ok "$t0"; else record typecheck FAIL "$t0"; fi
}

BUILD_OK=0
run_build() {
  local t0=$EPOCHREALTIME
  banner "build (node build.mjs)"
  if [ ! -f build.mjs ]; then
    echo "test.sh: build.mjs not found" >&2
    record build FAIL "$t0" "build.mjs missing"
  elif node build.mjs; then
    BUILD_OK=1
    record build ok "$t0"
  else
    record build FAIL "$t0"
  fi
}

# Runs node's test runner on a file list; $1 = phase, $2 = description, then
# node options, `--`, files. Spec output on the terminal, TAP in a file for
# the counts.
run_tests() {
  local phase="$1" what="$2" t0=$EPOCHREALTIME opts=() tap status tests pass fail skipped todo cancelled
  shift 2
  while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  banner "$what: $# file(s)"
  if [ "$#" -eq 0 ]; then
    echo "test.sh: no test files found for $phase" >&2
    record "$phase" FAIL "$t0" "no test files found"
    return
  fi
  tap="$LOG_DIR/$phase.tap"
  status=0
  node --import tsx --test --test-timeout="$TIMEOUT_MS" "${opts[@]}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@" || status=$?
  count() { awk -v k="# $1" '$1 " " $2 == k { n = $3 } END { print n + 0 }' "$tap"; }
  tests="$(count tests)" pass="$(count pass)" fail="$(count fail)" skipped="$(count skipped)"
  todo="$(count todo)" cancelled="$(count cancelled)"
  local detail="$tests tests, $pass passed, $fail failed, $cancelled cancelled, $skipped skipped, $todo todo"
  if [ "$status" -ne 0 ] || [ "$fail" -ne 0 ] || [ "$cancelled" -ne 0 ]; then
    record "$phase" FAIL "$t0" "$detail (node exit $status)"
  elif [ "$tests" -eq 0 ] || [ "$pass" -eq 0 ]; then
    record "$phase" FAIL "$t0" "no test ran ($detail)"
  else
    record "$phase" ok "$t0" "$detail"
  fi
  if [ "$skipped" -gt 0 ]; then
    # Name what was skipped: in CI a skip may hide a missing prerequisite.
    NOTES+=("$phase skipped:")
    mapfile -t -O "${#NOTES[@]}" NOTES < <(grep -E '^ *ok [0-9]+ - .*# SKIP' "$tap" | sed -E 's/^ *ok [0-9]+ - /  - /' | head -n 20)
  fi
}

find_tests() {
  # Test files under the given folders that exist, sorted; none is not an error here.
  local dirs=() d
  for d in "$@"; do if [ -d "$d" ]; then dirs+=("$d"); fi; done
  if [ "${#dirs[@]}" -gt 0 ]; then
    find "${dirs[@]}" -name node_modules -prune -o -name '*.test.ts' -type f -print | LC_ALL=C sort
  fi
}

run_unit() {
  local files=() opts=()
  mapfile -t files < <(find_tests src cli daemon scripts)
  if [ -n "${ZEBLIT_TEST_CONCURRENCY:-}" ]; then opts+=(--test-concurrency="$ZEBLIT_TEST_CONCURRENCY"); fi
  run_tests unit "unit tests" "${opts[@]}" -- "${files[@]}"
}

run_e2e() {
  local files=() t0=$EPOCHREALTIME
  if [ "$BUILD_OK" -ne 1 ]; then
    record e2e FAIL "$t0" "not run: the build failed"
    return
  fi
  mapfile -t files < <(find_tests test)
  run_tests e2e "e2e tests" --test-concurrency=1 -- "${files[@]}"
}

case "$MODE" in
  checks) run_checks ;;
  unit) run_unit ;;
  e2e)
    run_build
    run_e2e
    ;;
  all)
    run_checks
    run_build
    run_unit
    run_e2e
    ;;
esac

# ---- summary ----------------------------------------------------------------
printf '\n==> summary (%s, %s)\n' "$MODE" "$(elapsed "$T_ALL")"
printf '  %s\n' "${SUMMARY[@]}"
printf '  Docker: %s\n' "$DOCKER_STATE"
if [ "${#NOTES[@]}" -gt 0 ]; then printf '  %s\n' "${NOTES[@]}"; fi
if [ "$FAILED" -ne 0 ]; then
  echo "test.sh: FAILED" >&2
  exit 1
fi
echo "test.sh: all passed"
