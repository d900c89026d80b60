/* SPDX-License-Identifier: MIT */
/*
 * container-watchd: command line, configuration, then the manager's loop. Nothing else.
 * Exit status: 0 clean stop; 1 bad usage or configuration; 2 a runtime failure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "log.h"
#include "list.h"
#include "manager.h"
#include "metadata.h"
#include "notify.h"
#include "ownership.h"
#include "privileges.h"
#include "probe.h"
#include "util/cleanup.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2

static const char *arg_config = NULL;
static char **arg_roots = NULL;
static size_t arg_n_roots = 0;
static int arg_log_target = -1;
static bool arg_json = false;
static bool arg_list = false;
static bool arg_check_config = false;

static void help(void) {
        printf("Usage: %s [OPTIONS]\n\n"
               "Watch container runtimes' state directories and log every container's start and exit\n"
               "to the systemd journal.\n\n"
               "  -c, --config=FILE        configuration file (default " CONFIG_DEFAULT_PATH ",\n"
               "                           plus FILE.d/*.conf drop-ins)\n"
               "  -r, --root=DIR           a state root to watch (repeatable; replaces the configured roots)\n"
               "      --log-target=TARGET  auto, journal or console\n"
               "      --json               also print every container event to stdout as one JSON object per line\n"
               "      --list               scan the roots once, print the containers found, exit\n"
               "      --check-config       parse the configuration, print the effective settings, exit\n"
               "      --version            print the version and exit\n"
               "  -h, --help               show this help and exit\n\n"
               "See container-watchd(8) and container-watchd.conf(5).\n",
               program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_LOG_TARGET = 0x100,
                ARG_JSON,
                ARG_LIST,
                ARG_CHECK_CONFIG,
                ARG_VERSION,
        };
        static const struct option options[] = {
                { "config",       required_argument, NULL, 'c'              },
                { "root",         required_argument, NULL, 'r'              },
                { "log-target",   required_argument, NULL, ARG_LOG_TARGET   },
                { "json",         no_argument,       NULL, ARG_JSON         },
                { "list",         no_argument,       NULL, ARG_LIST         },
                { "check-config", no_argument,       NULL, ARG_CHECK_CONFIG },
                { "version",      no_argument,       NULL, ARG_VERSION      },
                { "help",         no_argument,       NULL, 'h'              },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:r:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'r': {
                        char **n = realloc(arg_roots, (arg_n_roots + 2) * sizeof(char *));

                        if (!n)
                                return -ENOMEM;
                        arg_roots = n;
                        arg_roots[arg_n_roots++] = optarg;
                        arg_roots[arg_n_roots] = NULL;
                        break;
                }
                case ARG_LOG_TARGET:
                        arg_log_target = log_target_from_string(optarg);
                        if (arg_log_target < 0) {
                                fprintf(stderr, "Invalid --log-target='%s': expected auto, journal or console.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_LIST:
                        arg_list = true;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
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
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument '%s'. See --help.\n", argv[optind]);
                return -EINVAL;
        }
        for (size_t i = 0; i < arg_n_roots; i++)
                if (arg_roots[i][0] != '/') {
                        fprintf(stderr, "Invalid --root='%s': an absolute path is needed.\n", arg_roots[i]);
                        return -EINVAL;
                }
        return 1;
}

/* systemd.exec(5): programs that do not use select() should raise the soft limit themselves. The
 * inotify library does use select(), but on an fd allocated before this (statedir_new). */
static void raise_nofile_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_debug_errno(errno, "Failed to raise RLIMIT_NOFILE: %m");
}

int main(int argc, char *argv[]) {
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions opts;
        const char *path;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0) {
                free(arg_roots);
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        }

        log_stream_nonblocking();
        /* Until the configuration says otherwise, diagnostics go to stderr. */
        log_setup(/* journal= */ false, LOG_INFO);

        path = arg_config ?: CONFIG_DEFAULT_PATH;
        r = config_load(path, /* allow_missing= */ !arg_config, stderr, &config);
        if (r < 0) {
                fprintf(stderr, "Invalid configuration in '%s'.\n", path);
                free(arg_roots);
                return EXIT_USAGE;
        }
        if (arg_roots) {
                r = config_set_roots(config, arg_roots, arg_n_roots);
                if (r < 0) {
                        if (r == -EINVAL)
                                fprintf(stderr, "Invalid --root: an absolute path without '.' or '..' "
                                                "components is needed, with '*' only as a whole last component.\n");
                        free(arg_roots);
                        return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
                }
        }

        if (arg_check_config) {
                const char *why = NULL;

                config_dump(config, stdout);
                /* A comment, so that the output still loads as a configuration (issue 13). */
                if (!config->kernel_probe)
                        printf("# Kernel probe: disabled (KernelProbe=no).\n");
                else if (probe_check(&why) < 0)
                        printf("# Kernel probe: not available: %s.\n", why);
                else
                        printf("# Kernel probe: available; loaded at start (CAP_BPF and CAP_PERFMON needed then).\n");
                free(arg_roots);
                return EXIT_SUCCESS;
        }
        if (arg_list) {
                r = list_run(config, arg_json);
                metadata_cache_clear();
                ownership_cache_clear();
                free(arg_roots);
                return r < 0 ? EXIT_RUNTIME : EXIT_SUCCESS;
        }

        opts = (ManagerOptions) {
                .config_path = path,
                .config_allow_missing = !arg_config,
                .cmdline_roots = arg_roots,
                .json = arg_json,
                .log_target_override = arg_log_target,
        };
        r = manager_new(&opts, TAKE_PTR(config), &m);
        if (r >= 0) {
                int k;

                raise_nofile_limit();
                /* Before manager_start(): its start-up scan is the first parse of files that others
                 * write (state files, Docker's config.v2.json); nothing before it needs more than
                 * the two kept capabilities (privileges.h). */
                k = privileges_drop();
                if (k < 0)
                        log_warning_errno(k, "Failed to drop capabilities, continuing with them: %m");
                r = manager_start(m);
        }
        if (r < 0)
                notify_errno(r, "Failed to start"); /* the service manager gets ERRNO= */
        else
                r = manager_run(m);
        m = manager_free(m);
        metadata_cache_clear();
        ownership_cache_clear();
        free(arg_roots);
        return r < 0 ? EXIT_RUNTIME : EXIT_SUCCESS;
}
