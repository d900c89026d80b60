#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "compaction" (tests/bench/lib.sh): how long the record's compaction holds the daemon's
# loop with N_COMPACT containers to describe (tests/bench/record-compact: the daemon's own
# record_compact(), CLOCK_MONOTONIC around the call). The daemon compacts in its loop at start-up
# and whenever the record has grown past twice what it describes plus 1,024 lines. The record is
# written where the host keeps /var/lib (its fsync() is part of the cost), in a private directory.
. "$(dirname "$0")/lib.sh"

bench_run() {
        local dir
        if [ "$QUICK" = 1 ]; then N_COMPACT=2000 COMPACT_ROUNDS=5; else N_COMPACT=10000 COMPACT_ROUNDS=20; fi
        results N_COMPACT COMPACT_ROUNDS
        [ -x "$BIN/record-compact" ] || fail "$BIN/record-compact is not built"
        mkdir -p /var/lib
        dir=$(mktemp -d /var/lib/cw-bench-compact.XXXXXX) || fail "no directory under /var/lib"
        result COMPACT_FS "$(stat -f -c %T "$dir")"
        log "compaction of a record of $N_COMPACT containers, $COMPACT_ROUNDS times ($COMPACT_FS)"
        "$BIN/record-compact" "$dir" "$N_COMPACT" "$COMPACT_ROUNDS" >"$W/compact.txt" || { rm -rf "$dir"; fail "record-compact"; }
        rm -rf "$dir"
        awk '{ print $4 / 1000 }' "$W/compact.txt" >"$W/compact.ms"
        result COMPACT_BYTES "$(awk '{ b = $3 } END { print b }' "$W/compact.txt")"
}

bench_targets() {
        echo "| loop stall of one record compaction, $N_COMPACT containers | reported | median $(med "$W/compact.ms") ms, max $(pct "$W/compact.ms" 1) ms (n = $COMPACT_ROUNDS) | – |"
}

bench_report() {
        cat <<EOT
## Record compaction: the loop's stall with $N_COMPACT containers

The record of reported events is written anew (a temporary file written in 64 KB chunks, fsync'd,
renamed over the old one) at start-up and whenever it has grown past twice what it describes plus
1,024 lines; the daemon does it in its loop, so this is how long the loop stops. Measured with the
daemon's own \`record_compact()\` (\`tests/bench/record-compact\`), $N_COMPACT entries with
Docker-like identities ($COMPACT_BYTES bytes of record), $COMPACT_ROUNDS rounds, on $COMPACT_FS (as \`stat -f\` names it;
the file system of the host's \`/var/lib\`).

EOT
        table "record_compact(), $N_COMPACT entries" "$W/compact.ms"
        echo
}

bench_main "$@"
