# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared by every benchmark script of tests/bench/ (sourced; never run). A benchmark is one script,
# tests/bench/NAME.sh, that defines
#
#   bench_run       measure: raw data and a results.env of KEY=VALUE lines into $W (its own
#                   directory of the run, $BENCH_WORK/NAME); `result KEY VALUE` appends one
#   bench_report    print its section of docs/BENCHMARKS.md (Markdown, from "## Title") on stdout,
#                   from $W and results.env only: no figure or claim that is not in the run's data
#   bench_targets   optional: rows "| measure | target | measured | verdict |" for the page's
#                   table of targets
#
# and ends with `bench_main "$@"`. run-all.sh runs `NAME.sh run` inside its private mount namespace
# (private journald, tmpfs state roots), with this environment:
#   BENCH_WORK      the run's work directory; W=$BENCH_WORK/NAME is this benchmark's, R=$W/raw
#   BENCH_BIN       the compiled tools (spawn-inits, pidfd-ref, stamp-lines, ...)
#   DAEMON          the daemon under test; BENCH_SRC: the source tree
#   BENCH_QUICK     1 for --quick (small N: a smoke run)
#   BENCH_DOCKER    1 when a dockerd answers (shared: label what you create, remove only that)
#   BENCH_JDIR      the private journald's directory (journalctl -D)
#   BENCH_ROOTS     a tmpfs for state roots (use $BENCH_ROOTS/NAME...)
#   BENCH_DOCS      where the page goes (for images)
# report.sh calls `NAME.sh report DIR` and `NAME.sh targets DIR` for every benchmark the run
# measured, in the run's order; nothing else needs to know a benchmark's name.

set -uo pipefail

BENCH_SRC=${BENCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BENCH_NAME=$(basename "$0" .sh)
BIN=${BENCH_BIN:-}
QUICK=${BENCH_QUICK:-0}
DOCKER=${BENCH_DOCKER:-0}
JDIR=${BENCH_JDIR:-/run/log/journal}

log() { printf '[%s %s] %s\n' "$BENCH_NAME" "$(date +%T)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

# ------------------------------------------------------------------ results
result() { printf '%s=%q\n' "$1" "$2" >>"$W/results.env"; eval "$1=\$2"; }
# results V...: record variables that are already set
results() { local v; for v in "$@"; do result "$v" "${!v:-}"; done; }

# overrides VAR...: take BENCH_VAR from the environment where it is set (sizes for a trial run:
# BENCH_N_RUNC=100 run-all.sh --only real-scale); the page shows the sizes that were used.
overrides() {
        local v o
        for v in "$@"; do
                o=BENCH_$v
                if [ -n "${!o:-}" ]; then printf -v "$v" '%s' "${!o}"; fi
        done
        return 0
}

# ------------------------------------------------------------------ waiting
wait_for() {
        local t=$1 i
        shift
        for ((i = 0; i < t * 20; i++)); do "$@" && return 0; sleep 0.05; done
        return 1
}
count_ge() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }

# ------------------------------------------------------------------ the load generator (fake containers)
# si_start ROOT STAMPS [ARGS...]: spawn-inits as a coprocess; si CMD: one command, one answer.
SI_PID=
si_start() {
        local root=$1 stamps=$2
        shift 2
        rm -rf "$root" && mkdir -p "$root"
        coproc SI { "$BIN/spawn-inits" -r "$root" -k "$stamps" "$@"; }
        # shellcheck disable=SC2034
        SI_PID=$SI_PID
}
si() {
        local reply
        echo "$*" >&"${SI[1]}"
        read -r reply <&"${SI[0]}" || fail "spawn-inits died at '$*'"
        case $reply in ok*) ;; *) fail "spawn-inits: '$*': $reply" ;; esac
        SI_REPLY=$reply
}
si_quit() {
        si quit
        wait "$SI_PID" 2>/dev/null
        SI_PID=
}

# ------------------------------------------------------------------ the daemon
# daemon_start NAME TARGET ROOT... : container-watchd with --json through stamp-lines ($R/NAME.json),
# its notifications stamped by notify-stamp ($R/NAME.notify); waits for READY=1. Sets DPID.
# DAEMON_PREFIX: a wrapper (valgrind); DAEMON_ENV: extra VAR=VALUE for the daemon (WATCHDOG_USEC);
# DAEMON_CONF: its configuration file (default: an empty one); DAEMON_STATE_FROM: a record directory
# to start from (a copy; default: none, as at a first start on a host);
# READY_TIMEOUT (s), READY_SOFT=1 (return 1 instead of failing).
DAEMON_PREFIX=()
DAEMON_ENV=()
CLEAN_PIDS=()
DPID=
daemon_start() {
        local name=$1 target=$2 args=() r
        shift 2
        for r in "$@"; do args+=(-r "$r"); done
        rm -f "$R/$name".{json,notify,err}
        # A private record of reported events (DESIGN.md §5), never the host's /var/lib one.
        rm -rf "$W/state/$name" && mkdir -p "$W/state/$name"
        [ -z "${DAEMON_STATE_FROM:-}" ] || cp -a "$DAEMON_STATE_FROM/." "$W/state/$name/"
        [ -e "$W/bench.conf" ] || : >"$W/bench.conf"     # no host configuration; roots come from -r
        env -u WATCHDOG_USEC -u WATCHDOG_PID STATE_DIRECTORY="$W/state/$name" "${DAEMON_ENV[@]}" \
                "$BIN/notify-stamp" -o "$R/$name.notify" "$W/$name.sock" -- \
                "${DAEMON_PREFIX[@]}" "$DAEMON" -c "${DAEMON_CONF:-$W/bench.conf}" "${args[@]}" --json --log-target="$target" \
                2>"$R/$name.err" | "$BIN/stamp-lines" >"$R/$name.json" &
        DPIPE=$!
        CLEAN_PIDS+=("$DPIPE")
        for _ in $(seq 200); do [ -s "$R/$name.notify" ] && break; sleep 0.05; done
        DPID=$(awk '$1 == "start" { print $3; exit }' "$R/$name.notify")
        [ -n "$DPID" ] || fail "daemon $name did not start"
        CLEAN_PIDS+=("$DPID")
        if ! wait_for "${READY_TIMEOUT:-300}" has_line "$R/$name.notify" READY=1; then
                [ -n "${READY_SOFT:-}" ] && return 1
                fail "daemon $name: no READY=1: $(tail -3 "$R/$name.err")"
        fi
        return 0
}
daemon_stop() {
        kill -TERM "$DPID" 2>/dev/null
        wait "$DPIPE" 2>/dev/null
}
# ready_ms NAME: start-up time, fork+exec to READY=1
ready_ms() {
        awk '$1 == "start" { s = $2 } / READY=1/ && !r { r = $1 } END { printf "%.1f", (r - s) / 1e6 }' "$R/$1.notify"
}
# daemon_status NAME: the last STATUS= the daemon sent
daemon_status() {
        grep 'STATUS=' "$R/$1.notify" | tail -1 |
                sed -E 's/.*STATUS=//; s/ (ERRNO|MONOTONIC_USEC|READY|RELOADING|STOPPING|WATCHDOG)=.*//; s/ *$//'
}

# ------------------------------------------------------------------ event streams, as "ID NS" lines
json_events() {         # FILE EVENT
        awk -v ev="\"CONTAINER_EVENT\":\"$2\"" 'index($0, ev) {
                if (match($0, /"CONTAINER_ID_FULL":"[^"]*"/)) print substr($0, RSTART + 21, RLENGTH - 22), $1
        }' "$1"
}
kills() { awk '$1 == "K" { print $2, $4 }' "$1"; }
journal_dump() {        # OUT: "ID SOURCE_NS STORED_NS EVENT" for every entry so far
        journalctl -D "$JDIR" -o json --no-pager SYSLOG_IDENTIFIER=container-watchd 2>/dev/null |
                jq -r 'select(.CONTAINER_EVENT != null) | [.CONTAINER_ID_FULL, (._SOURCE_REALTIME_TIMESTAMP // .__REALTIME_TIMESTAMP) + "000", .__REALTIME_TIMESTAMP + "000", .CONTAINER_EVENT] | @tsv' >"$1"
}
# lat KILLS EVENTS: per id, event - kill, in ms (first event per id). Stamps are cut to their last
# 12 digits (1000 s) so that awk's doubles hold them exactly.
lat() {
        awk 'function t(s) { return substr(s, length(s) - 11) + 0 }
             NR == FNR { k[$1] = t($2); next }
             ($1 in k) && !seen[$1]++ { d = t($2) - k[$1]; if (d < -5e11) d += 1e12; printf "%.4f\n", d / 1e6 }' "$1" "$2"
}
# span_ms A_NS B_NS: B - A in ms
span_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (substr(b, 8) - substr(a, 8)) / 1e6 }'; }
# exit_sources FILE: "N × SOURCE, ..." of the EXIT_STATUS_SOURCE values in a --json file
exit_sources() {
        grep -o '"EXIT_STATUS_SOURCE":"[a-z]*"' "$1" | sort | uniq -c |
                awk '{ printf "%s%s × %s", s, $1, substr($2, 23, length($2) - 23); s = ", " }'
}

# ------------------------------------------------------------------ the daemon's process
proc_cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
# proc_slices PID: how many times it was put on a CPU (schedstat's third field): its wake-ups
proc_slices() { awk '{ print $3 }' "/proc/$1/schedstat"; }
proc_ctxt() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
proc_rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
proc_ticks_ns() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1e9 / hz }' "/proc/$1/stat"; }
proc_threads() { awk '/^Threads/ { print $2 }' "/proc/$1/status"; }
proc_fds() { ls "/proc/$1/fd" | wc -l; }

# Profiles where a target may be missed: system-wide cpu-clock samples (the daemon may not exist yet
# when they start), reported for the daemon's threads only (DPID when perf_stop runs), into
# $W/perf.NAME.txt.
# HAVE_PERF is set by bench_main before bench_run.
HAVE_PERF=0
perf_start() {         # NAME [HZ]
        [ "$HAVE_PERF" = 1 ] || return 0
        perf record -q -a -g -e cpu-clock -F "${2:-1999}" -o "$W/perf.$1.data" >/dev/null 2>&1 &
        PERF_PID=$!
        sleep 0.5
}
perf_stop() {
        [ "$HAVE_PERF" = 1 ] || return 0
        kill -INT "$PERF_PID" 2>/dev/null
        wait "$PERF_PID" 2>/dev/null
        PERF_PID=
        # --pid, not --comm: other daemons on a shared machine have the same name
        perf report -i "$W/perf.$1.data" --pid "$DPID" --no-children --sort dso,sym -g none \
                --percentage relative --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 \
                >"$W/perf.$1.txt"
        # BENCH_KEEP_PERF=1 keeps the data for a closer look (perf report -i ... --pid ... -g caller)
        [ "${BENCH_KEEP_PERF:-0}" = 1 ] || rm -f "$W/perf.$1.data"
}
# perf_block NAME TEXT: the profile NAME as a paragraph and a code block, if there is one
perf_block() {
        [ -s "$W/perf.$1.txt" ] || return 0
        printf '%s\n\n' "\`perf record -a -g -e cpu-clock\`, the daemon's samples by self cost (share of the daemon's samples), $2:"
        printf '\x60\x60\x60\n'
        cat "$W/perf.$1.txt"
        printf '\x60\x60\x60\n\n'
}

# ------------------------------------------------------------------ real containers
docker_ok() { docker info >/dev/null 2>&1; }
# docker_step FN: run a benchmark's Docker part FN (which sets D_FAIL when it fails) unless Docker
# is not there; D_NOTE (a result) says why it did not run or failed, empty when it ran.
docker_step() {
        D_NOTE=
        if [ "$DOCKER" != 1 ]; then
                D_NOTE="Docker was not used in this run (--no-docker, or no dockerd answered at its start)"
        elif ! wait_for 60 docker_ok; then
                # dockerd is shared with other work on the machine and may be restarting: wait for it.
                D_NOTE="dockerd was not reachable when the Docker step ran"
        elif ! "$1"; then
                D_NOTE="the Docker step failed: $D_FAIL"
        fi
        [ -n "$D_NOTE" ] && log "docker: skipped: $D_NOTE"
        result D_NOTE "$D_NOTE"
}
# For a bench_cleanup_hook: this run's Docker containers (label $LABEL), and the runc containers
# left in $RROOT.
docker_cleanup() {
        [ "$DOCKER" = 1 ] && docker ps -aq --filter "label=$LABEL" | xargs -r -n 50 docker rm -f >/dev/null 2>&1
        return 0
}
runc_cleanup() {
        if [ -n "${RROOT:-}" ] && [ -d "$RROOT" ]; then
                find "$RROOT" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
                        RROOT=$RROOT xargs -r -P 4 -n 20 sh -c 'for id; do runc --root "$RROOT" delete -f "$id" >/dev/null 2>&1; done' sh
        fi
        return 0
}

# ------------------------------------------------------------------ statistics (issue 17, item 7)
# stats: reads values, prints "median p90 p99 max n" (nearest rank over every value; "-" when empty)
stats() {
        sort -g | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) { print "- - - - 0"; exit }
                split("0.5 0.9 0.99", q, " ")
                for (i = 1; i <= 3; i++) { r = int(q[i] * n); if (r < q[i] * n) r++; if (r < 1) r = 1; o = o sprintf("%.3f ", v[r]) }
                printf "%s%.3f %d\n", o, v[n], n }'
}
# pct FILE Q: the nearest-rank quantile Q (0.5, 0.9, 0.99) of FILE, or "nan" where n is too small for
# it to mean anything: p90 needs n >= 10, p99 n >= 100 (below that it is the maximum or next to it).
pct() {
        [ -s "$1" ] || { echo nan; return; }
        sort -g "$1" | awk -v q="$2" '{ v[NR] = $1 } END {
                n = NR; if ((q == 0.9 && n < 10) || (q == 0.99 && n < 100)) { print "nan"; exit }
                r = int(q * n); if (r < q * n) r++; if (r < 1) r = 1; printf "%.3f\n", v[r] }'
}
med() { pct "$1" 0.5; }
count() { if [ -s "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# table LABEL FILE [LABEL FILE ...]: a Markdown table of latency distributions (ms), n first; p90 only
# where n >= 10 and p99 only where n >= 100, so that no maximum passes for a percentile; a line
# under the table says so when it applies.
table() {
        local small=0 label file m p9 p99 mx n
        printf '| measure (ms) | n | median | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n'
        while [ $# -ge 2 ]; do
                label=$1 file=$2
                shift 2
                if [ ! -s "$file" ]; then
                        printf '| %s | 0 | – | – | – | – |\n' "$label"
                        continue
                fi
                read -r m p9 p99 mx n <<<"$(stats <"$file")"
                [ "$n" -lt 10 ] && p9=–
                [ "$n" -lt 100 ] && { p99=–; small=1; }
                printf '| %s | %d | %s | %s | %s | %s |\n' "$label" "$n" "$m" "$p9" "$p99" "$mx"
        done
        [ "$small" = 1 ] && printf '\n%s\n' "(No p99 where n < 100, no p90 where n < 10: the max column is the largest value.)"
        return 0
}
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }
# verdict 1|0|nan: met / missed / not measured
verdict() { case $1 in 1) echo "**met**" ;; 0) echo "**missed**" ;; *) echo "not measured" ;; esac; }
# ok EXPR: 1 if the awk expression holds, 0 if not, nan when it uses a figure that is "nan" or empty
ok() { case " $1 " in *nan*|*"  "*) echo nan ;; *) calc '%d' "$1" ;; esac; }

# ------------------------------------------------------------------ dispatch
bench_cleanup() {
        local p
        for p in "${CLEAN_PIDS[@]}"; do kill "$p" 2>/dev/null; done
        [ -n "${SI_PID:-}" ] && kill "$SI_PID" 2>/dev/null
        [ -n "${PERF_PID:-}" ] && kill -INT "$PERF_PID" 2>/dev/null
        if declare -F bench_cleanup_hook >/dev/null; then bench_cleanup_hook; fi
        return 0
}
bench_main() {
        case ${1:-run} in
        run)
                [ -n "${BENCH_WORK:-}" ] || fail "run me through tests/bench/run-all.sh --only $BENCH_NAME"
                W=$BENCH_WORK/$BENCH_NAME
                R=$W/raw
                mkdir -p "$R"
                : >"$W/results.env"
                command -v perf >/dev/null && perf record -q -e cpu-clock -o /dev/null -- true >/dev/null 2>&1 && HAVE_PERF=1
                trap bench_cleanup EXIT
                # A benchmark fails by calling fail (exit 1); whatever its last command returned
                # (a grep that found nothing, a pipe that head closed) is not a failure.
                bench_run
                exit 0
                ;;
        report|targets)
                W=$2
                R=$W/raw
                # shellcheck disable=SC1091
                . "$W/results.env"
                if [ "$1" = report ]; then bench_report; elif declare -F bench_targets >/dev/null; then bench_targets; fi
                ;;
        *) echo "usage: $0 [run | report DIR | targets DIR]" >&2; exit 1 ;;
        esac
}
