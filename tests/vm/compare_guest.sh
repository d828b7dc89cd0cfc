#!/bin/bash
# Runs in the VM: tests/e2e/runtime_compare.sh, crun against crate-runtime
# on the same bundles, on a pure cgroup v2 host.
exec /src/tests/e2e/runtime_compare.sh crun "$(command -v crate-runtime)"
