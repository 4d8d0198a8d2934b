#!/usr/bin/env bash
# Runs the checks and the whole test suite. Tests that need a server read
# its address from the environment and skip with a message when it is
# unset: MLCYCLE_TEST_POSTGRES_URL (e.g.
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable) and
# MLCYCLE_TEST_S3_URL. Tests that read ../shared/datasets skip when it is
# absent.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go test -count=1 "$@" ./...
