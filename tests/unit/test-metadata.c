/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/metadata.c over real records: Docker's state.json + config.v2.json
 * (tests/fixtures/docker), containerd CRI-style sandboxes and containers (tests/fixtures/containerd),
 * a Podman state.json + containers.json captured with podman 4.3.1 and an OCI-annotation set of
 * CRI-O written from FACTS.md 3.8 (tests/fixtures/crio), plain runc; and the edges: a missing or
 * broken record, a hostile id, a bundle that does not look like containers-storage's.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metadata.h"
#include "runc-state.h"
#include "util/cleanup.h"
#include "util/fileio.h"

#define DOCKER_ID "2a39ac7445a4d31fab303e4b95353c81541c50eb51b9a1809bdaca406fb19c47"
#define DOCKER_EXITED_ID "fec0ac36bab0d9aa17fb1db5c9843275fc3758889f16f4d1d5ea6f66b84f64d3"
#define PODMAN_ID "43a2bb6bb8c39839296687f4c26447c11efaf63f1e06fa83abc235b555ba9b09"
#define POD_UID "3f216a1e-6517-4884-9837-d661e45517a7"
#define CRIO_UID "7c1d5f0e-2b8a-4c55-9f1e-0d6a3e9b2c41"

static RuncState *state_load(const char *fixture) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        RuncState *s = NULL;
        size_t len;

        ck_assert_int_ge(asprintf(&path, "%s/%s", FIXTURES_DIR, fixture), 0);
        ck_assert_int_eq(read_file_path(path, RUNC_STATE_SIZE_MAX, &buf, &len), 0);
        ck_assert_int_eq(runc_state_parse(buf, len, &s, NULL), 0);
        return s;
}

static void copy_file(const char *from_fixture, const char *to) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len;

        ck_assert_int_ge(asprintf(&path, "%s/%s", FIXTURES_DIR, from_fixture), 0);
        ck_assert_int_eq(read_file_path(path, 64 << 20, &buf, &len), 0);
        f = fopen(to, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
}

static void write_text(const char *to, const char *text) {
        _cleanup_fclose_ FILE *f = fopen(to, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(text, f), 0);
}

static void assert_str_or_null(const char *got, const char *want) {
        if (!want)
                ck_assert_msg(!got, "expected NULL, got '%s'", got);
        else
                ck_assert_msg(got && strcmp(got, want) == 0, "expected '%s', got '%s'", want, got ?: "(null)");
}

static void assert_meta(const Meta *m, const char *manager, const char *name, const char *image, const char *pod_name,
                        const char *pod_ns, const char *pod_uid, const char *k8s_name, const char *k8s_type) {
        assert_str_or_null(m->manager, manager);
        assert_str_or_null(m->name, name);
        assert_str_or_null(m->image, image);
        assert_str_or_null(m->pod_name, pod_name);
        assert_str_or_null(m->pod_namespace, pod_ns);
        assert_str_or_null(m->pod_uid, pod_uid);
        assert_str_or_null(m->k8s_container_name, k8s_name);
        assert_str_or_null(m->k8s_container_type, k8s_type);
}

/* A temporary directory, removed (recursively, it is ours) at the end of each test. */
static char tmp[64];

static void tmp_setup(void) {
        snprintf(tmp, sizeof(tmp), "/tmp/test-metadata.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void tmp_teardown(void) {
        _cleanup_free_ char *cmd = NULL;

        ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", tmp), 0);
        (void) !system(cmd);
}

START_TEST(test_docker) {
        _cleanup_(runc_state_freep) RuncState *s = state_load("docker/state.json");
        _cleanup_free_ char *d = NULL, *f = NULL, *d2 = NULL, *f2 = NULL;
        Meta m = {};

        ck_assert_int_ge(asprintf(&d, "%s/containers/%s", tmp, DOCKER_ID), 0);
        ck_assert_int_ge(asprintf(&f, "%s/config.v2.json", d), 0);

        /* no record (a container Docker has removed, or a wrong data root): still Docker's */
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, NULL, &m), 0);
        assert_meta(&m, "docker", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* the real record: "/fx-web" loses its slash; the image as the user typed it */
        ck_assert_int_ge(asprintf(&d2, "%s/containers", tmp), 0);
        ck_assert_int_eq(mkdir(d2, 0700), 0);
        ck_assert_int_eq(mkdir(d, 0700), 0);
        copy_file("docker/config.v2.json", f);
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", "fx-web", "bbox", NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* an exited container's record reads the same */
        ck_assert_int_ge(asprintf(&f2, "%s/%s", d2, DOCKER_EXITED_ID), 0);
        ck_assert_int_eq(mkdir(f2, 0700), 0);
        free(f2);
        ck_assert_int_ge(asprintf(&f2, "%s/%s/config.v2.json", d2, DOCKER_EXITED_ID), 0);
        copy_file("docker/config.v2.exited.json", f2);
        ck_assert_int_eq(metadata_collect(DOCKER_EXITED_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", "fx-seq-docker", "bbox", NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* a broken record: nothing known, no failure */
        write_text(f, "{\"Name\": \"/half");
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        write_text(f, "{\"Name\": 7, \"Config\": {\"Image\": [\"x\"]}}");
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        write_text(f, "{\"Name\": \"noslash\", \"Config\": {\"Image\": \"reg.example/a/b:1\"}}");
        ck_assert_int_eq(metadata_collect(DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", "noslash", "reg.example/a/b:1", NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* a hostile id never leaves the data root */
        ck_assert_int_eq(metadata_collect("../containers/" DOCKER_ID, "moby", "/run/docker/runtime-runc/moby", s, tmp, &m), 0);
        assert_meta(&m, "docker", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
}
END_TEST

START_TEST(test_kubernetes_containerd) {
        _cleanup_(runc_state_freep) RuncState *pause = state_load("containerd/fx-k8s-pause.state.json");
        _cleanup_(runc_state_freep) RuncState *web = state_load("containerd/fx-k8s-web.state.json");
        Meta m = {};

        ck_assert_int_eq(metadata_collect("fx-k8s-pause", "k8s.io", "/run/containerd/runc/k8s.io", pause, "/nonexistent", &m), 0);
        /* the sandbox: named after its pod, no image, marked */
        assert_meta(&m, "kubernetes", "fx-pod", NULL, "fx-pod", "default", POD_UID, NULL, "sandbox");
        meta_done(&m);

        ck_assert_int_eq(metadata_collect("fx-k8s-web", "k8s.io", "/run/containerd/runc/k8s.io", web, "/nonexistent", &m), 0);
        assert_meta(&m, "kubernetes", "web", "docker.io/library/bbox:latest", "fx-pod", "default", POD_UID, "web",
                    "container");
        meta_done(&m);

        /* The annotations decide, not the root: the same state under Docker's namespace is still k8s. */
        ck_assert_int_eq(metadata_collect("fx-k8s-web", "moby", "/run/docker/runtime-runc/moby", web, "/nonexistent", &m), 0);
        ck_assert_str_eq(m.manager, "kubernetes");
        meta_done(&m);
}
END_TEST

START_TEST(test_containerd_and_runc) {
        _cleanup_(runc_state_freep) RuncState *s = state_load("runc/state.running.json");
        Meta m = {};

        /* no annotations under a containerd root: containerd's (ctr, nerdctl without a name) */
        ck_assert_int_eq(metadata_collect("fx-runc1", "default", "/run/containerd/runc/default", s, "/nonexistent", &m), 0);
        assert_meta(&m, "containerd", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* anywhere else: nobody manages it */
        ck_assert_int_eq(metadata_collect("fx-runc1", NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "runc", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        ck_assert_int_eq(metadata_collect("fx-runc1", "default", "/run/fx-runc/default", s, "/nonexistent", &m), 0);
        assert_meta(&m, "runc", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
}
END_TEST

START_TEST(test_podman) {
        _cleanup_(runc_state_freep) RuncState *s = state_load("podman/cw-pod1.state.json");
        _cleanup_(runc_state_freep) RuncState *old = state_load("podman/state.json");
        _cleanup_free_ char *storage = NULL, *cdir = NULL, *json = NULL, *bundle = NULL;
        Meta m = {};

        /* the captured record: /var/lib/containers/storage is not there in a test, so move it */
        ck_assert_int_ge(asprintf(&storage, "%s/overlay-containers", tmp), 0);
        ck_assert_int_ge(asprintf(&cdir, "%s/%s", storage, PODMAN_ID), 0);
        ck_assert_int_ge(asprintf(&json, "%s/containers.json", storage), 0);
        ck_assert_int_ge(asprintf(&bundle, "%s/userdata", cdir), 0);
        ck_assert_int_eq(mkdir(storage, 0700), 0);
        ck_assert_int_eq(mkdir(cdir, 0700), 0);

        ck_assert_str_eq(s->bundle, "/var/lib/containers/storage/overlay-containers/" PODMAN_ID "/userdata");
        free(s->bundle);
        s->bundle = strdup(bundle);

        /* no containers.json (yet): podman's, nameless */
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        copy_file("podman/containers.json", json);
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", "cw-pod1", "localhost/cw-bbox:test", NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* another container's record is not this one's */
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", old, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* a bundle that is not <storage>/<id>/userdata is not followed */
        free(s->bundle);
        s->bundle = strdup("/tmp/elsewhere/userdata");
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        free(s->bundle);
        s->bundle = strdup("userdata");
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);

        /* a broken containers.json */
        free(s->bundle);
        s->bundle = strdup(bundle);
        write_text(json, "[{\"id\": \"" PODMAN_ID "\", \"names\": [7], \"metadata\": \"{not json\"}]");
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
        write_text(json, "{\"id\": \"" PODMAN_ID "\"}");
        ck_assert_int_eq(metadata_collect(PODMAN_ID, NULL, "/run/runc", s, "/nonexistent", &m), 0);
        assert_meta(&m, "podman", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        meta_done(&m);
}
END_TEST

START_TEST(test_crio) {
        _cleanup_(runc_state_freep) RuncState *c = state_load("crio/container.state.json");
        _cleanup_(runc_state_freep) RuncState *sb = state_load("crio/sandbox.state.json");
        Meta m = {};

        ck_assert_int_eq(metadata_collect("b7e3c0a1d2f4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0", NULL, "/run/runc", c,
                                          "/nonexistent", &m), 0);
        assert_meta(&m, "cri-o", "web", "docker.io/library/nginx:1.25", "fx-pod", "default", CRIO_UID, "web", "container");
        meta_done(&m);

        ck_assert_int_eq(metadata_collect("0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", NULL, "/run/runc", sb,
                                          "/nonexistent", &m), 0);
        assert_meta(&m, "cri-o", "fx-pod", NULL, "fx-pod", "default", CRIO_UID, NULL, "sandbox");
        meta_done(&m);
}
END_TEST

START_TEST(test_crun_annotations) {
        /* crun: the annotations come from the config.json beside its status file */
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        const char *ann = "{\"annotations\": {\"io.kubernetes.cri-o.ContainerType\": \"container\","
                          "\"io.kubernetes.cri-o.ContainerName\": \"k8s_x\","
                          "\"io.kubernetes.cri-o.ImageName\": \"img:1\"}}";
        size_t len;
        Meta m = {};

        ck_assert_int_ge(asprintf(&path, "%s/crun/status.running", FIXTURES_DIR), 0);
        ck_assert_int_eq(read_file_path(path, RUNC_STATE_SIZE_MAX, &buf, &len), 0);
        ck_assert_int_eq(crun_status_parse(buf, len, &s, NULL), 0);
        ck_assert_int_eq(metadata_collect("fx-crun1", NULL, "/run/crun", s, "/nonexistent", &m), 0);
        assert_meta(&m, "runc", NULL, NULL, NULL, NULL, NULL, NULL, NULL); /* "runc" = unmanaged, DESIGN.md §3 */
        meta_done(&m);

        ck_assert_int_eq(oci_config_parse_annotations(ann, strlen(ann), s), 0);
        ck_assert_int_eq(metadata_collect("fx-crun1", NULL, "/run/crun", s, "/nonexistent", &m), 0);
        /* no Labels annotation: CRI-O's own name is all there is */
        assert_meta(&m, "cri-o", "k8s_x", "img:1", NULL, NULL, NULL, NULL, "container");
        meta_done(&m);
}
END_TEST

START_TEST(test_meta_done) {
        Meta m = {};

        meta_done(&m); /* a zeroed Meta */
        meta_done(&m); /* twice */
        ck_assert_ptr_null(m.name);
        ck_assert_ptr_null(m.manager);
}
END_TEST

static Suite *metadata_suite(void) {
        Suite *s = suite_create("metadata");
        TCase *tc = tcase_create("managers");

        tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
        tcase_add_test(tc, test_docker);
        tcase_add_test(tc, test_kubernetes_containerd);
        tcase_add_test(tc, test_containerd_and_runc);
        tcase_add_test(tc, test_podman);
        tcase_add_test(tc, test_crio);
        tcase_add_test(tc, test_crun_annotations);
        tcase_add_test(tc, test_meta_done);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(metadata_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
