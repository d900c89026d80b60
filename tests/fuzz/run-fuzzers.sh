#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build the parser fuzz targets with libFuzzer + ASan + UBSan straight from the sources (no
# configure needed) and run each for a fixed time, seeded with the real runtime files in
# tests/fixtures. Fails on any crash, leak, sanitizer report or per-input timeout, and prints the
# executions each target reached.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET] [WORKDIR]
#
#   SECONDS_PER_TARGET  default 60
#   WORKDIR             build dir, corpora and crash artifacts; default a fresh mktemp -d, which is
#                       removed afterwards when everything passed
#   FUZZERS="runc-state proc-stat"   the targets to run (default: every tests/fuzz/fuzz-*.c)
#   CC=clang                                      a clang with libFuzzer
#
# Exit status: 0 all clean; 1 a target failed (artifacts and log are kept in WORKDIR, and the path is
# printed); 77 a tool is missing (clang with -fsanitize=fuzzer, jansson) unless CI=true, where a
# missing tool is a failure (1).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
workdir=${2:-}
# Every fuzz-*.c here is a target; sources() below must know its source list.
fuzzers=${FUZZERS:-$(for f in "$here"/fuzz-*.c; do t=${f##*/fuzz-}; echo "${t%.c}"; done)}
CC=${CC:-clang}

skip() {
        echo "run-fuzzers: SKIP: $*" >&2
        if [ "${CI:-}" = true ]; then
                echo "run-fuzzers: CI=true, so a missing tool is a failure" >&2
                exit 1
        fi
        exit 77
}

case $seconds in
        ''|*[!0-9]*) echo "run-fuzzers: SECONDS_PER_TARGET must be a number, not '$seconds'" >&2; exit 1 ;;
esac

command -v "$CC" >/dev/null 2>&1 || skip "$CC not found (Debian package clang)"
pkg-config --exists jansson 2>/dev/null || skip "jansson not found (Debian package libjansson-dev)"
pkg-config --exists libsystemd 2>/dev/null || skip "libsystemd not found (Debian package libsystemd-dev)"

keep=1
if [ -z "$workdir" ]; then
        workdir=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzzers.XXXXXX")
        keep=0
fi
mkdir -p "$workdir/bin" "$workdir/artifacts"

probe="$workdir/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void) d; (void) n; return 0; }' >"$probe"
"$CC" -fsanitize=fuzzer,address,undefined "$probe" -o "$workdir/bin/probe" >/dev/null 2>&1 ||
        skip "$CC cannot link -fsanitize=fuzzer (clang's libFuzzer runtime is missing)"

CFLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -Wall -Wextra -I$top -I$top/daemon $(pkg-config --cflags jansson libsystemd)"
LIBS=$(pkg-config --libs jansson libsystemd)   # libsystemd: ctl/entry.c's sd-journal reader

# Sources and seeds per target; seeds are whole real files, copied so that libFuzzer may add to
# the corpus without touching the source tree.
sources() {
        case $1 in
                runc-state|crun-status) echo "$top/daemon/runc-state.c $top/daemon/util/json-scan.c" ;;
                json-scan) echo "$top/daemon/util/json-scan.c" ;;
                proc-stat) echo "$top/daemon/util/proc-stat.c $top/daemon/util/exit-status.c $top/daemon/util/time.c" ;;
                config) echo "$top/daemon/config.c $top/daemon/util/strutil.c" ;;
                ctl-live) echo "$top/ctl/live.c $top/ctl/entry.c $top/daemon/util/json-line.c $top/daemon/util/strutil.c $top/daemon/util/time.c" ;;
                *) echo "run-fuzzers: no source list for target '$1': add it to sources() in $0" >&2
                   return 1 ;;
        esac
}
seeds() {
        f=$top/tests/fixtures
        case $1 in
                json-scan) ls "$f"/runc/state.*.json "$f"/docker/*.json "$f"/crun/*config.json "$here"/json-scan.seeds/* ;;
                runc-state) ls "$f"/runc/state.*.json "$f"/docker/state.json "$f"/containerd/*.state.json \
                               "$f"/podman/state.json "$f"/containerd/*.config.json "$f"/podman/config.json ;;
                crun-status) ls "$f"/crun/status.* "$f"/crun/*config.json "$f"/containerd/*.config.json \
                                "$f"/docker/config.json ;;
                proc-stat) ls "$f"/*/proc-stat*.txt ;;
                config) ls "$top"/conf/*.conf ;;
                ctl-live) ls "$here"/ctl-live.seeds/* ;;
        esac
}
dict() {
        case $1 in
                proc-stat) echo "-dict=$here/proc-stat.dict" ;;
                runc-state|crun-status|json-scan) echo "-dict=$here/state.dict" ;;
                *) ;;
        esac
}

failed=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

for t in $fuzzers; do
        bin="$workdir/bin/fuzz-$t"
        corpus="$workdir/corpus/$t"
        log="$workdir/fuzz-$t.log"

        if ! srcs=$(sources "$t"); then
                failed=1
                continue
        fi
        # shellcheck disable=SC2046,SC2086
        if ! "$CC" $CFLAGS "$here/fuzz-$t.c" $srcs $LIBS -o "$bin"; then
                echo "run-fuzzers: $t: build FAILED" >&2
                failed=1
                continue
        fi

        mkdir -p "$corpus"
        for s in $(seeds "$t" 2>/dev/null); do   # docker/ and podman/ both have a state.json: keep the folder
                cp "$s" "$corpus/$(basename "$(dirname "$s")")-$(basename "$s")"
        done

        # The largest seed (docker's 30 KB state.json) sets the input size; allow well beyond it.
        if "$bin" "$corpus" \
                -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
                $(dict "$t") -artifact_prefix="$workdir/artifacts/$t-" \
                -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 >"$log" 2>&1; then
                status=ok
        else
                status=FAILED
                failed=1
        fi

        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        corp=$(find "$corpus" -type f | wc -l)
        echo "run-fuzzers: $t: $status, ${execs:-?} executions in ${seconds}s, ${cov:-cov: ?}, corpus $corp files"
        if [ "$status" != ok ]; then
                grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$log" | head -n 20 >&2 || true
                echo "run-fuzzers: $t: full log in $log" >&2
        fi
done

if [ "$failed" -ne 0 ]; then
        echo "run-fuzzers: FAILED; artifacts and logs kept in $workdir" >&2
        exit 1
fi
if [ "$keep" -eq 0 ]; then
        rm -rf "$workdir"
fi
exit 0
