/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/config.c: real files in a mkdtemp() directory, parsed through
 * config_load() exactly as the daemon does. Covers the defaults, list reset and append, drop-in
 * order, diagnostics with FILE:LINE, bad values, duration parsing, the dump -> reload round trip
 * and missing files.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/config.h"  /* not "config.h": that is autoconf's, found first via -I. */

static char tmpdir[] = "/tmp/test-config-XXXXXX";
static char main_path[sizeof(tmpdir) + 64];
static char dropin_dir[sizeof(main_path) + 8];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(p);
}

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-config-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(main_path, sizeof(main_path), "%s/container-watchd.conf", tmpdir);
        snprintf(dropin_dir, sizeof(dropin_dir), "%s.d", main_path);
}

static void teardown(void) {
        (void) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *content) {
        FILE *f = fopen(path, "we");

        ck_assert_msg(f, "fopen %s: %m", path);
        ck_assert_int_eq(fputs(content, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
}

static void write_dropin(const char *name, const char *content) {
        char p[sizeof(dropin_dir) + 256];

        (void) mkdir(dropin_dir, 0755);
        snprintf(p, sizeof(p), "%s/%s", dropin_dir, name);
        write_file(p, content);
}

/* Diagnostics captured from config_load(); freed by the caller. */
typedef struct Load {
        int r;
        Config *c;
        char *log;
        size_t log_size;
} Load;

static Load load(const char *path, bool allow_missing) {
        Load l = { 0 };
        FILE *f = open_memstream(&l.log, &l.log_size);

        ck_assert_ptr_nonnull(f);
        l.r = config_load(path, allow_missing, f, &l.c);
        ck_assert_int_eq(fclose(f), 0);
        return l;
}

static void load_done(Load *l) {
        l->c = config_free(l->c);
        free(l->log);
        l->log = NULL;
}

static void assert_roots(const Config *c, const char *const *want, size_t n) {
        ck_assert_uint_eq(c->n_roots, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_str_eq(c->roots[i], want[i]);
        ck_assert_ptr_null(c->roots[n]);
}

static const char *const default_roots[] = {
        "/run/docker/runtime-runc/moby", "/run/containerd/runc/*", "/run/runc", "/run/crun",
};

static void assert_defaults(const Config *c) {
        assert_roots(c, default_roots, 4);
        ck_assert_str_eq(c->docker_data_root, "/var/lib/docker");
        ck_assert_uint_eq(c->reap_timeout_usec, 2 * USEC_PER_SEC);
        ck_assert(c->kernel_probe);
        ck_assert_int_eq(c->log_target, LOG_TARGET_AUTO);
        ck_assert_int_eq(c->log_level, LOG_INFO);
        ck_assert_uint_eq(c->crashloop_count, 5);
        ck_assert_uint_eq(c->crashloop_window_usec, 600 * USEC_PER_SEC);
        ck_assert_ptr_null(c->metrics_textfile);
        ck_assert(!c->metrics_per_container);
        ck_assert_uint_eq(c->metrics_names_max, 100);
}

START_TEST(test_defaults_no_file) {
        Load l = load(main_path, /* allow_missing= */ true);

        ck_assert_int_eq(l.r, 0);
        assert_defaults(l.c);
        ck_assert_uint_eq(l.log_size, 0);
        load_done(&l);

        Config *c = NULL;
        ck_assert_int_eq(config_new_default(&c), 0);
        assert_defaults(c);
        c = config_free(c);
        ck_assert_ptr_null(config_free(NULL));
}
END_TEST

START_TEST(test_missing_file) {
        /* A missing non-default file is an error unless allowed... */
        Load l = load(main_path, /* allow_missing= */ false);
        ck_assert_int_eq(l.r, -ENOENT);
        ck_assert_ptr_null(l.c);
        ck_assert_ptr_nonnull(strstr(l.log, main_path));
        load_done(&l);

        /* ...but its drop-ins still apply when it is allowed to be missing. */
        write_dropin("10-level.conf", "[Log]\nLevel=debug\n");
        l = load(main_path, /* allow_missing= */ true);
        ck_assert_int_eq(l.r, 0);
        ck_assert_int_eq(l.c->log_level, LOG_DEBUG);
        load_done(&l);
}
END_TEST

START_TEST(test_full_file) {
        write_file(main_path,
                   "# comment\n"
                   "; another comment\n"
                   "\n"
                   "[Watch]\n"
                   "  Roots = /run/a   /run/b//c/ \t\n"
                   "Roots=/run/containerd/runc/*\n"
                   "DockerDataRoot=/srv/docker/\n"
                   "[Exit]\n"
                   "ReapTimeoutSec=0.5\n"
                   "KernelProbe=no\n"
                   "[Log]\n"
                   "Target=console\n"
                   "Level=warning   \n"
                   "[Alert]\n"
                   "CrashLoopCount=3\n"
                   "CrashLoopWindowSec=2min\n"
                   "MetricsTextfile=/var/lib/prometheus/node-exporter//container-watchd.prom\n"
                   "MetricsPerContainer=yes\n"
                   "MetricsPerContainerMax=7\n");
        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        ck_assert_uint_eq(l.log_size, 0);
        static const char *const want[] = { "/run/a", "/run/b/c", "/run/containerd/runc/*" };
        assert_roots(l.c, want, 3);
        ck_assert_str_eq(l.c->docker_data_root, "/srv/docker");
        ck_assert_uint_eq(l.c->reap_timeout_usec, 500 * USEC_PER_MSEC);
        ck_assert(!l.c->kernel_probe);
        ck_assert_int_eq(l.c->log_target, LOG_TARGET_CONSOLE);
        ck_assert_int_eq(l.c->log_level, LOG_WARNING);
        ck_assert_uint_eq(l.c->crashloop_count, 3);
        ck_assert_uint_eq(l.c->crashloop_window_usec, 120 * USEC_PER_SEC);
        ck_assert_str_eq(l.c->metrics_textfile, "/var/lib/prometheus/node-exporter/container-watchd.prom");
        ck_assert(l.c->metrics_per_container);
        ck_assert_uint_eq(l.c->metrics_names_max, 7);
        load_done(&l);

        /* An empty assignment restores each default. */
        write_dropin("90-reset.conf", "[Exit]\nKernelProbe=\n[Alert]\nCrashLoopCount=\nCrashLoopWindowSec=\nMetricsTextfile=\n"
                                      "MetricsPerContainer=\nMetricsPerContainerMax=\n");
        l = load(main_path, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        ck_assert(l.c->kernel_probe);
        ck_assert_uint_eq(l.c->crashloop_count, 5);
        ck_assert_uint_eq(l.c->crashloop_window_usec, 600 * USEC_PER_SEC);
        ck_assert_ptr_null(l.c->metrics_textfile);
        ck_assert(!l.c->metrics_per_container);
        ck_assert_uint_eq(l.c->metrics_names_max, 100);
        load_done(&l);
}
END_TEST

START_TEST(test_roots_reset) {
        /* Empty Roots= empties the list; the next assignment appends to the empty list. */
        write_file(main_path, "[Watch]\nRoots=/run/a\nRoots=\nRoots=/run/b /run/b\n");
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        static const char *const want[] = { "/run/b" };
        assert_roots(l.c, want, 1);
        load_done(&l);

        /* A lone empty assignment leaves no roots at all. */
        write_file(main_path, "[Watch]\nRoots=\n");
        l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        assert_roots(l.c, NULL, 0);
        load_done(&l);

        /* No Roots= anywhere: the built-in list stays. */
        write_file(main_path, "[Watch]\nDockerDataRoot=/x\n");
        l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        assert_roots(l.c, default_roots, 4);
        load_done(&l);
}
END_TEST

START_TEST(test_empty_restores_default) {
        write_file(main_path,
                   "[Watch]\nDockerDataRoot=/srv/docker\n[Exit]\nReapTimeoutSec=9\n"
                   "[Log]\nTarget=console\nLevel=debug\n");
        write_dropin("10-reset.conf",
                     "[Watch]\nDockerDataRoot=\n[Exit]\nReapTimeoutSec=\n[Log]\nTarget=\nLevel=\n");
        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        assert_defaults(l.c);
        load_done(&l);
}
END_TEST

START_TEST(test_dropin_order) {
        write_file(main_path, "[Watch]\nRoots=/run/main\n[Log]\nLevel=err\n");
        /* Written out of order: they must be applied as 10, 20, 30 (strcmp order). */
        write_dropin("30-last.conf", "[Log]\nLevel=debug\n[Watch]\nRoots=/run/thirty\n");
        write_dropin("10-first.conf", "[Log]\nLevel=notice\n[Watch]\nRoots=/run/ten\n");
        write_dropin("20-reset.conf", "[Watch]\nRoots=\nRoots=/run/twenty\n[Log]\nTarget=journal\n");
        /* Ignored: wrong suffix, hidden, a directory. */
        write_dropin("40-ignored.conf.disabled", "[Log]\nLevel=err\n");
        write_dropin(".50-hidden.conf", "[Log]\nLevel=err\n");
        char d[sizeof(dropin_dir) + 32];
        snprintf(d, sizeof(d), "%s/60-dir.conf", dropin_dir);
        ck_assert_int_eq(mkdir(d, 0755), 0);

        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        static const char *const want[] = { "/run/twenty", "/run/thirty" };
        assert_roots(l.c, want, 2);
        ck_assert_int_eq(l.c->log_level, LOG_DEBUG);
        ck_assert_int_eq(l.c->log_target, LOG_TARGET_JOURNAL);
        load_done(&l);
}
END_TEST

START_TEST(test_dropin_appends_to_main) {
        write_file(main_path, "[Watch]\nRoots=/run/main\n");
        write_dropin("10-more.conf", "[Watch]\nRoots=/run/more\n");
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        static const char *const want[] = { "/run/main", "/run/more" };
        assert_roots(l.c, want, 2);
        load_done(&l);
}
END_TEST

START_TEST(test_unknown_warns) {
        write_file(main_path,
                   "Stray=1\n"                  /* line 1: outside any section */
                   "[Watch]\n"
                   "Bogus=1\n"                  /* line 3: unknown key */
                   "[Nope]\n"                   /* line 4: unknown section */
                   "Roots=/ignored\n"           /* line 5: inside the unknown section */
                   "[X-Vendor]\n"               /* line 6: X- sections are silent */
                   "Whatever=1\n"
                   "[Log]\n"
                   "Level=debug\n");
        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "warnings must not be fatal: r=%d log=%s", l.r, l.log);
        ck_assert_int_eq(l.c->log_level, LOG_DEBUG);
        assert_roots(l.c, default_roots, 4);

        char want[sizeof(main_path) + 64];
        snprintf(want, sizeof(want), "%s:1: warning: ", main_path);
        ck_assert_msg(strstr(l.log, want), "no '%s' in: %s", want, l.log);
        snprintf(want, sizeof(want), "%s:3: warning: Unknown key 'Bogus' in section [Watch]", main_path);
        ck_assert_msg(strstr(l.log, want), "no '%s' in: %s", want, l.log);
        snprintf(want, sizeof(want), "%s:4: warning: Unknown section 'Nope'", main_path);
        ck_assert_msg(strstr(l.log, want), "no '%s' in: %s", want, l.log);
        ck_assert_ptr_null(strstr(l.log, ":5:"));
        ck_assert_ptr_null(strstr(l.log, "X-Vendor"));
        ck_assert_ptr_null(strstr(l.log, "error"));

        /* One line per diagnostic: three warnings, three newlines. */
        size_t lines = 0;
        for (const char *p = l.log; *p; p++)
                lines += *p == '\n';
        ck_assert_uint_eq(lines, 3);
        load_done(&l);
}
END_TEST

/* Each of these is one bad line 2 of a file; every one must fail the load and name the line. */
static const char *const bad_values[] = {
        "[Watch]\nRoots=relative/path\n",
        "[Watch]\nRoots=/run/ok /run/*/x\n",
        "[Watch]\nRoots=/run/a*\n",
        "[Watch]\nRoots=/run/../etc\n",
        "[Watch]\nRoots=/run/./x\n",
        "[Watch]\nRoots=/run/a # trailing comment\n",
        "[Watch]\nDockerDataRoot=docker\n",
        "[Watch]\nDockerDataRoot=/var/lib/*\n",
        "[Exit]\nReapTimeoutSec=0\n",
        "[Exit]\nReapTimeoutSec=61\n",
        "[Exit]\nReapTimeoutSec=0.0009\n",
        "[Exit]\nReapTimeoutSec=-1\n",
        "[Exit]\nReapTimeoutSec=abc\n",
        "[Exit]\nReapTimeoutSec=1.\n",
        "[Exit]\nReapTimeoutSec=.5\n",
        "[Exit]\nReapTimeoutSec=5min\n",
        "[Exit]\nReapTimeoutSec=99999999999999999999999\n",
        "[Log]\nTarget=syslog\n",
        "[Log]\nLevel=crit\n",
        "[Log]\nLevel=INFO\n",
        "[Log]\nLevel=7\n",
        "[Log]\nno equals sign\n",
        "[Log]\n=value\n",
        "[Log]\n[Watch\n",
        "[Alert]\nCrashLoopCount=0\n",
        "[Alert]\nCrashLoopCount=257\n",
        "[Alert]\nCrashLoopCount=-1\n",
        "[Alert]\nCrashLoopCount=five\n",
        "[Alert]\nCrashLoopWindowSec=0.5\n",
        "[Alert]\nCrashLoopWindowSec=25h\n",
        "[Alert]\nCrashLoopWindowSec=soon\n",
        "[Alert]\nMetricsTextfile=metrics.prom\n",
        "[Alert]\nMetricsTextfile=/var/lib/node-exporter/x.txt\n",
        "[Alert]\nMetricsTextfile=/var/lib/node-exporter/.prom\n",
        "[Alert]\nMetricsTextfile=/var/lib/../x.prom\n",
        "[Alert]\nMetricsPerContainer=maybe\n",
        "[Exit]\nKernelProbe=sometimes\n",
        "[Alert]\nMetricsPerContainerMax=0\n",
        "[Alert]\nMetricsPerContainerMax=10001\n",
};

START_TEST(test_bad_values) {
        const char *content = bad_values[_i];
        char want[sizeof(main_path) + 32];

        write_file(main_path, content);
        Load l = load(main_path, false);
        ck_assert_msg(l.r == -EINVAL, "'%s' gave r=%d", content, l.r);
        ck_assert_ptr_null(l.c);
        snprintf(want, sizeof(want), "%s:2: error: ", main_path);
        ck_assert_msg(strstr(l.log, want), "'%s': no '%s' in: %s", content, want, l.log);
        ck_assert_msg(strchr(l.log, '\n') == l.log + l.log_size - 1, "not one line: %s", l.log);
        load_done(&l);
}
END_TEST

/* The [Events] settings: values, defaults restored by an empty value, and each refusal's words. */
START_TEST(test_events_settings) {
        static const struct {
                const char *line, *error;
        } bad[] = {
                { "MaxSubscribers=0", "Invalid MaxSubscribers= '0': expected a number from 1 to 65536.\n" },
                { "MaxSubscribers=+5", "Invalid MaxSubscribers= '+5': expected a number from 1 to 65536.\n" },
                { "SubscriberQueueSize=1000001",
                  "Invalid SubscriberQueueSize= '1000001': expected a number of events from 1 to 1000000.\n" },
                { "SubscriberTimeoutSec=soon",
                  "Invalid SubscriberTimeoutSec= 'soon': expected seconds like '30' or '1min'.\n" },
                { "SubscriberTimeoutSec=2h", "SubscriberTimeoutSec= '2h' is out of range [1, 3600] seconds.\n" },
        };
        char text[256];

        write_file(main_path, "[Events]\nMaxSubscribers=3\nSubscriberQueueSize=10\nSubscriberTimeoutSec=5min\n");
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        ck_assert_uint_eq(l.c->max_subscribers, 3);
        ck_assert_uint_eq(l.c->subscriber_queue_size, 10);
        ck_assert_uint_eq(l.c->subscriber_timeout_usec, 300 * USEC_PER_SEC);
        load_done(&l);

        write_dropin("90-reset.conf", "[Events]\nMaxSubscribers=\nSubscriberQueueSize=\nSubscriberTimeoutSec=\n");
        l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        ck_assert_uint_eq(l.c->max_subscribers, CONFIG_DEFAULT_MAX_SUBSCRIBERS);
        ck_assert_uint_eq(l.c->subscriber_queue_size, CONFIG_DEFAULT_SUBSCRIBER_QUEUE_SIZE);
        ck_assert_uint_eq(l.c->subscriber_timeout_usec, CONFIG_DEFAULT_SUBSCRIBER_TIMEOUT_USEC);
        load_done(&l);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(text, sizeof(text), "[Events]\n%s\n", bad[i].line);
                write_file(main_path, text);
                l = load(main_path, false);
                ck_assert_msg(l.r == -EINVAL, "'%s' gave r=%d", bad[i].line, l.r);
                ck_assert_msg(strstr(l.log, bad[i].error), "'%s': no '%s' in: %s", bad[i].line, bad[i].error, l.log);
                load_done(&l);
        }
}
END_TEST

START_TEST(test_all_errors_reported) {
        /* Parsing goes on after an error; an error in a drop-in counts too. */
        write_file(main_path, "[Log]\nLevel=loud\nTarget=nowhere\n");
        write_dropin("10-x.conf", "[Exit]\nReapTimeoutSec=never\n");
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, -EINVAL);
        ck_assert_ptr_nonnull(strstr(l.log, "conf:2: error: "));
        ck_assert_ptr_nonnull(strstr(l.log, "conf:3: error: "));
        ck_assert_ptr_nonnull(strstr(l.log, "10-x.conf:2: error: "));
        load_done(&l);
}
END_TEST

START_TEST(test_nul_byte) {
        int fd = open(main_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        static const char content[] = "[Log]\nLevel=info\0debug\n";

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, content, sizeof(content) - 1), (ssize_t) sizeof(content) - 1);
        ck_assert_int_eq(close(fd), 0);
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, -EINVAL);
        ck_assert_ptr_nonnull(strstr(l.log, ":2: error: "));
        load_done(&l);
}
END_TEST

static const struct {
        const char *text;
        uint64_t usec;
} durations[] = {
        { "2", 2000000 },        { "0.5", 500000 },      { "250ms", 250000 },
        { "1.5s", 1500000 },     { "60", 60000000 },     { "0.001", 1000 },
        { "1 sec", 1000000 },    { "2500usec", 2500 },   { "1.25msec", 1250 },
        { "0.0015", 1500 },      { "60000ms", 60000000 }, { "0.1234567", 123456 },
};

START_TEST(test_durations) {
        char content[128];

        snprintf(content, sizeof(content), "[Exit]\nReapTimeoutSec=%s\n", durations[_i].text);
        write_file(main_path, content);
        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "'%s': r=%d log=%s", durations[_i].text, l.r, l.log);
        ck_assert_uint_eq(l.c->reap_timeout_usec, durations[_i].usec);
        load_done(&l);
}
END_TEST

/* CrashLoopWindowSec= takes the same durations, plus minutes and hours. */
static const struct {
        const char *text;
        uint64_t usec;
} windows[] = {
        { "600", 600 * USEC_PER_SEC },  { "10min", 600 * USEC_PER_SEC }, { "1h", 3600 * USEC_PER_SEC },
        { "1", USEC_PER_SEC },          { "24h", 86400 * USEC_PER_SEC }, { "1.5min", 90 * USEC_PER_SEC },
        { "1000ms", USEC_PER_SEC },
};

START_TEST(test_crashloop_windows) {
        char content[128];

        snprintf(content, sizeof(content), "[Alert]\nCrashLoopWindowSec=%s\n", windows[_i].text);
        write_file(main_path, content);
        Load l = load(main_path, false);
        ck_assert_msg(l.r == 0, "'%s': r=%d log=%s", windows[_i].text, l.r, l.log);
        ck_assert_uint_eq(l.c->crashloop_window_usec, windows[_i].usec);
        load_done(&l);
}
END_TEST

static char *dump_to_string(const Config *c) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        ck_assert_ptr_nonnull(f);
        config_dump(c, f);
        ck_assert_int_eq(fclose(f), 0);
        return s;
}

static void assert_config_eq(const Config *a, const Config *b) {
        ck_assert_uint_eq(a->n_roots, b->n_roots);
        for (size_t i = 0; i < a->n_roots; i++)
                ck_assert_str_eq(a->roots[i], b->roots[i]);
        ck_assert_str_eq(a->docker_data_root, b->docker_data_root);
        ck_assert_uint_eq(a->reap_timeout_usec, b->reap_timeout_usec);
        ck_assert_int_eq(a->kernel_probe, b->kernel_probe);
        ck_assert_int_eq(a->log_target, b->log_target);
        ck_assert_int_eq(a->log_level, b->log_level);
        ck_assert_uint_eq(a->crashloop_count, b->crashloop_count);
        ck_assert_uint_eq(a->crashloop_window_usec, b->crashloop_window_usec);
        ck_assert_str_eq(a->metrics_textfile ?: "", b->metrics_textfile ?: "");
        ck_assert_int_eq(a->metrics_per_container, b->metrics_per_container);
        ck_assert_uint_eq(a->metrics_names_max, b->metrics_names_max);
}

/* Dump a config, load the dump (with no drop-ins), and compare. */
static void assert_round_trip(const Config *c) {
        char path[sizeof(tmpdir) + 32];
        _cleanup_free_ char *text = dump_to_string(c);

        snprintf(path, sizeof(path), "%s/dump.conf", tmpdir);
        write_file(path, text);
        Load l = load(path, false);
        ck_assert_msg(l.r == 0, "dump does not load: r=%d log=%s\n%s", l.r, l.log, text);
        ck_assert_msg(l.log_size == 0, "dump loads with diagnostics: %s", l.log);
        assert_config_eq(c, l.c);
        _cleanup_free_ char *again = dump_to_string(l.c);
        ck_assert_str_eq(text, again);
        load_done(&l);
}

START_TEST(test_dump_round_trip) {
        Config *c = NULL;

        ck_assert_int_eq(config_new_default(&c), 0);
        assert_round_trip(c);

        write_file(main_path,
                   "[Watch]\nRoots=/a /b/* /\nDockerDataRoot=/srv/d\n"
                   "[Exit]\nReapTimeoutSec=0.0015\n[Log]\nTarget=journal\nLevel=err\n"
                   "[Alert]\nCrashLoopCount=256\nCrashLoopWindowSec=1.5h\nMetricsTextfile=/m/a.prom\n"
                   "MetricsPerContainer=on\nMetricsPerContainerMax=10000\n");
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, 0);
        assert_round_trip(l.c);

        /* The dump of an empty root list must stay empty, not fall back to the defaults. */
        ck_assert_int_eq(config_set_roots(l.c, NULL, 0), 0);
        ck_assert_uint_eq(l.c->n_roots, 0);
        assert_round_trip(l.c);
        load_done(&l);

        for (int lv = LOG_ERR; lv <= LOG_DEBUG; lv++)
                for (int t = 0; t < _LOG_TARGET_MAX; t++) {
                        c->log_level = lv;
                        c->log_target = (LogTarget) t;
                        c->reap_timeout_usec = (uint64_t) (lv * 1000 + t * 7);
                        assert_round_trip(c);
                }
        c = config_free(c);
}
END_TEST

START_TEST(test_set_roots) {
        Config *c = NULL;
        char *good[] = { (char *) "/x//y/", (char *) "/run/containerd/runc/*", (char *) "/x/y" };
        char *bad[] = { (char *) "/ok", (char *) "nope" };

        ck_assert_int_eq(config_new_default(&c), 0);
        ck_assert_int_eq(config_set_roots(c, good, ELEMENTSOF(good)), 0);
        static const char *const want[] = { "/x/y", "/run/containerd/runc/*" };
        assert_roots(c, want, 2);
        ck_assert_int_eq(config_set_roots(c, bad, ELEMENTSOF(bad)), -EINVAL);
        assert_roots(c, want, 2); /* unchanged */
        c = config_free(c);
}
END_TEST

START_TEST(test_string_tables) {
        ck_assert_str_eq(log_target_to_string(LOG_TARGET_JOURNAL), "journal");
        ck_assert_ptr_null(log_target_to_string(_LOG_TARGET_MAX));
        ck_assert_ptr_null(log_target_to_string(_LOG_TARGET_INVALID));
        ck_assert_int_eq(log_target_from_string("console"), LOG_TARGET_CONSOLE);
        ck_assert_int_eq(log_target_from_string("Console"), _LOG_TARGET_INVALID);
        ck_assert_int_eq(log_target_from_string(NULL), _LOG_TARGET_INVALID);
        ck_assert_str_eq(config_log_level_to_string(LOG_NOTICE), "notice");
        ck_assert_ptr_null(config_log_level_to_string(LOG_CRIT));
        ck_assert_ptr_null(config_log_level_to_string(8));
        ck_assert_int_eq(config_log_level_from_string("err"), LOG_ERR);
        ck_assert_int_eq(config_log_level_from_string("emerg"), -EINVAL);
}
END_TEST

START_TEST(test_io_errors) {
        /* A directory where the file should be: a read error, reported, not a crash. */
        ck_assert_int_eq(mkdir(main_path, 0755), 0);
        Load l = load(main_path, false);
        ck_assert_int_eq(l.r, -EISDIR);
        ck_assert_ptr_nonnull(strstr(l.log, main_path));
        load_done(&l);

        if (geteuid() != 0) {
                /* Unreadable file (root would read it anyway). */
                ck_assert_int_eq(rmdir(main_path), 0);
                write_file(main_path, "[Log]\n");
                ck_assert_int_eq(chmod(main_path, 0), 0);
                l = load(main_path, false);
                ck_assert_int_eq(l.r, -EACCES);
                load_done(&l);
        }
}
END_TEST

/* The shipped file changes nothing, and uncommenting all of it changes nothing either. */
START_TEST(test_shipped_file) {
        static const char *const keys[] = {
                "\nRoots=", "\nDockerDataRoot=", "\nReapTimeoutSec=", "\nKernelProbe=", "\nTarget=", "\nLevel=",
                "\nJournalQueueSize=", "\nCrashLoopCount=", "\nCrashLoopWindowSec=", "\nMetricsTextfile=",
                "\nMetricsPerContainer=", "\nMetricsPerContainerMax=",
        };
        Load l = load(SHIPPED_CONF, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        ck_assert_msg(l.log_size == 0, "diagnostics: %s", l.log);
        assert_defaults(l.c);
        load_done(&l);

        FILE *in = fopen(SHIPPED_CONF, "re"), *out = fopen(main_path, "we");
        char *line = NULL, *text = NULL;
        size_t size = 0, text_size = 0;
        FILE *mem = open_memstream(&text, &text_size);
        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        ck_assert_ptr_nonnull(mem);
        while (getline(&line, &size, in) > 0) {
                /* "#Key=value" is a setting; "# text" is prose. */
                const char *p = line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' ? line + 1 : line;
                fputs(p, out);
                fputs(p, mem);
        }
        free(line);
        ck_assert_int_eq(fclose(in), 0);
        ck_assert_int_eq(fclose(out), 0);
        ck_assert_int_eq(fclose(mem), 0);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                ck_assert_msg(strstr(text, keys[i]), "shipped file lacks %s", keys[i] + 1);
        free(text);

        l = load(main_path, false);
        ck_assert_msg(l.r == 0, "r=%d log=%s", l.r, l.log);
        ck_assert_msg(l.log_size == 0, "diagnostics: %s", l.log);
        assert_defaults(l.c);
        load_done(&l);
}
END_TEST

static Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("load");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_defaults_no_file);
        tcase_add_test(tc, test_missing_file);
        tcase_add_test(tc, test_full_file);
        tcase_add_test(tc, test_roots_reset);
        tcase_add_test(tc, test_empty_restores_default);
        tcase_add_test(tc, test_dropin_order);
        tcase_add_test(tc, test_dropin_appends_to_main);
        tcase_add_test(tc, test_unknown_warns);
        tcase_add_loop_test(tc, test_bad_values, 0, (int) ELEMENTSOF(bad_values));
        tcase_add_test(tc, test_events_settings);
        tcase_add_test(tc, test_all_errors_reported);
        tcase_add_test(tc, test_nul_byte);
        tcase_add_loop_test(tc, test_durations, 0, (int) ELEMENTSOF(durations));
        tcase_add_loop_test(tc, test_crashloop_windows, 0, (int) ELEMENTSOF(windows));
        tcase_add_test(tc, test_dump_round_trip);
        tcase_add_test(tc, test_set_roots);
        tcase_add_test(tc, test_string_tables);
        tcase_add_test(tc, test_io_errors);
        tcase_add_test(tc, test_shipped_file);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(config_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
