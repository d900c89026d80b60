#!/bin/bash
# SPDX-License-Identifier: MIT
#
# container-watchctl's man page and bash completion: container-watchctl(1) renders without a groff
# warning and has the usual sections; every option `container-watchctl --help` prints is in the
# man page and in the completion; the completion offers verbs, options, option values and the
# container names `list` prints, as bash calls it (COMP_WORDS split at '=' as COMP_WORDBREAKS does).
# Needs bash, groff (groff-base) and man (man-db).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CTL=${CTL:-$top_builddir/ctl/container-watchctl}
man1="$top_srcdir/man/container-watchctl.1"
comp="$top_srcdir/shell-completion/bash/container-watchctl"

. "$top_srcdir/tests/lib/checks.sh" || exit 99

command -v groff >/dev/null 2>&1 || skip "groff not installed (Debian package groff-base)"
command -v man >/dev/null 2>&1 || skip "man not installed (Debian package man-db)"
[ -x "$CTL" ] || { echo "FAIL: '$CTL' is not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-ctl-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. The man page renders cleanly and has its sections.
if ! groff -man -Tutf8 -ww -z "$man1" 2>"$tmp/groff.err" || [ -s "$tmp/groff.err" ]; then
        sed 's/^/  /' "$tmp/groff.err" >&2
        err "groff -man -ww warns about container-watchctl.1"
fi
if ! MANWIDTH=80 man --warnings -l "$man1" >"$tmp/man.out" 2>"$tmp/man.err" || [ -s "$tmp/man.err" ]; then
        sed 's/^/  /' "$tmp/man.err" >&2
        err "man -l container-watchctl.1 warns or fails"
fi
groff -man -Tascii -P-cbou "$man1" >"$tmp/man.txt" 2>/dev/null
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
        grep -qx "$s" "$tmp/man.txt" || err "container-watchctl(1) has no $s section"
done
grep -q "No journal access: add yourself to the systemd-journal group" "$tmp/man.txt" ||
        err "container-watchctl(1) does not quote the no-access message"

# 2. --help, the man page and the completion name the same options.
"$CTL" --help >"$tmp/help.txt" || err "container-watchctl --help failed"
opts=$(grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' "$tmp/help.txt" | sed 's/^[ ,]*//' | sort -u)
[ "$(echo "$opts" | wc -l)" -ge 20 ] || err "found only $(echo "$opts" | wc -l) options in --help"
for o in $opts; do
        grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" "$tmp/man.txt" || err "option $o of --help is not in the man page"
        case $o in --*) grep -qE -- "(^|[ '])$o(=|[ ']|\$)" "$comp" || err "option $o of --help is not in the completion" ;; esac
done
for v in list info events; do
        grep -qE "^  $v" "$tmp/help.txt" || err "--help does not list the command $v"
        grep -qx "       $v.*" "$tmp/man.txt" || err "the man page does not describe the command $v"
done
"$CTL" --version | grep -qE '^container-watchd [0-9]' || err "container-watchctl --version"
echo "man page and --help: $([ "$fail" = 0 ] && echo OK || echo FAILED)"

# 3. The completion, as bash calls it. `list` is a stub that prints two deaths.
# complete_words WORD...: COMPREPLY for the command line WORD... (the last one is being completed),
# one per line, sorted.
complete_words() {
        bash -c '
                container-watchctl() {
                        [ "$*" = "--no-pager --no-legend -q list" ] || return 2
                        printf "%s\n" "Tue 2026-12-01 21:02:03 UTC 2bcbf0957fbd web shop/web killed SIGKILL 2s" \
                                "Tue 2026-12-01 21:02:04 UTC 0123456789ab - - exited 0 1s" \
                                "Tue 2026-12-01 21:02:05 UTC 2bcbf0957fbe worker bbox exited 3 1s"
                }
                . "$0" || exit 99
                COMP_WORDS=("$@")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _container_watchctl || exit 98
                [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort
        ' "$comp" container-watchctl "$@"
}
check_completion() {
        local want=$1 got
        shift
        got=$(complete_words "$@" | tr '\n' ' ')
        [ "$got" = "$want" ] || err "completion of '$*': got '$got', expected '$want'"
}
check_completion "events info list " ""
check_completion "info " i
check_completion "--reason= " --re
check_completion "--no-legend --no-pager " --no-
check_completion "json " -o j
check_completion "json short " --output = ""
check_completion "killed " list --reason = ki
check_completion "started " events --event = st
check_completion "crashloop exited oom started " events --event = ""
check_completion "cri-o " --manager = cr
check_completion "today tomorrow " --since = to
check_completion "web worker " info ""
check_completion "worker " info wo
check_completion "web worker " -S -1h info ""
check_completion "web worker " list --name = ""
check_completion "" info web ""
check_completion "events info list " -o json ""
check_completion "events info list " --output = json ""
check_completion "" --count = ""
echo "completion: $([ "$fail" = 0 ] && echo OK || echo FAILED)"

exit "$fail"
