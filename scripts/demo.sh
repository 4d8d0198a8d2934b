#!/usr/bin/env bash
# Builds bin/mlcycle and runs the lifecycle demo on the bundled churn
# dataset in a fresh project folder (default: a temp dir; DEMO_DIR=... to
# keep it somewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
go build -o bin/mlcycle ./cmd/mlcycle
DEMO_DIR=${DEMO_DIR:-$(mktemp -d)/churn-demo}
./bin/mlcycle demo --dir "$DEMO_DIR"
