# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Debian's prometheus-node-exporter for the metrics tests (issue 16): started by the test on a free
# loopback port with its textfile collector reading the daemon's metrics directory, scraped with
# curl, and promtool (Debian "prometheus") to check what it serves. Source after common.sh.
#
#   require_metrics_tools
#   start_node_exporter DIR     sets NODE_EXPORTER_URL (stopped at exit)
#   scrape FILE                 what node_exporter serves now, into FILE
#   metric FILE NAME [LABELS]   the value of the sample NAME{LABELS} in FILE ("" when absent);
#                               LABELS exactly as written, e.g. 'event="started",manager="runc"'
#   wait_metric NAME LABELS VALUE [TIMEOUT]   scrape until the sample has VALUE
#   metrics_config FILE DIR [KEY=VALUE...]    a configuration with MetricsTextfile=DIR/container-watchd.prom

NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
NODE_EXPORTER_URL=
NODE_EXPORTER_PID=

require_metrics_tools() {
        require_cmd "$NODE_EXPORTER" promtool curl python3
}

# A free TCP port on 127.0.0.1 (the kernel's choice; the bind below retries if it is taken meanwhile).
_free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_node_exporter_answers() {
        curl -fsS -o /dev/null "$NODE_EXPORTER_URL"
}

start_node_exporter() {
        local dir=$1 port try
        for try in 1 2 3; do
                port=$(_free_port) || fail "no free port on 127.0.0.1"
                NODE_EXPORTER_URL=http://127.0.0.1:$port/metrics
                # Only the textfile collector: what the daemon writes, and node_exporter's verdict on it.
                "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
                        --collector.textfile --collector.textfile.directory="$dir" \
                        >"$TEST_TMP/node-exporter.$try.log" 2>&1 &
                NODE_EXPORTER_PID=$!
                CLEANUP_PIDS+=("$NODE_EXPORTER_PID")
                if wait_for 10 _node_exporter_answers; then
                        note "node_exporter on $NODE_EXPORTER_URL (pid $NODE_EXPORTER_PID), textfiles in $dir"
                        return 0
                fi
                stop_pid "$NODE_EXPORTER_PID"
        done
        fail "node_exporter did not answer: $(cat "$TEST_TMP/node-exporter.$try.log")"
}

scrape() {
        curl -fsS -o "$1" "$NODE_EXPORTER_URL" || fail "cannot scrape $NODE_EXPORTER_URL"
}

metric() {
        local want=$2
        [ -n "${3:-}" ] && want="$2{$3}"
        awk -v w="$want" '$1 == w { print $2; exit }' "$1"
}

_metric_is() {
        scrape "$TEST_TMP/scrape.wait"
        [ "$(metric "$TEST_TMP/scrape.wait" "$1" "$2")" = "$3" ]
}

wait_metric() {
        wait_for "${4:-$EVENT_TIMEOUT}" _metric_is "$1" "$2" "$3" ||
                fail "$1{$2} is '$(metric "$TEST_TMP/scrape.wait" "$1" "$2")', not '$3', after ${4:-$EVENT_TIMEOUT}s"
}

# assert_promtool_clean FILE: promtool check metrics has nothing to say about FILE.
assert_promtool_clean() {
        local out
        out=$(promtool check metrics <"$1" 2>&1) || fail "promtool check metrics fails on $1: $out"
        [ -z "$out" ] || fail "promtool check metrics on $1: $out"
}

metrics_config() {
        local file=$1 dir=$2
        shift 2
        {
                printf '[Alert]\nMetricsTextfile=%s/container-watchd.prom\n' "$dir"
                printf '%s\n' "$@"
        } >"$file"
}
