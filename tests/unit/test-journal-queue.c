/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/journal.c: the queue of events that wait while the journal is away, its
 * bound, the retry timer that delivers them once it is back, and what reaches the socket (journald's
 * native protocol, read back from a datagram socket of the test's own in a mkdtemp directory).
 * Runs without root: the journal's socket path is overridden.
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "journal-test.h"
#include "util/cleanup.h"
#include "util/time.h"

typedef struct Fixture {
        char dir[64];
        char path[96];
        sd_event *event;
        Journal *journal;
        unsigned delivered_calls;
        size_t delivered;
        int listener;            /* our "journald", or -1 */
} Fixture;

static void on_delivered(Journal *j, size_t n, void *userdata) {
        Fixture *f = userdata;

        (void) j;
        f->delivered_calls++;
        f->delivered = n;
}

static void fixture_init(Fixture *f, unsigned queue_size) {
        *f = (Fixture) { .listener = -1 };
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-journal-queue.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/socket", f->dir);
        ck_assert_int_ge(sd_event_new(&f->event), 0);
        ck_assert_int_eq(journal_new(f->event, on_delivered, f, &f->journal), 0);
        ck_assert_int_eq(journal_set_socket(f->journal, f->path), 0);
        journal_setup(f->journal, /* to_journal= */ true, /* to_console= */ false, /* json= */ false);
        journal_set_queue_size(f->journal, queue_size);
}

/* journald comes (back): a datagram socket bound at the path. */
static void listener_start(Fixture *f) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        f->listener = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(f->listener, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
        ck_assert_int_eq(bind(f->listener, (struct sockaddr *) &sa, sizeof(sa)), 0);
}

/* journald goes away, leaving its socket file behind (ECONNREFUSED from then on). */
static void listener_stop(Fixture *f) {
        f->listener = safe_close(f->listener);
}

static void fixture_done(Fixture *f) {
        listener_stop(f);
        f->journal = journal_free(f->journal);
        f->event = sd_event_unref(f->event);
        (void) unlink(f->path);
        ck_assert_int_eq(rmdir(f->dir), 0);
}

static void emit(Fixture *f, const char *id, const char *message, int expect) {
        Event ev;

        event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        ck_assert_int_eq(event_add(&ev, "MESSAGE", message), 0);
        ck_assert_int_eq(event_add(&ev, "CONTAINER_ID", id), 0);
        if (expect == 0)
                ck_assert_int_eq(journal_emit(f->journal, &ev, NULL, 0), 0);
        else
                ck_assert_int_eq(journal_emit(f->journal, &ev, NULL, 0), expect);
        event_clear(&ev);
}

/* Events "e<from>" to "e<to>" of container c1, each expected to return expect. */
static void emit_series(Fixture *f, int from, int to, int expect) {
        for (int i = from; i <= to; i++) {
                char m[16];

                snprintf(m, sizeof(m), "e%d", i);
                emit(f, "c1", m, expect);
        }
}

/* One datagram, decoded: the value of key (text or binary form), or NULL. */
static bool datagram_field(const char *buf, size_t len, const char *key, char *value, size_t value_size) {
        size_t kl = strlen(key);
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eq = memchr(p, '=', (size_t) ((nl ? nl : end) - p));

                ck_assert_ptr_nonnull(nl);
                if (eq) {
                        /* KEY=value\n */
                        if ((size_t) (eq - p) == kl && memcmp(p, key, kl) == 0) {
                                snprintf(value, value_size, "%.*s", (int) (nl - eq - 1), eq + 1);
                                return true;
                        }
                        p = nl + 1;
                } else {
                        /* KEY\n, 64-bit little-endian length, value, \n */
                        uint64_t l;

                        ck_assert_uint_ge((size_t) (end - nl - 1), sizeof(l));
                        memcpy(&l, nl + 1, sizeof(l));
                        l = le64toh(l);
                        ck_assert_uint_ge((size_t) (end - nl - 1 - sizeof(l)), l + 1);
                        if ((size_t) (nl - p) == kl && memcmp(p, key, kl) == 0) {
                                snprintf(value, value_size, "%.*s", (int) l, nl + 1 + sizeof(l));
                                return true;
                        }
                        p = nl + 1 + sizeof(l) + l;
                        ck_assert_int_eq(*p, '\n');
                        p++;
                }
        }
        return false;
}

/* The next datagram the daemon sent; the value of key in it ("" when absent). */
static bool receive(Fixture *f, char *buf, size_t size, size_t *ret_len) {
        ssize_t n = recv(f->listener, buf, size, 0);

        if (n < 0) {
                ck_assert_int_eq(errno, EAGAIN);
                return false;
        }
        *ret_len = (size_t) n;
        return true;
}

static void expect_datagram(Fixture *f, const char *key, const char *value) {
        char buf[65536], v[4096];
        size_t len;

        ck_assert_msg(receive(f, buf, sizeof(buf), &len), "no datagram where %s=%s was expected", key, value);
        ck_assert_msg(datagram_field(buf, len, key, v, sizeof(v)), "no %s= in the datagram", key);
        ck_assert_str_eq(v, value);
        /* the header every entry carries */
        ck_assert(datagram_field(buf, len, "SYSLOG_IDENTIFIER", v, sizeof(v)));
        ck_assert_str_eq(v, "container-watchd");
        ck_assert(datagram_field(buf, len, "PRIORITY", v, sizeof(v)));
        ck_assert(datagram_field(buf, len, "MESSAGE_ID", v, sizeof(v)));
}

static void run_until_delivered(Fixture *f) {
        uint64_t deadline = now_monotonic_usec() + 10 * USEC_PER_SEC;

        while (f->delivered_calls == 0 && now_monotonic_usec() < deadline)
                ck_assert_int_ge(sd_event_run(f->event, 50 * USEC_PER_MSEC), 0);
        ck_assert_uint_eq(f->delivered_calls, 1);
}

START_TEST(test_direct) {
        Fixture f;
        char buf[65536], v[256];
        size_t len;

        fixture_init(&f, 8);
        listener_start(&f);
        emit(&f, "aaaaaaaaaaaa", "first", 0);
        ck_assert_uint_eq(journal_queue_length(f.journal), 0);
        ck_assert(receive(&f, buf, sizeof(buf), &len));
        ck_assert(datagram_field(buf, len, "MESSAGE", v, sizeof(v)));
        ck_assert_str_eq(v, "first");
        ck_assert(datagram_field(buf, len, "MESSAGE_ID", v, sizeof(v)));
        ck_assert_str_eq(v, MESSAGE_ID_CONTAINER_STARTED);
        ck_assert(datagram_field(buf, len, "PRIORITY", v, sizeof(v)));
        ck_assert_str_eq(v, "6");
        ck_assert(datagram_field(buf, len, "CONTAINER_ID", v, sizeof(v)));
        ck_assert_str_eq(v, "aaaaaaaaaaaa");

        /* a value with a newline goes in the binary form, whole */
        emit(&f, "bbbbbbbbbbbb", "two\nlines", 0);
        ck_assert(receive(&f, buf, sizeof(buf), &len));
        ck_assert(datagram_field(buf, len, "MESSAGE", v, sizeof(v)));
        ck_assert_str_eq(v, "two\nlines");
        ck_assert(datagram_field(buf, len, "CONTAINER_ID", v, sizeof(v)));
        ck_assert_str_eq(v, "bbbbbbbbbbbb");
        fixture_done(&f);
}
END_TEST

START_TEST(test_outage_in_order) {
        Fixture f;
        char buf[16];
        size_t len;

        fixture_init(&f, 8);
        /* no socket at all */
        emit(&f, "c1", "one", -ENOENT);
        /* behind a waiting event a new one waits too, whatever the socket says */
        emit(&f, "c2", "two", -EAGAIN);
        ck_assert_uint_eq(journal_queue_length(f.journal), 2);
        ck_assert_int_eq(journal_flush(f.journal), -ENOENT);
        ck_assert_uint_eq(journal_queue_length(f.journal), 2);

        /* journald is back: the retry timer delivers, in order, and says so */
        listener_start(&f);
        run_until_delivered(&f);
        ck_assert_uint_eq(f.delivered, 2);
        ck_assert_uint_eq(journal_queue_length(f.journal), 0);
        expect_datagram(&f, "MESSAGE", "one");
        expect_datagram(&f, "MESSAGE", "two");
        ck_assert(!receive(&f, buf, sizeof(buf), &len));

        /* away again, its socket file left behind: refused, queued, delivered later */
        listener_stop(&f);
        emit(&f, "c3", "three", -ECONNREFUSED);
        ck_assert_uint_eq(journal_queue_length(f.journal), 1);
        f.delivered_calls = 0;
        ck_assert_int_eq(unlink(f.path), 0);
        listener_start(&f);
        run_until_delivered(&f);
        expect_datagram(&f, "MESSAGE", "three");
        fixture_done(&f);
}
END_TEST

START_TEST(test_bound) {
        Fixture f;
        char buf[16];
        size_t len;

        fixture_init(&f, 3);
        emit(&f, "c1", "e1", -ENOENT);
        emit_series(&f, 2, 5, -EAGAIN);
        /* past the bound the oldest went */
        ck_assert_uint_eq(journal_queue_length(f.journal), 3);
        listener_start(&f);
        ck_assert_int_eq(journal_flush(f.journal), 0);
        /* first the gap, said once, then the newest three */
        expect_datagram(&f, "MESSAGE_ID", MESSAGE_ID_EVENTS_LOST);
        expect_datagram(&f, "MESSAGE", "e3");
        expect_datagram(&f, "MESSAGE", "e4");
        expect_datagram(&f, "MESSAGE", "e5");
        ck_assert(!receive(&f, buf, sizeof(buf), &len));
        ck_assert_int_eq(journal_flush(f.journal), 0);
        ck_assert(!receive(&f, buf, sizeof(buf), &len));
        fixture_done(&f);
}
END_TEST

START_TEST(test_free_flushes) {
        Fixture f;

        fixture_init(&f, 8);
        emit(&f, "c1", "last words", -ENOENT);
        listener_start(&f);
        /* the stop delivers what waits */
        f.journal = journal_free(f.journal);
        expect_datagram(&f, "MESSAGE", "last words");
        fixture_done(&f);
}
END_TEST

/* What journal_when_taken() ran: the queue length at each call, and how many data were released. */
typedef struct Taken {
        Journal *journal;
        size_t n;
        size_t queue_at[8];
        int tag[8];
        unsigned freed;
} Taken;

static Taken taken;

static void on_taken(void *data, void *userdata) {
        ck_assert_ptr_nonnull(userdata); /* the journal's owner: the fixture */
        ck_assert_uint_lt(taken.n, 8);
        taken.tag[taken.n] = *(int *) data;
        taken.queue_at[taken.n++] = journal_queue_length(taken.journal);
}

static void taken_free(void *data) {
        taken.freed++;
        free(data);
}

static void when_taken(Fixture *f, int tag) {
        int *d = malloc(sizeof(int));

        ck_assert_ptr_nonnull(d);
        *d = tag;
        ck_assert_int_eq(journal_when_taken(f->journal, on_taken, d, taken_free), 0);
}

/* Issue 14, item 8: what waits for an event runs once the journal took it, never before. */
START_TEST(test_when_taken) {
        Fixture f;

        taken = (Taken) {};
        fixture_init(&f, 8);
        taken.journal = f.journal;
        /* nothing waits: at once */
        when_taken(&f, 1);
        ck_assert_uint_eq(taken.n, 1);
        ck_assert_uint_eq(taken.freed, 1);

        /* behind waiting events: only once each event before it was taken, in order */
        emit(&f, "c1", "one", -ENOENT);
        when_taken(&f, 2);
        emit(&f, "c2", "two", -EAGAIN);
        when_taken(&f, 3);
        when_taken(&f, 4);
        ck_assert_int_eq(journal_flush(f.journal), -ENOENT);
        ck_assert_uint_eq(taken.n, 1);
        listener_start(&f);
        ck_assert_int_eq(journal_flush(f.journal), 0);
        ck_assert_uint_eq(taken.n, 4);
        ck_assert_int_eq(taken.tag[1], 2);
        ck_assert_uint_eq(taken.queue_at[1], 1);  /* "one" taken, "two" still waiting */
        ck_assert_int_eq(taken.tag[2], 3);
        ck_assert_uint_eq(taken.queue_at[2], 0);
        ck_assert_int_eq(taken.tag[3], 4);
        ck_assert_uint_eq(taken.freed, 4);
        expect_datagram(&f, "MESSAGE", "one");
        expect_datagram(&f, "MESSAGE", "two");

        /* the stop with the journal away: it never ran, its data is released all the same */
        listener_stop(&f);
        emit(&f, "c3", "three", -ECONNREFUSED);
        when_taken(&f, 5);
        f.journal = journal_free(f.journal);
        ck_assert_uint_eq(taken.n, 4);
        ck_assert_uint_eq(taken.freed, 5);
        fixture_done(&f);
}
END_TEST

/* Past the bound the dropped event's followers run too: the gap entry accounts for it. */
START_TEST(test_when_taken_dropped) {
        Fixture f;

        taken = (Taken) {};
        fixture_init(&f, 1);
        taken.journal = f.journal;
        emit(&f, "c1", "one", -ENOENT);
        when_taken(&f, 1);
        emit(&f, "c2", "two", -EAGAIN);
        ck_assert_uint_eq(taken.n, 1);
        ck_assert_int_eq(taken.tag[0], 1);
        fixture_done(&f);
        ck_assert_uint_eq(taken.freed, 1);
}
END_TEST

/* Issue 14, item 7: journald alive but not reading (SIGSTOPped): its socket's queue fills, and the
 * send says so at once instead of blocking; the events wait and go once it reads again. */
/* journald stops reading: events until its socket's queue is full (the last one is queued).
 * Returns how many were emitted. */
static size_t fill_socket(Fixture *f) {
        size_t n = 0;
        int r = 0;

        while (r == 0 && n < 100000) {
                Event ev;

                event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
                ck_assert_int_eq(event_add(&ev, "MESSAGE", "filler"), 0);
                r = journal_emit(f->journal, &ev, NULL, 0);
                event_clear(&ev);
                n++;
        }
        ck_assert_int_eq(r, -EAGAIN);
        return n;
}

/* The start-up scan (journal_hold_all): past the bound nothing is dropped, whether journald is away
 * or only behind and never reads; once off, the next event past the bound drops as before. */
START_TEST(test_hold_all) {
        Fixture f;
        char buf[16];
        size_t len;

        fixture_init(&f, 3);
        journal_hold_all(f.journal, true);
        emit(&f, "c1", "e1", -ENOENT);
        emit_series(&f, 2, 5, -EAGAIN);
        ck_assert_uint_eq(journal_queue_length(f.journal), 5);
        ck_assert_uint_eq(journal_events_dropped(f.journal), 0);
        journal_hold_all(f.journal, false);
        listener_start(&f);
        ck_assert_int_eq(journal_flush(f.journal), 0);
        for (int i = 1; i <= 5; i++) {
                char m[8];

                snprintf(m, sizeof(m), "e%d", i);
                expect_datagram(&f, "MESSAGE", m);
        }
        ck_assert(!receive(&f, buf, sizeof(buf), &len));

        /* only behind, and it never reads: no wait for it, nothing dropped */
        journal_hold_all(f.journal, true);
        (void) fill_socket(&f);
        for (int i = 0; i < 20; i++)
                emit(&f, "c2", "held", -EAGAIN);
        ck_assert_uint_eq(journal_queue_length(f.journal), 21);
        ck_assert_uint_eq(journal_events_dropped(f.journal), 0);
        journal_hold_all(f.journal, false);
        emit(&f, "c3", "after", -EAGAIN);
        ck_assert_uint_le(journal_queue_length(f.journal), 3);
        ck_assert_uint_gt(journal_events_dropped(f.journal), 0);
        fixture_done(&f);
}
END_TEST

START_TEST(test_full_socket) {
        Fixture f;
        char buf[65536];
        size_t len, n, got = 0;

        fixture_init(&f, 100000);
        listener_start(&f);
        n = fill_socket(&f);
        ck_assert_uint_eq(journal_queue_length(f.journal), 1);
        emit(&f, "c1", "behind", -EAGAIN);
        /* journald reads again */
        while (journal_flush(f.journal) == -EAGAIN)
                while (receive(&f, buf, sizeof(buf), &len))
                        got++;
        while (receive(&f, buf, sizeof(buf), &len))
                got++;
        ck_assert_uint_eq(got, n + 1);
        ck_assert_uint_eq(journal_queue_length(f.journal), 0);
        fixture_done(&f);
}
END_TEST

/* A journald that is only behind: the queued events go the moment its socket's queue has room
 * (EPOLLOUT), long before the retry timer's tick (JOURNAL_RETRY_USEC, 250 ms): the loop is only
 * run without waiting, so the timer cannot be what delivers them unless this takes 250 ms. */
START_TEST(test_room_wakes) {
        Fixture f;
        char buf[65536];
        size_t len, n, got = 0;

        fixture_init(&f, 100000);
        listener_start(&f);
        n = fill_socket(&f);
        for (int i = 0; i < 50; i++, n++)
                emit(&f, "c1", "behind", -EAGAIN);
        ck_assert_uint_eq(journal_queue_length(f.journal), 51);
        for (int i = 0; i < 10000 && journal_queue_length(f.journal) > 0; i++) {
                while (receive(&f, buf, sizeof(buf), &len))
                        got++;
                ck_assert_int_ge(sd_event_run(f.event, 0), 0);
        }
        ck_assert_uint_eq(journal_queue_length(f.journal), 0);
        while (receive(&f, buf, sizeof(buf), &len))
                got++;
        ck_assert_uint_eq(got, n);
        /* only behind, never unavailable: the delivery was reported */
        ck_assert_uint_ge(f.delivered_calls, 1);
        fixture_done(&f);
}
END_TEST

/* A journald that is there but slower than a burst larger than the queue's bound: nothing is
 * dropped, the daemon waits for it (briefly, each time) as a blocking send did. Our "journald" is
 * a child that reads a datagram every 200 us and exits with how many it read. */
START_TEST(test_burst_past_bound) {
        Fixture f;
        char buf[65536];
        size_t n;
        int status;
        pid_t child;

        fixture_init(&f, 4);
        listener_start(&f);
        n = fill_socket(&f);
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                unsigned got = 0;
                uint64_t last = now_monotonic_usec();

                /* until 1 s passes without a datagram, by the clock: a count of usleep()s
                 * stretched past check's timeout on a loaded machine */
                while (now_monotonic_usec() - last < USEC_PER_SEC) {
                        if (recv(f.listener, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
                                got++;
                                last = now_monotonic_usec();
                        } else
                                usleep(200);
                }
                _exit(got > 255 ? 255 : (int) got);
        }
        for (int i = 0; i < 100; i++, n++) {
                Event ev;
                int r;

                event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
                ck_assert_int_eq(event_add(&ev, "MESSAGE", "burst"), 0);
                r = journal_emit(f.journal, &ev, NULL, 0);
                ck_assert(r == 0 || r == -EAGAIN);
                event_clear(&ev);
        }
        ck_assert_uint_eq(journal_events_dropped(f.journal), 0);
        /* the rest goes as the loop would send it */
        for (int i = 0; i < 100000 && journal_queue_length(f.journal) > 0; i++)
                ck_assert_int_ge(sd_event_run(f.event, 10 * USEC_PER_MSEC), 0);
        ck_assert_uint_eq(journal_queue_length(f.journal), 0);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_assert(WIFEXITED(status));
        ck_assert_uint_eq(journal_events_dropped(f.journal), 0);
        /* every one reached our journald (counted up to 255) */
        ck_assert_uint_eq((unsigned) WEXITSTATUS(status), n > 255 ? 255 : n);
        fixture_done(&f);
}
END_TEST

static Suite *journal_queue_suite(void) {
        Suite *s = suite_create("journal-queue");
        TCase *tc = tcase_create("queue");

        tcase_add_test(tc, test_direct);
        tcase_add_test(tc, test_outage_in_order);
        tcase_add_test(tc, test_bound);
        tcase_add_test(tc, test_hold_all);
        tcase_add_test(tc, test_free_flushes);
        tcase_add_test(tc, test_when_taken);
        tcase_add_test(tc, test_when_taken_dropped);
        tcase_add_test(tc, test_full_socket);
        tcase_add_test(tc, test_room_wakes);
        tcase_add_test(tc, test_burst_past_bound);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(journal_queue_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
