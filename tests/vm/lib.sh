# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The kernel matrix harness: boot Debian 12's own 6.1 cloud kernel under qemu (TCG) with an
# initramfs guest, cgroup v2 only, run a scenario script in it, and bring its output back.
# Source after tests/lib/common.sh. docs/FACTS.md §7 has the recipe; tests/vm/README.md the usage.
#
#   vm_require                  root, qemu-system-x86_64, cpio, apt (skip, or fail with CI=true)
#   vm_kernel                   VM_KERNEL = the newest linux-image-6.1.0-NN-cloud-amd64's vmlinuz,
#                               downloaded with `apt-get download` once and cached in
#                               $VM_CACHE ($top_builddir/tests/vm/cache; never in the source tree)
#   vm_add PATH...              put these host files into the guest at the same path (and, for an
#                               executable, every library `ldd` names: ASan's runtime too); a
#                               directory is copied whole
#   vm_env NAME...              pass these variables (if set) into the guest's environment
#   vm_run SCRIPT OUTDIR        build the initramfs, boot, run `bash SCRIPT` in the guest with
#                               VM_OUT=/vm/out, and unpack the guest's /vm/out into OUTDIR; returns
#                               SCRIPT's exit status (fails the test when the guest gave nothing back)
#
# What the guest has: busybox-static (every applet), bash, jq, runc, the daemon under test
# ($DAEMON), notify-listen, tests/lib/*.sh and tests/vm/* at their source paths, and
# daemon/catalog-ids.h, so that a script can source tests/lib/common.sh and tests/lib/runc.sh
# unchanged. Mounted: proc, sysfs, devtmpfs, devpts, tmpfs on /tmp, /run and /dev/shm, cgroup2 on
# /sys/fs/cgroup with +memory +pids in the root's subtree_control. PID 1 is tests/vm/vm-reaper: it
# reaps every orphan the moment it becomes a zombie, as containerd-shim and conmon do. The root is
# the initramfs itself, so runc needs `run --no-pivot` (scenarios.sh's RUNC_RUN_FLAGS).
#
# The way back is the guest's second serial port (ttyS1): after SCRIPT, the guest writes a gzip tar
# of /vm/out, base64, between two marker lines. SCRIPT's own output is in OUTDIR/guest.log, its exit
# status in OUTDIR/rc, the guest's `uname -r` in OUTDIR/kernel; the kernel console is kept in
# $TEST_TMP/vm-console.log (shown on failure).
#
# Knobs: VM_MEMORY (MiB, default 1024), VM_SMP (default 2), VM_CPU (qemu's -cpu, default max),
# VM_BOOT_TIMEOUT (seconds for the whole boot, default 240, scaled by ITEST_TIMEOUT_SCALE),
# VM_TIMEOUT_SCALE (what ITEST_TIMEOUT_SCALE is multiplied by inside the guest, default 4: TCG is
# slower than the host), VM_WAIT_INTERVAL (wait_for's polling interval inside the guest, default
# 0.2 s: under TCG every poll is a few program starts of emulated CPU).
#
# vm_run logs qemu's wall time and its CPU time. The CPU time is the cost of a guest run; the wall
# time is that divided by the share of the machine's cores qemu gets (TCG is CPU-bound).

VM_CACHE=${VM_CACHE:-$top_builddir/tests/vm/cache}
VM_REAPER=${VM_REAPER:-$top_builddir/tests/vm/vm-reaper}
VM_CRASH=${VM_CRASH:-$top_builddir/tests/vm/crash}
VM_MEMORY=${VM_MEMORY:-1024}
VM_SMP=${VM_SMP:-2}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-240}
VM_TIMEOUT_SCALE=${VM_TIMEOUT_SCALE:-4}
VM_WAIT_INTERVAL=${VM_WAIT_INTERVAL:-0.2}
VM_CPU=${VM_CPU:-max}
VM_FILES=()
VM_ENV_NAMES=(CI ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS EVENT_TIMEOUT STARTUP_TIMEOUT)
VM_KERNEL=
VM_KERNEL_PACKAGE=

vm_require() {
        require_root
        require_cmd qemu-system-x86_64 cpio gzip base64 apt-get apt-cache dpkg-deb busybox bash jq runc ldd flock
        [ -x "$VM_REAPER" ] || fail "'$VM_REAPER' is not built (make check builds it)"
        [ -x "$VM_CRASH" ] || fail "'$VM_CRASH' is not built (make check builds it)"
}

# vm_kernel: set VM_KERNEL (and VM_KERNEL_PACKAGE) to Debian 12's newest 6.1 cloud kernel.
vm_kernel() {
        local pkg tmp
        mkdir -p "$VM_CACHE" || fail "cannot create '$VM_CACHE'"
        # One download per build tree even when tests run in parallel.
        exec 9>"$VM_CACHE/.lock"
        flock 9
        pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' 2>/dev/null |
                awk '{ print $1 }' | sort -V | tail -n 1)
        if [ -z "$pkg" ]; then
                # No package lists (no `apt-get update` yet): a kernel cached earlier will do.
                pkg=$(cd "$VM_CACHE" && ls -d linux-image-6.1.0-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
                [ -n "$pkg" ] || { exec 9>&-; skip_or_fail "apt-cache lists no linux-image-6.1.0-NN-cloud-amd64 (apt-get update?)"; }
        fi
        if [ ! -s "$VM_CACHE/$pkg/vmlinuz" ]; then
                note "downloading $pkg (apt-get download, cached in $VM_CACHE)"
                tmp=$(mktemp -d "$VM_CACHE/.dl.XXXXXX") || fail "mktemp in '$VM_CACHE' failed"
                if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg") >"$tmp/apt.log" 2>&1; then
                        cat "$tmp/apt.log" >&2
                        rm -rf "$tmp"
                        exec 9>&-
                        skip_or_fail "apt-get download $pkg failed"
                fi
                dpkg-deb -x "$tmp"/*.deb "$tmp/x" || fail "dpkg-deb -x of $pkg failed"
                mkdir -p "$VM_CACHE/$pkg"
                cp "$tmp"/x/boot/vmlinuz-* "$VM_CACHE/$pkg/vmlinuz.tmp" || fail "$pkg has no boot/vmlinuz-*"
                mv "$VM_CACHE/$pkg/vmlinuz.tmp" "$VM_CACHE/$pkg/vmlinuz"
                rm -rf "$tmp"
        fi
        exec 9>&-
        VM_KERNEL=$VM_CACHE/$pkg/vmlinuz
        VM_KERNEL_PACKAGE=$pkg
        note "guest kernel: $pkg"
}

vm_add() {
        VM_FILES+=("$@")
}

vm_env() {
        VM_ENV_NAMES+=("$@")
}

# _vm_put ROOT PATH: copy PATH into ROOT at its canonical path, with a symlink at the path as named
# when that differs (merged /usr: /lib64/ld-linux-x86-64.so.2 is a link into /usr/lib).
_vm_put() {
        local root=$1 path=$2 real named
        real=$(readlink -f -- "$path") || fail "vm: '$path' does not exist"
        [ -e "$real" ] || fail "vm: '$path' does not exist"
        if [ -d "$real" ]; then
                mkdir -p "$root$real"
                cp -a -- "$real/." "$root$real/" || fail "vm: cannot copy '$real'"
        elif [ ! -e "$root$real" ]; then
                mkdir -p "$root$(dirname -- "$real")"
                cp -p -- "$real" "$root$real" || fail "vm: cannot copy '$real'"
        fi
        named=$(readlink -f -- "$(dirname -- "$path")")/$(basename -- "$path")
        if [ "$named" != "$real" ] && [ ! -e "$root$named" ] && [ ! -L "$root$named" ]; then
                mkdir -p "$root$(dirname -- "$named")"
                ln -s "$real" "$root$named"
        fi
}

# _vm_put_with_libs ROOT PATH: PATH and, for a dynamic executable, what `ldd` names.
_vm_put_with_libs() {
        local root=$1 path=$2 lib
        _vm_put "$root" "$path"
        [ -f "$path" ] && [ -x "$path" ] || return 0
        while read -r lib; do
                _vm_put "$root" "$lib"
        done < <(LC_ALL=C ldd "$path" 2>/dev/null |
                awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# _vm_quote VALUE: VALUE in single quotes for any POSIX shell.
_vm_quote() {
        local q="'\\''"
        printf "'%s'" "${1//\'/$q}"
}

# _vm_initramfs SCRIPT IMAGE: build the guest.
_vm_initramfs() {
        local script=$1 image=$2 root=$TEST_TMP/vm-root f name applet scale
        rm -rf "$root"
        mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root"/usr/lib "$root"/usr/lib64 \
                "$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run "$root"/etc "$root"/root \
                "$root"/vm/out || fail "vm: cannot create '$root'"
        for f in bin sbin lib lib64; do
                ln -s "usr/$f" "$root/$f"
        done
        mknod "$root/dev/console" c 5 1 && mknod "$root/dev/null" c 1 3 || fail "vm: mknod failed"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

        # The real programs first, then busybox's applets where nothing real is.
        for f in "$(command -v bash)" "$(command -v jq)" "$(command -v runc)" "$(command -v busybox)" \
                 "$DAEMON" "$NOTIFY_LISTEN" "$VM_REAPER" "$VM_CRASH" \
                 "$top_srcdir"/tests/lib "$top_srcdir"/tests/vm "$top_srcdir"/daemon/catalog-ids.h \
                 "$script" "${VM_FILES[@]}"; do
                _vm_put_with_libs "$root" "$f"
        done
        while read -r applet; do
                [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /usr/bin/busybox "$root/$applet"
        done < <(busybox --list-full)

        cat >"$root/init" <<-EOF
	#!/bin/sh
	exec $VM_REAPER /bin/sh $top_srcdir/tests/vm/guest-boot.sh
	EOF
        chmod 0755 "$root/init"

        scale=$((ITEST_TIMEOUT_SCALE * VM_TIMEOUT_SCALE))
        {
                printf 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n'
                printf 'export top_srcdir=%s top_builddir=%s\n' "$(_vm_quote "$top_srcdir")" "$(_vm_quote "$top_builddir")"
                printf 'export DAEMON=%s NOTIFY_LISTEN=%s\n' "$(_vm_quote "$DAEMON")" "$(_vm_quote "$NOTIFY_LISTEN")"
                printf 'export VM_CRASH=%s VM_SCRIPT=%s VM_OUT=/vm/out VM_GUEST=1\n' \
                        "$(_vm_quote "$VM_CRASH")" "$(_vm_quote "$script")"
                printf 'export ITEST_TIMEOUT_SCALE=%s WAIT_INTERVAL=%s\n' "$scale" "$VM_WAIT_INTERVAL"
                for name in "${VM_ENV_NAMES[@]}"; do
                        [ -n "${!name+x}" ] || continue
                        printf 'export %s=%s\n' "$name" "$(_vm_quote "${!name}")"
                done
        } >"$root/vm/env"

        (cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet | gzip -1 >"$image") ||
                fail "vm: cannot write the initramfs '$image'"
        note "initramfs: $(du -k "$image" | cut -f1) KiB"
}

# vm_run SCRIPT OUTDIR: boot the guest, run SCRIPT in it, unpack /vm/out into OUTDIR.
vm_run() {
        local script=$1 out=$2 image=$TEST_TMP/vm-initramfs.cpio.gz data=$TEST_TMP/vm-ttyS1.txt t0 rc c0 c1
        [ -n "$VM_KERNEL" ] || vm_kernel
        _vm_initramfs "$script" "$image"
        : >"$data"
        : >"$TEST_TMP/vm-console.log"
        DUMP_HOOKS+=(_vm_dump)
        t0=$(now_usec)
        _vm_cpu_ms c0
        timeout $((VM_BOOT_TIMEOUT * ITEST_TIMEOUT_SCALE)) qemu-system-x86_64 \
                -accel tcg -cpu "$VM_CPU" -m "$VM_MEMORY" -smp "$VM_SMP" \
                -nodefaults -no-user-config -display none -no-reboot \
                -kernel "$VM_KERNEL" -initrd "$image" \
                -append "console=ttyS0 rdinit=/init quiet panic=-1" \
                -serial "file:$TEST_TMP/vm-console.log" -serial "file:$data" \
                </dev/null >"$TEST_TMP/vm-qemu.log" 2>&1
        rc=$?
        _vm_cpu_ms c1
        note "qemu ran $(( ($(now_usec) - t0) / 1000 )) ms, $((c1 - c0)) ms of CPU (exit status $rc)"
        [ "$rc" = 0 ] || fail "qemu exited with status $rc (124: the guest did not power off in time)"
        mkdir -p "$out"
        sed -n '/^@@vm-out-begin@@/,/^@@vm-out-end@@/p' "$data" | tr -d '\r' | sed '1d;$d' |
                base64 -d | tar -xzf - -C "$out" || fail "the guest sent back no readable output on ttyS1"
        [ -s "$out/rc" ] || fail "the guest sent back no exit status"
        return "$(cat "$out/rc")"
}

# _vm_cpu_ms VAR: the user + system CPU time of this shell's waited-for children, in ms, into VAR
# (`times` in this shell, not in a subshell: a subshell starts from zero). The CPU time qemu used
# is the load-independent cost of a guest run; its wall time depends on the machine's other load.
_vm_cpu_ms() {
        local -n _ms=$1
        local line u s
        times >"$TEST_TMP/vm-times" || { _ms=0; return 0; }
        line=$(sed -n 2p "$TEST_TMP/vm-times")
        u=${line% *} s=${line#* }
        _ms=$(( $(_vm_times_ms "$u") + $(_vm_times_ms "$s") ))
}

# _vm_times_ms 1m2.345s: that span in ms.
_vm_times_ms() {
        local m=${1%%m*} rest=${1#*m}
        rest=${rest%s}
        printf '%s\n' "$(( 10#$m * 60000 + $(to_usec "$rest") / 1000 ))"
}

_vm_dump() {
        printf -- '----- vm-console.log (last 40 lines)\n'
        tail -n 40 "$TEST_TMP/vm-console.log" 2>/dev/null | tr -d '\r'
        [ -s "$TEST_TMP/vm-qemu.log" ] && { printf -- '----- qemu\n'; tail -n 20 "$TEST_TMP/vm-qemu.log"; }
        return 0
}
