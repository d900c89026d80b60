#!/bin/bash
# SPDX-License-Identifier: MIT
# The Kubernetes manifests (issue 8, item 3), validated OFFLINE: no cluster runs here, so this
# parses deploy/kubernetes/*.yaml and checks every field the daemon depends on, against the
# daemon itself where possible:
#   - one DaemonSet (apps/v1), its selector matching its pod labels, hostPID: true, no host
#     network, tolerating every taint;
#   - the image is container-watchd:<the daemon's --version>, the command is the image's
#     ENTRYPOINT (deploy/container/Dockerfile.in) and the daemon accepts the arguments
#     (`container-watchd ARGS --check-config`);
#   - every default root that `container-watchd --check-config` prints with no configuration is
#     covered by a read-only hostPath mount of the same path; so are /var/lib/docker/containers
#     and /run/systemd/journal; $STATE_DIRECTORY and $CW_RUN_DIR are the only writable mounts;
#   - the securityContext: root, privileged off, no privilege escalation, read-only root file
#     system, capabilities dropped to exactly SYS_PTRACE and DAC_READ_SEARCH (plus BPF and PERFMON,
#     which the daemon drops itself once its kernel probe is attached);
#   - requests and limits for cpu and memory; liveness, readiness and startup probes run
#     `cw-supervise --check N` with N longer than the watchdog period.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
require_cmd python3
python3 -c 'import yaml' 2>/dev/null || skip_or_fail "python3 cannot import yaml (Debian: python3-yaml)"
[ -x "$DAEMON" ] || fail "daemon '$DAEMON' is not built"

version=$("$DAEMON" --version | awk 'NR == 1 { print $2 }')
# The defaults, from the daemon itself: Roots=... lines of --check-config without a config file.
: >"$TEST_TMP/empty.conf"
# (An array: "/run/containerd/runc/*" must not meet the shell's globbing.)
mapfile -t roots < <("$DAEMON" -c "$TEST_TMP/empty.conf" --check-config | sed -n 's/^Roots=//p')
[ "${#roots[@]}" -gt 0 ] || fail "container-watchd --check-config printed no Roots="

python3 - "$top_srcdir" "$version" "$DAEMON" "$TEST_TMP" "${roots[@]}" <<'EOF' || fail "the manifests do not give the daemon what it needs (above)"
import glob, json, os, re, subprocess, sys
import yaml

top, version, daemon, tmp = sys.argv[1:5]
roots = sys.argv[5:]
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond

docs = []
for f in sorted(glob.glob(os.path.join(top, "deploy/kubernetes/*.yaml"))):
    with open(f) as fh:
        for d in yaml.safe_load_all(fh):
            if d is not None:
                docs.append((os.path.basename(f), d))
print("parsed %d documents: %s" % (len(docs), ", ".join("%s/%s" % (f, d.get("kind")) for f, d in docs)))

ds = [d for f, d in docs if d.get("kind") == "DaemonSet"]
if not check(len(ds) == 1, "expected one DaemonSet, found %d" % len(ds)):
    print("\n".join(errors)); sys.exit(1)
ds = ds[0]
check(ds.get("apiVersion") == "apps/v1", "DaemonSet apiVersion is %r" % ds.get("apiVersion"))
spec = ds["spec"]
tmpl = spec["template"]
labels = tmpl["metadata"].get("labels", {})
for k, v in spec["selector"]["matchLabels"].items():
    check(labels.get(k) == v, "selector %s=%s does not match the pod labels %r" % (k, v, labels))
ns = ds["metadata"].get("namespace")
check(any(d.get("kind") == "Namespace" and d["metadata"]["name"] == ns for f, d in docs) or ns in (None, "kube-system"),
      "namespace %r is neither defined here nor kube-system" % ns)
pod = tmpl["spec"]
check(pod.get("hostPID") is True, "hostPID must be true (init PIDs are host PIDs)")
check(not pod.get("hostNetwork"), "hostNetwork must not be set: the daemon needs no network")
check(any(t.get("operator") == "Exists" and "key" not in t and "effect" not in t for t in pod.get("tolerations", [])),
      "no toleration {operator: Exists} without key and effect: the pod would not run on every node")

cs = pod["containers"]
check(len(cs) == 1, "expected one container, found %d" % len(cs))
c = cs[0]
image = c.get("image", "")
check(re.fullmatch(r"(.*/)?container-watchd:" + re.escape(version), image) is not None,
      "image %r is not container-watchd:%s (the daemon's version)" % (image, version))

# The command is the image's ENTRYPOINT; the arguments are the daemon's.
with open(os.path.join(top, "deploy/container/Dockerfile.in")) as fh:
    m = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", fh.read(), re.M)
entry = json.loads(m.group(1)) if m else None
check(c.get("command") == entry, "command %r differs from the image ENTRYPOINT %r" % (c.get("command"), entry))
check(entry is not None and entry[-1] == "/usr/sbin/container-watchd", "the ENTRYPOINT does not end with the daemon")
args = c.get("args", [])
check("--log-target=journal" in args, "args %r lack --log-target=journal (events must go to the node journal)" % args)
conf = os.path.join(tmp, "empty.conf")
r = subprocess.run([daemon] + args + ["-c", conf, "--check-config"], capture_output=True, text=True)
check(r.returncode == 0, "the daemon refuses the args %r: %s" % (args, r.stderr.strip()))

env = {e["name"]: e.get("value") for e in c.get("env", [])}
state_dir = env.get("STATE_DIRECTORY")
run_dir = env.get("CW_RUN_DIR", "/run/container-watchd")
check(state_dir == "/var/lib/container-watchd", "STATE_DIRECTORY is %r" % state_dir)
wd = int(env.get("CW_WATCHDOG_SEC", "30"))

sc = c.get("securityContext", {})
check(sc.get("runAsUser") == 0, "runAsUser must be 0 (the runtimes' state files are root's, mode 0600)")
check(not sc.get("privileged"), "privileged must be off")
check(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
check(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
caps = sc.get("capabilities", {})
check([x.upper() for x in caps.get("drop", [])] == ["ALL"], "capabilities.drop must be [ALL], is %r" % caps.get("drop"))
# BPF and PERFMON for the kernel probe's load at start (issue 13); the daemon drops them after.
check(sorted(caps.get("add", [])) == ["BPF", "DAC_READ_SEARCH", "PERFMON", "SYS_PTRACE"],
      "capabilities.add must be exactly SYS_PTRACE, DAC_READ_SEARCH, BPF and PERFMON, is %r" % caps.get("add"))

res = c.get("resources", {})
for kind in ("requests", "limits"):
    for r_ in ("cpu", "memory"):
        check(r_ in res.get(kind, {}), "resources.%s.%s is missing" % (kind, r_))

for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
    p = c.get(probe)
    if not check(p is not None, "%s is missing" % probe):
        continue
    cmd = p.get("exec", {}).get("command", [])
    if check(cmd[:2] == ["/usr/sbin/cw-supervise", "--check"] and len(cmd) == 3,
             "%s is not exec [cw-supervise, --check, N]: %r" % (probe, cmd)):
        check(int(cmd[2]) > wd, "%s: max age %s s is not above the watchdog period %d s" % (probe, cmd[2], wd))

vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = c.get("volumeMounts", [])
def host_path(m):
    return vols.get(m["name"], {}).get("hostPath", {}).get("path")
def covering(path):
    """The mount whose mountPath is path or its nearest parent."""
    best = None
    for m in mounts:
        mp = m["mountPath"].rstrip("/")
        if (path == mp or path.startswith(mp + "/")) and (best is None or len(mp) > len(best["mountPath"])):
            best = m
    return best
def check_ro_host(path, what):
    m = covering(path)
    if not check(m is not None, "%s %s is not mounted" % (what, path)):
        return
    check(m.get("readOnly") is True, "%s %s: mount %r is not readOnly" % (what, path, m["name"]))
    check(host_path(m) == m["mountPath"], "%s %s: mount %r shows host %r at %r, not the same path"
          % (what, path, m["name"], host_path(m), m["mountPath"]))

for root in roots:
    # "/run/containerd/runc/*": the directory that holds the namespace directories.
    check_ro_host(root[:-2] if root.endswith("/*") else root, "default root")
check_ro_host("/var/lib/docker/containers", "Docker's records")
check_ro_host("/run/systemd/journal/socket", "the journal socket")
check(covering("/run/systemd/journal/socket")["mountPath"] == "/run/systemd/journal",
      "mount the directory /run/systemd/journal (a journald restart recreates the socket)")
for m in mounts:
    check(m["name"] in vols, "volumeMount %r has no volume" % m["name"])
    check(not m["mountPath"].startswith("/run/containerd") or m["mountPath"].startswith("/run/containerd/runc"),
          "%s exposes containerd's socket" % m["mountPath"])
    check(m["mountPath"] not in ("/run", "/run/docker", "/var/run", "/"), "%s is too wide a mount" % m["mountPath"])
writable = sorted(m["mountPath"] for m in mounts if not m.get("readOnly"))
check(writable == sorted([state_dir, run_dir]), "writable mounts are %r, expected only %r" % (writable, sorted([state_dir, run_dir])))
sm = covering(state_dir + "/x")
check(sm is not None and host_path(sm) == "/var/lib/container-watchd",
      "the state directory is not the host's /var/lib/container-watchd (the record must survive the pod)")
rm = covering(run_dir + "/x")
check(rm is not None and "emptyDir" in vols.get(rm["name"], {}), "%s is not an emptyDir" % run_dir)

if errors:
    print("\n".join("ERROR: " + e for e in errors))
    sys.exit(1)
print("DaemonSet %s/%s: %d mounts, image %s, all checks passed" % (ns, ds["metadata"]["name"], len(mounts), image))
EOF
note "ok (offline validation only: the manifests have not been applied to a cluster)"
