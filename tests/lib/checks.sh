# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The two helpers of the small file-checking tests (test-unit-file.sh, test-catalog.sh,
# test-man.sh), which need none of common.sh's daemon machinery.

# skip REASON: exit 77 (automake SKIP), or fail when CI=true: a missing tool in CI is a broken CI.
skip() {
        if [ "${CI:-}" = true ]; then
                echo "FAIL (CI=true, so no skipping): $*" >&2
                exit 1
        fi
        echo "SKIP: $*" >&2
        exit 77
}

# err MSG: report a failure and go on; the test exits non-zero at the end when $fail is 1.
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }
