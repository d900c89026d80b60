/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/subscribers.c over a real socket and a real sd-event loop in this
 * process: delivery in order to every subscriber, filters, a subscriber that does not read (the
 * others see everything, it gets what its queue held and then one gap with the exact number it
 * missed), bad filters, a huge message, too many subscribers, the timeout of a stuck one, hang-ups,
 * and the socket's mode.
 */
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "subscribers-test.h"
#include "util/cleanup.h"
#include "util/time.h"

static char dir[] = "/tmp/test-subscribers.XXXXXX";
static char path[256];

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/run/events", dir);
}

static void teardown(void) {
        char run[300];

        snprintf(run, sizeof(run), "%s/run", dir);
        (void) unlink(path);
        (void) rmdir(run);
        (void) rmdir(dir);
        memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

static const SubscribersLimits limits = { .max_subscribers = 8, .queue_size = 16, .timeout_usec = 30 * USEC_PER_SEC };

static void run(sd_event *e) {
        while (sd_event_run(e, 0) > 0)
                ;
}

static int client(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        strcpy(sa.sun_path, path);
        ck_assert_int_eq(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        return fd;
}

/* One message, without blocking: its length, 0 at hang-up, -1 when none is waiting. */
static ssize_t next_msg(int fd, char *buf, size_t l) {
        ssize_t n = recv(fd, buf, l - 1, MSG_DONTWAIT);

        if (n < 0) {
                ck_assert_int_eq(errno, EAGAIN);
                return -1;
        }
        buf[n] = 0;
        return n;
}

static void publish(Subscribers *s, unsigned i, const char *kind, const char *manager, const char *name) {
        char json[256];
        int n = snprintf(json, sizeof(json), "{\"SEQ\":\"%u\",\"CONTAINER_EVENT\":\"%s\"}", i, kind);

        ck_assert_int_eq(subscribers_publish(s, kind, manager, name, json, (size_t) n), 0);
}

static unsigned seq_of(const char *msg) {
        unsigned v;

        ck_assert_msg(sscanf(msg, "{\"SEQ\":\"%u\"", &v) == 1, "not an event: %s", msg);
        return v;
}

START_TEST(test_delivery_and_filters) {
        _cleanup_(subscribers_freep) Subscribers *s = NULL;
        sd_event *e = NULL;
        int a, b, f, p;
        char buf[512];
        struct stat st;
        struct group *g = getgrnam("systemd-journal");

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &s), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert(S_ISSOCK(st.st_mode));
        if (geteuid() == 0 && g) {
                ck_assert_uint_eq(st.st_mode & 07777, 0660);
                ck_assert_uint_eq(st.st_gid, g->gr_gid);
        } else
                ck_assert_uint_eq(st.st_mode & 0007, 0); /* never for others */

        a = client();
        b = client();
        f = client();
        p = client();
        run(e);
        ck_assert_uint_eq(subscribers_count(s), 4);
        ck_assert_int_gt(send(f, "{\"manager\":\"docker\",\"events\":[\"exited\",\"oom\"]}", 46, 0), 0);
        ck_assert_int_gt(send(p, "{\"name_prefix\":\"web\"}", 21, 0), 0);
        run(e);

        publish(s, 1, "started", "docker", "web-1");
        publish(s, 2, "exited", "docker", "db");
        publish(s, 3, "exited", "podman", "web-2");
        publish(s, 4, "oom", "docker", NULL);
        run(e);
        for (int i = 1; i <= 4; i++) {
                ck_assert_int_gt(next_msg(a, buf, sizeof(buf)), 0);
                ck_assert_uint_eq(seq_of(buf), i);
                ck_assert_int_gt(next_msg(b, buf, sizeof(buf)), 0);
                ck_assert_uint_eq(seq_of(buf), i);
        }
        ck_assert_int_eq(next_msg(a, buf, sizeof(buf)), -1);
        ck_assert_int_gt(next_msg(f, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 2);
        ck_assert_int_gt(next_msg(f, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 4);
        ck_assert_int_eq(next_msg(f, buf, sizeof(buf)), -1);
        ck_assert_int_gt(next_msg(p, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 1);
        ck_assert_int_gt(next_msg(p, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 3);
        ck_assert_int_eq(next_msg(p, buf, sizeof(buf)), -1);

        /* a new filter replaces the old one; {} takes everything */
        ck_assert_int_gt(send(f, "{}", 2, 0), 0);
        run(e);
        publish(s, 5, "started", "podman", "x");
        run(e);
        ck_assert_int_gt(next_msg(f, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 5);

        /* a hang-up is noticed */
        close(a);
        run(e);
        ck_assert_uint_eq(subscribers_count(s), 3);
        close(b);
        close(f);
        close(p);
        s = subscribers_free(s);
        ck_assert_int_eq(access(path, F_OK), -1); /* made here, so removed here */
        sd_event_unref(e);
}
END_TEST

START_TEST(test_stalled_subscriber_gets_gap) {
        _cleanup_(subscribers_freep) Subscribers *s = NULL;
        sd_event *e = NULL;
        int stalled, reader;
        char buf[512];
        unsigned got_reader = 0, got_stalled = 0, expect = 0;
        uint64_t gap = 0;
        ssize_t n;
        const unsigned total = 10000;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &s), 0);
        stalled = client();
        reader = client();
        run(e);
        for (unsigned i = 0; i < total; i++) {
                publish(s, i, "exited", "runc", NULL);
                run(e);
                while ((n = next_msg(reader, buf, sizeof(buf))) > 0) {
                        ck_assert_uint_eq(seq_of(buf), got_reader);
                        got_reader++;
                }
        }
        run(e);
        while ((n = next_msg(reader, buf, sizeof(buf))) > 0) {
                ck_assert_uint_eq(seq_of(buf), got_reader);
                got_reader++;
        }
        ck_assert_uint_eq(got_reader, total); /* the reader lost nothing */

        /* The stalled one reads now: a prefix in order, then one gap with the rest. */
        for (;;) {
                run(e);
                n = next_msg(stalled, buf, sizeof(buf));
                if (n < 0)
                        break;
                ck_assert_int_gt(n, 0);
                if (strncmp(buf, "{\"gap\":\"", 8) == 0) {
                        ck_assert_uint_eq(gap, 0); /* one gap */
                        gap = strtoull(buf + 8, NULL, 10);
                        continue;
                }
                ck_assert_uint_eq(gap, 0); /* nothing after the gap until a new event */
                ck_assert_uint_eq(seq_of(buf), expect);
                expect++;
                got_stalled++;
        }
        ck_assert_uint_gt(gap, 0);
        ck_assert_uint_ge(got_stalled, limits.queue_size);
        ck_assert_uint_eq(got_stalled + gap, total);
        /* and it is a subscriber like any other again */
        publish(s, total, "exited", "runc", NULL);
        run(e);
        ck_assert_int_gt(next_msg(stalled, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), total);
        ck_assert_uint_eq(subscribers_count(s), 2);
        close(stalled);
        close(reader);
        s = subscribers_free(s);
        sd_event_unref(e);
}
END_TEST

START_TEST(test_bad_input) {
        static const char *const bad[] = {
                "garbage", "[1,2]", "{\"manager\": 7}", "{\"events\": [\"died\"]}", "{\"events\": \"exited\"}",
                "{\"colour\": \"red\"}", "{\"manager\":\"a\",\"manager\":\"b\"}",
        };
        _cleanup_(subscribers_freep) Subscribers *s = NULL;
        _cleanup_free_ char *huge = malloc(SUBSCRIBERS_FILTER_MAX + 100);
        sd_event *e = NULL;
        char buf[64];
        int good, fd;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &s), 0);
        good = client();
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fd = client();
                run(e);
                ck_assert_uint_eq(subscribers_count(s), 2);
                ck_assert_int_gt(send(fd, bad[i], strlen(bad[i]), 0), 0);
                run(e);
                ck_assert_msg(subscribers_count(s) == 1, "'%s' did not close the connection", bad[i]);
                ck_assert_int_eq(next_msg(fd, buf, sizeof(buf)), 0); /* hung up on */
                close(fd);
        }
        /* a message larger than a filter may be */
        ck_assert_ptr_nonnull(huge);
        memset(huge, ' ', SUBSCRIBERS_FILTER_MAX + 100);
        huge[0] = '{';
        huge[SUBSCRIBERS_FILTER_MAX + 99] = '}';
        fd = client();
        run(e);
        ck_assert_int_gt(send(fd, huge, SUBSCRIBERS_FILTER_MAX + 100, 0), 0);
        run(e);
        ck_assert_uint_eq(subscribers_count(s), 1);
        close(fd);
        /* the well-behaved one was never disturbed */
        publish(s, 1, "started", "runc", NULL);
        run(e);
        ck_assert_int_gt(next_msg(good, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 1);
        close(good);
        s = subscribers_free(s);
        sd_event_unref(e);
}
END_TEST

START_TEST(test_too_many_and_timeout) {
        const SubscribersLimits l = { .max_subscribers = 3, .queue_size = 1, .timeout_usec = 50 * USEC_PER_MSEC };
        _cleanup_(subscribers_freep) Subscribers *s = NULL;
        sd_event *e = NULL;
        int fds[2000];
        char buf[64];
        unsigned refused = 0;
        uint64_t deadline;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &l, &s), 0);
        /* two thousand connections: three stay, the rest are closed at once */
        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                fds[i] = client();
                if (i % 64 == 0)
                        run(e);
        }
        run(e);
        ck_assert_uint_eq(subscribers_count(s), 3);
        for (size_t i = 3; i < ELEMENTSOF(fds); i++)
                refused += next_msg(fds[i], buf, sizeof(buf)) == 0;
        ck_assert_uint_eq(refused, ELEMENTSOF(fds) - 3);
        for (size_t i = 3; i < ELEMENTSOF(fds); i++)
                close(fds[i]);

        /* nobody reads: the sockets fill, then the queues, then the timeout closes them */
        for (unsigned i = 0; i < 5000 && subscribers_count(s) == 3; i++)
                publish(s, i, "exited", "runc", NULL);
        deadline = now_monotonic_usec() + 10 * USEC_PER_SEC;
        while (subscribers_count(s) > 0 && now_monotonic_usec() < deadline)
                (void) sd_event_run(e, 100 * USEC_PER_MSEC);
        ck_assert_uint_eq(subscribers_count(s), 0);
        for (size_t i = 0; i < 3; i++)
                close(fds[i]);
        s = subscribers_free(s);
        sd_event_unref(e);
}
END_TEST

START_TEST(test_refuses_a_foreign_file) {
        Subscribers *s = NULL;
        sd_event *e = NULL;
        char run_dir[300];
        FILE *f;

        snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
        ck_assert_int_eq(mkdir(run_dir, 0755), 0);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fclose(f);
        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &s), -EEXIST);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(access(path, F_OK), 0); /* not removed */
        sd_event_unref(e);
}
END_TEST

/* A second daemon on the same path leaves the first one's socket alone; a stale one is replaced. */
START_TEST(test_socket_in_use) {
        _cleanup_(subscribers_freep) Subscribers *first = NULL, *second = NULL;
        sd_event *e = NULL;
        char buf[64];
        int fd;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &first), 0);
        ck_assert_int_eq(subscribers_new(e, path, &limits, &second), -EADDRINUSE);
        fd = client();
        run(e);
        ck_assert_uint_eq(subscribers_count(first), 1);
        publish(first, 7, "started", "runc", NULL);
        run(e);
        ck_assert_int_gt(next_msg(fd, buf, sizeof(buf)), 0);
        ck_assert_uint_eq(seq_of(buf), 7);
        close(fd);
        first = subscribers_free(first);
        ck_assert_int_eq(access(path, F_OK), -1);

        /* a socket nobody listens on any more (a daemon that was killed) */
        {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int stale = socket(AF_UNIX, SOCK_SEQPACKET, 0);

                strcpy(sa.sun_path, path);
                ck_assert_int_eq(bind(stale, (struct sockaddr *) &sa, sizeof(sa)), 0);
                close(stale);
        }
        ck_assert_int_eq(subscribers_new(e, path, &limits, &second), 0);
        fd = client();
        run(e);
        ck_assert_uint_eq(subscribers_count(second), 1);
        close(fd);
        second = subscribers_free(second);
        sd_event_unref(e);
}
END_TEST

static Suite *subscribers_suite(void) {
        Suite *s = suite_create("subscribers");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_delivery_and_filters);
        tcase_add_test(tc, test_stalled_subscriber_gets_gap);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_too_many_and_timeout);
        tcase_add_test(tc, test_refuses_a_foreign_file);
        tcase_add_test(tc, test_socket_in_use);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(subscribers_suite());
        struct rlimit rl;
        int failed;

        /* two thousand clients and their server ends */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
