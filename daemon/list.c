/* SPDX-License-Identifier: MIT */
/*
 * The --list front end (see list.h).
 */
#include <stdio.h>
#include <time.h>

#include "events.h"
#include "journal.h"
#include "list.h"
#include "metadata.h"
#include "ownership.h"
#include "pidwatch.h"
#include "statedir.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"

typedef struct ListCtx {
        const Config *config;
        bool json;
        unsigned n;
} ListCtx;

static void list_on_found(const StateDirEntry *e, void *userdata) {
        ListCtx *ctx = userdata;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        Meta meta = {};
        ContainerIdentity id;
        bool alive;
        char sid[13], started[64] = "-";

        if (statefile_read(e->dirfd, e->path, e->runtime, &s) < 0)
                return;
        /* alive = the pid is there, not a zombie, with the start time the state file names */
        alive = pid_is_alive(s->pid, s->start_ticks) > 0;
        if (metadata_collect(e->id, e->ns, e->dir, s, ctx->config->docker_data_root, &meta) < 0)
                return;
        id = (ContainerIdentity) {
                .id = e->id, .ns = e->ns, .state_dir = e->path, .runtime = e->runtime, .pid = s->pid,
                .created_usec = s->created_usec, .meta = &meta,
        };
        if (state_dir_owner(e->dir, e->dirfd, &id.owner) < 0)
                id.owner = 0;
        if (ctx->json) {
                Event ev;

                event_build_listed(&ev, &id, alive);
                event_print_json(&ev, /* header= */ false);
                event_clear(&ev);
        } else {
                _cleanup_free_ char *name = cescape(meta.name ?: "-");

                if (s->created_usec > 0) {
                        time_t t = (time_t) (s->created_usec / USEC_PER_SEC);
                        struct tm tm;

                        strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
                }
                if (ctx->n == 0)
                        printf("%-12s  %-24s  %-10s  %8s  %-5s  %s\n", "ID", "NAME", "MANAGER", "PID", "ALIVE",
                               "STARTED");
                printf("%-12s  %-24s  %-10s  %8d  %-5s  %s\n", event_short_id(e->id, sid), name ?: "?",
                       meta.manager, (int) s->pid, alive ? "yes" : "no", started);
        }
        ctx->n++;
        meta_done(&meta);
}

int list_run(const Config *config, bool json) {
        ListCtx ctx = { .config = config, .json = json };
        _cleanup_(strv_freep) char **roots = NULL;
        int r;

        r = config_all_roots(config, stderr, &roots);
        if (r < 0)
                return r;
        r = statedir_scan_once(roots, list_on_found, &ctx);
        if (r < 0)
                return r;
        if (!json && ctx.n == 0)
                printf("No containers found.\n");
        (void) fflush(stdout);
        return 0;
}
