#!/usr/bin/env bash
# Installs what building mlcycle needs on a fresh Debian machine with Go:
# a C/C++ toolchain for DuckDB's cgo bindings (build-essential), then the Go
# modules. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not installed (need Go 1.26 or newer: https://go.dev/dl/)" >&2
  exit 1
fi
if ! command -v gcc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  echo "setup: installing build-essential (C/C++ toolchain for DuckDB)" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq build-essential >/dev/null
fi
go mod download
