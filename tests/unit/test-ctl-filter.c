/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ctl/filter.c and ctl/entry.c: which entries container-watchctl's options select
 * (time bounds, name/image/pod globs, manager, reason, event kind), which container an "info"
 * argument names, what counts as the same container, the derived columns, and the JSON object
 * (parsed back with jansson). The entries carry the fields the daemon writes (docs/DESIGN.md §3).
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "filter.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* An entry from "KEY=value" strings, NULL-terminated. */
static Entry *mk(uint64_t realtime, ...) {
        Entry *e;
        va_list ap;
        const char *kv;

        ck_assert_int_eq(entry_new(&e), 0);
        e->realtime_usec = realtime;
        va_start(ap, realtime);
        while ((kv = va_arg(ap, const char *))) {
                const char *eq = strchr(kv, '=');
                _cleanup_free_ char *k = strndup(kv, (size_t) (eq - kv));

                ck_assert_int_eq(entry_add(e, k, eq + 1, strlen(eq + 1)), 0);
        }
        va_end(ap);
        return e;
}

static Entry *docker_kill(void) {
        return mk(1000, "MESSAGE_ID=a6a91a99a6924f05899314e8dd503bf6", "CONTAINER_EVENT=exited",
                  "CONTAINER_ID=2bcbf0957fbd", "CONTAINER_ID_FULL=2bcbf0957fbd0123456789abcdef",
                  "CONTAINER_NAME=web-1", "IMAGE_NAME=registry.local:5000/team/web:1.2", "CONTAINER_MANAGER=docker",
                  "EXIT_CODE=killed", "EXIT_STATUS=9", "EXIT_SIGNAL=SIGKILL", "OOM_KILLED=0",
                  "CONTAINER_LIFETIME_USEC=123000000", (const char *) NULL);
}

static Entry *k8s_oom(void) {
        return mk(2000, "CONTAINER_EVENT=exited", "CONTAINER_ID=aaaabbbbcccc", "CONTAINER_ID_FULL=aaaabbbbccccdddd",
                  "CONTAINER_NAME=app", "IMAGE_NAME=docker.io/library/nginx@sha256:0123", "CONTAINER_MANAGER=kubernetes",
                  "K8S_POD_NAME=shop-7d9f", "K8S_POD_NAMESPACE=prod", "K8S_CONTAINER_NAME=app",
                  "EXIT_CODE=killed", "EXIT_STATUS=9", "EXIT_SIGNAL=SIGKILL", "OOM_KILLED=1", (const char *) NULL);
}

static Entry *runc_exit3(void) {
        return mk(3000, "CONTAINER_EVENT=exited", "CONTAINER_ID=0123456789ab", "CONTAINER_ID_FULL=0123456789abcdef",
                  "CONTAINER_MANAGER=runc", "EXIT_CODE=exited", "EXIT_STATUS=3", "OOM_KILLED=0", (const char *) NULL);
}

static Entry *started(void) {
        return mk(500, "CONTAINER_EVENT=started", "CONTAINER_ID=2bcbf0957fbd", "CONTAINER_NAME=web-1",
                  "CONTAINER_MANAGER=docker", (const char *) NULL);
}

static bool matches(const Filter *f, Entry *e) {
        bool m = filter_match(f, e);

        entry_free(e);
        return m;
}

START_TEST(test_time_bounds) {
        Filter f = FILTER_INIT;

        ck_assert(matches(&f, docker_kill()));
        f.since_usec = 1000;
        ck_assert(matches(&f, docker_kill())); /* inclusive */
        f.since_usec = 1001;
        ck_assert(!matches(&f, docker_kill()));
        f = FILTER_INIT;
        f.until_usec = 1000;
        ck_assert(matches(&f, docker_kill()));
        f.until_usec = 999;
        ck_assert(!matches(&f, docker_kill()));
}
END_TEST

START_TEST(test_name_image_pod) {
        Filter f = FILTER_INIT;

        f.name = "web-1";
        ck_assert(matches(&f, docker_kill()));
        ck_assert(!matches(&f, runc_exit3())); /* no name at all */
        f.name = "web-*";
        ck_assert(matches(&f, docker_kill()));
        f.name = "web";
        ck_assert(!matches(&f, docker_kill())); /* a glob over the whole name, not a prefix */
        f.name = "WEB-1";
        ck_assert(!matches(&f, docker_kill()));

        f = FILTER_INIT;
        f.image = "registry.local:5000/team/web:1.2";
        ck_assert(matches(&f, docker_kill()));
        f.image = "registry.local:5000/team/web"; /* without the tag; the port is not a tag */
        ck_assert(matches(&f, docker_kill()));
        f.image = "registry.local";
        ck_assert(!matches(&f, docker_kill()));
        f.image = "*/web";
        ck_assert(matches(&f, docker_kill()));
        f.image = "docker.io/library/nginx"; /* without the digest */
        ck_assert(matches(&f, k8s_oom()));
        f.image = "*nginx*";
        ck_assert(matches(&f, k8s_oom()));
        ck_assert(!matches(&f, docker_kill()));

        f = FILTER_INIT;
        f.pod = "shop-7d9f";
        ck_assert(matches(&f, k8s_oom()));
        f.pod = "shop-*";
        ck_assert(matches(&f, k8s_oom()));
        f.pod = "prod/shop-*";
        ck_assert(matches(&f, k8s_oom()));
        f.pod = "dev/shop-*";
        ck_assert(!matches(&f, k8s_oom()));
        f.pod = "*";
        ck_assert(!matches(&f, docker_kill())); /* not a pod */
}
END_TEST

START_TEST(test_manager_event) {
        Filter f = FILTER_INIT;

        f.manager = "docker";
        ck_assert(matches(&f, docker_kill()));
        ck_assert(!matches(&f, k8s_oom()));
        f.manager = "podman,kubernetes";
        ck_assert(matches(&f, k8s_oom()));
        ck_assert(!matches(&f, docker_kill()));
        f.manager = "dock";
        ck_assert(!matches(&f, docker_kill()));

        f = FILTER_INIT;
        f.event = "started";
        ck_assert(matches(&f, started()));
        ck_assert(!matches(&f, docker_kill()));
        f.event = "exited,oom";
        ck_assert(!matches(&f, started()));
        ck_assert(matches(&f, docker_kill()));
}
END_TEST

START_TEST(test_reason) {
        Filter f = FILTER_INIT;

        f.reason = "killed";
        ck_assert(matches(&f, docker_kill()));
        ck_assert(matches(&f, k8s_oom())); /* an OOM kill is a kill */
        ck_assert(!matches(&f, runc_exit3()));
        f.reason = "oom";
        ck_assert(!matches(&f, docker_kill()));
        ck_assert(matches(&f, k8s_oom()));
        f.reason = "exited";
        ck_assert(matches(&f, runc_exit3()));
        ck_assert(!matches(&f, docker_kill()));
        f.reason = "SIGKILL";
        ck_assert(matches(&f, docker_kill()));
        f.reason = "kill";
        ck_assert(matches(&f, docker_kill()));
        f.reason = "SIGTERM";
        ck_assert(!matches(&f, docker_kill()));
        f.reason = "oom,exited";
        ck_assert(matches(&f, runc_exit3()));
        ck_assert(matches(&f, k8s_oom()));
        ck_assert(!matches(&f, docker_kill()));
        f.reason = "dumped,unknown";
        ck_assert(!matches(&f, docker_kill()));
        ck_assert(!matches(&f, started())); /* a start has no reason */
}
END_TEST

START_TEST(test_validate) {
        static const char *const good_reasons[] = { "killed", "oom,exited", "SIGKILL", "sigterm", "TERM,dumped", "unknown" };
        static const char *const bad_reasons[] = { "", ",", "murdered", "killed,", "SIGNOPE", "SIG", "killed,bogus" };
        Filter f = FILTER_INIT;
        const char *what = NULL;

        ck_assert_int_eq(filter_validate(&f, &what), 0);
        for (size_t i = 0; i < ELEMENTSOF(good_reasons); i++) {
                f.reason = good_reasons[i];
                ck_assert_msg(filter_validate(&f, &what) == 0, "--reason=%s refused", good_reasons[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_reasons); i++) {
                /* "killed," has an empty word: allowed as long as there is one real word */
                if (streq(bad_reasons[i], "killed,"))
                        continue;
                f.reason = bad_reasons[i];
                what = NULL;
                ck_assert_msg(filter_validate(&f, &what) == -EINVAL, "--reason=%s accepted", bad_reasons[i]);
                ck_assert_str_eq(what, "--reason");
        }
        f = FILTER_INIT;
        f.event = "started,exited,oom,crashloop";
        ck_assert_int_eq(filter_validate(&f, &what), 0);
        f.event = "died";
        ck_assert_int_eq(filter_validate(&f, &what), -EINVAL);
        ck_assert_str_eq(what, "--event");
        f = FILTER_INIT;
        f.since_usec = 10;
        f.until_usec = 9;
        ck_assert_int_eq(filter_validate(&f, &what), -EINVAL);
        ck_assert_str_eq(what, "--since/--until");
}
END_TEST

START_TEST(test_ident) {
        _cleanup_(entry_freep) Entry *d = docker_kill(), *k = k8s_oom(), *r = runc_exit3();

        ck_assert(entry_match_ident(d, "web-1"));
        ck_assert(entry_match_ident(d, "2bcbf0957fbd"));
        ck_assert(entry_match_ident(d, "2bcbf0957fbd0123456789abcdef"));
        ck_assert(entry_match_ident(d, "2bcb"));
        ck_assert(!entry_match_ident(d, "web"));
        ck_assert(!entry_match_ident(d, "bcbf"));
        ck_assert(!entry_match_ident(d, ""));
        ck_assert(entry_match_ident(k, "shop-7d9f/app"));
        ck_assert(entry_match_ident(k, "prod/shop-7d9f/app"));
        ck_assert(entry_match_ident(k, "app"));
        ck_assert(!entry_match_ident(k, "dev/shop-7d9f/app"));
        ck_assert(!entry_match_ident(k, "shop-7d9f/db"));
        ck_assert(!entry_match_ident(k, "shop/app"));
        ck_assert(!entry_match_ident(d, "shop-7d9f/app"));
        ck_assert(entry_match_ident(r, "0123456789abcdef"));
        ck_assert(!entry_match_ident(r, "0123456789abcdef0"));
}
END_TEST

START_TEST(test_same_container) {
        _cleanup_(entry_freep) Entry *a = docker_kill(), *b = docker_kill(), *k = k8s_oom(), *r1 = runc_exit3(),
                                     *r2 = runc_exit3(), *other = NULL;

        ck_assert(entry_same_container(a, b));
        ck_assert(!entry_same_container(a, k));
        ck_assert(entry_same_container(r1, r2)); /* no name: by id */
        ck_assert(!entry_same_container(a, r1));
        /* the same name under another pod is another container */
        other = mk(1, "CONTAINER_NAME=app", "CONTAINER_MANAGER=kubernetes", "K8S_POD_NAME=shop-1111",
                   "K8S_POD_NAMESPACE=prod", "CONTAINER_ID_FULL=ffff", (const char *) NULL);
        ck_assert(!entry_same_container(k, other));
}
END_TEST

START_TEST(test_columns) {
        _cleanup_(entry_freep) Entry *d = docker_kill(), *k = k8s_oom(), *r = runc_exit3(), *s = started();
        char buf[128];
        uint64_t u;

        ck_assert_str_eq(entry_reason(d), "killed");
        ck_assert_str_eq(entry_reason(k), "oom");
        ck_assert_str_eq(entry_reason(r), "exited");
        ck_assert_str_eq(entry_reason(s), "started");
        ck_assert_str_eq(entry_status(d, buf, sizeof(buf)), "SIGKILL");
        ck_assert_str_eq(entry_status(r, buf, sizeof(buf)), "3");
        ck_assert_str_eq(entry_status(s, buf, sizeof(buf)), "-");
        ck_assert(entry_lifetime(d, &u));
        ck_assert_uint_eq(u, 123000000);
        ck_assert(!entry_lifetime(r, &u));
        ck_assert_str_eq(entry_image_or_pod(k, buf, sizeof(buf)), "prod/shop-7d9f");
        ck_assert_str_eq(entry_image_or_pod(d, buf, sizeof(buf)), "registry.local:5000/team/web:1.2");
        ck_assert_ptr_null(entry_image_or_pod(r, buf, sizeof(buf)));
}
END_TEST

START_TEST(test_get_u64) {
        _cleanup_(entry_freep) Entry *e = mk(1, "CONTAINER_STARTED_USEC=1764622923250000", "A=", "B=-1",
                                             "C=12x", "D=99999999999999999999", "E=0", (const char *) NULL);
        uint64_t u = 7;

        ck_assert(entry_get_u64(e, "CONTAINER_STARTED_USEC", &u));
        ck_assert_uint_eq(u, 1764622923250000);
        ck_assert(entry_get_u64(e, "E", &u));
        ck_assert_uint_eq(u, 0);
        u = 7;
        ck_assert(!entry_get_u64(e, "MISSING", &u));
        ck_assert(!entry_get_u64(e, "A", &u));   /* empty */
        ck_assert(!entry_get_u64(e, "B", &u));   /* negative */
        ck_assert(!entry_get_u64(e, "C", &u));   /* trailing garbage */
        ck_assert(!entry_get_u64(e, "D", &u));   /* beyond 64 bits */
        ck_assert_uint_eq(u, 7);                 /* untouched when false */
}
END_TEST

START_TEST(test_json) {
        _cleanup_(entry_freep) Entry *e = mk(1764622923250000, "CONTAINER_NAME=quote\" back\\ nl\n",
                                             "CONTAINER_ID=abc", "CONTAINER_ID=dup", (const char *) NULL);
        _cleanup_free_ char *s = NULL;
        json_error_t err;
        json_t *j;

        ck_assert_int_eq(entry_add(e, "IMAGE_NAME", "bad\xff utf8", 10), 0);
        s = entry_to_json(e);
        ck_assert_ptr_nonnull(s);
        ck_assert_ptr_null(strchr(s, '\n'));
        j = json_loads(s, 0, &err);
        ck_assert_msg(j, "not JSON: %s (%s)", s, err.text);
        ck_assert_str_eq(json_string_value(json_object_get(j, "__REALTIME_TIMESTAMP")), "1764622923250000");
        ck_assert_str_eq(json_string_value(json_object_get(j, "CONTAINER_NAME")), "quote\" back\\ nl\n");
        ck_assert_str_eq(json_string_value(json_object_get(j, "CONTAINER_ID")), "abc"); /* the first one */
        ck_assert_str_eq(json_string_value(json_object_get(j, "IMAGE_NAME")), "bad\\xff utf8");
        ck_assert_uint_eq(json_object_size(j), 4);
        json_decref(j);
}
END_TEST

static Suite *filter_suite(void) {
        Suite *s = suite_create("ctl-filter");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_time_bounds);
        tcase_add_test(tc, test_name_image_pod);
        tcase_add_test(tc, test_manager_event);
        tcase_add_test(tc, test_reason);
        tcase_add_test(tc, test_validate);
        tcase_add_test(tc, test_ident);
        tcase_add_test(tc, test_same_container);
        tcase_add_test(tc, test_columns);
        tcase_add_test(tc, test_get_u64);
        tcase_add_test(tc, test_json);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(filter_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
