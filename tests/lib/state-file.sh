# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# State roots without a runtime: runc-format state files written by hand, naming a process of the
# test's own, for the tests about roots themselves (aliases, links, a full record directory). Source
# after common.sh.
#
#   start_sleeper VAR          a process that sleeps until the test ends (common.sh's cleanup kills
#                              it); its pid in $VAR
#   write_state DIR ID PID     a runc-format state.json for PID in DIR/ID, renamed into place as
#                              runc does

start_sleeper() {
        sleep 1000000 &
        printf -v "$1" %s "$!"
        CLEANUP_PIDS+=("$!")
}

write_state() {
        local start
        start=$(sed 's/.*) //' "/proc/$3/stat" | cut -d' ' -f20)
        mkdir -p "$1/$2"
        printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{}}\n' \
                "$2" "$3" "$start" >"$1/$2/state-tmp"
        mv "$1/$2/state-tmp" "$1/$2/state.json"
}
