/* SPDX-License-Identifier: MIT */
/*
 * Configuration: built-in defaults, the systemd-style INI file, its FILE.d/ *.conf drop-ins, value
 * validation and the dump that --check-config prints. Owns the Config struct and nothing else:
 * it does not log through the daemon's log target (diagnostics go to the FILE * the caller
 * passes), does not know the event loop, and does not decide what an error means for the daemon.
 * The syntax and semantics are described in config.h and man/container-watchd.conf.5.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <pwd.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config.h"
#include "util/strutil.h"

#define WHITESPACE " \t\n\r\v\f"

static const char *const default_roots[] = {
        "/run/docker/runtime-runc/moby",
        "/run/containerd/runc/*",
        "/run/runc",
        "/run/crun",
};

static const char *const log_target_table[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_JOURNAL] = "journal",
        [LOG_TARGET_CONSOLE] = "console",
};

static const char *const log_level_table[] = {
        [LOG_ERR] = "err",
        [LOG_WARNING] = "warning",
        [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",
        [LOG_DEBUG] = "debug",
};

const char *log_target_to_string(LogTarget t) {
        if (t < 0 || t >= _LOG_TARGET_MAX)
                return NULL;
        return log_target_table[t];
}

LogTarget log_target_from_string(const char *s) {
        if (!s)
                return _LOG_TARGET_INVALID;
        for (int i = 0; i < _LOG_TARGET_MAX; i++)
                if (strcmp(s, log_target_table[i]) == 0)
                        return (LogTarget) i;
        return _LOG_TARGET_INVALID;
}

const char *config_log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(log_level_table))
                return NULL;
        return log_level_table[level]; /* NULL for emerg..crit, which we do not offer */
}

int config_log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(log_level_table); i++)
                if (log_level_table[i] && strcmp(s, log_level_table[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        strv_free(c->roots);
        strv_free(c->rootless_users);
        free(c->docker_data_root);
        free(c->metrics_textfile);
        free(c->events_socket);
        free(c);
        return NULL;
}

void config_freep(Config **c) {
        *c = config_free(*c);
}

static bool roots_contain(char *const *roots, size_t n, const char *p) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(roots[i], p) == 0)
                        return true;
        return false;
}

/* Append p (taking ownership) unless it is already listed, keeping the NULL terminator. */
static int roots_append(char ***roots, size_t *n, char *p) {
        char **l;

        if (roots_contain(*roots, *n, p)) {
                free(p);
                return 0;
        }
        l = reallocarray(*roots, *n + 2, sizeof(char *));
        if (!l) {
                free(p);
                return -ENOMEM;
        }
        l[(*n)++] = p;
        l[*n] = NULL;
        *roots = l;
        return 0;
}

/* An empty, NULL-terminated list. */
static int roots_new_empty(char ***ret) {
        char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        *ret = l;
        return 0;
}

/*
 * Socket='s default: "events" in systemd's $RUNTIME_DIRECTORY (the first one) when it is set to an
 * absolute path, as $STATE_DIRECTORY is for the record, else CONFIG_DEFAULT_EVENTS_SOCKET. NULL on
 * OOM.
 */
static char *config_default_events_socket(void) {
        const char *e = getenv("RUNTIME_DIRECTORY");
        size_t n;
        char *p;

        if (!e || e[0] != '/')
                return strdup(CONFIG_DEFAULT_EVENTS_SOCKET);
        n = strcspn(e, ":");
        /* sockaddr_un.sun_path: 108 bytes with the NUL */
        if (n + strlen("/events") >= 108)
                return strdup(CONFIG_DEFAULT_EVENTS_SOCKET);
        if (asprintf(&p, "%.*s/events", (int) n, e) < 0)
                return NULL;
        return p;
}

int config_new_default(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        r = roots_new_empty(&c->rootless_users);
        if (r < 0)
                return r;
        r = roots_new_empty(&c->roots);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(default_roots); i++) {
                char *p = strdup(default_roots[i]);
                if (!p)
                        return -ENOMEM;
                r = roots_append(&c->roots, &c->n_roots, p);
                if (r < 0)
                        return r;
        }

        c->docker_data_root = strdup(CONFIG_DEFAULT_DOCKER_DATA_ROOT);
        if (!c->docker_data_root)
                return -ENOMEM;
        c->reap_timeout_usec = CONFIG_DEFAULT_REAP_TIMEOUT_USEC;
        c->kernel_probe = true;
        c->log_target = LOG_TARGET_AUTO;
        c->log_level = CONFIG_DEFAULT_LOG_LEVEL;
        c->journal_queue_size = CONFIG_DEFAULT_JOURNAL_QUEUE_SIZE;
        c->crashloop_count = CONFIG_DEFAULT_CRASHLOOP_COUNT;
        c->crashloop_window_usec = CONFIG_DEFAULT_CRASHLOOP_WINDOW_USEC;
        c->metrics_names_max = CONFIG_DEFAULT_METRICS_NAMES_MAX;
        c->events_socket = config_default_events_socket();
        if (!c->events_socket)
                return -ENOMEM;
        c->max_subscribers = CONFIG_DEFAULT_MAX_SUBSCRIBERS;
        c->subscriber_queue_size = CONFIG_DEFAULT_SUBSCRIBER_QUEUE_SIZE;
        c->subscriber_timeout_usec = CONFIG_DEFAULT_SUBSCRIBER_TIMEOUT_USEC;

        *ret = TAKE_PTR(c);
        return 0;
}

/*
 * Validate an absolute path and return a normalized copy (repeated and trailing slashes dropped).
 * "." and ".." components, control characters and an over-long path are refused with a reason;
 * so is any '*', unless allow_glob and it is the whole last component.
 * Returns 0 and *ret, -EINVAL with *ret_reason set, or -ENOMEM.
 */
static int path_normalize(const char *s, bool allow_glob, char **ret, const char **ret_reason) {
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        const char *p = s;

        if (*s != '/') {
                *ret_reason = "not an absolute path";
                return -EINVAL;
        }
        for (const char *q = s; *q; q++)
                if ((unsigned char) *q < 0x20 || *q == 0x7f) {
                        *ret_reason = "contains a control character";
                        return -EINVAL;
                }
        if (strlen(s) >= PATH_MAX) {
                *ret_reason = "path too long";
                return -EINVAL;
        }

        out = malloc(strlen(s) + 2);
        if (!out)
                return -ENOMEM;

        for (;;) {
                size_t n;

                p += strspn(p, "/");
                if (!*p)
                        break;
                n = strcspn(p, "/");

                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
                        *ret_reason = "contains a '.' or '..' component";
                        return -EINVAL;
                }
                if (memchr(p, '*', n)) {
                        bool last = p[n + strspn(p + n, "/")] == '\0';
                        if (!allow_glob || n != 1 || !last) {
                                *ret_reason = allow_glob ?
                                        "'*' is only allowed as the whole last component" :
                                        "'*' is not allowed here";
                                return -EINVAL;
                        }
                }

                out[len++] = '/';
                memcpy(out + len, p, n);
                len += n;
                p += n;
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = '\0';

        *ret = TAKE_PTR(out);
        return 0;
}

int config_all_roots(const Config *c, FILE *err_log, char ***ret) {
        static const char *const rootless[] = { "runc", "crun", "docker/runtime-runc/moby" };
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;
        int r;

        r = roots_new_empty(&l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_roots; i++) {
                char *d = strdup(c->roots[i]);

                if (!d)
                        return -ENOMEM;
                r = roots_append(&l, &n, d);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_rootless_users; i++) {
                const char *u = c->rootless_users[i];
                struct passwd *pw = getpwnam(u);
                unsigned long uid;
                char *end;

                if (pw)
                        uid = pw->pw_uid;
                else {
                        errno = 0;
                        uid = strtoul(u, &end, 10);
                        if (errno != 0 || *end || end == u || uid >= UINT32_MAX) {
                                if (err_log)
                                        fprintf(err_log, "RootlessUsers=: no user '%s', skipped.\n", u);
                                continue;
                        }
                }
                for (size_t j = 0; j < ELEMENTSOF(rootless); j++) {
                        char *d;

                        if (asprintf(&d, "/run/user/%lu/%s", uid, rootless[j]) < 0)
                                return -ENOMEM;
                        r = roots_append(&l, &n, d);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int config_set_roots(Config *c, char *const *roots, size_t n) {
        _cleanup_(strv_freep) char **l = NULL;
        size_t m = 0;
        int r;

        r = roots_new_empty(&l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *reason;
                char *p;

                r = path_normalize(roots[i], /* allow_glob= */ true, &p, &reason);
                if (r < 0)
                        return r;
                r = roots_append(&l, &m, p);
                if (r < 0)
                        return r;
        }

        strv_free(c->roots);
        c->roots = TAKE_PTR(l);
        c->n_roots = m;
        /* -r replaces everything there is to watch, the rootless users' roots included */
        for (size_t i = 0; i < c->n_rootless_users; i++)
                free(c->rootless_users[i]);
        c->n_rootless_users = 0;
        c->rootless_users[0] = NULL;
        return 0;
}

/*
 * Parse a duration: "2", "0.5", "1.5s", "250ms", "500us" (also "sec", "msec", "usec", "min",
 * "h"). Digits
 * finer than a microsecond are ignored. Returns 0 and *ret, or -EINVAL (-ERANGE when absurdly
 * large); the [min, max] range is checked by the caller so that it can say so.
 */
static int parse_duration_usec(const char *s, uint64_t *ret) {
        uint64_t unit = USEC_PER_SEC, whole = 0, frac = 0;
        const char *p = s, *int_start, *frac_start = NULL, *frac_end = NULL;

        int_start = p;
        while (*p >= '0' && *p <= '9') {
                if (whole > UINT64_C(1000000000))
                        return -ERANGE;
                whole = whole * 10 + (uint64_t) (*p - '0');
                p++;
        }
        if (p == int_start)
                return -EINVAL;
        if (*p == '.') {
                frac_start = ++p;
                while (*p >= '0' && *p <= '9')
                        p++;
                frac_end = p;
                if (frac_end == frac_start)
                        return -EINVAL;
        }
        p += strspn(p, " \t");

        if (*p == '\0' || strcmp(p, "s") == 0 || strcmp(p, "sec") == 0)
                unit = USEC_PER_SEC;
        else if (strcmp(p, "ms") == 0 || strcmp(p, "msec") == 0)
                unit = USEC_PER_MSEC;
        else if (strcmp(p, "us") == 0 || strcmp(p, "usec") == 0)
                unit = 1;
        else if (strcmp(p, "min") == 0)
                unit = 60 * USEC_PER_SEC;
        else if (strcmp(p, "h") == 0)
                unit = 3600 * USEC_PER_SEC;
        else
                return -EINVAL;

        if (frac_start) {
                uint64_t scale = unit;
                for (const char *q = frac_start; q < frac_end && scale >= 10; q++) {
                        scale /= 10;
                        frac += (uint64_t) (*q - '0') * scale;
                }
        }

        *ret = whole * unit + frac;
        return 0;
}

/* The state of one config_load() call. */
typedef struct Parser {
        Config *config;
        FILE *err_log;
        const char *file;
        unsigned line;
        bool roots_assigned;      /* a Roots= was seen: the built-in list is gone */
        bool in_section;          /* any section header seen in this file */
        bool known_section;
        char section[32];
        unsigned n_errors;
} Parser;

__attribute__((format(printf, 3, 4)))
static void parser_log(Parser *ps, bool error, const char *fmt, ...) {
        va_list ap;

        if (error)
                ps->n_errors++;
        if (!ps->err_log)
                return;
        if (ps->line > 0)
                fprintf(ps->err_log, "%s:%u: %s: ", ps->file, ps->line, error ? "error" : "warning");
        else
                fprintf(ps->err_log, "%s: %s: ", ps->file, error ? "error" : "warning");
        va_start(ap, fmt);
        vfprintf(ps->err_log, fmt, ap);
        va_end(ap);
        fputc('\n', ps->err_log);
}

/* The next whitespace-separated word of *p: 1 and *ret (a new string), 0 at the end, -ENOMEM. */
static int next_word(const char **p, char **ret) {
        size_t k;

        *p += strspn(*p, WHITESPACE);
        if (!**p)
                return 0;
        k = strcspn(*p, WHITESPACE);
        *ret = strndup(*p, k);
        if (!*ret)
                return -ENOMEM;
        *p += k;
        return 1;
}

/* Roots= is l (n entries) from now on. */
static int roots_assign(Parser *ps, char **l, size_t n) {
        strv_free(ps->config->roots);
        ps->config->roots = l;
        ps->config->n_roots = n;
        ps->roots_assigned = true;
        return 0;
}

static int parse_roots(Parser *ps, const char *value) {
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;
        const char *p = value;
        int r;

        if (!ps->roots_assigned || *value == '\0') {
                /* The first assignment replaces the built-in list; an empty one empties it. */
                r = roots_new_empty(&l);
                if (r < 0)
                        return r;
        } else {
                /* Build the appended list aside, so that a bad word leaves the old one intact. */
                r = roots_new_empty(&l);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ps->config->n_roots; i++) {
                        char *d = strdup(ps->config->roots[i]);
                        if (!d)
                                return -ENOMEM;
                        r = roots_append(&l, &n, d);
                        if (r < 0)
                                return r;
                }
        }

        for (;;) {
                _cleanup_free_ char *word = NULL;
                const char *reason;
                char *norm;

                r = next_word(&p, &word);
                if (r <= 0)
                        return r < 0 ? r : roots_assign(ps, TAKE_PTR(l), n);

                r = path_normalize(word, /* allow_glob= */ true, &norm, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        parser_log(ps, true, "Invalid root '%s' in Roots=: %s.",
                                   word, reason);
                        return 0;
                }
                r = roots_append(&l, &n, norm);
                if (r < 0)
                        return r;
        }
}

/* A user name as useradd accepts it, or a uid. */
static bool user_word_is_valid(const char *w) {
        size_t l = strlen(w);

        if (l == 0 || l > 32)
                return false;
        for (const char *c = w; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '_' || *c == '-' || *c == '.' || (*c == '$' && c[1] == '\0')))
                        return false;
        return w[0] != '-';
}

static int parse_rootless_users(Parser *ps, const char *value) {
        const char *p = value;
        int r;

        if (*value == '\0') {
                strv_free(ps->config->rootless_users);
                ps->config->rootless_users = NULL;
                ps->config->n_rootless_users = 0;
                return roots_new_empty(&ps->config->rootless_users);
        }
        for (;;) {
                char *word;

                r = next_word(&p, &word);
                if (r <= 0)
                        return r;
                if (!user_word_is_valid(word)) {
                        parser_log(ps, true, "Invalid user '%s' in RootlessUsers=: a user name or a uid is expected.",
                                   word);
                        free(word);
                        return 0;
                }
                r = roots_append(&ps->config->rootless_users, &ps->config->n_rootless_users, word);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_docker_data_root(Parser *ps, const char *value) {
        const char *reason;
        char *norm;
        int r;

        if (*value == '\0')
                value = CONFIG_DEFAULT_DOCKER_DATA_ROOT;

        r = path_normalize(value, /* allow_glob= */ false, &norm, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                parser_log(ps, true, "Invalid DockerDataRoot= '%s': %s.", value, reason);
                return 0;
        }
        free(ps->config->docker_data_root);
        ps->config->docker_data_root = norm;
        return 0;
}

/*
 * A duration setting: empty restores def; anything but a duration ("expected ..." says what is
 * meant) or a value outside [min, max] ("out of range <range>") is reported and the setting stays.
 */
static void parse_duration_setting(Parser *ps, const char *value, const char *key, const char *expected,
                                   uint64_t def, uint64_t min, uint64_t max, const char *range, uint64_t *dest) {
        uint64_t usec;
        int r;

        if (*value == '\0') {
                *dest = def;
                return;
        }
        r = parse_duration_usec(value, &usec);
        if (r < 0 && r != -ERANGE) {
                parser_log(ps, true, "Invalid %s= '%s': expected %s.", key, value, expected);
                return;
        }
        if (r == -ERANGE || usec < min || usec > max) {
                parser_log(ps, true, "%s= '%s' is out of range %s.", key, value, range);
                return;
        }
        *dest = usec;
}

static int parse_log_target(Parser *ps, const char *value) {
        LogTarget t = *value == '\0' ? LOG_TARGET_AUTO : log_target_from_string(value);

        if (t < 0) {
                parser_log(ps, true, "Invalid Target= '%s': expected auto, journal or console.",
                           value);
                return 0;
        }
        ps->config->log_target = t;
        return 0;
}

static int parse_log_level(Parser *ps, const char *value) {
        int l = *value == '\0' ? CONFIG_DEFAULT_LOG_LEVEL : config_log_level_from_string(value);

        if (l < 0) {
                parser_log(ps, true,
                           "Invalid Level= '%s': expected err, warning, notice, info or debug.",
                           value);
                return 0;
        }
        ps->config->log_level = l;
        return 0;
}

static int parse_journal_queue_size(Parser *ps, const char *value) {
        unsigned long n;
        char *end;

        if (*value == '\0') {
                ps->config->journal_queue_size = CONFIG_DEFAULT_JOURNAL_QUEUE_SIZE;
                return 0;
        }
        errno = 0;
        n = strtoul(value, &end, 10);
        if (errno != 0 || *end || end == value || value[0] == '-' || n < 1 || n > CONFIG_JOURNAL_QUEUE_SIZE_MAX) {
                parser_log(ps, true, "Invalid JournalQueueSize= '%s': expected a number of events from 1 to %u.",
                           value, (unsigned) CONFIG_JOURNAL_QUEUE_SIZE_MAX);
                return 0;
        }
        ps->config->journal_queue_size = (unsigned) n;
        return 0;
}

/* An unsigned number in [min, max]; -EINVAL otherwise. */
static int parse_unsigned(const char *value, unsigned long min, unsigned long max, unsigned *ret) {
        unsigned long n;
        char *end;

        errno = 0;
        n = strtoul(value, &end, 10);
        if (errno != 0 || *end || end == value || value[0] == '-' || value[0] == '+' || n < min || n > max)
                return -EINVAL;
        *ret = (unsigned) n;
        return 0;
}

/* A count setting from 1 to max ("a number of <what>", or "a number" when what is NULL): empty
 * restores def; anything else is reported and the setting stays. */
static void parse_count_setting(Parser *ps, const char *value, const char *key, const char *what, unsigned def,
                                unsigned max, unsigned *dest) {
        if (*value == '\0') {
                *dest = def;
                return;
        }
        if (parse_unsigned(value, 1, max, dest) < 0)
                parser_log(ps, true, "Invalid %s= '%s': expected a number%s%s from 1 to %u.", key, value,
                           what ? " of " : "", what ?: "", max);
}

static int parse_metrics_textfile(Parser *ps, const char *value) {
        const char *reason;
        char *norm;
        size_t n;
        int r;

        if (*value == '\0') {
                free(ps->config->metrics_textfile);
                ps->config->metrics_textfile = NULL;
                return 0;
        }
        r = path_normalize(value, /* allow_glob= */ false, &norm, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                parser_log(ps, true, "Invalid MetricsTextfile= '%s': %s.", value, reason);
                return 0;
        }
        n = strlen(norm);
        /* node_exporter's textfile collector reads only *.prom files */
        if (n <= strlen("/.prom") || strcmp(norm + n - 5, ".prom") != 0 || norm[n - 6] == '/') {
                parser_log(ps, true, "Invalid MetricsTextfile= '%s': the name must end in '.prom'.", value);
                free(norm);
                return 0;
        }
        free(ps->config->metrics_textfile);
        ps->config->metrics_textfile = norm;
        return 0;
}

/* yes/true/on/1 -> 1, no/false/off/0 -> 0, "" -> dflt, else -EINVAL. */
static int parse_yes_no(const char *value, bool dflt) {
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

        if (*value == '\0')
                return dflt;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcmp(value, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcmp(value, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

static int parse_events_socket(Parser *ps, const char *value) {
        _cleanup_free_ char *def = NULL;
        const char *reason;
        char *norm;
        int r;

        if (*value == '\0') {
                def = config_default_events_socket();
                if (!def)
                        return -ENOMEM;
                value = def;
        }
        r = path_normalize(value, /* allow_glob= */ false, &norm, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                parser_log(ps, true, "Invalid Socket= '%s': %s.", value, reason);
                return 0;
        }
        /* sockaddr_un.sun_path holds 108 bytes */
        if (strlen(norm) >= 108 || strcmp(norm, "/") == 0) {
                parser_log(ps, true, "Invalid Socket= '%s': a socket path of at most 107 bytes is needed.", value);
                free(norm);
                return 0;
        }
        free(ps->config->events_socket);
        ps->config->events_socket = norm;
        return 0;
}

/* How a key's value is read: by a function of its own, or as one of the shared kinds of value,
 * into the Config field at offset, with the limits and the words of its diagnostics. */
typedef enum KeyKind {
        KEY_PARSER,   /* parse() */
        KEY_COUNT,    /* an unsigned from 1 to max; what: "of <what>" in the message (or NULL) */
        KEY_DURATION, /* a uint64_t of µs in [min, max]; what: the values expected; range: as said */
        KEY_BOOL,     /* a bool; def: the empty value's */
} KeyKind;

typedef struct KeySpec {
        const char *section;
        const char *key;
        KeyKind kind;
        int (*parse)(Parser *ps, const char *value);
        size_t offset;
        uint64_t def, min, max;
        const char *what, *range;
} KeySpec;

#define KEY_FN(sec, k, fn) { .section = (sec), .key = (k), .kind = KEY_PARSER, .parse = (fn) }
#define KEY_COUNT_OF(sec, k, field, w, d, mx) \
        { .section = (sec), .key = (k), .kind = KEY_COUNT, .offset = offsetof(Config, field), .def = (d), .min = 1, \
          .max = (mx), .what = (w) }
#define KEY_DURATION_OF(sec, k, field, expected, d, mn, mx, rng) \
        { .section = (sec), .key = (k), .kind = KEY_DURATION, .offset = offsetof(Config, field), .def = (d), \
          .min = (mn), .max = (mx), .what = (expected), .range = (rng) }
#define KEY_BOOL_OF(sec, k, field, d) \
        { .section = (sec), .key = (k), .kind = KEY_BOOL, .offset = offsetof(Config, field), .def = (d) }

static const KeySpec key_table[] = {
        KEY_FN("Watch", "Roots", parse_roots),
        KEY_FN("Watch", "RootlessUsers", parse_rootless_users),
        KEY_FN("Watch", "DockerDataRoot", parse_docker_data_root),
        KEY_DURATION_OF("Exit", "ReapTimeoutSec", reap_timeout_usec, "seconds like '2', '0.5' or '250ms'",
                        CONFIG_DEFAULT_REAP_TIMEOUT_USEC, CONFIG_REAP_TIMEOUT_MIN_USEC, CONFIG_REAP_TIMEOUT_MAX_USEC,
                        "[0.001, 60] seconds"),
        KEY_BOOL_OF("Exit", "KernelProbe", kernel_probe, true),
        KEY_FN("Log", "Target", parse_log_target),
        KEY_FN("Log", "Level", parse_log_level),
        KEY_FN("Log", "JournalQueueSize", parse_journal_queue_size),
        KEY_COUNT_OF("Alert", "CrashLoopCount", crashloop_count, "deaths", CONFIG_DEFAULT_CRASHLOOP_COUNT,
                     CONFIG_CRASHLOOP_COUNT_MAX),
        KEY_DURATION_OF("Alert", "CrashLoopWindowSec", crashloop_window_usec, "seconds like '600', '10min' or '1h'",
                        CONFIG_DEFAULT_CRASHLOOP_WINDOW_USEC, CONFIG_CRASHLOOP_WINDOW_MIN_USEC,
                        CONFIG_CRASHLOOP_WINDOW_MAX_USEC, "[1, 86400] seconds"),
        KEY_FN("Alert", "MetricsTextfile", parse_metrics_textfile),
        KEY_BOOL_OF("Alert", "MetricsPerContainer", metrics_per_container, false),
        KEY_COUNT_OF("Alert", "MetricsPerContainerMax", metrics_names_max, "names", CONFIG_DEFAULT_METRICS_NAMES_MAX,
                     CONFIG_METRICS_NAMES_MAX),
        KEY_FN("Events", "Socket", parse_events_socket),
        KEY_COUNT_OF("Events", "MaxSubscribers", max_subscribers, NULL, CONFIG_DEFAULT_MAX_SUBSCRIBERS,
                     CONFIG_MAX_SUBSCRIBERS_MAX),
        KEY_COUNT_OF("Events", "SubscriberQueueSize", subscriber_queue_size, "events",
                     CONFIG_DEFAULT_SUBSCRIBER_QUEUE_SIZE, CONFIG_SUBSCRIBER_QUEUE_SIZE_MAX),
        KEY_DURATION_OF("Events", "SubscriberTimeoutSec", subscriber_timeout_usec, "seconds like '30' or '1min'",
                        CONFIG_DEFAULT_SUBSCRIBER_TIMEOUT_USEC, CONFIG_SUBSCRIBER_TIMEOUT_MIN_USEC,
                        CONFIG_SUBSCRIBER_TIMEOUT_MAX_USEC, "[1, 3600] seconds"),
};

/* One assignment of a key of the table. */
static int parse_key(Parser *ps, const KeySpec *k, const char *value) {
        void *field = (char *) ps->config + k->offset;
        int b;

        switch (k->kind) {
        case KEY_PARSER:
                return k->parse(ps, value);
        case KEY_COUNT:
                parse_count_setting(ps, value, k->key, k->what, (unsigned) k->def, (unsigned) k->max, field);
                return 0;
        case KEY_DURATION:
                parse_duration_setting(ps, value, k->key, k->what, k->def, k->min, k->max, k->range, field);
                return 0;
        case KEY_BOOL:
                b = parse_yes_no(value, k->def != 0);
                if (b < 0)
                        parser_log(ps, true, "Invalid %s= '%s': expected yes or no.", k->key, value);
                else
                        *(bool *) field = b;
                return 0;
        }
        return -EINVAL;
}

static bool section_is_known(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++)
                if (strcmp(key_table[i].section, name) == 0)
                        return true;
        return false;
}

/* Remove leading and trailing whitespace in place; returns the new start. */
static char *strstrip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = '\0';
        return s;
}

static void parser_section(Parser *ps, char *l, size_t n) {
        char *name;

        if (n < 2 || l[n - 1] != ']') {
                parser_log(ps, true, "Invalid section header '%s'.", l);
                /* Keys up to the next valid header are ignored rather than misattributed. */
                ps->in_section = true;
                ps->known_section = false;
                ps->section[0] = '\0';
                return;
        }
        l[n - 1] = '\0';
        name = l + 1;
        ps->in_section = true;
        ps->known_section = section_is_known(name);
        if (ps->known_section)
                snprintf(ps->section, sizeof(ps->section), "%s", name);
        else {
                ps->section[0] = '\0';
                if (strncmp(name, "X-", 2) != 0)
                        parser_log(ps, false, "Unknown section '%s', ignoring.", name);
        }
}

static int parser_line(Parser *ps, char *raw) {
        char *l = strstrip(raw), *eq, *key, *value;
        size_t n = strlen(l);

        if (n == 0 || l[0] == '#' || l[0] == ';')
                return 0;

        if (l[0] == '[') {
                parser_section(ps, l, n);
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq) {
                parser_log(ps, true, "Missing '=' in '%s'.", l);
                return 0;
        }
        *eq = '\0';
        key = strstrip(l);
        value = strstrip(eq + 1);
        if (*key == '\0') {
                parser_log(ps, true, "Missing key name before '='.");
                return 0;
        }

        if (!ps->in_section) {
                parser_log(ps, false, "Assignment '%s=' outside of any section, ignoring.", key);
                return 0;
        }
        if (!ps->known_section)
                return 0; /* already warned about the section */

        for (size_t i = 0; i < ELEMENTSOF(key_table); i++)
                if (strcmp(key_table[i].section, ps->section) == 0 &&
                    strcmp(key_table[i].key, key) == 0)
                        return parse_key(ps, &key_table[i], value);

        parser_log(ps, false, "Unknown key '%s' in section [%s], ignoring.", key, ps->section);
        return 0;
}

/*
 * Parse one file into ps->config. Returns 0 (syntax and value problems are counted in
 * ps->n_errors), -ENOENT if it does not exist (nothing logged), another -errno on I/O errors
 * (logged), or -ENOMEM.
 */
static int parser_file(Parser *ps, const char *path) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r = 0;

        ps->file = path;
        ps->line = 0;
        ps->in_section = false;
        ps->known_section = false;
        ps->section[0] = '\0';

        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                if (r != -ENOENT)
                        parser_log(ps, true, "Failed to open: %s", strerror(-r));
                return r;
        }

        for (;;) {
                ssize_t k;

                errno = 0;
                k = getline(&buf, &size, f);
                if (k < 0) {
                        if (ferror(f)) {
                                r = errno > 0 ? -errno : -EIO;
                                ps->line = 0;
                                parser_log(ps, true, "Failed to read: %s", strerror(-r));
                                return r;
                        }
                        break;
                }
                ps->line++;
                if (strlen(buf) != (size_t) k) {
                        parser_log(ps, true, "Line contains a NUL byte.");
                        continue;
                }
                r = parser_line(ps, buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dropin_filter(const struct dirent *de) {
        size_t n = strlen(de->d_name);

        return de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

static int dropin_compare(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name); /* lexical, independent of the locale */
}

static int parser_dropins(Parser *ps, const char *path) {
        _cleanup_free_ char *dir = NULL;
        struct dirent **names = NULL;
        int n, r = 0;

        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;

        n = scandir(dir, &names, dropin_filter, dropin_compare);
        if (n < 0) {
                r = -errno;
                if (r == -ENOENT || r == -ENOTDIR)
                        return 0;
                ps->file = dir;
                ps->line = 0;
                parser_log(ps, true, "Failed to list drop-ins: %s", strerror(-r));
                return r;
        }

        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (r < 0)
                        goto next;
                if (asprintf(&p, "%s/%s", dir, names[i]->d_name) < 0) {
                        r = -ENOMEM;
                        goto next;
                }
                /* Follow symlinks; skip directories and the like, and files gone meanwhile. */
                if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
                        goto next;
                r = parser_file(ps, p);
                if (r == -ENOENT)
                        r = 0;
        next:
                free(names[i]);
        }
        free(names);
        return r;
}

int config_load(const char *path, bool allow_missing, FILE *err_log, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        Parser ps = { .err_log = err_log };
        bool is_default;
        int r;

        is_default = !path || strcmp(path, CONFIG_DEFAULT_PATH) == 0;
        if (!path)
                path = CONFIG_DEFAULT_PATH;

        r = config_new_default(&c);
        if (r < 0)
                return r;
        ps.config = c;

        r = parser_file(&ps, path);
        if (r == -ENOENT) {
                if (!is_default && !allow_missing) {
                        ps.line = 0;
                        parser_log(&ps, true, "Configuration file not found.");
                        return r;
                }
        } else if (r < 0)
                return r;

        r = parser_dropins(&ps, path);
        if (r < 0)
                return r;

        if (ps.n_errors > 0)
                return -EINVAL;

        *ret = TAKE_PTR(c);
        return 0;
}

static void dump_usec(FILE *f, uint64_t usec) {
        uint64_t frac = usec % USEC_PER_SEC;
        char digits[8];
        int n;

        if (frac == 0) {
                fprintf(f, "%" PRIu64, usec / USEC_PER_SEC);
                return;
        }
        n = snprintf(digits, sizeof(digits), "%06" PRIu64, frac);
        while (n > 0 && digits[n - 1] == '0')
                digits[--n] = '\0';
        fprintf(f, "%" PRIu64 ".%s", usec / USEC_PER_SEC, digits);
}

void config_dump(const Config *c, FILE *f) {
        const char *s;

        fputs("# Effective configuration of container-watchd (see container-watchd.conf(5)).\n", f);
        fputs("[Watch]\n", f);
        /* The first Roots= replaces the built-in list and later ones append; an empty list is
         * written as a bare "Roots=". */
        if (c->n_roots == 0)
                fputs("Roots=\n", f);
        for (size_t i = 0; i < c->n_roots; i++)
                fprintf(f, "Roots=%s\n", c->roots[i]);
        fputs("RootlessUsers=", f);
        for (size_t i = 0; i < c->n_rootless_users; i++)
                fprintf(f, "%s%s", i > 0 ? " " : "", c->rootless_users[i]);
        fputc('\n', f);
        fprintf(f, "DockerDataRoot=%s\n", c->docker_data_root);

        fputs("\n[Exit]\nReapTimeoutSec=", f);
        dump_usec(f, c->reap_timeout_usec);
        fprintf(f, "\nKernelProbe=%s\n", c->kernel_probe ? "yes" : "no");

        fputs("\n[Log]\n", f);
        s = log_target_to_string(c->log_target);
        fprintf(f, "Target=%s\n", s ? s : "auto");
        s = config_log_level_to_string(c->log_level);
        fprintf(f, "Level=%s\n", s ? s : "info");
        fprintf(f, "JournalQueueSize=%u\n", c->journal_queue_size);

        fprintf(f, "\n[Alert]\nCrashLoopCount=%u\nCrashLoopWindowSec=", c->crashloop_count);
        dump_usec(f, c->crashloop_window_usec);
        fprintf(f, "\nMetricsTextfile=%s\n", c->metrics_textfile ?: "");
        fprintf(f, "MetricsPerContainer=%s\n", c->metrics_per_container ? "yes" : "no");
        fprintf(f, "MetricsPerContainerMax=%u\n", c->metrics_names_max);

        fprintf(f, "\n[Events]\nSocket=%s\nMaxSubscribers=%u\nSubscriberQueueSize=%u\nSubscriberTimeoutSec=",
                c->events_socket, c->max_subscribers, c->subscriber_queue_size);
        dump_usec(f, c->subscriber_timeout_usec);
        fputc('\n', f);
}
