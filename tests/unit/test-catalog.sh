#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The journal catalog and daemon/catalog-ids.h list the same MESSAGE_IDs, every entry has the
# required headers, and systemd's own tool compiles the catalog and finds every entry with its
# Subject (journalctl --root=TMP --update-catalog / --list-catalog ID, checked on systemd 252).
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
catalog="$top_srcdir/systemd/container-watchd.catalog"
ids_h="$top_srcdir/daemon/catalog-ids.h"

. "$top_srcdir/tests/lib/checks.sh" || exit 99

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-catalog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. The two lists of ids agree.
sed -n 's/^#define[[:space:]]\{1,\}MESSAGE_ID_[A-Z0-9_]\{1,\}[[:space:]]\{1,\}"\([0-9a-f]\{32\}\)".*/\1/p' \
        "$ids_h" | sort >"$tmp/ids.h"
sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog" | sort >"$tmp/ids.catalog"
n_h=$(wc -l <"$tmp/ids.h")
n_cat=$(wc -l <"$tmp/ids.catalog")
[ "$n_h" -gt 0 ] || err "no MESSAGE_ID found in $ids_h"
# Every "#define MESSAGE_ID_" line must have been understood (no id hides behind odd spacing).
n_def=$(grep -c '^#define[[:space:]]*MESSAGE_ID_' "$ids_h" || true)
[ "$n_def" -eq "$n_h" ] || err "$ids_h has $n_def MESSAGE_ID defines but only $n_h parse as 32 hex digits"
# Any line starting with "--" must be a well-formed entry header.
n_hdr=$(grep -c '^--' "$catalog" || true)
[ "$n_hdr" -eq "$n_cat" ] || err "$catalog has $n_hdr '--' lines but $n_cat valid entry headers"
dups=$(uniq -d "$tmp/ids.catalog")
[ -z "$dups" ] || err "duplicate catalog entries: $dups"
dups=$(uniq -d "$tmp/ids.h")
[ -z "$dups" ] || err "duplicate ids in catalog-ids.h: $dups"
missing=$(comm -23 "$tmp/ids.h" "$tmp/ids.catalog")
[ -z "$missing" ] || err "ids without a catalog entry: $missing"
extra=$(comm -13 "$tmp/ids.h" "$tmp/ids.catalog")
[ -z "$extra" ] || err "catalog entries for unknown ids: $extra"
echo "ids: $n_h in catalog-ids.h, $n_cat in the catalog"

# 2. Each entry has the headers, a blank line and a body.
awk -v file="$catalog" '
        function check() {
                if (id == "") return
                if (!subj) { printf "%s: entry %s has no Subject:\n", file, id; bad = 1 }
                if (!defby) { printf "%s: entry %s lacks Defined-By: container-watchd\n", file, id; bad = 1 }
                if (!support) { printf "%s: entry %s has no Support:\n", file, id; bad = 1 }
                if (!doc) { printf "%s: entry %s lacks Documentation: man:container-watchd...\n", file, id; bad = 1 }
                if (body < 2) { printf "%s: entry %s has no body\n", file, id; bad = 1 }
        }
        /^-- / { check(); id = $2; subj = defby = support = doc = inbody = body = 0; next }
        id == "" { next }
        !inbody && /^Subject: ./ { subj = 1; next }
        !inbody && /^Defined-By: container-watchd$/ { defby = 1; next }
        !inbody && /^Support: ./ { support = 1; next }
        !inbody && /^Documentation: .*man:container-watchd/ { doc = 1; next }
        !inbody && /^$/ { inbody = 1; next }
        inbody && /./ { body++ }
        END { check(); exit bad }
' "$catalog" >&2 || err "malformed catalog entries (above)"

# 3. systemd compiles it and finds every entry.
command -v journalctl >/dev/null 2>&1 || skip "journalctl not installed (Debian package systemd)"
root="$tmp/root"
mkdir -p "$root/usr/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/container-watchd.catalog"
if ! journalctl --root="$root" --update-catalog 2>"$tmp/update.err"; then
        cat "$tmp/update.err" >&2
        err "journalctl --update-catalog failed"
fi
# journalctl reports parse problems as warnings but still exits 0: any output is a failure.
if [ -s "$tmp/update.err" ]; then
        cat "$tmp/update.err" >&2
        err "journalctl --update-catalog complained"
fi
[ -s "$root/var/lib/systemd/catalog/database" ] || err "no catalog database was written"

while read -r id; do
        subject=$(awk -v id="$id" '$0 == "-- " id { f = 1; next } f && /^-- / { exit } f && /^Subject: / { sub(/^Subject: /, ""); print; exit }' "$catalog")
        out=$(journalctl --root="$root" --list-catalog "$id" 2>&1) || { err "--list-catalog $id failed: $out"; continue; }
        case "$out" in
        "$id container-watchd: $subject") ;;
        *) err "--list-catalog $id printed '$out', expected '$id container-watchd: $subject'" ;;
        esac
        # The full text comes back too (header and body).
        journalctl --root="$root" --dump-catalog "$id" >"$tmp/dump" 2>&1 || err "--dump-catalog $id failed"
        grep -qx "Subject: $subject" "$tmp/dump" || err "--dump-catalog $id lacks its Subject"
done <"$tmp/ids.h"

n_listed=$(journalctl --root="$root" --list-catalog | grep -c ' container-watchd: ' || true)
[ "$n_listed" -eq "$n_h" ] || err "journalctl lists $n_listed container-watchd entries, expected $n_h"

[ "$fail" -eq 0 ] && echo "PASS: $n_h catalog entries compiled and listed by journalctl"
exit "$fail"
