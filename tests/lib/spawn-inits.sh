# SPDX-License-Identifier: MIT
# tests/bench/spawn-inits as a coprocess, for tests that need many fake containers: real processes
# with runc-format state directories, driven one command at a time.
#
#   si_start SPAWN ROOT STAMPS [ARGS...]   start it (its PID is added to CLEANUP_PIDS)
#   si CMD...                              one command, one answer; fails the test unless "ok"
# Needs tests/lib/common.sh (fail, CLEANUP_PIDS).

si_start() {
        local spawn=$1 root=$2 stamps=$3
        shift 3
        coproc SI { "$spawn" -r "$root" -k "$stamps" "$@"; }
        CLEANUP_PIDS+=("$SI_PID")
}

si() {
        local reply
        echo "$*" >&"${SI[1]}"
        read -r reply <&"${SI[0]}" || fail "spawn-inits died at '$*'"
        case $reply in ok*) ;; *) fail "spawn-inits: '$*': $reply" ;; esac
}
