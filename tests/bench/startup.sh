#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "startup" (tests/bench/lib.sh): from fork+exec of the daemon to READY=1 with N_SCALE
# existing fake containers (spawn-inits), journal and console targets, and an extra profiled run
# of each of the first two kinds (not timed):
#   runc      runc-size state files in a plain root
#   docker    Docker-size state files under .../runtime-runc/moby, each with its config.v2.json
#             (tests/fixtures/docker/config.v2.json, its Name the container's own), read for its name
#   restart   the same Docker containers, the daemon started again on the record of the first
#             docker run: every container found is one it reported already (no started entries)
#   podman    runc-size state files labelled as Podman's (io.container.manager=libpod, bundles in a
#             graph root) and one containers.json naming all N_SCALE of them
. "$(dirname "$0")/lib.sh"

# record_has FILE N: the record has at least N lines
record_has() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# cpu_ms NAME: the daemon's CPU time (user + system, every thread) when it said READY=1
cpu_ms() { awk '$1 == "cpu" { printf "%.1f", $2 / 1e6; f = 1; exit } END { if (!f) print "-" }' "$R/$1.notify"; }

# su_runs KIND TARGET RUNS ROOT: timed start-ups into $W/startup.tsv ("KIND TARGET I MS RSS STARTED CPU_MS")
su_runs() {
        local kind=$1 target=$2 runs=$3 root=$4 i name
        for i in $(seq "$runs"); do
                name=su-$kind-$target-$i
                daemon_start "$name" "$target" "$root"
                echo "$kind $target $i $(ready_ms "$name") $(proc_rss_kb "$DPID") $(grep -c '"started"' "$R/$name.json") $(cpu_ms "$name")" >>"$W/startup.tsv"
                log "   $kind, $target: READY after $(ready_ms "$name") ms"
                if [ "$kind" = docker ] && [ "$target" = journal ] && [ "$i" = 1 ]; then
                        # the restart runs start from this record: wait until it names every
                        # container (it is written once the journal has taken every started entry)
                        wait_for 120 record_has "$W/state/$name/reported" "$((N_SCALE + 1))" ||
                                log "the record of $name names fewer than $N_SCALE containers"
                fi
                daemon_stop
        done
}

bench_run() {
        local root=$BENCH_ROOTS/startup droot=$BENCH_ROOTS/startup-docker proot=$BENCH_ROOTS/startup-podman
        local moby
        if [ "$QUICK" = 1 ]; then N_SCALE=2000 STARTUP_RUNS=1; else N_SCALE=10000 STARTUP_RUNS=3; fi
        DOCKER_SIZE=30720
        results N_SCALE STARTUP_RUNS DOCKER_SIZE
        ulimit -Hn 1048576 2>/dev/null || ulimit -Hn 262144 2>/dev/null || true
        ulimit -n "$(ulimit -Hn)"
        log "start-up with $N_SCALE existing containers"
        : >"$W/startup.tsv"

        # runc-size
        si_start "$root" "$R/su.stamps"
        si spawn "$N_SCALE"
        result STATE_SIZE_RUNC "$(stat -c %s "$(ls -d "$root"/*/state.json | head -1)")"
        if [ "$HAVE_PERF" = 1 ]; then      # one extra, profiled run, not timed
                perf_start startup-runc
                daemon_start su-runc-prof journal "$root"
                perf_stop startup-runc
                daemon_stop
        fi
        su_runs runc journal "$STARTUP_RUNS" "$root"
        su_runs runc console 1 "$root"
        si_quit

        # Docker-size, with config.v2.json; then the restart on the record of the first run
        moby=$droot/runtime-runc/moby
        mkdir -p "$droot"
        printf '[Watch]\nDockerDataRoot=%s\n' "$droot/data" >"$W/docker.conf"
        si_start "$moby" "$R/su-docker.stamps" -s "$DOCKER_SIZE" --docker-data "$droot/data" \
                --docker-config "$BENCH_SRC/tests/fixtures/docker/config.v2.json"
        si spawn "$N_SCALE"
        result STATE_SIZE_DOCKER "$(stat -c %s "$(ls -d "$moby"/*/state.json | head -1)")"
        result CONFIG_SIZE_DOCKER "$(stat -c %s "$(ls -d "$droot"/data/containers/*/config.v2.json | head -1)")"
        DAEMON_CONF=$W/docker.conf
        if [ "$HAVE_PERF" = 1 ]; then
                perf_start startup-docker
                daemon_start su-docker-prof journal "$moby"
                perf_stop startup-docker
                daemon_stop
        fi
        su_runs docker journal "$STARTUP_RUNS" "$moby"
        result DOCKER_NAMED "$(grep '"started"' "$R/su-docker-journal-1.json" | grep -c '"CONTAINER_NAME":"cw-')"
        su_runs docker console 1 "$moby"
        DAEMON_STATE_FROM=$W/state/su-docker-journal-1
        su_runs restart journal "$STARTUP_RUNS" "$moby"
        DAEMON_STATE_FROM=
        DAEMON_CONF=
        si_quit

        # Podman: one containers.json for all of them
        mkdir -p "$proot/storage/overlay-containers"
        si_start "$proot/run" "$R/su-podman.stamps" --podman "$proot/storage"
        si spawn "$N_SCALE"
        si list "$W/podman.ids"
        awk 'BEGIN { printf "[" }
             { printf "%s{\"id\":\"%s\",\"names\":[\"cw-%s\"],\"image\":\"%064d\",\"layer\":\"%064d\",", (NR > 1 ? "," : ""), $1, substr($1, 1, 12), NR, NR
               printf "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/cw-bench:latest\\\",\\\"name\\\":\\\"cw-%s\\\",\\\"created-at\\\":1795914148}\",", substr($1, 1, 12)
               printf "\"created\":\"2026-12-02T00:00:00.000000000Z\",\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}}" }
             END { print "]" }' "$W/podman.ids" >"$proot/storage/overlay-containers/containers.json"
        result PODMAN_JSON_SIZE "$(stat -c %s "$proot/storage/overlay-containers/containers.json")"
        su_runs podman journal "$STARTUP_RUNS" "$proot/run"
        result PODMAN_NAMED "$(grep '"started"' "$R/su-podman-journal-1.json" | grep -c '"CONTAINER_NAME":"cw-')"
        si_quit
}

su_med() { awk -v s="$1" -v t="$2" '$1 == s && $2 == t { print $4 }' "$W/startup.tsv" >"$W/su.$1.$2.ms"; med "$W/su.$1.$2.ms"; }

bench_targets() {
        local r d
        r=$(su_med runc journal); d=$(su_med docker journal)
        echo "| start-up with $N_SCALE existing, runc-size (median of $STARTUP_RUNS) | \`READY=1\` ≤ 1 s | $r ms | $(verdict "$(ok "$r <= 1000")") |"
        echo "| start-up with $N_SCALE existing Docker containers, Docker-size state and config.v2.json (median of $STARTUP_RUNS) | \`READY=1\` ≤ 1 s | $d ms | $(verdict "$(ok "$d <= 1000")") |"
        echo "| the same, restarted on its record (median of $STARTUP_RUNS) | reported | $(su_med restart journal) ms | – |"
        echo "| start-up with $N_SCALE Podman containers in one containers.json (median of $STARTUP_RUNS) | reported | $(su_med podman journal) ms | – |"
}

bench_report() {
        local kind t
        cat <<EOT
## Start-up with $N_SCALE existing containers

From fork+exec of the daemon to its \`READY=1\` (\`notify-stamp\`), and the daemon's CPU time (user +
system, from \`/proc/PID/task/*/schedstat\`) when READY=1 arrived, which a loaded machine's other
work changes less than the wall time; state roots on tmpfs, as \`/run\` is
on a stock host. runc-size state files are $STATE_SIZE_RUNC bytes, Docker-size $STATE_SIZE_DOCKER bytes
(padding in \`config\`, as Docker's seccomp profile does).

- **runc**: a plain root; a fresh record directory (\`STATE_DIRECTORY\`) each run, so the daemon
  reports and records a \`started\` event for every container it finds, as at its first start on a host.
- **docker**: under \`.../runtime-runc/moby\`, each container with its \`config.v2.json\`
  ($CONFIG_SIZE_DOCKER bytes, \`DockerDataRoot=\`), read for its name and image ($DOCKER_NAMED of the
  $N_SCALE \`started\` entries of the first run carry the name); a fresh record each run.
- **restart**: the same containers, each run on a copy of the record the first docker run left
  (that run is stopped only once its record names every container: the daemon writes it when the
  journal has taken every \`started\` entry): every container is one the daemon reported already,
  so it reports none again.
- **podman**: runc-size state files labelled as Podman's, and one \`containers.json\` of
  $PODMAN_JSON_SIZE bytes naming all $N_SCALE ($PODMAN_NAMED of the first run's \`started\` entries
  carry the name from it); a fresh record each run.

| containers | log target | runs | READY=1 (ms, each run) | median (ms) | CPU until READY (ms, each run) | VmRSS at READY (kB) | \`started\` entries |
|---|---|---:|---|---:|---|---|---|
EOT
        for kind in runc docker restart podman; do
                for t in journal console; do
                        awk -v s="$kind" -v t="$t" -v m="$(su_med "$kind" "$t")" '$1 == s && $2 == t { n++; ms = ms (ms ? ", " : "") $4; kb = kb (kb ? ", " : "") $5; st = st (st ? ", " : "") $6; cpu = cpu (cpu ? ", " : "") ($7 == "" ? "-" : $7) }
                                END { if (n) printf "| %s | %s | %d | %s | %s | %s | %s | %s |\n", s, t, n, ms, (n > 1 ? m : "–"), cpu, kb, st }' "$W/startup.tsv"
                done
        done
        echo
        perf_block startup-runc "start-up with $N_SCALE runc-size state files (an extra, untimed run)"
        perf_block startup-docker "start-up with $N_SCALE Docker containers (an extra, untimed run)"
}

bench_main "$@"
