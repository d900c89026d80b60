#!/bin/bash
# SPDX-License-Identifier: MIT
#
# report.sh WORKDIR [DOCSDIR]: docs/BENCHMARKS.md (on stdout) from one run of tests/bench/run-all.sh.
# Every word and figure comes from WORKDIR: run.env (the command, the machine's limits), sections
# ("NAME STATUS SECONDS" per benchmark, in run order) and each benchmark's directory, rendered by the
# benchmark's own script (tests/bench/NAME.sh report|targets DIR, see tests/bench/lib.sh). A
# benchmark without a script or directory gets no section; one that failed gets a line saying so.
# Can be re-run by hand on a kept work directory.
set -uo pipefail
W=$1
DOCS=${2:-$W/docs}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
. "$W/run.env"
export BENCH_DOCS=$DOCS BENCH_WORK=$W

gitrev=$(git -C "$HERE" describe --always --dirty 2>/dev/null)
runc_v=$(runc --version 2>/dev/null | head -1)
docker_v=
[ "$DOCKER" = 1 ] && docker_v=$(docker version --format '{{.Server.Version}}' 2>/dev/null)

ran() { [ "$2" = 0 ] && [ -f "$HERE/$1.sh" ] && [ -f "$W/$1/results.env" ]; }

echo "# container-watchd benchmarks"
echo
echo "Every figure and sentence on this page was generated from one run of this command:"
echo
echo '```'
[ -n "${BENCH_VIA:-}" ] && echo "$BENCH_VIA    # which ran:"
echo "$BENCH_CMD"
echo '```'
echo
printf 'started %s, %s s in all%s, on the machine below at git %s. Raw data: `%s` on that machine.\n' \
        "$BENCH_STARTED" "$BENCH_SECONDS" \
        "$([ "$QUICK" = 1 ] && echo ", **quick mode (small N: a smoke run, not reference figures)**")" "$gitrev" "$W"
echo "Nothing here is asserted by a test."
echo
cat <<EOT
## Machine

| | |
|---|---|
| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores |
| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |
| libraries | libsystemd $(dpkg-query -W -f '${Version}' libsystemd0 2>/dev/null), jansson $(dpkg-query -W -f '${Version}' libjansson4 2>/dev/null), libinotifytools $(dpkg-query -W -f '${Version}' libinotifytools0 2>/dev/null) |
| runtimes | $runc_v; Docker ${docker_v:-not used in this run} |
| daemon | \`$DAEMON\` |
| load average (1, 5, 15 min) | $LOAD_START at the start, $LOAD_END at the end |
| open-file hard limit | $NOFILE_HARD ($([ "$NOFILE_RAISABLE" = yes ] && echo "raisable: the benchmarks raise it" || echo "not raisable here: no \`CAP_SYS_RESOURCE\`")) |

## Targets

| measure | target | measured | verdict |
|---|---|---|---|
EOT
while read -r name rc secs; do
        ran "$name" "$rc" && bash "$HERE/$name.sh" targets "$W/$name"
done <"$W/sections"
echo
echo "## What each benchmark cost"
echo
echo "| benchmark | script | wall time (s) | status |"
echo "|---|---|---:|---|"
while read -r name rc secs; do
        if [ "$rc" = 0 ]; then st=ok; else st="**failed** (exit $rc): $(grep -v '^$' "$W/$name.log" 2>/dev/null | tail -1 | sed 's/|/\\|/g')"; fi
        echo "| $name | \`tests/bench/$name.sh\` | $secs | $st |"
done <"$W/sections"
echo
while read -r name rc secs; do
        ran "$name" "$rc" || continue
        bash "$HERE/$name.sh" report "$W/$name"
done <"$W/sections"
cat <<'EOT'
## How it is measured

- Latency: each kill is stamped (CLOCK_REALTIME) just before `kill(PID, SIGKILL)`; each consumer
  stamps what it receives on the same clock (`stamp-lines` for the daemon's `--json` stdout and for
  `docker events`; journald's `_SOURCE_REALTIME_TIMESTAMP` and `__REALTIME_TIMESTAMP`, read back with
  `journalctl -o json` from a private journald in a private mount namespace with
  `RateLimitIntervalSec=0`; `pidfd-ref`, the floor: `pidfd_open` + epoll).
- Statistics: nearest-rank percentiles over every event of a run; n is given for each row; a p90 is
  given only where n ≥ 10 and a p99 only where n ≥ 100, else the maximum stands as the maximum.
- CPU: the daemon's `/proc/PID/schedstat` (time on CPU, and the number of times it was scheduled in:
  its wake-ups); memory: `VmRSS`.
- Tools (tests/bench/): `spawn-inits` (fake containers: clone()d children with runc-format state
  files), `pidfd-ref`, `poll-watch` (`kill -0` at an interval), `stamp-lines`, `notify-stamp` (stamps
  the daemon's sd_notify messages: `READY=1`, `WATCHDOG=1`), `kill-stamp` (kills other processes'
  children: real containers' inits).
EOT
