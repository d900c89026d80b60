#!/bin/bash
# SPDX-License-Identifier: MIT
# Build the container-watchd image locally, with no registry and no base image: a FROM-scratch
# image holding
#   /usr/sbin/container-watchd   the daemon (the binary you built or installed)
#   /usr/sbin/cw-supervise       its parent and sd_notify watchdog (cw-supervise.c, built here)
#   the shared libraries both need, as `ldd` lists them, copied from this host
#   /bin/busybox                 busybox-static with RELATIVE applet links, for `docker exec` and
#                                debugging only (nothing in the image needs a shell)
# and the Dockerfile beside this script. The daemon and its libraries come from the build host, so
# build on the distribution you target (Debian 12 here) or on an older one.
#
# usage: build-image.sh [-b BINARY] [-t TAG]
#   -b BINARY   the daemon (default: daemon/container-watchd of an in-tree build, else
#               container-watchd in $PATH, else /usr/sbin/container-watchd)
#   -t TAG      image name (default container-watchd:VERSION and container-watchd:latest)
# Environment: DOCKER (default docker), CC (default cc), BUSYBOX (default: busybox in $PATH;
# must be statically linked, Debian package busybox-static).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DOCKER=${DOCKER:-docker}
CC=${CC:-cc}
binary=
tags=()

while getopts b:t:h opt; do
        case $opt in
        b) binary=$OPTARG ;;
        t) tags+=("$OPTARG") ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done

die() { echo "build-image.sh: $*" >&2; exit 1; }

if [ -z "$binary" ]; then
        for b in "$here/../../daemon/container-watchd" "$(command -v container-watchd || true)" /usr/sbin/container-watchd; do
                if [ -n "$b" ] && [ -x "$b" ]; then binary=$b; break; fi
        done
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
        die "no container-watchd binary: build it, or pass -b BINARY"
fi
version=$(ASAN_OPTIONS=detect_leaks=0 "$binary" --version | awk 'NR == 1 { print $2 }')
[ -n "$version" ] || die "'$binary --version' printed no version"
[ "${#tags[@]}" -gt 0 ] || tags=("container-watchd:$version" "container-watchd:latest")

busybox=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$busybox" ] || die "busybox not found (Debian: busybox-static)"
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
        die "'$busybox' is dynamically linked; install busybox-static"
fi

ctx=$(mktemp -d "${TMPDIR:-/tmp}/cw-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root"/{bin,usr/sbin,etc,proc,sys,dev,tmp,run/container-watchd,var/lib/container-watchd}
chmod 1777 "$root/tmp"
chmod 0700 "$root/var/lib/container-watchd"

install -m 0755 "$binary" "$root/usr/sbin/container-watchd"
"$CC" -O2 -Wall -Wextra -o "$root/usr/sbin/cw-supervise" "$here/cw-supervise.c" ||
        die "cannot compile cw-supervise.c with $CC"

# copy_libs FILE: every shared object FILE needs (and the dynamic loader), at the same path.
copy_libs() {
        local lib
        while read -r lib; do
                [ -e "$root$lib" ] && continue
                mkdir -p "$root$(dirname "$lib")"
                cp -L "$lib" "$root$lib"
        done < <(LC_ALL=C ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}
copy_libs "$root/usr/sbin/container-watchd"
copy_libs "$root/usr/sbin/cw-supervise"
# A sanitizer build (./configure --enable-sanitizers, as CI runs the suite) keeps ASan and UBSan in
# the image but not LeakSanitizer, which needs /proc and ptrace() to stop the world: neither is
# there in this chroot, nor ptrace() under Docker's seccomp profile.
asan_env=()
libs=$(LC_ALL=C ldd "$root/usr/sbin/container-watchd")
if [[ $libs == *libasan* ]]; then
        asan_env=(ASAN_OPTIONS=detect_leaks=0)
fi
# The daemon must start inside the image, with nothing but what was copied. (A sanitizer runtime
# reads its options from /proc/self/environ, which this chroot lacks: there the dynamic loader
# only resolves the libraries.)
if [ "${#asan_env[@]}" = 0 ]; then
        chroot "$root" /usr/sbin/container-watchd --version >/dev/null ||
                die "the daemon does not run inside the image root (missing library?)"
else
        chroot "$root" /lib64/ld-linux-x86-64.so.2 --list /usr/sbin/container-watchd >/dev/null ||
                die "the daemon's libraries do not resolve inside the image root"
fi

cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

sed "s/@VERSION@/$version/g" "$here/Dockerfile.in" >"$ctx/Dockerfile"
[ "${#asan_env[@]}" = 0 ] || echo "ENV ${asan_env[0]}" >>"$ctx/Dockerfile"
tag_args=()
for t in "${tags[@]}"; do tag_args+=(-t "$t"); done
# The classic builder: FROM scratch needs neither a registry nor BuildKit.
DOCKER_BUILDKIT=0 "$DOCKER" build -q "${tag_args[@]}" "$ctx" >/dev/null
echo "${tags[0]}"
