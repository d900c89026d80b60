/* SPDX-License-Identifier: MIT */
/*
 * container-watchctl: the deaths container-watchd recorded in the journal, for people. Verbs list,
 * info and events over sd-journal, found by the daemon's MESSAGE_IDs (catalog-ids.h), with the
 * conventions of systemd's tools (coredumpctl above all): a pager, --no-legend, colours on a
 * terminal only, -o json, journalctl's time specifications, --directory=/--file=.
 * Command line, verbs and output live here; parsing of times, entries, filters, the pager and
 * journal access each have their own file beside this one.
 * Exit status: 0 something matched; 1 nothing matched; 2 bad usage or a failure.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <time.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "catalog-ids.h"
#include "entry.h"
#include "filter.h"
#include "journal-access.h"
#include "live.h"
#include "terminal.h"
#include "timespec.h"
#include "util/cleanup.h"
#include "util/time.h"
#include "util/exit-status.h"
#include "util/strutil.h"

#define EXIT_NOMATCH 1
#define EXIT_ERROR   2

#define LOG_IDENTIFIER "container-watchd"

static bool arg_no_pager = false;
static bool arg_no_legend = false;
static bool arg_json = false;
static bool arg_quiet = false;
static bool arg_utc = false;
static unsigned arg_count = 1;
static const char *arg_directory = NULL;
static char **arg_files = NULL;
static size_t arg_n_files = 0;
static const char *arg_since = NULL, *arg_until = NULL;
static const char *arg_socket = LIVE_SOCKET_DEFAULT;
static Filter arg_filter;

static volatile sig_atomic_t stop_requested = 0;

static void help(void) {
        printf("Usage: %s [OPTIONS] [list|info ID|NAME|POD/CONTAINER|events]\n\n"
               "Show the container deaths container-watchd recorded in the journal.\n\n"
               "Commands:\n"
               "  list                     one line per death (the default)\n"
               "  info ID|NAME|POD/CONTAINER\n"
               "                           everything about its last death(s), and the previous ones\n"
               "  events                   container events since --since, then the live ones\n\n"
               "Options:\n"
               "  -S, --since=TIME         only entries at or after TIME (as journalctl takes it)\n"
               "  -U, --until=TIME         only entries at or before TIME\n"
               "      --name=GLOB          only containers whose name matches\n"
               "      --image=GLOB         only containers whose image matches (tag optional)\n"
               "      --pod=GLOB           only Kubernetes pods that match (POD or NAMESPACE/POD)\n"
               "      --manager=LIST       only these managers (docker,kubernetes,podman,...)\n"
               "      --reason=LIST        only these ends: exited, killed, dumped, unknown, oom, SIGNAL\n"
               "      --event=LIST         events: only these kinds (started, exited, oom, crashloop)\n"
               "  -n, --count=N            info: show the last N deaths in full (default 1)\n"
               "  -o, --output=MODE        short (default) or json\n"
               "      --json               the same as -o json: one JSON object per line\n"
               "      --utc                times in UTC\n"
               "      --no-pager           do not pipe the output into a pager\n"
               "      --no-legend          no column headings and no footer\n"
               "  -q, --quiet              no message when nothing matched\n"
               "  -D, --directory=DIR      read the journal files in DIR\n"
               "      --file=PATH          read this journal file (repeatable)\n"
               "      --socket=PATH        events: the daemon's subscriber socket\n"
               "                           (default " LIVE_SOCKET_DEFAULT ")\n"
               "      --version            print the version and exit\n"
               "  -h, --help               show this help and exit\n\n"
               "See container-watchctl(1).\n",
               program_invocation_short_name);
}

static int parse_uint(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        if (isempty(s) || s[0] == '-')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end || v == 0 || v > 1000000)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_NAME = 0x100,
                ARG_IMAGE,
                ARG_POD,
                ARG_MANAGER,
                ARG_REASON,
                ARG_EVENT,
                ARG_JSON,
                ARG_UTC,
                ARG_NO_PAGER,
                ARG_NO_LEGEND,
                ARG_FILE,
                ARG_SOCKET,
                ARG_VERSION,
        };
        static const struct option options[] = {
                { "since",     required_argument, NULL, 'S'           },
                { "until",     required_argument, NULL, 'U'           },
                { "name",      required_argument, NULL, ARG_NAME      },
                { "image",     required_argument, NULL, ARG_IMAGE     },
                { "pod",       required_argument, NULL, ARG_POD       },
                { "manager",   required_argument, NULL, ARG_MANAGER   },
                { "reason",    required_argument, NULL, ARG_REASON    },
                { "event",     required_argument, NULL, ARG_EVENT     },
                { "count",     required_argument, NULL, 'n'           },
                { "output",    required_argument, NULL, 'o'           },
                { "json",      no_argument,       NULL, ARG_JSON      },
                { "utc",       no_argument,       NULL, ARG_UTC       },
                { "no-pager",  no_argument,       NULL, ARG_NO_PAGER  },
                { "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
                { "quiet",     no_argument,       NULL, 'q'           },
                { "directory", required_argument, NULL, 'D'           },
                { "file",      required_argument, NULL, ARG_FILE      },
                { "socket",    required_argument, NULL, ARG_SOCKET    },
                { "version",   no_argument,       NULL, ARG_VERSION   },
                { "help",      no_argument,       NULL, 'h'           },
                {}
        };
        uint64_t now = now_realtime_usec();
        const char *what;
        int c, r;

        arg_filter = FILTER_INIT;
        while ((c = getopt_long(argc, argv, "S:U:n:o:qD:h", options, NULL)) >= 0)
                switch (c) {
                case 'S':
                        arg_since = optarg;
                        break;
                case 'U':
                        arg_until = optarg;
                        break;
                case ARG_NAME:
                        arg_filter.name = optarg;
                        break;
                case ARG_IMAGE:
                        arg_filter.image = optarg;
                        break;
                case ARG_POD:
                        arg_filter.pod = optarg;
                        break;
                case ARG_MANAGER:
                        arg_filter.manager = optarg;
                        break;
                case ARG_REASON:
                        arg_filter.reason = optarg;
                        break;
                case ARG_EVENT:
                        arg_filter.event = optarg;
                        break;
                case 'n':
                        if (parse_uint(optarg, &arg_count) < 0) {
                                fprintf(stderr, "Invalid --count='%s': expected a number from 1 to 1000000.\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'o':
                        if (streq(optarg, "json"))
                                arg_json = true;
                        else if (streq(optarg, "short"))
                                arg_json = false;
                        else {
                                fprintf(stderr, "Invalid --output='%s': expected short or json.\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_UTC:
                        arg_utc = true;
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_no_legend = true;
                        break;
                case 'q':
                        arg_quiet = true;
                        break;
                case 'D':
                        arg_directory = optarg;
                        break;
                case ARG_FILE: {
                        char **n = realloc(arg_files, (arg_n_files + 2) * sizeof(char *));

                        if (!n)
                                return -ENOMEM;
                        arg_files = n;
                        arg_files[arg_n_files++] = optarg;
                        arg_files[arg_n_files] = NULL;
                        break;
                }
                case ARG_SOCKET:
                        arg_socket = optarg;
                        break;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }

        if (arg_directory && arg_files) {
                fprintf(stderr, "--directory= and --file= cannot be combined.\n");
                return -EINVAL;
        }
        if (arg_since) {
                r = timespec_parse(arg_since, now, &arg_filter.since_usec);
                if (r < 0) {
                        fprintf(stderr, "Invalid --since='%s': not a time (see systemd.time(7)).\n", arg_since);
                        return -EINVAL;
                }
        }
        if (arg_until) {
                r = timespec_parse(arg_until, now, &arg_filter.until_usec);
                if (r < 0) {
                        fprintf(stderr, "Invalid --until='%s': not a time (see systemd.time(7)).\n", arg_until);
                        return -EINVAL;
                }
        }
        r = filter_validate(&arg_filter, &what);
        if (r < 0) {
                if (streq(what, "--reason"))
                        fprintf(stderr, "Invalid --reason='%s': expected a comma-separated list of exited, killed, "
                                "dumped, unknown, oom or signal names.\n", arg_filter.reason);
                else if (streq(what, "--event"))
                        fprintf(stderr, "Invalid --event='%s': expected a comma-separated list of started, exited, "
                                "oom and crashloop.\n", arg_filter.event);
                else
                        fprintf(stderr, "--since= is later than --until=.\n");
                return -EINVAL;
        }
        return 1;
}

/* ---------------------------------------------------------------- journal */

static int open_journal(sd_journal **ret) {
        int r = ctl_journal_open(arg_directory, arg_files, ret);

        if (r == -EACCES || r == -EPERM) {
                fprintf(stderr, JOURNAL_ACCESS_HINT ".\n");
                return r;
        }
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "Failed to open the journal%s%s: %m.\n", arg_directory ? " in " : "",
                        arg_directory ?: "");
                return r;
        }
        return 0;
}

/* Matches for the daemon's container events: deaths only, or every kind. Cheap exact matches for
 * the filters that allow them; filter_match() stays the judge. */
static int add_matches(sd_journal *j, bool deaths_only, bool exact_name) {
        int r;

        r = sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_CONTAINER_EXITED, 0);
        if (r >= 0 && !deaths_only)
                r = sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_CONTAINER_STARTED, 0);
        if (r >= 0 && !deaths_only)
                r = sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_CONTAINER_OOM, 0);
        if (r >= 0 && !deaths_only)
                r = sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_CONTAINER_CRASHLOOP, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=" LOG_IDENTIFIER, 0);
        if (r >= 0 && exact_name && arg_filter.name && !strpbrk(arg_filter.name, "*?[\\")) {
                _cleanup_free_ char *m = NULL;

                if (asprintf(&m, "CONTAINER_NAME=%s", arg_filter.name) < 0)
                        return -ENOMEM;
                r = sd_journal_add_match(j, m, 0);
        }
        return r;
}

/*
 * Nothing matched: say so, unless the reason may be that we could not read the journal. Returns
 * the exit status.
 */
static int nothing_matched(const char *what) {
        unsigned readable, refused;

        if (!arg_files) {
                journal_access_count(arg_directory, &readable, &refused);
                if (refused > 0) {
                        fprintf(stderr, JOURNAL_ACCESS_HINT " (%u of the journal's %u files and directories "
                                "could not be read).\n", refused, refused + readable);
                        return EXIT_ERROR;
                }
        }
        if (!arg_quiet)
                fprintf(stderr, "%s\n", what);
        return EXIT_NOMATCH;
}

static int journal_failed(int r, const char *what) {
        errno = -r;
        fprintf(stderr, "Failed to %s the journal: %m.\n", what);
        return EXIT_ERROR;
}

/* ---------------------------------------------------------------- output */

/* Display width of a UTF-8 string (code points; good enough for names and images). */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

static const char *reason_color(const Entry *e) {
        const char *reason = entry_reason(e);

        if (streq(reason, "killed") || streq(reason, "dumped") || streq(reason, "oom"))
                return ansi_highlight_red();
        if (streq(reason, "unknown") || (streq(reason, "exited") && !streq_ptr(entry_get(e, "EXIT_STATUS"), "0")))
                return ansi_highlight_yellow();
        return "";
}

static int print_json(const Entry *e) {
        _cleanup_free_ char *j = entry_to_json(e);

        if (!j)
                return -ENOMEM;
        printf("%s\n", j);
        return 0;
}

enum { COL_TIME, COL_ID, COL_NAME, COL_IMAGE, COL_REASON, COL_STATUS, COL_LIFETIME, COL_SENDER, _COL_MAX };

static const char *const col_titles[_COL_MAX] = {
        "TIME", "ID", "NAME", "IMAGE/POD", "REASON", "STATUS", "LIFETIME", "SENDER",
};

/* The signal's sender (DESIGN.md §3, SIGNAL_SENDER_*, with the kernel probe) as "COMM[PID]", or "-". */
static char *sender_cell(const Entry *e) {
        const char *comm = entry_get(e, "SIGNAL_SENDER_COMM"), *pid = entry_get(e, "SIGNAL_SENDER_PID");
        _cleanup_free_ char *s = NULL;

        if (!comm && !pid)
                return strdup("-");
        if (asprintf(&s, "%s[%s]", comm ?: "?", pid ?: "?") < 0)
                return NULL;
        return cescape(s);
}

/* The cells of one death, escaped for the terminal. Returns 0 or -ENOMEM. */
static int row_cells(const Entry *e, char *cells[_COL_MAX]) {
        char ts[64], st[32], lt[64], ip[512];
        uint64_t life;
        const char *id = entry_get(e, "CONTAINER_ID"), *v;

        timestamp_format(ts, sizeof(ts), e->realtime_usec, arg_utc);
        v = entry_image_or_pod(e, ip, sizeof(ip));
        if (entry_lifetime(e, &life))
                format_timespan_short(lt, sizeof(lt), life);
        else
                (void) snprintf(lt, sizeof(lt), "-");
        cells[COL_TIME] = strdup(ts);
        cells[COL_ID] = cescape(id ?: "-");
        cells[COL_NAME] = cescape(entry_get(e, "CONTAINER_NAME") ?: "-");
        cells[COL_IMAGE] = cescape(v ?: "-");
        cells[COL_REASON] = strdup(entry_reason(e));
        cells[COL_STATUS] = cescape(entry_status(e, st, sizeof(st)));
        cells[COL_LIFETIME] = strdup(lt);
        cells[COL_SENDER] = sender_cell(e);
        for (size_t i = 0; i < _COL_MAX; i++)
                if (!cells[i])
                        return -ENOMEM;
        return 0;
}

/* A table of deaths with the columns in cols (a -1-terminated list). Returns 0 or -ENOMEM. */
static int print_table(Entry *const *entries, size_t n, const int *cols, const char *indent) {
        size_t width[_COL_MAX] = {};
        char *(*cells)[_COL_MAX];
        int r = 0;

        cells = calloc(n ? n : 1, sizeof(*cells));
        if (!cells)
                return -ENOMEM;
        for (size_t c = 0; cols[c] >= 0; c++)
                width[cols[c]] = arg_no_legend ? 0 : text_width(col_titles[cols[c]]);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = row_cells(entries[i], cells[i]);
                for (size_t c = 0; r >= 0 && cols[c] >= 0; c++) {
                        size_t w = text_width(cells[i][cols[c]]);

                        if (w > width[cols[c]])
                                width[cols[c]] = w;
                }
        }
        if (r >= 0 && !arg_no_legend) {
                printf("%s", indent);
                for (size_t c = 0; cols[c] >= 0; c++) {
                        bool last = cols[c + 1] < 0;
                        const char *t = col_titles[cols[c]];

                        printf("%s%s%*s%s%s", ansi_underline(), t,
                               last ? 0 : (int) (width[cols[c]] - text_width(t)), "",
                               ansi_normal(), last ? "\n" : " ");
                }
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                printf("%s", indent);
                for (size_t c = 0; cols[c] >= 0; c++) {
                        bool last = cols[c + 1] < 0;
                        const char *t = cells[i][cols[c]];
                        const char *on = cols[c] == COL_REASON ? reason_color(entries[i]) : "";

                        printf("%s%s%s%*s%s", on, t, *on ? ansi_normal() : "",
                               last ? 0 : (int) (width[cols[c]] - text_width(t)), "", last ? "\n" : " ");
                }
        }
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < _COL_MAX; c++)
                        free(cells[i][c]);
        free(cells);
        return r;
}

/* Step to the next entry (backwards: the previous one) and read it: 1 and *ret, 0 at the end, or
 * a negative errno from sd-journal. */
static int journal_step(sd_journal *j, bool backwards, Entry **ret) {
        int r = backwards ? sd_journal_previous(j) : sd_journal_next(j);

        if (r <= 0)
                return r;
        r = entry_from_journal(j, ret);
        return r < 0 ? r : 1;
}

typedef struct EntryList {
        Entry **e;
        size_t n, cap;
} EntryList;

static int entry_list_push(EntryList *l, Entry *e) {
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 64;
                Entry **n = realloc(l->e, cap * sizeof(Entry *));

                if (!n)
                        return -ENOMEM;
                l->e = n;
                l->cap = cap;
        }
        l->e[l->n++] = e;
        return 0;
}

static void entry_list_done(EntryList *l) {
        for (size_t i = 0; i < l->n; i++)
                entry_free(l->e[i]);
        free(l->e);
        *l = (EntryList) {};
}

/* ---------------------------------------------------------------- list */

static int verb_list(void) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        EntryList l = {};
        static const int cols[] = { COL_TIME, COL_ID, COL_NAME, COL_IMAGE, COL_REASON, COL_STATUS, COL_LIFETIME,
                                    COL_SENDER, -1 };
        size_t shown = 0;
        int r;

        if (open_journal(&j) < 0)
                return EXIT_ERROR;
        r = add_matches(j, /* deaths_only= */ true, /* exact_name= */ true);
        if (r < 0)
                return journal_failed(r, "filter");
        r = arg_filter.since_usec > 0 ? sd_journal_seek_realtime_usec(j, arg_filter.since_usec) : sd_journal_seek_head(j);
        if (r < 0)
                return journal_failed(r, "seek in");

        if (!arg_json)
                (void) pager_open(arg_no_pager);
        for (;;) {
                _cleanup_(entry_freep) Entry *e = NULL;

                r = journal_step(j, /* backwards= */ false, &e);
                if (r < 0) {
                        entry_list_done(&l);
                        return journal_failed(r, "read");
                }
                if (r == 0)
                        break;
                if (!filter_match(&arg_filter, e))
                        continue;
                shown++;
                if (arg_json)
                        r = print_json(e);
                else {
                        r = entry_list_push(&l, e);
                        if (r >= 0)
                                e = NULL; /* the list owns it */
                }
                if (r < 0) {
                        entry_list_done(&l);
                        fprintf(stderr, "Out of memory.\n");
                        return EXIT_ERROR;
                }
        }
        if (shown == 0) {
                pager_close();
                entry_list_done(&l);
                return nothing_matched("No container deaths found.");
        }
        if (!arg_json) {
                r = print_table(l.e, l.n, cols, "");
                if (r >= 0 && !arg_no_legend)
                        printf("\n%zu death%s listed.\n", l.n, l.n == 1 ? "" : "s");
        }
        entry_list_done(&l);
        pager_close();
        if (r < 0) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_ERROR;
        }
        return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- info */

static void info_line(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_line(const char *label, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL, *esc = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        esc = cescape(v);
        printf("%16s: %s\n", label, esc ?: "");
}

static void print_info(const Entry *e, uint64_t now) {
        static const char *const shown[] = {
                "CONTAINER_ID", "CONTAINER_ID_FULL", "CONTAINER_NAME", "CONTAINER_EVENT", "EXIT_CODE",
                "EXIT_STATUS", "EXIT_SIGNAL", "EXIT_STATUS_SOURCE", "EXIT_OBSERVED", "OOM_KILLED",
                "CONTAINER_STARTED_USEC", "CONTAINER_LIFETIME_USEC", "IMAGE_NAME", "K8S_POD_NAME",
                "K8S_POD_NAMESPACE", "K8S_POD_UID", "K8S_CONTAINER_NAME", "K8S_CONTAINER_TYPE",
                "CONTAINER_MANAGER", "CONTAINER_RUNTIME", "CONTAINER_NAMESPACE", "CONTAINER_PID",
                "CONTAINER_STATE_DIR", "MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER",
        };
        const char *name = entry_get(e, "CONTAINER_NAME"), *v, *sig = entry_get(e, "EXIT_SIGNAL");
        const char *src = entry_get(e, "EXIT_STATUS_SOURCE"), *obs = entry_get(e, "EXIT_OBSERVED");
        char ts[64], span[64], st[32];
        uint64_t u;

        if (name)
                info_line("Container", "%s (%s)", entry_get(e, "CONTAINER_ID") ?: "-", name);
        else
                info_line("Container", "%s", entry_get(e, "CONTAINER_ID") ?: "-");
        if ((v = entry_get(e, "CONTAINER_ID_FULL")))
                info_line("Container ID", "%s", v);
        timestamp_format(ts, sizeof(ts), e->realtime_usec, arg_utc);
        if (now > e->realtime_usec)
                info_line("Time", "%s (%s ago)", ts, format_timespan_short(span, sizeof(span), now - e->realtime_usec));
        else
                info_line("Time", "%s", ts);
        printf("%16s: %s%s%s\n", "Reason", reason_color(e), entry_reason(e), *reason_color(e) ? ansi_normal() : "");
        entry_status(e, st, sizeof(st));
        if (sig && !streq(st, sig))
                info_line("Status", "%s (%s)%s%s%s%s", st, sig, src ? ", from " : "", src ?: "",
                          obs ? ", observed " : "", obs ?: "");
        else if (sig && (v = entry_get(e, "EXIT_STATUS")))
                info_line("Status", "%s (%s)%s%s%s%s", v, sig, src ? ", from " : "", src ?: "",
                          obs ? ", observed " : "", obs ?: "");
        else
                info_line("Status", "%s%s%s%s%s", st, src ? ", from " : "", src ?: "", obs ? ", observed " : "",
                          obs ?: "");
        if ((v = entry_get(e, "OOM_KILLED")))
                info_line("OOM killed", "%s", streq(v, "1") ? "yes" : "no");
        if (entry_get_u64(e, "CONTAINER_STARTED_USEC", &u))
                info_line("Started", "%s", timestamp_format(ts, sizeof(ts), u, arg_utc));
        if (entry_lifetime(e, &u))
                info_line("Lifetime", "%s", format_timespan_short(span, sizeof(span), u));
        if ((v = entry_get(e, "IMAGE_NAME")))
                info_line("Image", "%s", v);
        if ((v = entry_get(e, "K8S_POD_NAME"))) {
                const char *ns = entry_get(e, "K8S_POD_NAMESPACE"), *uid = entry_get(e, "K8S_POD_UID");

                info_line("Pod", "%s%s%s%s%s%s", ns ?: "", ns ? "/" : "", v, uid ? " (uid " : "", uid ?: "",
                          uid ? ")" : "");
        }
        if ((v = entry_get(e, "K8S_CONTAINER_NAME")) || entry_get(e, "K8S_CONTAINER_TYPE")) {
                const char *type = entry_get(e, "K8S_CONTAINER_TYPE");

                info_line("Pod container", "%s%s%s%s", v ?: "-", type ? " (" : "", type ?: "", type ? ")" : "");
        }
        if ((v = entry_get(e, "CONTAINER_MANAGER")))
                info_line("Manager", "%s", v);
        if ((v = entry_get(e, "CONTAINER_RUNTIME")))
                info_line("Runtime", "%s", v);
        if ((v = entry_get(e, "CONTAINER_NAMESPACE")))
                info_line("Namespace", "%s", v);
        if ((v = entry_get(e, "CONTAINER_PID")))
                info_line("PID", "%s", v);
        if ((v = entry_get(e, "CONTAINER_STATE_DIR")))
                info_line("State directory", "%s", v);
        /* fields this version does not know by name (newer daemons add some) */
        for (size_t i = 0; i < e->n_fields; i++) {
                bool known = false;

                for (size_t k = 0; k < ELEMENTSOF(shown) && !known; k++)
                        known = streq(e->fields[i].key, shown[k]);
                if (!known)
                        info_line(e->fields[i].key, "%s", e->fields[i].value);
        }
        if ((v = entry_get(e, "MESSAGE")))
                info_line("Message", "%s", v);
}

static int verb_info(const char *ident) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        EntryList l = {};
        static const int cols[] = { COL_TIME, COL_ID, COL_REASON, COL_STATUS, COL_LIFETIME, COL_SENDER, -1 };
        uint64_t now = now_realtime_usec();
        int r;

        if (open_journal(&j) < 0)
                return EXIT_ERROR;
        r = add_matches(j, /* deaths_only= */ true, /* exact_name= */ true);
        if (r < 0)
                return journal_failed(r, "filter");
        r = arg_filter.until_usec != UINT64_MAX ? sd_journal_seek_realtime_usec(j, arg_filter.until_usec + 1)
                                                : sd_journal_seek_tail(j);
        if (r < 0)
                return journal_failed(r, "seek in");

        /* Newest first: the first that ident names is the last death; then every earlier death of
         * the same container. */
        for (;;) {
                _cleanup_(entry_freep) Entry *e = NULL;

                r = journal_step(j, /* backwards= */ true, &e);
                if (r < 0) {
                        entry_list_done(&l);
                        return journal_failed(r, "read");
                }
                if (r == 0)
                        break;
                if (e->realtime_usec < arg_filter.since_usec)
                        break;
                if (!filter_match(&arg_filter, e))
                        continue;
                if (l.n == 0 ? !entry_match_ident(e, ident) : !entry_same_container(l.e[0], e))
                        continue;
                r = entry_list_push(&l, e);
                if (r < 0) {
                        entry_list_done(&l);
                        fprintf(stderr, "Out of memory.\n");
                        return EXIT_ERROR;
                }
                e = NULL;
        }
        if (l.n == 0) {
                _cleanup_free_ char *esc = cescape(ident), *msg = NULL;

                if (asprintf(&msg, "No death of a container '%s' found.", esc ?: "") < 0)
                        msg = NULL;
                return nothing_matched(msg ?: "No container deaths found.");
        }

        if (!arg_json)
                (void) pager_open(arg_no_pager);
        for (size_t i = 0; i < l.n && i < arg_count; i++) {
                if (arg_json) {
                        r = print_json(l.e[i]);
                        if (r < 0)
                                break;
                        continue;
                }
                if (i > 0)
                        printf("\n");
                print_info(l.e[i], now);
        }
        if (!arg_json && r >= 0 && l.n > arg_count) {
                size_t rest = l.n - arg_count;
                const char *name = entry_get(l.e[0], "CONTAINER_NAME");
                _cleanup_free_ char *esc = cescape(name ?: entry_get(l.e[0], "CONTAINER_ID") ?: "");

                printf("\n%16s: %zu earlier death%s of '%s'\n", "Previous", rest, rest == 1 ? "" : "s", esc ?: "");
                r = print_table(l.e + arg_count, rest, cols, "                  ");
        }
        entry_list_done(&l);
        pager_close();
        if (r < 0) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_ERROR;
        }
        return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- events */

static void on_stop_signal(int sig) {
        (void) sig;
        stop_requested = 1;
}

static int print_event(const Entry *e) {
        _cleanup_free_ char *msg = NULL;
        char ts[64];
        const char *on;

        if (arg_json)
                return print_json(e);
        msg = cescape(entry_get(e, "MESSAGE") ?: "");
        if (!msg)
                return -ENOMEM;
        on = streq_ptr(entry_get(e, "CONTAINER_EVENT"), "started") ? "" : reason_color(e);
        printf("%s %s%s%s\n", timestamp_format_us(ts, sizeof(ts), e->realtime_usec, arg_utc), on, msg,
               *on ? ansi_normal() : "");
        return 0;
}

/*
 * Wait for the journal to change, or for SIGINT/SIGTERM. The signals are blocked except inside
 * ppoll(), so that one arriving between the check of stop_requested and the wait is not lost
 * (sd_journal_wait() cannot do that). Returns 0, or a negative errno.
 */
static int wait_journal(sd_journal *j, int fd, const sigset_t *unblocked) {
        struct pollfd pfd = { .fd = fd };
        struct timespec ts, *tsp = NULL;
        uint64_t timeout;
        int r;

        r = sd_journal_get_events(j);
        if (r < 0)
                return r;
        pfd.events = (short) r;
        r = sd_journal_get_timeout(j, &timeout);
        if (r < 0)
                return r;
        if (timeout != UINT64_MAX) {
                struct timespec now;
                uint64_t n;

                (void) clock_gettime(CLOCK_MONOTONIC, &now);
                n = (uint64_t) now.tv_sec * USEC_PER_SEC + (uint64_t) now.tv_nsec / NSEC_PER_USEC;
                timeout = timeout > n ? timeout - n : 0;
                ts = (struct timespec) { .tv_sec = (time_t) (timeout / USEC_PER_SEC),
                                         .tv_nsec = (long) (timeout % USEC_PER_SEC * NSEC_PER_USEC) };
                tsp = &ts;
        }
        if (stop_requested)
                return 0;
        if (ppoll(&pfd, 1, tsp, unblocked) < 0 && errno != EINTR)
                return -errno;
        r = sd_journal_process(j);
        return r < 0 ? r : 0;
}

/*
 * Following with the daemon's subscriber socket (DESIGN.md §2, §3 "Event sequence"): the journal's
 * entries of this boot and the socket's events are joined by EVENT_SEQ. last is the last number
 * handled (printed or filtered out); the journal is read forward from where the last fill stopped,
 * and an entry at or past the number asked for is left for the live stream.
 */
typedef struct Follow {
        sd_journal *j;
        int jfd;
        sd_id128_t boot;
        uint64_t last;
        Entry *pending;             /* read from the journal, at or past the number asked for */
        uint64_t pending_seq;
        uint64_t followed;          /* EVENT_SEQ_FIRST of the run followed (0: no hello yet) */
        uint64_t dense_from;        /* numbers from it on are one run's: a skipped one is lost (0: none) */
        bool done;                  /* past --until */
        const sigset_t *unblocked;
} Follow;

#define MISSING_UNSURE ": lost, or never used (the daemon did not stop cleanly, or has no record of the run before)"

/* how long a fill waits for entries that journald has not written yet */
#define FILL_TIMEOUT_USEC (5 * USEC_PER_SEC)
#define FILL_POLL_USEC (20 * USEC_PER_MSEC)

/* Print e if the filters take it; past --until, stop. Returns 0, or -ENOMEM/-EIO. */
static int follow_print(Follow *f, const Entry *e) {
        if (e->realtime_usec > arg_filter.until_usec) {
                f->done = true;
                return 0;
        }
        if (!filter_match(&arg_filter, e))
                return 0;
        if (print_event(e) < 0)
                return -ENOMEM;
        return ferror(stdout) ? -EIO : 0;
}

/* The EVENT_SEQ of the journal's current entry e when it is of this boot. */
static bool follow_entry_seq(Follow *f, const Entry *e, uint64_t *ret) {
        sd_id128_t boot;
        uint64_t usec;

        if (sd_journal_get_monotonic_usec(f->j, &usec, &boot) < 0 || !sd_id128_equal(boot, f->boot))
                return false;
        return entry_get_u64(e, "EVENT_SEQ", ret);
}

/* Say that the numbers from to upto - 1 of this boot did not come from the journal. */
static void follow_missing(uint64_t from, uint64_t upto, LiveMissing missing) {
        if (!arg_quiet)
                fprintf(stderr, "Events %" PRIu64 " to %" PRIu64 " of this boot are not in the journal%s; going on.\n",
                        from, upto - 1, missing == LIVE_MISSING_UNSURE ? MISSING_UNSURE : "");
}

/* Read the journal forward, printing every entry before number upto; stop before one at or past
 * it (the socket brings that one). journald stores in order: a number it skipped within one run
 * (from dense_from on) does not come any more, and is said. Returns 0 or a negative errno. */
static int follow_journal(Follow *f, uint64_t upto) {
        int r;

        while (!f->done) {
                _cleanup_(entry_freep) Entry *e = NULL;
                uint64_t seq;
                bool numbered;

                if (f->pending) {
                        /* stepping back is not an option: at the first entry it does not move */
                        if (f->pending_seq >= upto)
                                return 0;
                        e = TAKE_PTR(f->pending);
                        seq = f->pending_seq;
                        numbered = true;
                } else {
                        r = journal_step(f->j, /* backwards= */ false, &e);
                        if (r <= 0)
                                return r;
                        numbered = follow_entry_seq(f, e, &seq);
                        if (numbered && seq >= upto) {
                                f->pending = TAKE_PTR(e);
                                f->pending_seq = seq;
                                return 0;
                        }
                }
                if (numbered) {
                        if (seq <= f->last)
                                continue;  /* had it */
                        if (seq > f->last + 1 && f->dense_from > 0 && f->last + 1 >= f->dense_from)
                                follow_missing(f->last + 1, seq, LIVE_MISSING_LOST);
                        f->last = seq;
                }
                r = follow_print(f, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Wait for the journal fd (or a signal) for at most usec. */
static void follow_wait_journal(Follow *f, uint64_t usec) {
        struct pollfd pfd = { .fd = f->jfd, .events = POLLIN };
        struct timespec ts = { .tv_sec = (time_t) (usec / USEC_PER_SEC),
                               .tv_nsec = (long) (usec % USEC_PER_SEC * NSEC_PER_USEC) };

        if (stop_requested)
                return;
        (void) ppoll(&pfd, 1, &ts, f->unblocked);
        (void) sd_journal_process(f->j);
}

/*
 * Everything of this boot before number upto, from the journal: what it holds now, then, while
 * some are missing, what journald writes within FILL_TIMEOUT_USEC (the daemon wrote them before
 * the socket's next message, but journald may not have stored them yet). Numbers that do not come
 * are said once, as missing says: lost (a crash of the daemon between numbering and sending, a
 * journal that lost them), or lost or never used. journald stores what it is sent in order, so
 * once the journal holds an entry at or past upto (pending), none before it is still coming.
 */
static int follow_fill(Follow *f, uint64_t upto, LiveMissing missing) {
        uint64_t deadline = now_monotonic_usec() + FILL_TIMEOUT_USEC;
        int r;

        for (;;) {
                uint64_t now;

                r = follow_journal(f, upto);
                if (r < 0)
                        return r;
                if (f->done || f->last + 1 >= upto || stop_requested)
                        return 0;
                now = now_monotonic_usec();
                if (now >= deadline || f->pending) {
                        follow_missing(f->last + 1, upto, missing);
                        f->last = upto - 1;
                        return 0;
                }
                follow_wait_journal(f, deadline - now < FILL_POLL_USEC ? deadline - now : FILL_POLL_USEC);
        }
}

/*
 * A hello: this run of the daemon numbered its events from first, and the socket brings those from
 * next on. Below first, live_seam() says what to wait for: the numbers the run before used (or
 * may have), as far as the hello names it; the rest there was never used. Then everything from
 * first to next.
 */
static int follow_hello(Follow *f, const LiveMessage *hello) {
        LiveSeam seam;
        int r;

        live_seam(hello, f->followed, f->last, &seam);
        f->dense_from = seam.dense_from;
        if (seam.take_upto > f->last + 1) {
                r = follow_journal(f, seam.take_upto);
                if (r < 0)
                        return r;
                if (f->last + 1 < seam.take_upto)
                        f->last = seam.take_upto - 1;
        }
        if (seam.wait_upto > f->last + 1) {
                r = follow_fill(f, seam.wait_upto, seam.missing);
                if (r < 0)
                        return r;
        }
        if (f->last + 1 < seam.unused_upto)
                f->last = seam.unused_upto - 1;
        if (hello->first > 0)
                f->followed = hello->first;
        f->dense_from = hello->first;
        return follow_fill(f, hello->value, LIVE_MISSING_LOST);
}

/* Say why the socket cannot be used. Returns the exit status. */
static int live_failed(int r) {
        errno = -r;
        if (r == -EACCES || r == -EPERM)
                fprintf(stderr, "No access to '%s': add yourself to the systemd-journal group.\n", arg_socket);
        else if (r == -ENOENT || r == -ECONNREFUSED)
                fprintf(stderr, "No subscriber socket at '%s': is container-watchd running? (%m)\n", arg_socket);
        else
                fprintf(stderr, "Failed to connect to '%s': %m.\n", arg_socket);
        return EXIT_ERROR;
}

/* Wait until fd is readable or a signal comes; timeout_usec UINT64_MAX: no timeout. */
static int wait_fd(int fd, uint64_t timeout_usec, const sigset_t *unblocked) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        struct timespec ts = { .tv_sec = (time_t) (timeout_usec / USEC_PER_SEC),
                               .tv_nsec = (long) (timeout_usec % USEC_PER_SEC * NSEC_PER_USEC) };

        if (stop_requested)
                return 0;
        if (ppoll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0, timeout_usec == UINT64_MAX ? NULL : &ts, unblocked) < 0 &&
            errno != EINTR)
                return -errno;
        return 0;
}

/* The live part: the socket's messages, joined with the journal by EVENT_SEQ; reconnects when
 * the daemon goes away. Returns the exit status. */
static int follow_live(Follow *f, int fd) {
        _cleanup_close_ int sock = fd;
        int r;

        while (!stop_requested && !f->done) {
                LiveMessage msg;

                if (sock < 0) {
                        /* the daemon is gone: connect again as soon as a new one listens */
                        r = wait_fd(-1, 100 * USEC_PER_MSEC, f->unblocked);
                        if (r < 0)
                                return EXIT_ERROR;
                        sock = live_connect(arg_socket);
                        if (sock == -EACCES || sock == -EPERM)
                                return live_failed(sock);
                        continue;
                }
                r = live_receive(sock, &msg);
                if (r == -EAGAIN) {
                        r = wait_fd(sock, UINT64_MAX, f->unblocked);
                        if (r < 0)
                                return EXIT_ERROR;
                        continue;
                }
                if (r == 0 || r == -ECONNRESET) {
                        sock = safe_close(sock);
                        continue;
                }
                if (r < 0) {
                        errno = -r;
                        fprintf(stderr, "Failed to read '%s': %m.\n", arg_socket);
                        return EXIT_ERROR;
                }
                switch (msg.kind) {
                case LIVE_HELLO:      /* everything before it is the journal's */
                        r = follow_hello(f, &msg);
                        break;
                case LIVE_GAP:        /* we were too slow: the journal has what we missed */
                        r = follow_fill(f, f->last + msg.value + 1, LIVE_MISSING_LOST);
                        break;
                case LIVE_EVENT:
                        r = 0;
                        if (msg.value > 0 && msg.value <= f->last)
                                break;  /* had it from the journal */
                        if (msg.value > f->last + 1)
                                r = follow_fill(f, msg.value, LIVE_MISSING_LOST);
                        if (msg.value > 0)
                                f->last = msg.value;
                        if (r >= 0)
                                r = follow_print(f, msg.entry);
                        break;
                default:
                        r = 0;
                }
                entry_free(msg.entry);
                if (r < 0) {
                        errno = -r;
                        fprintf(stderr, "Failed to follow the events: %m.\n");
                        return EXIT_ERROR;
                }
        }
        return EXIT_SUCCESS;
}

/* Where a --since history of this boot starts: the number of this boot's last entry before
 * --since (0: none); the journal is left at --since. */
static uint64_t follow_base(Follow *f) {
        _cleanup_(entry_freep) Entry *e = NULL;
        uint64_t seq = 0;

        /* after a seek, stepping back may land on the entry the seek found: only one before
         * --since counts; then the same seek again */
        if (journal_step(f->j, /* backwards= */ true, &e) > 0 &&
            (e->realtime_usec >= arg_filter.since_usec || !follow_entry_seq(f, e, &seq)))
                seq = 0;
        (void) sd_journal_seek_realtime_usec(f->j, arg_filter.since_usec);
        return seq;
}

/* events with --file=: only the journal, followed (no daemon is behind a file). */
static int follow_journal_only(sd_journal *j, int jfd, const sigset_t *unblocked) {
        int r;

        while (!stop_requested) {
                _cleanup_(entry_freep) Entry *e = NULL;

                r = journal_step(j, /* backwards= */ false, &e);
                if (r < 0)
                        return journal_failed(r, "read");
                if (r == 0) {
                        r = wait_journal(j, jfd, unblocked);
                        if (r < 0)
                                return journal_failed(r, "wait for");
                        continue;
                }
                if (e->realtime_usec > arg_filter.until_usec)
                        break;
                if (!filter_match(&arg_filter, e))
                        continue;
                if (print_event(e) < 0) {
                        fprintf(stderr, "Out of memory.\n");
                        return EXIT_ERROR;
                }
                if (ferror(stdout))
                        return EXIT_ERROR;
        }
        return EXIT_SUCCESS;
}

static int verb_events(void) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_close_ int sock = -1;
        struct sigaction sa = { .sa_handler = on_stop_signal };
        sigset_t block, unblocked;
        unsigned readable, refused;
        bool live = !arg_files;
        Follow f;
        LiveMessage first = { .kind = LIVE_OTHER };
        int r, fd;

        /* The handler only sets stop_requested; the signals wake ppoll(). */
        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        (void) sigprocmask(SIG_BLOCK, &block, &unblocked);
        sigdelset(&unblocked, SIGINT);
        sigdelset(&unblocked, SIGTERM);
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (open_journal(&j) < 0)
                return EXIT_ERROR;
        if (!arg_files) {
                /* following a journal we cannot read would wait for ever: say so now */
                journal_access_count(arg_directory, &readable, &refused);
                if (refused > 0 && readable == 0) {
                        fprintf(stderr, JOURNAL_ACCESS_HINT ".\n");
                        return EXIT_ERROR;
                }
        }
        /* The socket before the first entry is read: whatever is emitted from now on comes
         * through it, and the journal holds everything before. */
        if (live) {
                sock = live_connect(arg_socket);
                if (sock < 0)
                        return live_failed(sock);
        }
        fd = sd_journal_get_fd(j);
        if (fd < 0)
                return journal_failed(fd, "watch");
        /* with the socket, every event of this boot must be seen to follow the numbers: no
         * journal match that drops some (filter_match() judges) */
        r = add_matches(j, /* deaths_only= */ false, /* exact_name= */ !live);
        if (r < 0)
                return journal_failed(r, "filter");
        if (arg_filter.since_usec > 0)
                r = sd_journal_seek_realtime_usec(j, arg_filter.since_usec);
        else {
                /* only what comes from now on */
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);
        }
        if (r < 0)
                return journal_failed(r, "seek in");
        if (!live)
                return follow_journal_only(j, fd, &unblocked);

        f = (Follow) { .j = j, .jfd = fd, .unblocked = &unblocked };
        r = sd_id128_get_boot(&f.boot);
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "Failed to read this boot's id: %m.\n");
                return EXIT_ERROR;
        }
        /* The hello says where the live stream starts (a daemon before EVENT_SEQ sends none: its
         * first event then comes through follow_live, unjoined). */
        for (;;) {
                r = wait_fd(sock, 10 * USEC_PER_SEC, &unblocked);
                if (r < 0 || stop_requested)
                        return r < 0 ? EXIT_ERROR : EXIT_SUCCESS;
                r = live_receive(sock, &first);
                if (r != -EAGAIN)
                        break;
        }
        if (r <= 0) {
                fprintf(stderr, "The daemon closed '%s' at once (too many subscribers?).\n", arg_socket);
                return EXIT_ERROR;
        }
        if (first.kind == LIVE_HELLO) {
                if (arg_filter.since_usec > 0) {
                        f.last = follow_base(&f);
                        r = follow_hello(&f, &first);
                } else {
                        f.last = first.value > 0 ? first.value - 1 : 0;
                        f.followed = f.dense_from = first.first;
                }
        } else {
                if (arg_filter.since_usec > 0)
                        r = follow_journal(&f, UINT64_MAX);
                if (first.kind == LIVE_EVENT && r >= 0)
                        r = follow_print(&f, first.entry);
                entry_free(first.entry);
        }
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "Failed to read the journal: %m.\n");
                entry_free(f.pending);
                return EXIT_ERROR;
        }
        r = follow_live(&f, TAKE_FD(sock));
        entry_free(f.pending);
        return r;
}

int main(int argc, char *argv[]) {
        const char *verb;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0) {
                free(arg_files);
                return r < 0 ? EXIT_ERROR : EXIT_SUCCESS;
        }
        verb = optind < argc ? argv[optind] : "list";
        if (streq(verb, "list") && optind + 1 >= argc)
                r = verb_list();
        else if (streq(verb, "info") && optind + 2 == argc)
                r = verb_info(argv[optind + 1]);
        else if (streq(verb, "events") && optind + 1 >= argc)
                r = verb_events();
        else if (streq(verb, "info")) {
                fprintf(stderr, "info takes one argument: ID, NAME or POD/CONTAINER. See --help.\n");
                r = EXIT_ERROR;
        } else if (streq(verb, "list") || streq(verb, "events")) {
                fprintf(stderr, "%s takes no arguments (filters are options). See --help.\n", verb);
                r = EXIT_ERROR;
        } else {
                fprintf(stderr, "Unknown command '%s'. See --help.\n", verb);
                r = EXIT_ERROR;
        }
        free(arg_files);
        return r;
}
