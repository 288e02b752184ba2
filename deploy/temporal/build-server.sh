#!/bin/sh
# Builds the Temporal server (`temporal-server`) and `temporal-sql-tool` of the release docker-compose.yml runs, from
# the Go module proxy, into a cache outside the clone so that every later `npm run cluster` and CI run reuses them
# (once; 20 minutes on a 2-core box at load 12–16, less on a quiet one). Prints the folder holding the two binaries.
#
# Environment: TEMPORAL_SERVER_VERSION (the compose tag), EKYC_TEMPORAL_BUILD_DIR
# ($HOME/.cache/fingpay-ekyc/temporal-server/v<version>/bin), TEMPORAL_GO_TOOLCHAIN (go1.27.3: the server needs Go >=
# 1.26.10 and `go` fetches that toolchain itself). Needs `go` on PATH.
set -eu
version="${TEMPORAL_SERVER_VERSION:-1.32.2}"
bin="${EKYC_TEMPORAL_BUILD_DIR:-${HOME}/.cache/fingpay-ekyc/temporal-server/v${version}/bin}"
if [ -x "$bin/server" ] && [ -x "$bin/sql" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo 'build-server: go is not installed (apt-get install golang-go)' >&2
  exit 1
}
mkdir -p "$bin"
echo "build-server: building Temporal server v${version} and temporal-sql-tool into $bin (once; 10-20 minutes)" >&2
GOTOOLCHAIN="${TEMPORAL_GO_TOOLCHAIN:-go1.27.3}" GOBIN="$bin" go install \
  "go.temporal.io/server/cmd/server@v${version}" "go.temporal.io/server/cmd/tools/sql@v${version}" >&2
echo "$bin"
