#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What the kernel probe costs (issue 13, item 5), side by side in one run: tests/bench/probe-storm's
# signal storm and fork/exit storm between ordinary (non-container) processes, alternately with the
# probe detached and attached (tests/probe/probe-listen holds it, as the daemon would), ROUNDS times
# each, and the probe's kernel memory (the memlock of its maps and programs, from fdinfo) and the
# holder's RSS. Writes a Markdown section to stdout. Reports only; asserts no time.
#
#   probe-cost.sh [--quick]      env: BENCH_BIN (probe-storm), PROBE_LISTEN, ROUNDS (default 3)
set -uo pipefail

QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
BIN=${BENCH_BIN:?BENCH_BIN: the directory of probe-storm}
LISTEN=${PROBE_LISTEN:?PROBE_LISTEN: tests/probe/probe-listen}
ROUNDS=${ROUNDS:-3}
if [ "$QUICK" = 1 ]; then
        SIGNALS=100000 FORKS=5000 ROUNDS=${ROUNDS_QUICK:-1}
else
        SIGNALS=1000000 FORKS=100000
fi
log() { printf '[probe-cost %s] %s\n' "$(date +%T)" "$*" >&2; }
tmp=$(mktemp -d /tmp/cw-probe-cost.XXXXXX) || exit 1
trap 'rm -rf "$tmp"; [ -n "${lp:-}" ] && kill "$lp" 2>/dev/null' EXIT

lp=
attach() {
        "$LISTEN" --drop-privileges >"$tmp/listen.out" 2>"$tmp/listen.err" &
        lp=$!
        for _ in $(seq 500); do
                grep -q '^ready ' "$tmp/listen.out" 2>/dev/null && return 0
                kill -0 "$lp" 2>/dev/null || break
                sleep 0.01
        done
        log "the probe did not attach: $(cat "$tmp/listen.err")"
        return 1
}
detach() {
        kill -TERM "$lp" 2>/dev/null
        wait "$lp" 2>/dev/null
        lp=
}
# memory PID: "MAPS_BYTES PROGS_BYTES RSS_KIB" of the probe's holder.
memory() {
        local fd maps=0 progs=0 link m
        for fd in /proc/"$1"/fd/*; do
                link=$(readlink "$fd" 2>/dev/null) || continue
                m=$(sed -n 's/^memlock:[[:space:]]*//p' "/proc/$1/fdinfo/${fd##*/}" 2>/dev/null)
                [ -n "$m" ] || continue
                case $link in
                *bpf-map*) maps=$((maps + m)) ;;
                *bpf-prog*) progs=$((progs + m)) ;;
                esac
        done
        printf '%s %s %s\n' "$maps" "$progs" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")"
}

: >"$tmp/results"
mem=
for round in $(seq "$ROUNDS"); do
        # Alternate which goes first, so that a drift of the machine hits both alike.
        if [ $((round % 2)) = 1 ]; then order="detached attached"; else order="attached detached"; fi
        for mode in $order; do
                if [ "$mode" = attached ]; then
                        attach || exit 1
                        [ -n "$mem" ] || mem=$(memory "$lp")
                fi
                for w in "signals $SIGNALS" "forks $FORKS"; do
                        # shellcheck disable=SC2086
                        out=$("$BIN/probe-storm" $w) || { log "probe-storm $w failed"; exit 1; }
                        echo "$mode $out" >>"$tmp/results"
                        log "round $round $mode: $out"
                done
                [ "$mode" = attached ] && detach
        done
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
row() {
        local w=$1 n=$2 d a
        d=$(awk -v w="$w" '$1 == "detached" && $2 == w { print $4 }' "$tmp/results" | median)
        a=$(awk -v w="$w" '$1 == "attached" && $2 == w { print $4 }' "$tmp/results" | median)
        awk -v w="$w" -v n="$n" -v d="$d" -v a="$a" 'BEGIN {
                o = (a - d) * 100.0 / d
                printf "| %s storm, %d %s | %.3f s (%.2f µs each) | %.3f s (%.2f µs each) | %+.1f %% | %s |\n",
                        w == "signals" ? "signal" : "fork/exit", n, w == "signals" ? "signals" : "processes",
                        d / 1e9, d / n / 1e3, a / 1e9, a / n / 1e3, o, o <= 3 ? "met" : "NOT met"
        }'
}
read -r maps progs rss <<<"$mem"
cat <<EOT
## The kernel probe's cost (issue 13)

\`tests/bench/probe-cost.sh\`: $ROUNDS rounds, detached and attached alternately (medians); the probe is
held by \`tests/probe/probe-listen\` as the daemon holds it (attached, then no capability left). The
storms run between ordinary processes outside any container, so every signal and every exit passes
the probe's tracepoints and is filtered out in the kernel. Kernel $(uname -r), $(nproc) CPUs.

| workload | detached | attached | difference | target ≤ 3 % |
|---|---|---|---|---|
$(row signals "$SIGNALS")
$(row forks "$FORKS")

Memory of the attached probe: maps $((maps / 1024)) KiB (the 256 KiB ring buffer and the OOM map),
programs $((progs / 1024)) KiB (kernel memlock from fdinfo, charged to the holder's memory cgroup),
and the holder's resident set $rss KiB (probe-listen: libbpf and the mapped ring buffer).
EOT
