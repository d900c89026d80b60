# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What tests/vm/scenarios.sh must have produced, per kernel feature (tests/vm/README.md has the
# table). Source after tests/lib/common.sh; then `vm_check_scenarios OUTDIR`.
#
# The one kernel feature that decides what is knowable here is PIDFD_INFO_EXIT (Linux 6.15,
# FACTS.md 1.8). The inits are orphans reaped at once by vm-reaper (as containerd-shim reaps):
#   - with it, every live exit has its exact status (EXIT_STATUS_SOURCE pidfd, or proc when the
#     daemon read the zombie's /proc/PID/stat first);
#   - without it (6.1), a live exit has its exact status from proc when the daemon wins the race
#     against the reaper, and otherwise EXIT_CODE=unknown with EXIT_STATUS_SOURCE=none and no
#     EXIT_STATUS: never a wrong status. A plain runc container has no manager that writes its
#     exit down, so nothing else can know it.
# Both ways: OOM_KILLED=1 exactly for the init killed by its own memory limit when its SIGKILL is
# known (DESIGN.md §3: the verdict needs the signal), else 0; one `oom` entry for the OOM-killed
# child and none for the OOM-killed init; the restart catch-up exit is late and unknown (plain
# runc records no status anywhere); one `started` and one `exited` per container.

VM_EXIT_KNOWN=0
VM_EXIT_UNKNOWN=0

# _vm_events OUTDIR ID EVENT: every EVENT entry of ID over all daemon runs, compact JSON lines.
_vm_events() {
        cat "$1"/daemon.*.out | jq -c --arg id "$2" --arg ev "$3" \
                'select(.CONTAINER_ID_FULL == $id and .CONTAINER_EVENT == $ev)'
}

# _vm_field OUTDIR ID EVENT FIELD: FIELD of the first EVENT entry of ID ("" when absent).
_vm_field() {
        _vm_events "$1" "$2" "$3" | head -n 1 | jq -r --arg f "$4" '.[$f] // ""'
}

# vm_kernel_has_pidfd_info_exit RELEASE: the kernel release is 6.15 or later.
vm_kernel_has_pidfd_info_exit() {
        local major minor
        IFS=. read -r major minor _ <<<"$1"
        minor=${minor%%[!0-9]*}
        (( major > 6 || (major == 6 && minor >= 15) ))
}

# _vm_check_exit OUTDIR LABEL CODE_ERE STATUS SIGNAL: the live exit of LABEL.
_vm_check_exit() {
        local out=$1 label=$2 code_re=$3 status=$4 signal=$5 id code src
        id=$(awk -v l="$label" '$1 == l { print $2 }' "$out/containers.tsv")
        [ -n "$id" ] || fail "$label: no container in containers.tsv"
        assert_eq "$(_vm_events "$out" "$id" started | wc -l)" 1 "$label: number of started entries"
        assert_eq "$(_vm_events "$out" "$id" exited | wc -l)" 1 "$label: number of exited entries"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_OBSERVED)" live "$label: EXIT_OBSERVED"
        code=$(_vm_field "$out" "$id" exited EXIT_CODE)
        src=$(_vm_field "$out" "$id" exited EXIT_STATUS_SOURCE)
        if [ "$code" = unknown ]; then
                [ "$VM_INFO_EXIT" = 0 ] ||
                        fail "$label: EXIT_CODE=unknown on a kernel with PIDFD_INFO_EXIT"
                assert_eq "$src" none "$label: EXIT_STATUS_SOURCE of an unknown status"
                _vm_events "$out" "$id" exited | head -n 1 | jq -e 'has("EXIT_STATUS") | not' >/dev/null ||
                        fail "$label: an unknown status with an EXIT_STATUS"
                assert_eq "$(_vm_field "$out" "$id" exited EXIT_SIGNAL)" "" "$label: EXIT_SIGNAL of an unknown status"
                VM_EXIT_UNKNOWN=$((VM_EXIT_UNKNOWN + 1))
                note "$label: unknown (the reaper won the race for /proc/PID/stat)"
        else
                assert_match "$code" "^($code_re)\$" "$label: EXIT_CODE"
                assert_eq "$(_vm_field "$out" "$id" exited EXIT_STATUS)" "$status" "$label: EXIT_STATUS"
                assert_eq "$(_vm_field "$out" "$id" exited EXIT_SIGNAL)" "$signal" "$label: EXIT_SIGNAL"
                assert_match "$src" '^(pidfd|proc|probe)$' "$label: EXIT_STATUS_SOURCE"
                VM_EXIT_KNOWN=$((VM_EXIT_KNOWN + 1))
                note "$label: $code $status (source $src)"
        fi
}

# vm_check_scenarios OUTDIR: judge what scenarios.sh wrote into OUTDIR.
vm_check_scenarios() {
        local out=$1 rel id code
        [ -e "$out/done" ] || fail "the scenario script did not finish (see guest.log)"
        rel=$(cat "$out/kernel")
        VM_INFO_EXIT=0
        vm_kernel_has_pidfd_info_exit "$rel" && VM_INFO_EXIT=1
        note "kernel $rel: PIDFD_INFO_EXIT $([ "$VM_INFO_EXIT" = 1 ] && echo yes || echo no)"

        _vm_check_exit "$out" exit0 exited 0 ""
        _vm_check_exit "$out" exit3 exited 3 ""
        _vm_check_exit "$out" term exited 143 ""
        _vm_check_exit "$out" sigkill killed 9 SIGKILL
        _vm_check_exit "$out" segv 'killed|dumped' 11 SIGSEGV
        _vm_check_exit "$out" oom-init killed 9 SIGKILL
        _vm_check_exit "$out" oom-child exited 0 ""

        for label in exit0 exit3 term sigkill segv oom-child; do
                id=$(awk -v l="$label" '$1 == l { print $2 }' "$out/containers.tsv")
                assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 0 "$label: OOM_KILLED"
        done

        # The init killed by its own memory limit.
        id=$(awk '$1 == "oom-init" { print $2 }' "$out/containers.tsv")
        code=$(_vm_field "$out" "$id" exited EXIT_CODE)
        if [ "$code" = unknown ]; then
                assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 0 "oom-init: OOM_KILLED with an unknown status"
        else
                assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 1 "oom-init: OOM_KILLED"
                assert_eq "$(_vm_field "$out" "$id" exited PRIORITY)" 3 "oom-init: PRIORITY"
        fi
        assert_eq "$(_vm_events "$out" "$id" oom | wc -l)" 0 "oom-init: number of oom entries (the init itself died)"

        # A child OOM-killed while the init lived on.
        assert_eq "$(cat "$out/dd-status.oom-child")" 137 "oom-child: exit status of the OOM-killed dd"
        id=$(awk '$1 == "oom-child" { print $2 }' "$out/containers.tsv")
        assert_eq "$(_vm_events "$out" "$id" oom | wc -l)" 1 "oom-child: number of oom entries"
        assert_eq "$(_vm_field "$out" "$id" oom PRIORITY)" 3 "oom-child: PRIORITY of the oom entry"

        # Restart catch-up.
        id=$(awk '$1 == "late" { print $2 }' "$out/containers.tsv")
        assert_eq "$(_vm_events "$out" "$id" started | wc -l)" 1 "late: number of started entries"
        assert_eq "$(_vm_events "$out" "$id" exited | wc -l)" 1 "late: number of exited entries"
        [ "$(cat "$out"/daemon.2.out | jq -r --arg id "$id" 'select(.CONTAINER_ID_FULL == $id) | .CONTAINER_EVENT')" = exited ] ||
                fail "late: the exit was not reported by the second daemon run"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_OBSERVED)" late "late: EXIT_OBSERVED"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_CODE)" unknown "late: EXIT_CODE (plain runc records no status)"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_STATUS_SOURCE)" none "late: EXIT_STATUS_SOURCE"
        assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 0 "late: OOM_KILLED"

        note "live exits on $rel: $VM_EXIT_KNOWN known, $VM_EXIT_UNKNOWN unknown (of 7)"
}

# _vm_docker_exit OUTDIR LABEL CODE_ERE STATUS SIGNAL DOCKER_EXIT: the live exit of a Docker
# container. Docker writes every exit down (config.v2.json State), so the status is never unknown:
# from /proc/PID/stat when the daemon read the zombie first (6.1 has no PIDFD_INFO_EXIT and
# docker-scenarios.sh runs the daemon with KernelProbe=no), else from Docker's record (runtime),
# waited for up to ReapTimeoutSec= (docker-scenarios.sh: 15 s, the host's 2 s scaled to TCG, where
# dockerd wrote exits down up to 3.3 s after them and the default 2 s lost 1-2 of 6 exits in 2 of
# 4 runs). Docker's ExitCode must agree.
_vm_docker_exit() {
        local out=$1 label=$2 code_re=$3 status=$4 signal=$5 dexit=$6 id code src
        id=$(awk -v l="$label" '$1 == l { print $2 }' "$out/containers.tsv")
        [ -n "$id" ] || fail "$label: no container in containers.tsv"
        assert_eq "$(_vm_events "$out" "$id" started | wc -l)" 1 "$label: number of started entries"
        assert_eq "$(_vm_events "$out" "$id" exited | wc -l)" 1 "$label: number of exited entries"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_OBSERVED)" live "$label: EXIT_OBSERVED"
        code=$(_vm_field "$out" "$id" exited EXIT_CODE)
        src=$(_vm_field "$out" "$id" exited EXIT_STATUS_SOURCE)
        assert_eq "$(awk -v l="$label" '$1 == l { print $2 }' "$out/docker.tsv")" "$dexit" "$label: Docker's ExitCode"
        assert_match "$code" "^($code_re)\$" "$label: EXIT_CODE (source $src)"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_STATUS)" "$status" "$label: EXIT_STATUS"
        assert_eq "$(_vm_field "$out" "$id" exited EXIT_SIGNAL)" "$signal" "$label: EXIT_SIGNAL"
        assert_match "$src" '^(proc|runtime)$' "$label: EXIT_STATUS_SOURCE (KernelProbe=no, no PIDFD_INFO_EXIT)"
        VM_DOCKER_SOURCES+=("$label:$src")
        note "$label: $code $status (source $src; Docker: $dexit)"
}

# vm_check_docker_scenarios OUTDIR: judge what docker-scenarios.sh wrote into OUTDIR.
vm_check_docker_scenarios() {
        local out=$1 id label code
        VM_DOCKER_SOURCES=()
        [ -e "$out/done" ] || fail "the Docker scenario script did not finish (see guest.log)"
        _vm_docker_exit "$out" exit3 exited 3 "" 3
        # A trapped SIGTERM's exit 143: exited 143 from the kernel; Docker's record says 143 too,
        # which cannot be told from a death by SIGTERM (runtime-exit.c reads 129-192 as signals).
        code=$(_vm_field "$out" "$(awk '$1 == "term" { print $2 }' "$out/containers.tsv")" exited EXIT_CODE)
        if [ "$code" = killed ]; then
                _vm_docker_exit "$out" term killed 15 SIGTERM 143
        else
                _vm_docker_exit "$out" term exited 143 "" 143
        fi
        _vm_docker_exit "$out" sigkill killed 9 SIGKILL 137
        _vm_docker_exit "$out" segv 'killed|dumped' 11 SIGSEGV 139
        _vm_docker_exit "$out" oom-init killed 9 SIGKILL 137
        _vm_docker_exit "$out" oom-child exited 0 "" 0

        for label in exit3 term sigkill segv oom-child; do
                id=$(awk -v l="$label" '$1 == l { print $2 }' "$out/containers.tsv")
                assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 0 "$label: OOM_KILLED"
        done
        # The init killed by its own memory limit: cgroup v2's memory.events through the read-only
        # cgroup tree of the sandbox.
        id=$(awk '$1 == "oom-init" { print $2 }' "$out/containers.tsv")
        assert_eq "$(_vm_field "$out" "$id" exited OOM_KILLED)" 1 "oom-init: OOM_KILLED"
        assert_eq "$(_vm_field "$out" "$id" exited PRIORITY)" 3 "oom-init: PRIORITY"
        # Docker's own flag is only reported: it comes from containerd's OOM event, which is lost
        # when it arrives after the exit (containerd#12260; seen in this guest under ASan: false).
        note "oom-init: Docker's OOMKilled: $(awk '$1 == "oom-init" { print $3 }' "$out/docker.tsv")"
        assert_eq "$(_vm_events "$out" "$id" oom | wc -l)" 0 "oom-init: number of oom entries (the init itself died)"
        # A child OOM-killed while the init lived on: one `oom` entry, and the init's later exit 0
        # is not called OOM (Docker 20.10 says OOMKilled=true here: any OOM kill in the cgroup).
        id=$(awk '$1 == "oom-child" { print $2 }' "$out/containers.tsv")
        assert_eq "$(_vm_events "$out" "$id" oom | wc -l)" 1 "oom-child: number of oom entries"
        assert_eq "$(_vm_field "$out" "$id" oom PRIORITY)" 3 "oom-child: PRIORITY of the oom entry"
        note "Docker exits, all 6 with their status: ${VM_DOCKER_SOURCES[*]} (Docker's OOMKilled for oom-child: $(awk '$1 == "oom-child" { print $3 }' "$out/docker.tsv"))"
}
