#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The man pages: both render without a single groff warning (groff -ww, and man -l as a user
# would see them); container-watchd(8) documents exactly the options of DESIGN.md section 2 and
# every journal field of section 3; every option that "container-watchd --help" prints is in the
# man page; container-watchd.conf(5) documents every key of the shipped configuration file.
# Needs groff (Debian package groff-base) and man (man-db).
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${DAEMON:=$top_builddir/daemon/container-watchd}"
man8="$top_srcdir/man/container-watchd.8"
man5="$top_srcdir/man/container-watchd.conf.5"
conf="$top_srcdir/conf/container-watchd.conf"

. "$top_srcdir/tests/lib/checks.sh" || exit 99

command -v groff >/dev/null 2>&1 || skip "groff not installed (Debian package groff-base)"
command -v man >/dev/null 2>&1 || skip "man not installed (Debian package man-db)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. Rendering: any diagnostic is a failure.
for page in "$man8" "$man5"; do
        name=$(basename "$page")
        if ! groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff.err" || [ -s "$tmp/groff.err" ]; then
                sed "s/^/  $name: /" "$tmp/groff.err" >&2
                err "groff -man -ww warns about $name"
        fi
        if ! MANWIDTH=80 man --warnings -l "$page" >"$tmp/man.out" 2>"$tmp/man.err" ||
                [ -s "$tmp/man.err" ]; then
                sed "s/^/  $name: /" "$tmp/man.err" >&2
                err "man -l $name warns or fails"
        fi
        [ "$(wc -l <"$tmp/man.out")" -gt 20 ] || err "man -l $name rendered almost nothing"
        # Plain ASCII text for the content checks below.
        groff -man -Tascii -P-cbou "$page" >"$tmp/$name.txt" 2>/dev/null
done
txt8="$tmp/container-watchd.8.txt"
txt5="$tmp/container-watchd.conf.5.txt"
[ "$fail" -eq 0 ] && echo "rendering: OK"

# Print the text of section $2 of rendered page $1 (from its heading to the next one).
section() {
        awk -v s="$2" '/^[A-Z]/ { on = ($0 == s); next } on' "$1"
}

for s in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS "JOURNAL FIELDS" "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
        grep -qx "$s" "$txt8" || err "container-watchd(8) has no $s section"
done

# Does $1 (an option such as -c or --config) appear as a whole word in file $2?
has_option() {
        grep -qE -- "(^|[^A-Za-z0-9-])$1([^A-Za-z0-9-]|\$)" "$2"
}

# 2. OPTIONS is exactly the contract (DESIGN.md section 2), no more, no less.
contract="-c --config -r --root --log-target --json --list --check-config --version -h --help"
section "$txt8" OPTIONS >"$tmp/options.txt"
for opt in $contract; do
        has_option "$opt" "$tmp/options.txt" || err "OPTIONS does not document $opt"
done
# Option headings are the lines indented by 7 columns that start with '-'.
sed -n 's/^       \(-.*\)/\1/p' "$tmp/options.txt" |
        grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]*//' | sort -u >"$tmp/documented"
for opt in $(cat "$tmp/documented"); do
        case " $contract " in
        *" $opt "*) ;;
        *) err "OPTIONS documents $opt, which is not in DESIGN.md section 2" ;;
        esac
done

# 3. Every journal field of DESIGN.md section 3.
for f in SYSLOG_IDENTIFIER MESSAGE_ID MESSAGE CONTAINER_EVENT CONTAINER_ID CONTAINER_ID_FULL \
        CONTAINER_NAME IMAGE_NAME CONTAINER_MANAGER CONTAINER_RUNTIME CONTAINER_NAMESPACE \
        CONTAINER_STATE_DIR CONTAINER_PID CONTAINER_STARTED_USEC CONTAINER_NS_KIND K8S_POD_NAME \
        K8S_POD_NAMESPACE K8S_POD_UID K8S_CONTAINER_NAME EXIT_CODE EXIT_STATUS EXIT_SIGNAL \
        EXIT_STATUS_SOURCE EXIT_OBSERVED CONTAINER_LIFETIME_USEC OOM_KILLED DEATH_REASON \
        REASON_SOURCE SIGNAL_SENDER_PID SIGNAL_SENDER_COMM SIGNAL_SENDER_UID SIGNAL_SENDER_LOGINUID \
        SIGNAL_SENDER_PARENT_PID SIGNAL_SENDER_PARENT_COMM SIGNAL_SENDER_EXE SIGNAL_SENDER_UNIT \
        SIGNAL_SENDER_CONTAINER_ID SIGNAL_CODE SIGNALS STOP_GRACE_USEC OOM_VICTIM_PID OOM_VICTIM_COMM \
        OOM_VICTIM_RSS_BYTES OOM_VICTIM_IS_INIT OOM_TRIGGER_COMM OOM_SCOPE EVENT_SEQ; do
        section "$txt8" "JOURNAL FIELDS" | grep -qw "$f" || err "JOURNAL FIELDS does not mention $f"
done
for v in started exited oom docker containerd kubernetes podman cri-o runc crun killed dumped \
        unknown pidfd proc runtime none live late probe failed crashed oom-killed stopped stop-timeout \
        counters container ancestor host; do
        section "$txt8" "JOURNAL FIELDS" | grep -qw -- "$v" || err "JOURNAL FIELDS does not mention the value '$v'"
done
for ex in 'journalctl -f CONTAINER_EVENT=exited' 'journalctl -o json CONTAINER_NAME=web' \
        'container-watchd --list' 'container-watchd --json |'; do
        section "$txt8" EXAMPLES | grep -qF -- "$ex" || err "EXAMPLES lacks '$ex'"
done
section "$txt8" "EXIT STATUS" | grep -qE '^       0 ' || err "EXIT STATUS lacks 0"
section "$txt8" "EXIT STATUS" | grep -qE '^       1 ' || err "EXIT STATUS lacks 1"
section "$txt8" "EXIT STATUS" | grep -qE '^       2 ' || err "EXIT STATUS lacks 2"
for sig in SIGTERM SIGINT SIGHUP; do
        section "$txt8" SIGNALS | grep -qw "$sig" || err "SIGNALS lacks $sig"
done

# 4. container-watchd.conf(5) documents every key the shipped file has, and every section.
keys=$(sed -n 's/^#\([A-Z][A-Za-z]*\)=.*/\1/p' "$conf")
[ -n "$keys" ] || err "no '#Key=' lines in $conf"
for k in $keys; do
        grep -qE "^       $k=" "$txt5" || err "container-watchd.conf(5) does not document $k="
done
for s in $(sed -n 's/^\[\([A-Za-z]*\)\]$/\1/p' "$conf"); do
        grep -qx "\[$s\] SECTION" "$txt5" || err "container-watchd.conf(5) has no [$s] SECTION"
done
[ "$fail" -eq 0 ] && echo "contents: OK"

# 5. Every option --help prints is documented. The daemon is built by "make", before the tests.
if [ ! -x "$DAEMON" ]; then
        err "$DAEMON is not built"
        exit 1
fi
if ! "$DAEMON" --help >"$tmp/help" 2>&1; then
        sed 's/^/  --help: /' "$tmp/help" >&2
        err "$DAEMON --help failed"
fi
grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' "$tmp/help" |
        sed 's/^[^-]*//' | sort -u >"$tmp/help-options"
n=$(wc -l <"$tmp/help-options")
[ "$n" -gt 0 ] || err "$DAEMON --help printed no options"
for opt in $(cat "$tmp/help-options"); do
        has_option "$opt" "$txt8" || err "--help prints $opt, which container-watchd(8) does not document"
done
for opt in $contract; do
        grep -qx -- "$opt" "$tmp/help-options" || err "--help does not print $opt (DESIGN.md section 2)"
done
[ "$fail" -eq 0 ] && echo "--help: all $n options documented"
exit "$fail"
