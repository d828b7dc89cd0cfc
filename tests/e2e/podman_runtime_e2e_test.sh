#!/usr/bin/env bash
# Bazel entry: podman with --runtime crate-runtime.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/podman_runtime_test.sh" "$here/../../cli/crate-runtime/crate-runtime"
