#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fetch-valgrind.sh DIR: unpack Debian 13 (trixie)'s valgrind package into DIR and print the path
# of a valgrind wrapper that runs it. Debian 12's valgrind 3.19 stops at pidfd_open() ("unhandled
# amd64-linux syscall: 434"), which the daemon needs; the tools of 3.24 are static binaries and run
# on Debian 12. Uses apt-get with a private source list and cache under DIR: the system's apt
# configuration is not touched and nothing is installed.
#
# The archive is the machine's own: the first "deb" entry of its apt sources (/etc/apt/sources.list,
# /etc/apt/sources.list.d/*.list, and deb822 /etc/apt/sources.list.d/*.sources) whose suite is this
# release's codename (VERSION_CODENAME of /etc/os-release) and whose components include main. Only
# the suite changes (to trixie); the address and its options (signed-by, arch, trusted) stay. No
# address is written here.
#
#   APT_SOURCES_DIR   the directory holding sources.list and sources.list.d (default /etc/apt)
set -euo pipefail
TARGET_SUITE=trixie
dir=$(mkdir -p "$1" && cd "$1" && pwd)
etc=${APT_SOURCES_DIR:-/etc/apt}

# host_codename: this release's codename (bookworm on Debian 12).
host_codename() {
        local c=
        # shellcheck source=/dev/null
        [ -r /etc/os-release ] && c=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        echo "${c:-bookworm}"
}

# one_line_entries FILE...: each "deb" line of one-line sources files as OPTIONS, URI, SUITE,
# COMPONENTS separated by \037, not whitespace, since OPTIONS (the [...] without brackets) may be empty.
one_line_entries() {
        sed -e 's/#.*//' "$@" 2>/dev/null | awk -v OFS='\037' '
                $1 != "deb" { next }
                {
                        line = $0
                        sub(/^[ \t]*deb[ \t]+/, "", line)
                        opts = ""
                        if (substr(line, 1, 1) == "[") {
                                end = index(line, "]")
                                if (end == 0)
                                        next
                                opts = substr(line, 2, end - 2)
                                line = substr(line, end + 1)
                        }
                        n = split(line, f, /[ \t]+/)
                        k = 0
                        for (i = 1; i <= n; i++)
                                if (f[i] != "")
                                        w[++k] = f[i]
                        if (k < 3)
                                next
                        comps = w[3]
                        for (i = 4; i <= k; i++)
                                comps = comps " " w[i]
                        gsub(/^[ \t]+|[ \t]+$/, "", opts)
                        print opts, w[1], w[2], comps
                }'
}

# deb822_entries FILE...: the same for deb822 .sources stanzas (one line per URI and suite).
# Signed-By is kept when it names files (an inline key block cannot go on one line; then apt's
# own keyrings apply).
deb822_entries() {
        local f
        for f in "$@"; do
                [ -r "$f" ] || continue
                awk -v OFS='\037' '
                        function flush(   nu, nsu, u, s, opts, i, t, isdeb) {
                                isdeb = 0
                                nt = split(types, tt, /[ \t]+/)
                                for (i = 1; i <= nt; i++)
                                        if (tt[i] == "deb")
                                                isdeb = 1
                                if (isdeb && tolower(enabled) != "no" && uris != "" && suites != "") {
                                        opts = ""
                                        if (signed != "" && signed !~ /BEGIN PGP/) {
                                                gsub(/[ \t,]+/, ",", signed)  # one-line form: a comma list
                                                opts = "signed-by=" signed
                                        }
                                        if (arch != "") {
                                                gsub(/[ \t]+/, ",", arch)
                                                opts = opts (opts != "" ? " " : "") "arch=" arch
                                        }
                                        if (trusted != "")
                                                opts = opts (opts != "" ? " " : "") "trusted=" trusted
                                        nu = split(uris, u, /[ \t]+/)
                                        nsu = split(suites, s, /[ \t]+/)
                                        for (i = 1; i <= nu; i++)
                                                for (t = 1; t <= nsu; t++)
                                                        if (u[i] != "" && s[t] != "")
                                                                print opts, u[i], s[t], comps
                                }
                                types = uris = suites = comps = signed = arch = trusted = enabled = ""
                                key = ""
                        }
                        /^[ \t]*#/ { next }
                        /^[ \t]*$/ { flush(); next }
                        /^[ \t]/ { if (key == "signed-by") signed = signed " " $0; next }  # continuation
                        {
                                key = tolower(substr($0, 1, index($0, ":") - 1))
                                val = substr($0, index($0, ":") + 1)
                                gsub(/^[ \t]+|[ \t]+$/, "", val)
                                gsub(/[ \t]+/, " ", val)
                                if (key == "types") types = val
                                else if (key == "uris") uris = val
                                else if (key == "suites") suites = val
                                else if (key == "components") comps = val
                                else if (key == "signed-by") signed = val
                                else if (key == "architectures") arch = val
                                else if (key == "trusted") trusted = val
                                else if (key == "enabled") enabled = val
                        }
                        END { flush() }' "$f"
        done
}

# archive_line: the one-line source entry for TARGET_SUITE, from the machine's apt sources.
archive_line() {
        local codename opts uri suite comps lists=() parts=()
        codename=$(host_codename)
        [ -f "$etc/sources.list" ] && lists+=("$etc/sources.list")
        for f in "$etc"/sources.list.d/*.list; do [ -f "$f" ] && lists+=("$f"); done
        for f in "$etc"/sources.list.d/*.sources; do [ -f "$f" ] && parts+=("$f"); done
        while IFS=$'\037' read -r opts uri suite comps; do
                [ "$suite" = "$codename" ] || continue
                case " $comps " in *" main "*) ;; *) continue ;; esac
                case $uri in cdrom:*|file:*|copy:*) continue ;; esac
                echo "deb ${opts:+[$opts] }$uri $TARGET_SUITE main"
                return 0
        done < <({ [ ${#lists[@]} = 0 ] || one_line_entries "${lists[@]}"; }
                 [ ${#parts[@]} = 0 ] || deb822_entries "${parts[@]}")
        echo "fetch-valgrind: no '$codename ... main' entry in the apt sources under $etc" \
             "(sources.list, sources.list.d/*.list, *.sources): cannot tell where the Debian archive is" >&2
        return 1
}

if [ ! -x "$dir/root/usr/bin/valgrind.bin" ]; then
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        archive_line >"$dir/sources.list"
        echo "fetch-valgrind: $(cat "$dir/sources.list")" >&2
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
