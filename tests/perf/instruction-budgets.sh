#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The instruction budgets: measure with tests/bench/instructions.sh (callgrind; instruction counts,
# not time, so the machine's load does not matter) and fail when a count is more than 20 % above
# its figure in tests/perf/instruction-budgets.txt. A count far below its figure is reported (the
# committed figure should then be lowered, so that the next regression shows), not failed.
#
# Needs root and a valgrind that knows pidfd_open (Debian 13's is unpacked into the build tree, as
# for make check-valgrind). Registered only in builds without sanitizers: an ASan build's counts
# mean nothing. Never skips: every tool it needs is in .ci/packages.
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
budgets=$top_srcdir/tests/perf/instruction-budgets.txt
out=$top_builddir/tests/perf/instruction-budgets.out
mkdir -p "$out"

DAEMON=${DAEMON:-$top_builddir/daemon/container-watchd} \
BENCH_BIN=$top_builddir/tests/bench \
VALGRIND_DIR=$top_builddir/tests/bench/valgrind \
        bash "$top_srcdir/tests/bench/instructions.sh" -o "$out" >"$out/measured.txt" || {
        echo "FAIL: tests/bench/instructions.sh failed"
        exit 1
}
cat "$out/measured.txt"

fail=0 n=0
while read -r name budget _; do
        case $name in ''|'#'*) continue ;; esac
        got=$(awk -v n="$name" '$1 == n { print $2 }' "$out/measured.txt")
        if [ -z "$got" ]; then
                echo "FAIL: $name: not measured"
                fail=1
                continue
        fi
        n=$((n + 1))
        limit=$((budget + budget / 5))
        if [ "$got" -gt "$limit" ]; then
                echo "FAIL: $name: $got instructions, more than 20 % above the committed $budget (limit $limit);" \
                     "profile in $out/$name.top"
                sed -n 1,12p "$out/$name.top"
                fail=1
        elif [ "$got" -lt $((budget - budget / 5)) ]; then
                echo "ok: $name: $got, more than 20 % below the committed $budget: lower it in tests/perf/instruction-budgets.txt"
        else
                echo "ok: $name: $got (committed $budget, limit $limit)"
        fi
done <"$budgets"
[ "$n" -gt 0 ] || { echo "FAIL: no budget in $budgets"; exit 1; }
exit "$fail"
