/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/events.c, the field contract (DESIGN.md §3): a "started" entry (built by
 * container.c) and a `--list --json` row (printed by list.c) for the same CRI-annotated container
 * (tests/fixtures/containerd/fx-k8s-web.state.json, placed in a mkdtemp state root) carry the same
 * identity fields with the same values, the Kubernetes ones included. Runs without root.
 */
#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "list.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

#define WEB_ID "fx-k8s-web"

typedef struct Tmp {
        char root[64];
        char ns_dir[96];
        char dir[128];
        char state[160];
} Tmp;

/* <tmp>/k8s.io/fx-k8s-web/state.json, as containerd's runc root holds it */
static void tmp_init(Tmp *t) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len;

        snprintf(t->root, sizeof(t->root), "/tmp/test-events.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(t->root));
        snprintf(t->ns_dir, sizeof(t->ns_dir), "%s/k8s.io", t->root);
        snprintf(t->dir, sizeof(t->dir), "%s/" WEB_ID, t->ns_dir);
        snprintf(t->state, sizeof(t->state), "%s/state.json", t->dir);
        ck_assert_int_eq(mkdir(t->ns_dir, 0700), 0);
        ck_assert_int_eq(mkdir(t->dir, 0700), 0);
        ck_assert_int_ge(asprintf(&path, "%s/containerd/" WEB_ID ".state.json", FIXTURES_DIR), 0);
        ck_assert_int_eq(read_file_path(path, RUNC_STATE_SIZE_MAX, &buf, &len), 0);
        f = fopen(t->state, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
}

static void tmp_done(Tmp *t) {
        ck_assert_int_eq(unlink(t->state), 0);
        ck_assert_int_eq(rmdir(t->dir), 0);
        ck_assert_int_eq(rmdir(t->ns_dir), 0);
        ck_assert_int_eq(rmdir(t->root), 0);
}

static void hook_emit(Container *c, Event *ev, void *userdata) {
        json_t *o = userdata;

        (void) c;
        for (size_t i = 0; i < ev->n_fields; i++)
                ck_assert_int_eq(json_object_set_new(o, ev->fields[i].key,
                                                     json_string(event_field_value(&ev->fields[i]))), 0);
}

static void hook_record(Container *c, const char *op, void *userdata) {
        (void) c;
        (void) op;
        (void) userdata;
}

static void hook_exited(Container *c, void *userdata) {
        (void) c;
        (void) userdata;
}

static const ContainerHooks hooks = { .emit = hook_emit, .record = hook_record, .on_exited = hook_exited };

/* The "started" entry the daemon would write for the container in t. */
static json_t *started_entry(const Tmp *t, const Config *config) {
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        _cleanup_close_ int dirfd = -1;
        json_t *o = json_object();
        ContainerContext cx = { .config = config, .hooks = &hooks, .userdata = o };
        StateDirEntry e = { .root = t->root, .dir = t->ns_dir, .ns = "k8s.io", .id = WEB_ID, .path = t->dir,
                            .runtime = RUNTIME_RUNC };
        Container *c = NULL;

        dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dirfd, 0);
        e.dirfd = dirfd;
        ck_assert_int_eq(statefile_read(dirfd, t->dir, RUNTIME_RUNC, &s), 0);
        ck_assert_int_eq(container_new(&cx, &e, s, &c), 0);
        container_report_started(c);
        container_free(c);
        return o;
}

/* The row `container-watchd --list --json` prints for t (stdout captured in a file). */
static json_t *listed_row(const Tmp *t, Config *config) {
        char out[96], pattern[96];
        char *roots[] = { pattern, NULL };
        _cleanup_free_ char *buf = NULL;
        int saved, fd;
        size_t len;
        json_t *o;

        snprintf(pattern, sizeof(pattern), "%s/*", t->root);
        ck_assert_int_eq(config_set_roots(config, roots, 1), 0);
        snprintf(out, sizeof(out), "%s/list.out", t->root);
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fflush(stdout), 0);
        saved = dup(STDOUT_FILENO);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
        ck_assert_int_eq(list_run(config, /* json= */ true), 0);
        ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
        close(saved);
        close(fd);
        ck_assert_int_eq(read_file_path(out, 1 << 20, &buf, &len), 0);
        ck_assert_int_eq(unlink(out), 0);
        /* one container, one line */
        ck_assert_ptr_nonnull(strchr(buf, '\n'));
        ck_assert_ptr_eq(strchr(buf, '\n'), buf + len - 1);
        o = json_loadb(buf, len, 0, NULL);
        ck_assert_msg(json_is_object(o), "not a JSON object: %s", buf);
        return o;
}

/* Fields of an entry that say what happened rather than who the container is. */
static bool is_event_field(const char *key) {
        return streq(key, "MESSAGE") || streq(key, "CONTAINER_EVENT") || strncmp(key, "CONTAINER_NS_", 13) == 0;
}

START_TEST(test_list_carries_the_identity_of_started) {
        Tmp t;
        Config *config = NULL;
        json_t *started, *listed, *v;
        const char *key;
        unsigned n_identity = 0;

        tmp_init(&t);
        ck_assert_int_eq(config_new_default(&config), 0);
        started = started_entry(&t, config);
        listed = listed_row(&t, config);

        /* every identity field of the started entry is in the row, with the same value */
        json_object_foreach(started, key, v) {
                json_t *w = json_object_get(listed, key);

                if (is_event_field(key))
                        continue;
                n_identity++;
                ck_assert_msg(w, "--list --json lacks %s", key);
                ck_assert_str_eq(json_string_value(w), json_string_value(v));
        }
        /* and the row has nothing else but the alive flag */
        json_object_foreach(listed, key, v) {
                if (streq(key, "CONTAINER_ALIVE"))
                        continue;
                ck_assert_msg(json_object_get(started, key), "--list --json has %s, a started entry has not", key);
        }
        ck_assert_str_eq(json_string_value(json_object_get(listed, "CONTAINER_ALIVE")), "0");

        /* the CRI identity, which the row once lacked */
        ck_assert_str_eq(json_string_value(json_object_get(listed, "K8S_POD_UID")),
                         "3f216a1e-6517-4884-9837-d661e45517a7");
        ck_assert_str_eq(json_string_value(json_object_get(listed, "K8S_CONTAINER_NAME")), "web");
        ck_assert_str_eq(json_string_value(json_object_get(listed, "K8S_CONTAINER_TYPE")), "container");
        ck_assert_str_eq(json_string_value(json_object_get(listed, "K8S_POD_NAME")), "fx-pod");
        ck_assert_str_eq(json_string_value(json_object_get(listed, "CONTAINER_MANAGER")), "kubernetes");
        ck_assert_str_eq(json_string_value(json_object_get(listed, "CONTAINER_ID_FULL")), WEB_ID);
        ck_assert_str_eq(json_string_value(json_object_get(listed, "CONTAINER_PID")), "9012");
        ck_assert_uint_ge(n_identity, 14);

        json_decref(started);
        json_decref(listed);
        config_free(config);
        tmp_done(&t);
}
END_TEST

START_TEST(test_identity_skips_empty) {
        Meta meta = { .manager = "runc" };
        ContainerIdentity id = { .id = "0123456789abcdef", .state_dir = "/run/runc/0123456789abcdef",
                                 .runtime = RUNTIME_RUNC, .pid = 42, .meta = &meta };
        uint64_t ns[_NS_MAX] = { [NS_NET] = 4026531840 };
        Event ev;

        event_build_started(&ev, &id, ns);
        ck_assert_str_eq(event_get(&ev, "CONTAINER_ID"), "0123456789ab");
        ck_assert_str_eq(event_get(&ev, "CONTAINER_ID_FULL"), "0123456789abcdef");
        ck_assert_str_eq(event_get(&ev, "CONTAINER_PID"), "42");
        ck_assert_str_eq(event_get(&ev, "CONTAINER_NS_NET"), "4026531840");
        ck_assert_str_eq(event_get(&ev, "MESSAGE"), "Container 0123456789ab started as pid 42.");
        ck_assert_ptr_null(event_get(&ev, "CONTAINER_NAME"));
        ck_assert_ptr_null(event_get(&ev, "CONTAINER_NS_PID"));
        ck_assert_ptr_null(event_get(&ev, "CONTAINER_STARTED_USEC"));
        ck_assert_ptr_null(event_get(&ev, "K8S_POD_UID"));
        event_clear(&ev);
}
END_TEST

static Suite *events_suite(void) {
        Suite *s = suite_create("events");
        TCase *tc = tcase_create("field-contract");

        tcase_add_test(tc, test_list_carries_the_identity_of_started);
        tcase_add_test(tc, test_identity_skips_empty);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(events_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
