/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/runc-state.c: every real state file in tests/fixtures (runc, docker,
 * containerd, podman, crun) against the /proc snapshots taken with it, OCI annotations, and
 * generated inputs: numeric and string start times, missing / extra / wrongly typed keys, labels,
 * every prefix of real files, oversized and deeply nested JSON, RFC 3339 variants.
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runc-state-test.h"
#include "util/cleanup.h"
#include "util/time.h"
#include "util/proc-stat.h"

/* Read a fixture into a malloc'ed buffer of exactly its size (no NUL), so that an over-read is
 * caught by valgrind or ASan. */
static char *fixture_read(const char *name, size_t *ret_len) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char *buf;
        long n;

        ck_assert_int_ge(asprintf(&path, "%s/%s", FIXTURES_DIR, name), 0);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open fixture %s: %s", path, strerror(errno));
        ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        ck_assert_int_gt(n, 0);
        rewind(f);
        buf = malloc((size_t) n);
        ck_assert_ptr_nonnull(buf);
        ck_assert_uint_eq(fread(buf, 1, (size_t) n, f), (size_t) n);
        *ret_len = (size_t) n;
        return buf;
}

typedef int (*parse_fn)(const char *buf, size_t len, RuncState **ret, const char **ret_missing);

/* Parse a C string through an exact-size copy without its NUL. */
static int parse_str(parse_fn fn, const char *json, RuncState **ret, const char **ret_missing) {
        size_t n = strlen(json);
        _cleanup_free_ char *copy = malloc(n ? n : 1);

        ck_assert_ptr_nonnull(copy);
        memcpy(copy, json, n);
        return fn(copy, n, ret, ret_missing);
}

/* CLOCK_REALTIME µs of a UTC "YYYY-MM-DDTHH:MM:SS" plus µs, computed with the C library
 * (an implementation independent of the parser's). */
static uint64_t utc_usec(const char *ymdhms, uint64_t usec) {
        struct tm tm = {};
        const char *end = strptime(ymdhms, "%Y-%m-%dT%H:%M:%S", &tm);

        ck_assert_msg(end && *end == '\0', "bad test time '%s'", ymdhms);
        return (uint64_t) timegm(&tm) * USEC_PER_SEC + usec;
}

/* ------------------------------------------------------------------------------------ fixtures */

typedef struct FixtureCase {
        const char *file;
        const char *proc_stat;            /* snapshot taken with it; NULL: none captured */
        pid_t pid;
        uint64_t start;
        const char *id;
        const char *created;              /* seconds part, UTC */
        uint64_t created_frac;            /* µs */
        const char *bundle;
        size_t n_labels;
        const char *label_key, *label_value;
        const char *cg_memory, *cg_unified;
} FixtureCase;

#define DOCKER_ID "2a39ac7445a4d31fab303e4b95353c81541c50eb51b9a1809bdaca406fb19c47"
#define PODMAN_ID "1234d0de3dd9437b5382dbee6088f314160cf4760ca1f0486bab61d97f330005"
#define POD_CG "kubepods/besteffort/pod3f216a1e-6517-4884-9837-d661e45517a7"
#define CTRD_BUNDLE "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/"

static const FixtureCase runc_cases[] = {
        { "runc/state.created.json", "runc/proc-stat.created.txt", 7742, 32418, "fx-runc1",
          "2026-11-28T23:42:19", 274533, "/tmp/rb", 0, NULL, NULL,
          "/sys/fs/cgroup/memory/init.scope/fx-runc1", "/sys/fs/cgroup/unified/fx-runc1" },
        { "runc/state.running.json", "runc/proc-stat.running.txt", 7742, 32418, "fx-runc1",
          "2026-11-28T23:42:19", 274533, "/tmp/rb", 0, NULL, NULL,
          "/sys/fs/cgroup/memory/init.scope/fx-runc1", "/sys/fs/cgroup/unified/fx-runc1" },
        { "runc/state.killed.json", "runc/proc-stat.killed.txt", 7742, 32418, "fx-runc1",
          "2026-11-28T23:42:19", 274533, "/tmp/rb", 0, NULL, NULL,
          "/sys/fs/cgroup/memory/init.scope/fx-runc1", "/sys/fs/cgroup/unified/fx-runc1" },
        { "docker/state.json", NULL, 7431, 30050, DOCKER_ID,
          "2026-11-28T23:41:55", 777906, CTRD_BUNDLE "moby/" DOCKER_ID, 0, NULL, NULL,
          "/sys/fs/cgroup/memory/docker/" DOCKER_ID, "/sys/fs/cgroup/unified/docker/" DOCKER_ID },
        { "containerd/fx-k8s-pause.state.json", "containerd/fx-k8s-pause.proc-stat.txt", 8952, 36616, "fx-k8s-pause",
          "2026-11-28T23:43:01", 258748, CTRD_BUNDLE "k8s.io/fx-k8s-pause", 6,
          "io.kubernetes.cri.container-type", "sandbox",
          "/sys/fs/cgroup/memory/" POD_CG "/fx-k8s-pause", "/sys/fs/cgroup/unified/" POD_CG "/fx-k8s-pause" },
        { "containerd/fx-k8s-web.state.json", "containerd/fx-k8s-web.proc-stat.txt", 9012, 36684, "fx-k8s-web",
          "2026-11-28T23:43:01", 934848, CTRD_BUNDLE "k8s.io/fx-k8s-web", 7,
          "io.kubernetes.cri.image-name", "docker.io/library/bbox:latest",
          "/sys/fs/cgroup/memory/" POD_CG "/fx-k8s-web", "/sys/fs/cgroup/unified/" POD_CG "/fx-k8s-web" },
        { "podman/state.json", "podman/proc-stat.running.txt", 10996, 43727, PODMAN_ID,
          "2026-11-28T23:44:12", 375414, "/var/lib/containers/storage/overlay-containers/" PODMAN_ID "/userdata", 8,
          "io.kubernetes.cri-o.Created", "2026-11-28T23:44:12.283583011Z",
          "/sys/fs/cgroup/memory/libpod_parent/libpod-" PODMAN_ID, "/sys/fs/cgroup/unified/libpod_parent/libpod-" PODMAN_ID },
};

static const FixtureCase crun_cases[] = {
        { "crun/status.created", "crun/proc-stat.created.txt", 9307, 39232, NULL,
          "2026-11-28T23:43:27", 409925, "/tmp/fx-crb", 0, NULL, NULL, NULL, NULL },
        { "crun/status.running", "crun/proc-stat.running.txt", 9307, 39232, NULL,
          "2026-11-28T23:43:27", 409925, "/tmp/fx-crb", 0, NULL, NULL, NULL, NULL },
        { "crun/status.killed", "crun/proc-stat.killed.txt", 9307, 39232, NULL,
          "2026-11-28T23:43:27", 409925, "/tmp/fx-crb", 0, NULL, NULL, NULL, NULL },
};

static void assert_str_or_null(const char *got, const char *want) {
        if (want)
                ck_assert_str_eq(got ? got : "(null)", want);
        else
                ck_assert_ptr_null(got);
}

static void check_fixture(const FixtureCase *c, Runtime runtime) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        _cleanup_free_ char *buf = NULL;
        const char *missing = NULL;
        size_t len;
        int r;

        buf = fixture_read(c->file, &len);
        r = (runtime == RUNTIME_RUNC ? runc_state_parse : crun_status_parse)(buf, len, &s, &missing);
        ck_assert_msg(r == 0, "%s: r=%d missing=%s", c->file, r, missing ? missing : "-");
        ck_assert_ptr_nonnull(s);

        ck_assert_int_eq(s->runtime, runtime);
        ck_assert_int_eq(s->pid, c->pid);
        ck_assert_uint_eq(s->start_ticks, c->start);
        assert_str_or_null(s->id, c->id);
        ck_assert_uint_eq(s->created_usec, utc_usec(c->created, c->created_frac));
        assert_str_or_null(s->bundle, c->bundle);
        ck_assert_uint_eq(s->n_labels, c->n_labels);
        ck_assert_ptr_null(runc_state_label(s, "bundle"));
        if (c->label_key)
                assert_str_or_null(runc_state_label(s, c->label_key), c->label_value);
        assert_str_or_null(s->cgroup_v1_memory, c->cg_memory);
        assert_str_or_null(s->cgroup_unified, c->cg_unified);
        ck_assert(!s->rootless);

        /* runc: namespace_paths are /proc/<pid>/ns/<kind> for all seven kinds; crun has none. */
        for (NsKind k = 0; k < _NS_MAX; k++) {
                char want[64], kind[16];
                const char *name = ns_kind_to_string(k);
                size_t i;

                if (runtime == RUNTIME_CRUN) {
                        ck_assert_ptr_null(s->ns_path[k]);
                        continue;
                }
                for (i = 0; name[i] && i < sizeof(kind) - 1; i++)
                        kind[i] = (char) tolower((unsigned char) name[i]);
                kind[i] = '\0';
                snprintf(want, sizeof(want), "/proc/%d/ns/%s", (int) c->pid, kind);
                assert_str_or_null(s->ns_path[k], want);
        }

        /* The state file's start time is field 22 of the init's /proc/<pid>/stat (FACTS.md 1.11). */
        if (c->proc_stat) {
                _cleanup_free_ char *ps = NULL;
                ProcStat st;
                size_t ps_len;

                ps = fixture_read(c->proc_stat, &ps_len);
                ck_assert_int_eq(proc_stat_parse(ps, ps_len, &st), 0);
                ck_assert_int_eq(st.pid, s->pid);
                ck_assert_uint_eq(st.starttime, s->start_ticks);
        }
}

START_TEST(test_runc_fixtures) {
        for (size_t i = 0; i < ELEMENTSOF(runc_cases); i++)
                check_fixture(&runc_cases[i], RUNTIME_RUNC);
}
END_TEST

START_TEST(test_crun_fixtures) {
        for (size_t i = 0; i < ELEMENTSOF(crun_cases); i++)
                check_fixture(&crun_cases[i], RUNTIME_CRUN);
}
END_TEST

/* Labels of the containerd fixtures, every one of them. */
START_TEST(test_containerd_labels) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len;

        buf = fixture_read("containerd/fx-k8s-web.state.json", &len);
        ck_assert_int_eq(runc_state_parse(buf, len, &s, NULL), 0);
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.container-type"), "container");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.container-name"), "web");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.image-name"), "docker.io/library/bbox:latest");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.sandbox-id"), "fx-k8s-pause");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.sandbox-name"), "fx-pod");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.sandbox-namespace"), "default");
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.sandbox-uid"), "3f216a1e-6517-4884-9837-d661e45517a7");
        ck_assert_ptr_null(runc_state_label(s, "io.kubernetes.cri"));
        ck_assert_ptr_null(runc_state_label(s, ""));
        ck_assert_ptr_null(runc_state_label(NULL, "x"));
        ck_assert_ptr_null(runc_state_label(s, NULL));
}
END_TEST

/* OCI config.json annotations: containerd and podman have some, docker and crun write null. */
START_TEST(test_oci_annotations) {
        static const struct {
                const char *file;
                size_t n;
                const char *key, *value;
        } cases[] = {
                { "containerd/fx-k8s-pause.config.json", 6, "io.kubernetes.cri.sandbox-log-directory",
                  "/var/log/pods/default_fx-pod_3f216a1e-6517-4884-9837-d661e45517a7" },
                { "containerd/fx-k8s-web.config.json", 7, "io.kubernetes.cri.container-name", "web" },
                { "podman/config.json", 8, "io.container.manager", "libpod" },
                { "docker/config.json", 0, NULL, NULL },
                { "crun/state-dir-config.json", 0, NULL, NULL },
                { "crun/bundle-config.json", 0, NULL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(runc_state_freep) RuncState *s = calloc(1, sizeof(RuncState));
                _cleanup_free_ char *buf = NULL;
                size_t len;

                ck_assert_ptr_nonnull(s);
                buf = fixture_read(cases[i].file, &len);
                ck_assert_msg(oci_config_parse_annotations(buf, len, s) == 0, "%s", cases[i].file);
                ck_assert_uint_eq(s->n_labels, cases[i].n);
                if (cases[i].key)
                        ck_assert_str_eq(runc_state_label(s, cases[i].key), cases[i].value);
        }
}
END_TEST

/* crun: status, then the config.json beside it, as the daemon reads them. Also merging a bundle's
 * annotations onto runc labels: later values win. */
START_TEST(test_annotations_merge) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        _cleanup_free_ char *buf = NULL, *cfg = NULL;
        size_t len, cfg_len;

        buf = fixture_read("containerd/fx-k8s-web.state.json", &len);
        cfg = fixture_read("containerd/fx-k8s-web.config.json", &cfg_len);
        ck_assert_int_eq(runc_state_parse(buf, len, &s, NULL), 0);
        ck_assert_uint_eq(s->n_labels, 7);
        ck_assert_int_eq(oci_config_parse_annotations(cfg, cfg_len, s), 0);
        ck_assert_uint_eq(s->n_labels, 14);
        ck_assert_str_eq(runc_state_label(s, "io.kubernetes.cri.container-name"), "web");
        runc_state_free(TAKE_PTR(s));

        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"init_process_pid\":1,\"init_process_start\":2,\"config\":{\"labels\":[\"k=old\",\"bundle=/b\"]}}",
                &s, NULL), 0);
        ck_assert_int_eq(oci_config_parse_annotations("{\"annotations\":{\"k\":\"new\",\"n\":2,\"\":\"e\",\"z\":\"\"}}",
                                                      strlen("{\"annotations\":{\"k\":\"new\",\"n\":2,\"\":\"e\",\"z\":\"\"}}"), s), 0);
        ck_assert_uint_eq(s->n_labels, 3);
        ck_assert_str_eq(runc_state_label(s, "k"), "new");
        ck_assert_str_eq(runc_state_label(s, "z"), "");
        ck_assert_ptr_null(runc_state_label(s, "n"));
        ck_assert_str_eq(s->bundle, "/b");

        /* Not an object, not JSON, no annotations, wrong type, no state to add to. */
        ck_assert_int_eq(oci_config_parse_annotations("[]", 2, s), -EBADMSG);
        ck_assert_int_eq(oci_config_parse_annotations("{", 1, s), -EBADMSG);
        ck_assert_int_eq(oci_config_parse_annotations("", 0, s), -EBADMSG);
        ck_assert_int_eq(oci_config_parse_annotations("{}", 2, s), 0);
        ck_assert_int_eq(oci_config_parse_annotations("{\"annotations\":[\"a=b\"]}", 23, s), 0);
        ck_assert_uint_eq(s->n_labels, 3);
        ck_assert_int_eq(oci_config_parse_annotations("{}", 2, NULL), -EINVAL);
}
END_TEST

/* -------------------------------------------------------------------------------- generated */

START_TEST(test_start_numeric_and_string) {
        static const struct {
                const char *start;
                uint64_t want;
        } ok[] = {
                { "32418", 32418 },
                { "\"32418\"", 32418 },
                { "0", 0 },
                { "\"0\"", 0 },
                { "\"007\"", 7 },
                { "9223372036854775807", UINT64_C(9223372036854775807) },
                { "\"18446744073709551615\"", UINT64_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_(runc_state_freep) RuncState *s = NULL, *c = NULL;
                _cleanup_free_ char *json = NULL, *crun = NULL;

                ck_assert_int_ge(asprintf(&json, "{\"init_process_pid\":7742,\"init_process_start\":%s}", ok[i].start), 0);
                ck_assert_msg(parse_str(runc_state_parse, json, &s, NULL) == 0, "%s", json);
                ck_assert_uint_eq(s->start_ticks, ok[i].want);
                ck_assert_int_eq(s->pid, 7742);
                ck_assert_ptr_null(s->id);
                ck_assert_uint_eq(s->created_usec, 0);

                ck_assert_int_ge(asprintf(&crun, "{\"pid\":9307,\"process-start-time\":%s}", ok[i].start), 0);
                ck_assert_msg(parse_str(crun_status_parse, crun, &c, NULL) == 0, "%s", crun);
                ck_assert_uint_eq(c->start_ticks, ok[i].want);
                ck_assert_int_eq(c->pid, 9307);
        }
}
END_TEST

START_TEST(test_required_keys) {
        static const struct {
                const char *json;
                const char *missing;
        } bad[] = {
                { "{}", "init_process_pid" },
                { "{\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":\"7742\",\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":0,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":-1,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":2147483648,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":7742.0,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":true,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":null,\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":[1],\"init_process_start\":2}", "init_process_pid" },
                { "{\"init_process_pid\":1}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":-1}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":1.5}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"12x\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\" 12\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"+12\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"-1\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"1.5\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":\"18446744073709551616\"}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":true}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":null}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":{}}", "init_process_start" },
                { "{\"init_process_pid\":1,\"init_process_start\":[]}", "init_process_start" },
                /* crun's keys do not count for runc, and the reverse */
                { "{\"pid\":1,\"process-start-time\":2}", "init_process_pid" },
        };
        static const struct {
                const char *json;
                const char *missing;
        } bad_crun[] = {
                { "{}", "pid" },
                { "{\"pid\":\"9307\",\"process-start-time\":2}", "pid" },
                { "{\"pid\":0,\"process-start-time\":2}", "pid" },
                { "{\"pid\":9307}", "process-start-time" },
                { "{\"pid\":9307,\"process-start-time\":\"x\"}", "process-start-time" },
                { "{\"pid\":9307,\"process-start-time\":-5}", "process-start-time" },
                { "{\"init_process_pid\":1,\"init_process_start\":2}", "pid" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                RuncState *s = NULL;
                const char *missing = NULL;

                ck_assert_msg(parse_str(runc_state_parse, bad[i].json, &s, &missing) == -EINVAL, "%s", bad[i].json);
                ck_assert_ptr_null(s);
                ck_assert_str_eq(missing ? missing : "(null)", bad[i].missing);
                /* ret_missing is optional */
                ck_assert_int_eq(parse_str(runc_state_parse, bad[i].json, &s, NULL), -EINVAL);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_crun); i++) {
                RuncState *s = NULL;
                const char *missing = NULL;

                ck_assert_msg(parse_str(crun_status_parse, bad_crun[i].json, &s, &missing) == -EINVAL, "%s", bad_crun[i].json);
                ck_assert_ptr_null(s);
                ck_assert_str_eq(missing ? missing : "(null)", bad_crun[i].missing);
        }
}
END_TEST

START_TEST(test_not_json) {
        static const char *const bad[] = {
                "", " ", "\n", "[]", "42", "\"s\"", "null", "true", "{", "}", "{}x", "{} {}",
                "{\"init_process_pid\":}", "{\"init_process_pid\":1,}", "{'init_process_pid':1}",
                "\xff\xfe{}", "{\"a\":\"\xff\"}",
                /* integers beyond jansson's range fail in the parser */
                "{\"init_process_pid\":1,\"init_process_start\":18446744073709551615}",
                /* NUL inside a string is refused: every string must be a C string */
                "{\"init_process_pid\":1,\"init_process_start\":2,\"id\":\"a\\u0000b\"}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                RuncState *s = NULL;
                const char *missing = "untouched";

                ck_assert_msg(parse_str(runc_state_parse, bad[i], &s, &missing) == -EBADMSG, "accepted '%s'", bad[i]);
                ck_assert_ptr_null(s);
                ck_assert_str_eq(missing, "untouched");
                ck_assert_msg(parse_str(crun_status_parse, bad[i], &s, &missing) == -EBADMSG, "crun accepted '%s'", bad[i]);
        }

        /* A NUL byte after the object, inside len */
        {
                static const char nul[] = "{\"init_process_pid\":1,\"init_process_start\":2}";
                RuncState *s = NULL;

                ck_assert_int_eq(runc_state_parse(nul, sizeof(nul), &s, NULL), -EBADMSG);
                ck_assert_int_eq(runc_state_parse(nul, sizeof(nul) - 1, &s, NULL), 0);
                runc_state_free(s);
        }
}
END_TEST

START_TEST(test_extra_and_wrong_optional_keys) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;

        /* Unknown keys of every type are ignored. */
        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"future\":{\"x\":[1,2,{\"y\":null}]},\"init_process_pid\":5,\"intel_rdt_path\":\"\","
                "\"external_descriptors\":[\"a\"],\"init_process_start\":6,\"zzz\":1e300,\"id\":\"c1\","
                "\"NEWPID\":\"/not/here\"}", &s, NULL), 0);
        ck_assert_int_eq(s->pid, 5);
        ck_assert_uint_eq(s->start_ticks, 6);
        ck_assert_str_eq(s->id, "c1");
        for (NsKind k = 0; k < _NS_MAX; k++)
                ck_assert_ptr_null(s->ns_path[k]);
        runc_state_free(TAKE_PTR(s));

        /* Optional keys with the wrong type are ignored, never fatal. */
        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"id\":42,\"init_process_pid\":1,\"init_process_start\":2,\"created\":false,\"rootless\":\"yes\","
                "\"config\":\"x\",\"cgroup_paths\":[1],\"namespace_paths\":\"x\"}", &s, NULL), 0);
        ck_assert_ptr_null(s->id);
        ck_assert_uint_eq(s->created_usec, 0);
        ck_assert(!s->rootless);
        ck_assert_uint_eq(s->n_labels, 0);
        ck_assert_ptr_null(s->bundle);
        ck_assert_ptr_null(s->cgroup_v1_memory);
        ck_assert_ptr_null(s->cgroup_unified);
        runc_state_free(TAKE_PTR(s));

        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"id\":\"\",\"init_process_pid\":1,\"init_process_start\":2,\"created\":\"yesterday\",\"rootless\":true,"
                "\"config\":{\"labels\":{\"a\":\"b\"}},\"cgroup_paths\":{\"memory\":5,\"\":null},"
                "\"namespace_paths\":{\"NEWPID\":1,\"NEWNET\":\"/n\",\"NEWUTS\":\"\",\"NEWTIME\":\"/t\"}}", &s, NULL), 0);
        ck_assert_ptr_null(s->id);
        ck_assert_uint_eq(s->created_usec, 0);
        ck_assert(s->rootless);
        ck_assert_uint_eq(s->n_labels, 0);
        ck_assert_ptr_null(s->cgroup_v1_memory);
        ck_assert_ptr_null(s->cgroup_unified);
        ck_assert_ptr_null(s->ns_path[NS_PID]);
        ck_assert_str_eq(s->ns_path[NS_NET], "/n");
        ck_assert_ptr_null(s->ns_path[NS_UTS]);
        runc_state_free(TAKE_PTR(s));

        /* cgroup v2 only: just the unified key */
        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"init_process_pid\":4242,\"init_process_start\":\"123456789\",\"rootless\":false,"
                "\"cgroup_paths\":{\"\":\"/sys/fs/cgroup/system.slice/x.scope\"}}", &s, NULL), 0);
        ck_assert_uint_eq(s->start_ticks, 123456789);
        ck_assert_ptr_null(s->cgroup_v1_memory);
        ck_assert_str_eq(s->cgroup_unified, "/sys/fs/cgroup/system.slice/x.scope");
}
END_TEST

START_TEST(test_labels) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;

        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"init_process_pid\":1,\"init_process_start\":2,\"config\":{\"labels\":["
                "\"org.example.weird=a=b=c\",\"noeq\",\"=v\",\"k=\",\"bundle=/b1\",7,null,[\"x=0\"],"
                "\"x=1\",\"bundle=/b2\",\"x=2\",\"bundlex=no\",\"url=http://h/?q=1&r=2\"]}}", &s, NULL), 0);
        ck_assert_uint_eq(s->n_labels, 6);
        ck_assert_str_eq(s->labels[0].key, "org.example.weird");
        ck_assert_str_eq(s->labels[0].value, "a=b=c");
        ck_assert_str_eq(runc_state_label(s, "org.example.weird"), "a=b=c");
        ck_assert_str_eq(runc_state_label(s, "k"), "");
        ck_assert_str_eq(runc_state_label(s, "x"), "2");       /* the last one wins */
        ck_assert_str_eq(runc_state_label(s, "bundlex"), "no");
        ck_assert_str_eq(runc_state_label(s, "url"), "http://h/?q=1&r=2");
        ck_assert_ptr_null(runc_state_label(s, "noeq"));
        ck_assert_ptr_null(runc_state_label(s, ""));
        ck_assert_ptr_null(runc_state_label(s, "bundle"));
        ck_assert_str_eq(s->bundle, "/b2");
        runc_state_free(TAKE_PTR(s));

        /* An empty bundle label means no bundle. */
        ck_assert_int_eq(parse_str(runc_state_parse,
                "{\"init_process_pid\":1,\"init_process_start\":2,\"config\":{\"labels\":[\"bundle=\"]}}", &s, NULL), 0);
        ck_assert_ptr_null(s->bundle);
        ck_assert_uint_eq(s->n_labels, 0);
}
END_TEST

START_TEST(test_crun_synthetic) {
        static const struct {
                const char *cgroup;
                const char *want;
        } cases[] = {
                { "\"/machine.slice/crun-x.scope\"", "/sys/fs/cgroup/machine.slice/crun-x.scope" },
                { "\"user.slice/c1\"", "/sys/fs/cgroup/user.slice/c1" },
                { "\"\"", NULL },
                { "7", NULL },
                { "null", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(runc_state_freep) RuncState *s = NULL;
                _cleanup_free_ char *json = NULL;

                ck_assert_int_ge(asprintf(&json,
                        "{\"pid\":9307,\"process-start-time\":\"39232\",\"cgroup-path\":%s,\"bundle\":\"/b\","
                        "\"created\":\"2026-11-28T23:43:27Z\",\"owner\":\"root\",\"id\":\"ignored\"}", cases[i].cgroup), 0);
                ck_assert_int_eq(parse_str(crun_status_parse, json, &s, NULL), 0);
                ck_assert_int_eq(s->runtime, RUNTIME_CRUN);
                ck_assert_ptr_null(s->id);
                ck_assert_uint_eq(s->start_ticks, 39232);
                ck_assert_str_eq(s->bundle, "/b");
                ck_assert_uint_eq(s->created_usec, utc_usec("2026-11-28T23:43:27", 0));
                assert_str_or_null(s->cgroup_unified, cases[i].want);
                ck_assert_ptr_null(s->cgroup_v1_memory);
        }
}
END_TEST

/* Every prefix of a real file (an exact-size allocation each, so an over-read is caught) fails
 * until the closing brace is in, then parses: a half-written or torn file never yields a state. */
static void check_prefixes(const char *file, parse_fn fn, size_t step) {
        _cleanup_free_ char *buf = NULL;
        size_t len, close_brace;

        buf = fixture_read(file, &len);
        close_brace = len;
        while (close_brace > 0 && buf[close_brace - 1] != '}')
                close_brace--;
        ck_assert_uint_gt(close_brace, 0);

        for (size_t n = 0; n <= len; n = n + step > close_brace && n < close_brace ? close_brace : n + step) {
                _cleanup_free_ char *p = malloc(n ? n : 1);
                RuncState *s = NULL;
                int r;

                ck_assert_ptr_nonnull(p);
                memcpy(p, buf, n);
                r = fn(p, n, &s, NULL);
                if (n < close_brace) {
                        ck_assert_msg(r < 0, "%s: prefix %zu of %zu accepted", file, n, len);
                        ck_assert_ptr_null(s);
                } else {
                        ck_assert_msg(r == 0, "%s: whole file (%zu of %zu) refused: %d", file, n, len, r);
                        runc_state_free(s);
                }
        }
}

START_TEST(test_truncated) {
        check_prefixes("runc/state.running.json", runc_state_parse, 1);
        check_prefixes("containerd/fx-k8s-web.state.json", runc_state_parse, 1);
        check_prefixes("crun/status.running", crun_status_parse, 1);
        /* 30 KB: a stride keeps this fast under valgrind; the fuzzers cover the rest. */
        check_prefixes("docker/state.json", runc_state_parse, 61);
}
END_TEST

/* A valid state padded with a long string to exactly total bytes. */
static char *padded_state(const char *head, size_t total) {
        static const char tail[] = "\"}";
        size_t head_len = strlen(head);
        char *buf;

        ck_assert_uint_gt(total, head_len + strlen(tail));
        buf = malloc(total);
        ck_assert_ptr_nonnull(buf);
        memcpy(buf, head, head_len);
        memset(buf + head_len, 'x', total - head_len - strlen(tail));
        memcpy(buf + total - strlen(tail), tail, strlen(tail));
        return buf;
}

START_TEST(test_oversized) {
        static const char runc_head[] = "{\"init_process_pid\":1,\"init_process_start\":2,\"pad\":\"";
        static const char crun_head[] = "{\"pid\":1,\"process-start-time\":2,\"pad\":\"";
        RuncState *s = NULL;
        _cleanup_free_ char *max = NULL, *over = NULL, *cmax = NULL, *cover = NULL;

        max = padded_state(runc_head, RUNC_STATE_SIZE_MAX);
        ck_assert_int_eq(runc_state_parse(max, RUNC_STATE_SIZE_MAX, &s, NULL), 0);
        ck_assert_uint_eq(s->start_ticks, 2);
        s = runc_state_free(s);

        over = padded_state(runc_head, RUNC_STATE_SIZE_MAX + 1);
        ck_assert_int_eq(runc_state_parse(over, RUNC_STATE_SIZE_MAX + 1, &s, NULL), -EFBIG);
        ck_assert_ptr_null(s);
        /* Refused on size alone: the content is never looked at. */
        ck_assert_int_eq(runc_state_parse(over, SIZE_MAX, &s, NULL), -EFBIG);

        cmax = padded_state(crun_head, RUNC_STATE_SIZE_MAX);
        ck_assert_int_eq(crun_status_parse(cmax, RUNC_STATE_SIZE_MAX, &s, NULL), 0);
        s = runc_state_free(s);
        cover = padded_state(crun_head, 2 * RUNC_STATE_SIZE_MAX);
        ck_assert_int_eq(crun_status_parse(cover, 2 * RUNC_STATE_SIZE_MAX, &s, NULL), -EFBIG);

        s = calloc(1, sizeof(RuncState));
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(oci_config_parse_annotations(cover, RUNC_STATE_SIZE_MAX + 1, s), -EFBIG);
        runc_state_free(s);
}
END_TEST

/* {"init_process_pid":1,"init_process_start":2,"deep":[[...]]} with `depth` levels in all (the
 * outer object is level 1), built from `open`/`close` characters. */
static char *nested_state(size_t depth, char open, char close) {
        static const char head[] = "{\"init_process_pid\":1,\"init_process_start\":2,\"deep\":";
        size_t inner = depth - 1, n = strlen(head) + 2 * inner * (open == '{' ? 6 : 1) + 2;
        char *buf = malloc(n), *p;

        ck_assert_ptr_nonnull(buf);
        p = stpcpy(buf, head);
        for (size_t i = 0; i < inner; i++) {
                if (open == '{')
                        p = stpcpy(p, i + 1 < inner ? "{\"k\":" : "{\"k\":0");
                else
                        *p++ = open;
        }
        for (size_t i = 0; i < inner; i++)
                *p++ = close;
        *p++ = '}';
        *p = '\0';
        return buf;
}

START_TEST(test_deep_nesting) {
        static const char brackets[][2] = { { '[', ']' }, { '{', '}' } };

        for (size_t b = 0; b < ELEMENTSOF(brackets); b++) {
                _cleanup_free_ char *ok = nested_state(RUNC_STATE_DEPTH_MAX, brackets[b][0], brackets[b][1]);
                _cleanup_free_ char *deep = nested_state(RUNC_STATE_DEPTH_MAX + 1, brackets[b][0], brackets[b][1]);
                _cleanup_free_ char *deeper = nested_state(100000, brackets[b][0], brackets[b][1]);
                RuncState *s = NULL;

                ck_assert_msg(parse_str(runc_state_parse, ok, &s, NULL) == 0, "%c: depth %d refused", brackets[b][0], RUNC_STATE_DEPTH_MAX);
                s = runc_state_free(s);
                ck_assert_int_eq(parse_str(runc_state_parse, deep, &s, NULL), -EBADMSG);
                ck_assert_int_eq(parse_str(crun_status_parse, deep, &s, NULL), -EBADMSG);
                ck_assert_int_eq(parse_str(runc_state_parse, deeper, &s, NULL), -EBADMSG);
                ck_assert_ptr_null(s);
        }

        /* Brackets inside strings do not count, escaped quotes do not end a string, an escaped
         * backslash does. */
        {
                _cleanup_free_ char *str = NULL, *json = NULL, *json2 = NULL;
                RuncState *s = NULL;
                size_t n = 10000;

                str = malloc(n + 1);
                ck_assert_ptr_nonnull(str);
                memset(str, '[', n);
                str[n] = '\0';
                ck_assert_int_ge(asprintf(&json, "{\"init_process_pid\":1,\"init_process_start\":2,\"s\":\"\\\"%s\",\"t\":\"{{\"}", str), 0);
                ck_assert_int_eq(parse_str(runc_state_parse, json, &s, NULL), 0);
                s = runc_state_free(s);

                memset(str, '[', RUNC_STATE_DEPTH_MAX);
                str[RUNC_STATE_DEPTH_MAX] = '\0';
                ck_assert_int_ge(asprintf(&json2, "{\"init_process_pid\":1,\"init_process_start\":2,\"s\":\"\\\\\",\"d\":%s", str), 0);
                ck_assert_int_eq(parse_str(runc_state_parse, json2, &s, NULL), -EBADMSG);
                ck_assert_ptr_null(s);
        }
}
END_TEST

START_TEST(test_rfc3339) {
        static const struct {
                const char *in;
                const char *utc;       /* expected, as UTC seconds */
                uint64_t usec;
        } ok[] = {
                { "2026-11-28T23:42:19.274533169Z", "2026-11-28T23:42:19", 274533 },
                { "2026-11-28T23:43:27.409925Z",    "2026-11-28T23:43:27", 409925 },
                { "2026-11-28T23:42:19Z",           "2026-11-28T23:42:19", 0 },
                { "2026-11-28T23:42:19.5Z",         "2026-11-28T23:42:19", 500000 },
                { "2026-11-28T23:42:19.000001Z",    "2026-11-28T23:42:19", 1 },
                { "2026-11-28T23:42:19.0000009Z",   "2026-11-28T23:42:19", 0 },
                { "2026-11-28t23:42:19z",           "2026-11-28T23:42:19", 0 },
                { "2026-11-28 23:42:19Z",           "2026-11-28T23:42:19", 0 },
                { "2026-11-29T01:42:19+02:00",      "2026-11-28T23:42:19", 0 },
                { "2026-11-28T18:12:19.25-05:30",   "2026-11-28T23:42:19", 250000 },
                { "2026-11-28T23:42:19+00:00",      "2026-11-28T23:42:19", 0 },
                { "2026-11-28T23:42:19-00:00",      "2026-11-28T23:42:19", 0 },
                { "2027-01-01T00:30:00+01:00",      "2026-12-31T23:30:00", 0 },
                { "1970-01-01T00:00:00Z",           "1970-01-01T00:00:00", 0 },
                { "1970-01-01T01:00:00+01:00",      "1970-01-01T00:00:00", 0 },
                { "2024-02-29T12:00:00Z",           "2024-02-29T12:00:00", 0 },
                { "2000-02-29T12:00:00Z",           "2000-02-29T12:00:00", 0 },
                { "2016-12-31T23:59:60Z",           "2017-01-01T00:00:00", 0 },   /* leap second */
                { "9999-12-31T23:59:59.999999Z",    "9999-12-31T23:59:59", 999999 },
        };
        static const char *const bad[] = {
                "", "2026", "2026-11-28", "2026-11-28T23:42", "2026-11-28T23:42:19",
                "2026-11-28T23:42:19.Z", "2026-11-28T23:42:19.123", "2026-11-28T23:42:19+0200",
                "2026-11-28T23:42:19+02", "2026-11-28T23:42:19+24:00", "2026-11-28T23:42:19+02:60",
                "2026-11-28T23:42:19ZZ", "2026-11-28T23:42:19Z ", " 2026-11-28T23:42:19Z",
                "2026-11-28X23:42:19Z", "2026-13-28T23:42:19Z", "2026-00-28T23:42:19Z",
                "2026-11-00T23:42:19Z", "2026-11-31T23:42:19Z", "2023-02-29T00:00:00Z",
                "2100-02-29T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T23:60:00Z",
                "2026-11-28T23:42:61Z", "1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00",
                "0000-01-01T00:00:00Z", "+2026-11-28T23:42:19Z", "2026-1-28T23:42:19Z",
                "2026-11-28T23:42:19.12a4Z", "２026-11-28T23:42:19Z",
        };
        uint64_t u;

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                u = 0;
                ck_assert_msg(parse_rfc3339_usec(ok[i].in, &u) == 0, "refused '%s'", ok[i].in);
                ck_assert_msg(u == utc_usec(ok[i].utc, ok[i].usec), "'%s' → %" PRIu64, ok[i].in, u);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                u = 4711;
                ck_assert_msg(parse_rfc3339_usec(bad[i], &u) == -EINVAL, "accepted '%s'", bad[i]);
                ck_assert_uint_eq(u, 4711);
        }
        ck_assert_int_eq(parse_rfc3339_usec(NULL, &u), -EINVAL);
        ck_assert_int_eq(parse_rfc3339_usec("2026-11-28T23:42:19Z", NULL), -EINVAL);

        ck_assert_int_eq(parse_rfc3339_usec("1970-01-01T00:00:00Z", &u), 0);
        ck_assert_uint_eq(u, 0);
        ck_assert_int_eq(parse_rfc3339_usec("2026-11-28T23:42:19.274533169Z", &u), 0);
        ck_assert_uint_eq(u, UINT64_C(1795909339274533));
}
END_TEST

START_TEST(test_strings) {
        static const char *const ns[_NS_MAX] = { "PID", "NET", "MNT", "IPC", "UTS", "USER", "CGROUP" };

        for (NsKind k = 0; k < _NS_MAX; k++)
                ck_assert_str_eq(ns_kind_to_string(k), ns[k]);
        ck_assert_ptr_null(ns_kind_to_string(_NS_MAX));
        ck_assert_ptr_null(ns_kind_to_string(_NS_INVALID));
        ck_assert_str_eq(runtime_to_string(RUNTIME_RUNC), "runc");
        ck_assert_str_eq(runtime_to_string(RUNTIME_CRUN), "crun");
        ck_assert_ptr_null(runtime_to_string(_RUNTIME_MAX));
        ck_assert_ptr_null(runtime_to_string(_RUNTIME_INVALID));

        ck_assert_ptr_null(runc_state_free(NULL));
        {
                RuncState *s = NULL;
                runc_state_freep(&s);
                ck_assert_ptr_null(s);
        }
}
END_TEST

/* config.seccomp is cut out before jansson sees it: whatever it holds (brackets and quotes inside
 * strings, nesting), the keys around it, before and after, must read as they would without it. */
START_TEST(test_seccomp_skipped) {
        static const char *const seccomps[] = {
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a}\",\"b]\",\"c\\\"}\"]}]}",
                "[]",
                "null",
                "\"seccomp\"",
                "{\"seccomp\":{\"seccomp\":[1,[2,[3]]]}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(seccomps); i++) {
                _cleanup_(runc_state_freep) RuncState *s = NULL;
                _cleanup_free_ char *buf = NULL;
                int n;

                n = asprintf(&buf,
                             "{\"id\":\"x\",\"config\":{\"labels\":[\"a=1\"],\"seccomp\": %s ,"
                             "\"labels2\":[]},\"init_process_pid\":42,\"init_process_start\":7,"
                             "\"namespace_paths\":{\"NEWNET\":\"/proc/42/ns/net\"},"
                             "\"cgroup_paths\":{\"memory\":\"/sys/fs/cgroup/memory/x\"}}",
                             seccomps[i]);
                ck_assert_int_gt(n, 0);
                ck_assert_int_eq(runc_state_parse(buf, (size_t) n, &s, NULL), 0);
                ck_assert_int_eq(s->pid, 42);
                ck_assert_uint_eq(s->start_ticks, 7);
                ck_assert_str_eq(s->id, "x");
                ck_assert_str_eq(runc_state_label(s, "a"), "1");
                ck_assert_str_eq(s->ns_path[NS_NET], "/proc/42/ns/net");
                ck_assert_str_eq(s->cgroup_v1_memory, "/sys/fs/cgroup/memory/x");
        }
}
END_TEST

static Suite *runc_state_suite(void) {
        Suite *s = suite_create("runc-state");
        TCase *tc;

        tc = tcase_create("fixtures");
        tcase_add_test(tc, test_runc_fixtures);
        tcase_add_test(tc, test_crun_fixtures);
        tcase_add_test(tc, test_containerd_labels);
        tcase_add_test(tc, test_oci_annotations);
        tcase_add_test(tc, test_annotations_merge);
        suite_add_tcase(s, tc);

        tc = tcase_create("generated");
        tcase_add_test(tc, test_start_numeric_and_string);
        tcase_add_test(tc, test_required_keys);
        tcase_add_test(tc, test_not_json);
        tcase_add_test(tc, test_extra_and_wrong_optional_keys);
        tcase_add_test(tc, test_labels);
        tcase_add_test(tc, test_crun_synthetic);
        tcase_add_test(tc, test_rfc3339);
        tcase_add_test(tc, test_strings);
        tcase_add_test(tc, test_seccomp_skipped);
        suite_add_tcase(s, tc);

        /* Slow under valgrind: thousands of parses. */
        tc = tcase_create("bounds");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_oversized);
        tcase_add_test(tc, test_deep_nesting);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(runc_state_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
