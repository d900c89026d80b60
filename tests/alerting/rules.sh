#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The shipped Prometheus alerting rules (conf/container-watchd-alerts.yml): Prometheus' own
# promtool accepts them ("check rules") and they fire, and stay silent, on the series the daemon
# writes ("test rules" with tests/alerting/rules-test.yml). docs/alerting.md names that file and
# shows the rules exactly as shipped. Needs promtool (Debian package prometheus).
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
rules="$top_srcdir/conf/container-watchd-alerts.yml"
unit="$top_srcdir/tests/alerting/rules-test.yml"
doc="$top_srcdir/docs/alerting.md"

. "$top_srcdir/tests/lib/checks.sh" || exit 99

command -v promtool >/dev/null 2>&1 || skip "promtool not installed (Debian package prometheus)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-alert-rules.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$rules" "$unit" "$tmp/"

promtool check rules "$tmp/container-watchd-alerts.yml" >"$tmp/check.out" 2>&1 ||
        { cat "$tmp/check.out" >&2; err "promtool check rules refuses $rules"; }
grep -q 'SUCCESS: 4 rules found' "$tmp/check.out" || { cat "$tmp/check.out" >&2; err "not the 4 rules expected"; }
(cd "$tmp" && promtool test rules rules-test.yml) >"$tmp/test.out" 2>&1 ||
        { cat "$tmp/test.out" >&2; err "promtool test rules fails"; }

# The document shows the shipped file verbatim, between its ```yaml fence and the next fence.
awk '/^```yaml$/ { on = 1; next } /^```$/ { if (on) exit } on' "$doc" >"$tmp/doc.yml"
cmp -s "$tmp/doc.yml" "$rules" || { diff -u "$rules" "$tmp/doc.yml" >&2 || true; err "docs/alerting.md does not show $rules as shipped"; }
grep -q 'journalctl .*CONTAINER_EVENT=crashloop' "$doc" || err "docs/alerting.md has no journalctl query for crashloop entries"

[ "$fail" -eq 0 ] && echo "alerting rules: promtool check and test pass, docs in step"
exit "$fail"
