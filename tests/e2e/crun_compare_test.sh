#!/usr/bin/env bash
# Bazel entry: crun is the reference, crate-runtime the candidate.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/runtime_compare.sh" crun "$here/../../cli/crate-runtime/crate-runtime"
