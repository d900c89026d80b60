#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "callgrind" (tests/bench/lib.sh): instructions per container lifecycle, the noise-free
# figure: callgrind on the daemon for N_CG fake containers discovered, tracked, killed and logged,
# minus a run with none (start-up, READY, stop).
#
# Debian 12's valgrind (3.19) does not know pidfd_open (syscall 434). Uses $VALGRIND if given, else
# the system's if it can, else Debian 13's valgrind package unpacked by fetch-valgrind.sh (apt-get
# download with a private source list made from the machine's own apt sources; nothing installed)
# into $BENCH_VALGRIND_DIR.
. "$(dirname "$0")/lib.sh"

valgrind_ok() { "$1" --tool=none -q "$BIN/pidfd-ref" --probe >/dev/null 2>&1; }

bench_run() {
        local vg=${VALGRIND:-valgrind} n ok try root=$BENCH_ROOTS/callgrind irs=()
        if [ "$QUICK" = 1 ]; then N_CG=200; else N_CG=1000; fi
        results N_CG
        if ! valgrind_ok "$vg"; then
                log "'$vg' cannot run pidfd_open(); fetching a newer valgrind"
                vg=$(bash "$BENCH_SRC/tests/bench/fetch-valgrind.sh" "${BENCH_VALGRIND_DIR:-$W/valgrind}" 2>"$W/fetch-valgrind.log") || vg=
                [ -n "$vg" ] && ! valgrind_ok "$vg" && vg=
        fi
        if [ -z "$vg" ]; then
                result CG_NOTE "no valgrind able to run pidfd_open() was available (Debian 12 ships 3.19)"
                return 0
        fi
        result VALGRIND_VERSION "$("$vg" --version)"
        log "callgrind ($VALGRIND_VERSION), $N_CG container lifecycles vs none"
        for n in 0 "$N_CG"; do
                si_start "$root" "$R/g$n.stamps"
                # The daemon's start-up probe has been seen to fail now and then under valgrind
                # (ERRNO=38, no READY=1): try a few times.
                ok=0
                for try in 1 2 3; do
                        DAEMON_PREFIX=("$vg" --tool=callgrind --callgrind-out-file="$W/callgrind.$n.out" --dump-instr=no)
                        if READY_SOFT=1 READY_TIMEOUT=60 daemon_start "g$n" journal "$root"; then
                                ok=1
                                break
                        fi
                        log "no READY=1 under valgrind (try $try): $(grep -v '^==' "$R/g$n.notify" | tail -2 | tr '\n' ' ')"
                        kill -KILL "$DPID" 2>/dev/null
                        wait "$DPIPE" 2>/dev/null
                done
                DAEMON_PREFIX=()
                if [ "$ok" = 0 ]; then
                        si_quit
                        result CG_NOTE "the daemon did not get ready under valgrind (see $R/g$n.notify)"
                        return 0
                fi
                if [ "$n" -gt 0 ]; then
                        si spawn "$n"
                        wait_for 300 count_ge "$R/g$n.json" '"started"' "$n" || log "started missing"
                        si kill-all
                        wait_for 300 count_ge "$R/g$n.json" '"exited"' "$n" || log "exited missing"
                        si wait-reaped
                fi
                sleep 1
                daemon_stop
                si_quit
                irs+=("$(awk '/^(summary|totals):/ { print $2; exit }' "$W/callgrind.$n.out")")
        done
        result CG_IR0 "${irs[0]}"
        result CG_IRN "${irs[1]}"
        result CG_PER "$(( (irs[1] - irs[0]) / N_CG ))"
        "$(dirname "$(command -v "$vg")")/callgrind_annotate" "$W/callgrind.$N_CG.out" 2>/dev/null |
                grep -E '^ *[0-9,]+ \(' | head -25 >"$W/callgrind.top"
        "$(dirname "$(command -v "$vg")")/callgrind_annotate" --inclusive=yes "$W/callgrind.$N_CG.out" 2>/dev/null |
                grep -E '^ *[0-9,]+ \(' | head -40 >"$W/callgrind.incl"
}

bench_targets() {
        if [ -n "${CG_NOTE:-}" ]; then
                echo "| instructions per runc-size lifecycle (callgrind) | reported | not measured: $CG_NOTE | – |"
        else
                echo "| instructions per runc-size lifecycle (callgrind, $N_CG containers) | reported | $(printf "%'d" "$CG_PER") | – |"
        fi
}

bench_report() {
        echo "## Instructions per container lifecycle (callgrind)"
        echo
        if [ -n "${CG_NOTE:-}" ]; then
                printf 'Not measured in this run: %s.\n\n' "$CG_NOTE"
                return 0
        fi
        cat <<EOT
\`valgrind --tool=callgrind\` ($VALGRIND_VERSION) on the daemon (journal target and \`--json\`): one run
of $N_CG containers discovered, tracked, killed and logged, one run with none (start-up, READY, stop).
($CG_IRN − $CG_IR0) / $N_CG = **$(printf "%'d" "$CG_PER") instructions per container**.

Top functions by self cost (instructions), $N_CG-container run:

\`\`\`
$(cat "$W/callgrind.top")
\`\`\`

Inclusive cost:

\`\`\`
$(cat "$W/callgrind.incl")
\`\`\`

EOT
}

bench_main "$@"
