#!/bin/sh
# SPDX-License-Identifier: MIT
# The guest's boot script (busybox sh, run by vm-reaper as PID 1; tests/vm/lib.sh builds the guest):
# mount what a host has, cgroup v2 only with the memory and pids controllers, run the scenario
# script, then send /vm/out back over the second serial port (ttyS1) as a base64 gzip tar between
# two marker lines. vm-reaper powers the machine off when this script ends.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
# /tmp and /run stay on the initramfs root (itself a tmpfs): files a test put there remain visible.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo '+memory +pids' >/sys/fs/cgroup/cgroup.subtree_control
. /vm/env
uname -r >/vm/out/kernel
cd / || exit 1
bash "$VM_SCRIPT" >/vm/out/guest.log 2>&1 </dev/null
echo $? >/vm/out/rc
stty -F /dev/ttyS1 raw -echo 2>/dev/null
{
        echo '@@vm-out-begin@@'
        tar -C /vm/out -cf - . | gzip -c | base64
        echo '@@vm-out-end@@'
} >/dev/ttyS1
