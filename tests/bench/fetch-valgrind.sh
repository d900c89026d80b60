#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fetch-valgrind.sh DIR: unpack Debian 13 (trixie)'s valgrind package into DIR and print the path
# of a valgrind wrapper that runs it. Debian 12's valgrind 3.19 stops at pidfd_open() ("unhandled
# amd64-linux syscall: 434"), which the daemon needs; the tools of 3.24 are static binaries and run
# on Debian 12. Uses apt-get with a private source list and cache under DIR: the system's apt
# configuration is not touched and nothing is installed.
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
if [ ! -x "$dir/root/usr/bin/valgrind.bin" ]; then
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        echo "deb http://deb.debian.org/debian trixie main" >"$dir/sources.list"
        apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
        apt-get "${apt_opts[@]}" update >&2
        (cd "$dir" && apt-get "${apt_opts[@]}" download valgrind >&2)
        dpkg -x "$dir"/valgrind_*.deb "$dir/root"
fi
cat >"$dir/valgrind" <<EOT
#!/bin/sh
VALGRIND_LIB=$dir/root/usr/libexec/valgrind exec $dir/root/usr/bin/valgrind.bin "\$@"
EOT
chmod +x "$dir/valgrind"
ln -sf "$dir/root/usr/bin/callgrind_annotate" "$dir/callgrind_annotate"
echo "$dir/valgrind"
