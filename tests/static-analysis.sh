#!/bin/bash
# SPDX-License-Identifier: MIT
# Static analysis of daemon/ and ctl/ with the project's agreed check sets; any finding fails the test.
#
# cppcheck: warning, performance, portability and style, less
#   memleak/resourceLeak   it does not model __attribute__((cleanup)) (_cleanup_*): leaks are
#                          ASan's and LeakSanitizer's job in the sanitizer run of the whole suite
#   unusedStructMember     kernel ABI structs (struct pidfd_info) spell out every member
#   variableScope          house style declares variables at the top of a block
# clang-tidy: bugprone-*, cert-*, clang-analyzer-*, less
#   clang-analyzer-unix.Malloc   clang 14's analyzer does not run cleanup attributes either
#   clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling   wants Annex K (*_s)
#   bugprone-easily-swappable-parameters, bugprone-assignment-in-if-condition   style, not bugs
#   bugprone-reserved-identifier, cert-dcl37-c, cert-dcl51-cpp   _cleanup_ and friends
#   cert-err33-c           (void) marks ignored results already; printf's result is not checked
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}

missing=
for t in cppcheck clang-tidy; do
        command -v $t >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
        echo "missing:$missing (Debian: cppcheck clang-tidy)"
        [ "${CI:-}" = true ] && exit 1
        exit 77
fi
[ -f "$top_builddir/config.h" ] || { echo "no config.h in $top_builddir: configure first"; exit 99; }

cd "$top_srcdir" || exit 99
sources=$(ls daemon/*.c daemon/util/*.c ctl/*.c)
status=0

out=$(cppcheck --enable=warning,performance,portability,style --std=c11 --inline-suppr --quiet \
        -I daemon -I "$top_builddir/daemon" --include="$top_builddir/config.h" \
        --suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak \
        --suppress=unusedStructMember --suppress=variableScope \
        $sources 2>&1)
if [ -n "$out" ]; then
        echo "cppcheck findings:"
        echo "$out"
        status=1
else
        echo "cppcheck: no findings in $(echo $sources | wc -w) files"
fi

checks='-*,bugprone-*,cert-*,clang-analyzer-*,-clang-analyzer-unix.Malloc'
checks+=',-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
checks+=',-bugprone-easily-swappable-parameters,-bugprone-assignment-in-if-condition'
checks+=',-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-cert-err33-c'
# $top_builddir/daemon: the generated BPF skeleton header (daemon/bpf/probe.skel.h) that probe.c includes.
cflags=(-std=gnu11 -Idaemon -I"$top_builddir/daemon" -include "$top_builddir/config.h" $(pkg-config --cflags libsystemd jansson 2>/dev/null))
findings=0
for f in $sources; do
        out=$(clang-tidy --quiet -checks="$checks" "$f" -- "${cflags[@]}" 2>/dev/null | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):')
        if [ -n "$out" ]; then
                echo "$out"
                findings=$((findings + $(echo "$out" | wc -l)))
        fi
done
if [ "$findings" -gt 0 ]; then
        echo "clang-tidy: $findings findings"
        status=1
else
        echo "clang-tidy: no findings in $(echo $sources | wc -w) files"
fi
# The tests' own shell: wait_for runs its condition again and again, but a command substitution in
# its arguments was expanded once, before the wait, so such a wait never sees a change (this made
# tests/faults/untracked-reused.sh fail under load). Put the condition in a function.
out=$(grep -rnE --include='*.sh' '(^|[;&|[:space:]])wait_for[[:space:]]' "$top_srcdir/tests" |
        grep -vE ':[0-9]+:[[:space:]]*(wait_for\(\)|#)' | sed -E 's/\|\|.*//' | grep -E '\$\([^(]|`')
if [ -n "$out" ]; then
        echo "wait_for conditions expanded once, before the wait:"
        echo "$out"
        status=1
else
        echo "wait_for: every condition is evaluated on each try"
fi
# Nothing exported without a caller (issue 11): every function a header of daemon/ or ctl/ declares
# (the *-test.h headers aside: what only the tests call) is called in daemon/ or ctl/ somewhere
# other than its declaration and definition (lines at column 0 naming it).
unused=
for name in $(cd "$top_srcdir" && grep -hE '^[A-Za-z_][A-Za-z0-9_ \*]*[ \*]\**[a-z_][a-z0-9_]*\(' daemon/*.h daemon/util/*.h ctl/*.h |
              grep -vE '^(static|typedef|#)' | sed -E 's/^[^(]*[ \*]([a-z_][a-z0-9_]*)\(.*/\1/' | sort -u); do
        if (cd "$top_srcdir" && grep -qE "^[A-Za-z_].*[ *]$name\(" daemon/*-test.h); then
                continue
        fi
        if ! (cd "$top_srcdir" && grep -hw "$name" daemon/*.[ch] daemon/util/*.[ch] ctl/*.[ch] | grep -vE '^[[:space:]]*(/\*|\*( |/|$))' |
              grep -qvE "^[A-Za-z_].*[ *]$name\("); then
                unused="$unused $name"
        fi
done
if [ -n "$unused" ]; then
        echo "declared in a header of daemon/ or ctl/, called nowhere there:$unused"
        status=1
else
        echo "exports: every function a header declares has a caller"
fi
exit $status
