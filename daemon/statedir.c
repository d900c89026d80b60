/* SPDX-License-Identifier: MIT */
/*
 * State-root discovery over libinotifytools (see statedir.h).
 *
 * How the library is driven (FACTS.md §2, R2): initialised first, its fd found through /proc/self/fd
 * and put into sd-event; on readiness drained one event at a time with next_events(0, 1) until it
 * returns NULL (buffered events do not make the fd readable); no recursive watches; the watch on a
 * container directory is removed as soon as its state file has been seen, while the directory still
 * exists (the library never processes IN_IGNORED, so a watch on a vanished directory would leak);
 * IN_Q_OVERFLOW (wd -1) means "rescan everything".
 *
 * The library cannot tell us the wd of a watch it adds (inotifytools_wd_from_filename returns a
 * stale wd once a directory of the same name was deleted and re-created, FACTS.md 2.8): after
 * inotifytools_watch_file() we ask the kernel with inotify_add_watch() on the library's own fd and
 * the same mask, which returns the existing wd of that inode and changes nothing.
 */
#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotify.h>
#include <inotifytools/inotifytools.h>
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "log.h"
#include "ownership.h"
#include "statedir.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"
#include "util/tree.h"

/* Directories that hold containers, namespaces, or lie on the way to a root that does not exist. */
#define MASK_DIR (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | \
                  IN_ONLYDIR | IN_DONT_FOLLOW)
/* A new container directory, until its state file is renamed into place (runc: MOVED_TO state.json,
 * crun: MOVED_TO status) or written in place (CLOSE_WRITE, other writers). */
#define MASK_CONTAINER (IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW)

typedef enum WatchKind {
        WATCH_PARENT,     /* an ancestor of a root that does not exist yet */
        WATCH_ROOT,       /* a directory of container directories */
        WATCH_NSBASE,     /* the DIR of a "DIR/ *" root: each subdirectory is a namespace root */
        WATCH_CONTAINER,  /* a container directory waiting for its state file */
} WatchKind;

typedef struct Root {
        char *pattern;    /* as configured */
        char *base;       /* pattern without a trailing "/ *" */
        char *ns;         /* namespace of a plain root (".../runtime-runc/<ns>"), else NULL */
        bool wildcard;
        bool watched;     /* base exists and is watched */
        bool warned_not_dir;
        bool warned_alias;
        bool keep;        /* mark for statedir_set_roots */
        dev_t dev;        /* of base, while watched: two roots that are one directory are one root */
        ino_t ino;
} Root;

typedef struct Watch {
        int wd;
        dev_t dev;        /* the watched inode: the library must never be asked to watch it twice */
        ino_t ino;
        WatchKind kind;
        Root *root;       /* NULL for WATCH_PARENT */
        char *path;
        char *ns;         /* WATCH_ROOT/WATCH_CONTAINER: the namespace, or NULL */
        char *id;         /* WATCH_CONTAINER */
        struct Watch *inode_next; /* the next in its bucket of StateDir.by_inode */
} Watch;

struct StateDir {
        sd_event *event;
        sd_event_source *io;
        int fd;
        const StateDirOps *ops;
        void *userdata;
        Root **roots;
        size_t n_roots;
        void *watches;    /* tsearch tree of Watch* by wd */
        Watch **by_inode; /* the same watches hashed by (dev, ino), chained through inode_next */
        size_t n_by_inode_buckets, n_by_inode;
        bool rescan_pending;
        bool in_rescan;
        sd_event_source *retry;   /* armed only while a watch could not be added */
        bool watch_failing;       /* a watch failed during this pass */
        bool warned_watch_limit;
};

/* How soon a rescan retries watches that could not be added (out of inotify watches, memory). */
#define WATCH_RETRY_USEC (1 * USEC_PER_SEC)

static int watch_cmp(const void *a, const void *b) {
        const Watch *x = a, *y = b;

        return (x->wd > y->wd) - (x->wd < y->wd);
}

static Watch *watch_find(StateDir *sd, int wd) {
        Watch key = { .wd = wd };
        void **p = tfind(&key, &sd->watches, watch_cmp);

        return p ? *(Watch **) p : NULL;
}

/* The watches by inode: watch_add() looks every new directory up here, and a walk of every watch
 * made start-up with N pending directories O(N²) (8,000: 0.70 s; issue 17). */
static size_t inode_bucket(const StateDir *sd, dev_t dev, ino_t ino) {
        uint64_t h = ((uint64_t) ino ^ ((uint64_t) dev << 32 | (uint64_t) dev >> 32)) * UINT64_C(0x9e3779b97f4a7c15);

        return (size_t) (h >> 32) & (sd->n_by_inode_buckets - 1);
}

static int inode_table_add(StateDir *sd, Watch *w) {
        if (sd->n_by_inode >= sd->n_by_inode_buckets) {
                /* grow (a power of two) and rehash; when that fails, longer chains still work */
                size_t n = sd->n_by_inode_buckets ? sd->n_by_inode_buckets * 2 : 64;
                Watch **b = calloc(n, sizeof(Watch *));

                if (b) {
                        Watch **old = sd->by_inode;
                        size_t n_old = sd->n_by_inode_buckets;

                        sd->by_inode = b;
                        sd->n_by_inode_buckets = n;
                        for (size_t i = 0; i < n_old; i++)
                                for (Watch *x = old[i], *next; x; x = next) {
                                        size_t k = inode_bucket(sd, x->dev, x->ino);

                                        next = x->inode_next;
                                        x->inode_next = b[k];
                                        b[k] = x;
                                }
                        free(old);
                } else if (sd->n_by_inode_buckets == 0)
                        return -ENOMEM;
        }
        {
                size_t k = inode_bucket(sd, w->dev, w->ino);

                w->inode_next = sd->by_inode[k];
                sd->by_inode[k] = w;
        }
        sd->n_by_inode++;
        return 0;
}

static void inode_table_remove(StateDir *sd, Watch *w) {
        if (sd->n_by_inode_buckets == 0)
                return;
        for (Watch **p = &sd->by_inode[inode_bucket(sd, w->dev, w->ino)]; *p; p = &(*p)->inode_next)
                if (*p == w) {
                        *p = w->inode_next;
                        w->inode_next = NULL;
                        sd->n_by_inode--;
                        return;
                }
}

/* The watch of this inode (of the lowest wd, should there ever be two), or NULL. */
static Watch *inode_table_find(const StateDir *sd, dev_t dev, ino_t ino) {
        Watch *found = NULL;

        if (sd->n_by_inode_buckets == 0)
                return NULL;
        for (Watch *w = sd->by_inode[inode_bucket(sd, dev, ino)]; w; w = w->inode_next)
                if (w->dev == dev && w->ino == ino && (!found || w->wd < found->wd))
                        found = w;
        return found;
}

static void watch_free(Watch *w) {
        if (!w)
                return;
        free(w->path);
        free(w->ns);
        free(w->id);
        free(w);
}

/* Forget our record of a watch (the kernel's watch is handled by the caller). */
static void watch_forget(StateDir *sd, Watch *w) {
        inode_table_remove(sd, w);
        (void) tdelete(w, &sd->watches, watch_cmp);
        watch_free(w);
}

/* Remove the kernel watch (the directory must still exist for the library to drop its record)
 * and forget ours. */
static void watch_remove(StateDir *sd, Watch *w) {
        (void) inotifytools_remove_watch_by_wd(w->wd);
        watch_forget(sd, w);
}

/*
 * Add a watch through the library and record it. Returns 0 and *ret (the Watch), or -errno.
 * An inode we watch already is never passed to the library again: it would allocate a second record
 * for the same wd and lose the first (a leak per call). Its record is reused, re-purposed when the
 * kind differs.
 */
static int watch_add(StateDir *sd, const char *path, uint32_t mask, WatchKind kind, Root *root,
                     const char *ns, const char *id, Watch **ret) {
        struct stat st;
        Watch *w;
        int wd;

        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        w = inode_table_find(sd, st.st_dev, st.st_ino);
        if (w && w->kind == kind && w->root == root && streq(w->path, path)) {
                *ret = w;
                return 0;
        }
        if (w) {
                char *np = strdup(path), *nns = ns ? strdup(ns) : NULL, *nid = id ? strdup(id) : NULL;
                int r = 0;

                if (!np || (ns && !nns) || (id && !nid))
                        r = -ENOMEM;
                /* the same inode with another purpose: make the kernel's mask the new one too */
                else if (inotify_add_watch(sd->fd, path, mask) < 0)
                        r = -errno;
                if (r < 0) {
                        free(np);
                        free(nns);
                        free(nid);
                        return r;
                }
                free(w->path);
                free(w->ns);
                free(w->id);
                *w = (Watch) { .wd = w->wd, .dev = w->dev, .ino = w->ino, .kind = kind, .root = root,
                               .path = np, .ns = nns, .id = nid, .inode_next = w->inode_next };
                *ret = w;
                return 0;
        }

        if (!inotifytools_watch_file(path, (int) mask)) {
                int error = inotifytools_error();

                return error > 0 ? -error : -EIO;
        }
        wd = inotify_add_watch(sd->fd, path, mask);
        if (wd < 0)
                return -errno;

        w = calloc(1, sizeof(*w));
        if (!w)
                goto oom;
        *w = (Watch) { .wd = wd, .dev = st.st_dev, .ino = st.st_ino, .kind = kind, .root = root };
        w->path = strdup(path);
        w->ns = ns ? strdup(ns) : NULL;
        w->id = id ? strdup(id) : NULL;
        if (!w->path || (ns && !w->ns) || (id && !w->id) || !tsearch(w, &sd->watches, watch_cmp))
                goto oom;
        if (inode_table_add(sd, w) < 0) {
                (void) tdelete(w, &sd->watches, watch_cmp);
                goto oom;
        }
        *ret = w;
        return 0;
oom:
        watch_free(w);
        (void) inotifytools_remove_watch_by_wd(wd);
        return -ENOMEM;
}

/* Every watch matching a predicate, taken out of the tree so that it can change meanwhile. */
static PtrArray watch_collect(StateDir *sd, bool (*match)(const void *w, const void *arg), const void *arg) {
        return tree_collect(sd->watches, match, arg);
}

static bool match_root(const void *w, const void *arg) {
        return ((const Watch *) w)->root == arg;
}

static bool match_parent(const void *w, const void *arg) {
        (void) arg;
        return ((const Watch *) w)->kind == WATCH_PARENT;
}

static bool match_container_path(const void *item, const void *arg) {
        const Watch *w = item;

        return w->kind == WATCH_CONTAINER && streq(w->path, arg);
}

static int statedir_on_retry(sd_event_source *s, uint64_t usec, void *userdata);

/*
 * A watch could not be added (ENOSPC: fs.inotify.max_user_watches reached; ENOMEM): what it would
 * have shown is found by a rescan, retried every WATCH_RETRY_USEC until the watches fit again.
 * Said once per episode.
 */
static void watch_failed(StateDir *sd, int error, const char *path) {
        int r;

        error = abs(error);
        sd->watch_failing = true;
        if (!sd->warned_watch_limit) {
                if (error == ENOSPC)
                        log_id(LOG_ERR, MESSAGE_ID_RESOURCE_LIMIT,
                               "Cannot watch '%s': the inotify watch limit (fs.inotify.max_user_watches) is "
                               "reached; rescanning every second until watches can be added again.", path);
                else
                        log_id_errno(LOG_ERR, error, MESSAGE_ID_RESOURCE_LIMIT,
                                     "Cannot watch '%s', rescanning every second until it works: %m", path);
                sd->warned_watch_limit = true;
        }
        if (sd->retry) {
                r = sd_event_source_set_time_relative(sd->retry, WATCH_RETRY_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(sd->retry, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time_relative(sd->event, &sd->retry, CLOCK_MONOTONIC, WATCH_RETRY_USEC,
                                               10 * USEC_PER_MSEC, statedir_on_retry, sd);
                if (r >= 0)
                        (void) sd_event_source_set_description(sd->retry, "watch-retry");
        }
        if (r < 0)
                log_error_errno(r, "Failed to arm the watch retry timer: %m");
}

static void emit_found(StateDir *sd, Root *root, const char *dir, const char *ns, const char *id,
                       int dirfd, Runtime runtime) {
        _cleanup_free_ char *path = path_join(dir, id);
        StateDirEntry e = {
                .root = root->pattern, .dir = dir, .ns = ns, .id = id, .path = path,
                .dirfd = dirfd, .runtime = runtime,
        };

        if (!path) {
                log_error("Out of memory.");
                return;
        }
        sd->ops->on_found(&e, sd->userdata);
}

/*
 * A directory appeared in (or was found in) a root: a container. If its state file is there, report
 * it; otherwise watch the directory until it is, then look once more (the state file may have been
 * renamed into place before the watch existed, FACTS.md 2.9).
 */
static void container_dir_seen(StateDir *sd, Root *root, const char *dir, int dir_fd, const char *ns,
                               const char *id) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int dirfd = -1;
        Runtime rt;
        Watch *w = NULL;
        int r;

        if (!container_id_is_valid(id)) {
                /* log_internal() escapes control characters in every message */
                log_warning("Ignoring directory '%s' in '%s': not a valid container id.", id, dir);
                return;
        }
        path = path_join(dir, id);
        if (!path)
                return (void) log_error("Out of memory.");
        /* relative to the scanned directory when there is one: one lookup, not the whole path's */
        dirfd = dir_fd >= 0 ? openat(dir_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                            : open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0) {
                if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                        log_warning_errno(errno, "Failed to open container directory '%s', ignoring: %m", path);
                return;
        }
        rt = statefile_detect(dirfd);
        if (rt >= 0)
                return emit_found(sd, root, dir, ns, id, dirfd, rt);

        r = watch_add(sd, path, MASK_CONTAINER, WATCH_CONTAINER, root, ns, id, &w);
        if (r < 0) {
                if (r != -ENOENT && r != -ENOTDIR)
                        watch_failed(sd, r, path);
                return;
        }
        assert(w); /* watch_add() returns one with 0 */
        rt = statefile_detect(dirfd);
        if (rt >= 0) {
                watch_remove(sd, w);
                emit_found(sd, root, dir, ns, id, dirfd, rt);
        }
}

static void container_dir_gone(StateDir *sd, Root *root, const char *dir, const char *ns, const char *id,
                               bool deleted) {
        _cleanup_free_ char *path = path_join(dir, id);
        PtrArray l;
        StateDirEntry e;

        if (!path)
                return;
        /* A directory moved away keeps its watch: remove it. A deleted one lost it already: forget
         * our record only (asking the library would fail and print to stderr, FACTS.md 2.8; the
         * IN_IGNORED that follows finds no record). */
        l = watch_collect(sd, match_container_path, path);
        for (size_t i = 0; i < l.n; i++)
                if (deleted)
                        watch_forget(sd, l.items[i]);
                else
                        watch_remove(sd, l.items[i]);
        ptr_array_done(&l);

        e = (StateDirEntry) { .root = root->pattern, .dir = dir, .ns = ns, .id = id, .path = path,
                              .dirfd = -1, .runtime = _RUNTIME_INVALID };
        if (sd->ops->on_removed)
                sd->ops->on_removed(&e, sd->userdata);
}

/* Every subdirectory of path, passed to fn with the descriptor path is read through. */
static int scan_subdirs(const char *path,
                        void (*fn)(StateDir *sd, Root *root, const char *dir, int dir_fd, const char *name),
                        StateDir *sd, Root *root) {
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
                        continue;
                if (de->d_type == DT_UNKNOWN) {
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                                continue;
                } else if (de->d_type != DT_DIR)
                        continue;
                fn(sd, root, path, dirfd(d), de->d_name);
        }
        return -errno;
}

static void scan_container_cb(StateDir *sd, Root *root, const char *dir, int dir_fd, const char *name);

/* Watch a directory of containers, then scan it (in this order: nothing created in between is
 * missed; duplicates are the manager's to drop). */
static int root_dir_watch_and_scan(StateDir *sd, Root *root, const char *dir, const char *ns) {
        Watch *w = NULL;
        int r;

        r = watch_add(sd, dir, MASK_DIR, WATCH_ROOT, root, ns, NULL, &w);
        if (r < 0)
                return r;
        r = scan_subdirs(dir, scan_container_cb, sd, root);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to scan '%s': %m", dir);
        return 0;
}

static void scan_container_cb(StateDir *sd, Root *root, const char *dir, int dir_fd, const char *name) {
        const char *ns = root->ns;

        /* inside a namespace directory of a wildcard root, the namespace is that directory's name */
        if (root->wildcard)
                ns = path_basename(dir);
        container_dir_seen(sd, root, dir, dir_fd, ns, name);
}

static void scan_ns_cb(StateDir *sd, Root *root, const char *dir, int dir_fd, const char *name) {
        _cleanup_free_ char *p = path_join(dir, name);
        int r;

        (void) dir_fd; /* watched and scanned by path */
        if (!p)
                return;
        r = root_dir_watch_and_scan(sd, root, p, name);
        if (r < 0 && r != -ENOENT && r != -ENOTDIR)
                watch_failed(sd, r, p);
}

/* A watched root other than this one that is the same directory (by device and inode), or NULL. */
static Root *root_alias_of(StateDir *sd, const Root *root, dev_t dev, ino_t ino) {
        for (size_t i = 0; i < sd->n_roots; i++) {
                Root *o = sd->roots[i];

                if (o != root && o->watched && o->wildcard == root->wildcard && o->dev == dev && o->ino == ino)
                        return o;
        }
        return NULL;
}

/* The root's base exists (a directory at dev/ino): watch and scan it. Returns 0, 1 when another
 * root is this very directory (it is watched once, under the other's name), or -errno. */
static int root_attach(StateDir *sd, Root *root, dev_t dev, ino_t ino) {
        Root *alias = root_alias_of(sd, root, dev, ino);
        Watch *w = NULL;
        int r;

        if (alias) {
                if (!root->warned_alias)
                        log_warning("State root '%s' is the same directory as '%s', watched once as '%s'.",
                                    root->pattern, alias->pattern, alias->pattern);
                root->warned_alias = true;
                return 1;
        }
        root->warned_alias = false;
        root->dev = dev;
        root->ino = ino;
        if (!root->wildcard) {
                r = root_dir_watch_and_scan(sd, root, root->base, root->ns);
                if (r < 0)
                        return r;
        } else {
                r = watch_add(sd, root->base, MASK_DIR, WATCH_NSBASE, root, NULL, NULL, &w);
                if (r < 0)
                        return r;
                r = scan_subdirs(root->base, scan_ns_cb, sd, root);
                if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "Failed to scan '%s': %m", root->base);
        }
        /* said once the watch is in place: a root that could not be watched is not announced */
        if (!sd->in_rescan)
                log_id(LOG_INFO, MESSAGE_ID_ROOT_CHANGED, "Watching state root '%s'.", root->pattern);
        root->watched = true;
        root->warned_not_dir = false;
        if (sd->ops->on_roots_changed)
                sd->ops->on_roots_changed(sd->userdata);
        return 0;
}

/* Stop watching everything of this root. */
static void root_detach(StateDir *sd, Root *root) {
        PtrArray l = watch_collect(sd, match_root, root);

        for (size_t i = 0; i < l.n; i++)
                watch_remove(sd, l.items[i]);
        ptr_array_done(&l);
        root->watched = false;
}

/*
 * Bring every root up to date: attach those whose base exists now; for the others watch the nearest
 * existing parent (re-checking after the watch is in place, so a directory created in between is not
 * missed); drop parent watches nobody needs any more.
 */
static void roots_resolve(StateDir *sd) {
        char **needed = calloc(sd->n_roots + 1, sizeof(char *));
        size_t n_needed = 0;
        PtrArray l;

        if (!needed)
                return (void) log_error("Out of memory.");

        for (size_t i = 0; i < sd->n_roots; i++) {
                Root *root = sd->roots[i];

                for (int attempt = 0; !root->watched && attempt < 64; attempt++) {
                        PathWalk pw = {}, now = {};
                        Watch *w = NULL;
                        int r;

                        /* What is there, judged without following a link at the root or one a
                         * user controls (path_walk(); watch_add() never follows a link either). */
                        r = path_walk(root->base, &pw);
                        if (r < 0) {
                                log_warning_errno(r, "Failed to look up state root '%s': %m", root->base);
                                break;
                        }
                        if (pw.kind > 0) {
                                free(pw.deepest);
                                r = root_attach(sd, root, pw.dev, pw.ino);
                                if (r >= 0)
                                        break;
                                if (r != -ENOENT && r != -ENOTDIR) {
                                        watch_failed(sd, r, root->base);
                                        break;
                                }
                                continue; /* replaced meanwhile */
                        }
                        if (pw.kind == 0 && !root->warned_not_dir) {
                                log_warning("State root '%s' is %s, waiting for a directory there.", root->base,
                                            pw.what);
                                root->warned_not_dir = true;
                        }

                        /* Watch the deepest directory reached (for a non-directory: its parent). */
                        r = watch_add(sd, pw.deepest, MASK_DIR, WATCH_PARENT, NULL, NULL, NULL, &w);
                        if (r < 0) {
                                if (r != -ENOENT && r != -ENOTDIR)
                                        watch_failed(sd, r, pw.deepest);
                                free(pw.deepest);
                                if (r == -ENOENT || r == -ENOTDIR)
                                        continue;
                                break;
                        }
                        /* Still the same? Then nothing was created in between. */
                        if (path_walk(root->base, &now) >= 0) {
                                bool same = now.kind <= 0 && streq(now.deepest, pw.deepest);

                                free(now.deepest);
                                if (same) {
                                        needed[n_needed++] = pw.deepest;
                                        break;
                                }
                        }
                        free(pw.deepest);
                }
        }

        /* Parent watches no pending root needs any more. */
        l = watch_collect(sd, match_parent, NULL);
        for (size_t i = 0; i < l.n; i++) {
                bool keep = false;

                for (size_t j = 0; j < n_needed && !keep; j++)
                        keep = streq(((Watch *) l.items[i])->path, needed[j]);
                if (!keep)
                        watch_remove(sd, l.items[i]);
        }
        ptr_array_done(&l);
        for (size_t j = 0; j < n_needed; j++)
                free(needed[j]);
        free(needed);
}

static void statedir_handle_event(StateDir *sd, const struct inotify_event *ev, const char *name) {
        Watch *w;
        bool isdir = ev->mask & IN_ISDIR;

        if (ev->wd < 0 || (ev->mask & IN_Q_OVERFLOW)) {
                sd->rescan_pending = true;
                return;
        }
        w = watch_find(sd, ev->wd);
        if (!w)
                return; /* a watch we removed (its IN_IGNORED), or the library's stale record */

        if (ev->mask & IN_IGNORED) {
                /* The kernel dropped the watch: its directory is gone (or unmounted). */
                WatchKind kind = w->kind;
                Root *root = w->root;
                bool was_base = root && (kind == WATCH_NSBASE || (kind == WATCH_ROOT && !root->wildcard));

                watch_forget(sd, w);
                if (was_base) {
                        root_detach(sd, root);
                        log_id(LOG_NOTICE, MESSAGE_ID_ROOT_CHANGED,
                               "State root '%s' disappeared, waiting for it to come back.", root->pattern);
                        if (sd->ops->on_roots_changed)
                                sd->ops->on_roots_changed(sd->userdata);
                }
                if (was_base || kind == WATCH_PARENT)
                        roots_resolve(sd);
                return;
        }
        if (ev->mask & IN_MOVE_SELF) {
                /* Renamed away: what we watch is no longer at its path. Drop it (IN_IGNORED follows). */
                (void) inotifytools_remove_watch_by_wd(w->wd);
                return;
        }

        switch (w->kind) {
        case WATCH_PARENT:
                if (isdir && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                        roots_resolve(sd);
                break;

        case WATCH_NSBASE:
                if (isdir && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                        scan_ns_cb(sd, w->root, w->path, -1, name);
                break;

        case WATCH_ROOT:
                if (!isdir || !*name)
                        break;
                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                        container_dir_seen(sd, w->root, w->path, -1, w->ns, name);
                else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                        _cleanup_free_ char *dir = strdup(w->path), *ns = w->ns ? strdup(w->ns) : NULL;

                        if (dir)
                                container_dir_gone(sd, w->root, dir, ns, name, ev->mask & IN_DELETE);
                }
                break;

        case WATCH_CONTAINER:
                if (statefile_runtime_of(name) >= 0 && (ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE))) {
                        /* Copy what we need: removing the watch frees w. */
                        _cleanup_free_ char *path = strdup(w->path), *ns = w->ns ? strdup(w->ns) : NULL,
                                            *id = strdup(w->id), *dir = NULL;
                        _cleanup_close_ int dirfd = -1;
                        Root *root = w->root;
                        Runtime rt;

                        if (!path || !id || (w->ns && !ns))
                                return (void) log_error("Out of memory.");
                        dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        watch_remove(sd, w);
                        if (dirfd < 0)
                                return;
                        rt = statefile_detect(dirfd);
                        if (rt < 0)
                                return;
                        dir = strndup(path, strlen(path) - strlen(id) - 1);
                        if (dir)
                                emit_found(sd, root, dir, ns, id, dirfd, rt);
                        return;
                }
                break;
        }
}

static int statedir_on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        StateDir *sd = userdata;

        (void) s;
        (void) usec;
        return statedir_rescan(sd);
}

int statedir_rescan(StateDir *sd) {
        if (sd->in_rescan)
                return 0;
        sd->in_rescan = true;
        sd->watch_failing = false;
        if (sd->ops->on_rescan_begin)
                sd->ops->on_rescan_begin(sd->userdata);
        /* Re-attaching re-adds the watches and rescans; roots_resolve() looks at each root anew (it
         * may have vanished or changed meanwhile) and attaches them in their configured order. */
        for (size_t i = 0; i < sd->n_roots; i++)
                if (sd->roots[i]->watched)
                        root_detach(sd, sd->roots[i]);
        roots_resolve(sd);
        if (sd->ops->on_rescan_end)
                sd->ops->on_rescan_end(sd->userdata);
        sd->in_rescan = false;
        if (!sd->watch_failing && sd->warned_watch_limit) {
                log_id(LOG_NOTICE, MESSAGE_ID_RESOURCE_LIMIT, "Every state directory is watched again.");
                sd->warned_watch_limit = false;
        }
        return 0;
}

static int statedir_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        StateDir *sd = userdata;
        struct inotify_event *ev;

        (void) s;
        (void) fd;
        (void) revents;
        /* next_events(0, 1): 0 = do not block, 1 = never the FIONREAD busy loop (FACTS.md 2.4). It
         * serves buffered events without a syscall, so drain until NULL. */
        while ((ev = inotifytools_next_events(0, 1))) {
                char name[NAME_MAX + 1] = "";

                /* the event lives in the library's static buffer: copy the name first */
                if (ev->len > 0)
                        snprintf(name, sizeof(name), "%s", ev->name);
                statedir_handle_event(sd, ev, name);
        }
        if (inotifytools_error() != 0 && inotifytools_error() != EINTR && inotifytools_error() != EAGAIN)
                log_warning_errno(inotifytools_error(), "Reading inotify events failed: %m");

        if (sd->rescan_pending) {
                sd->rescan_pending = false;
                log_id(LOG_WARNING, MESSAGE_ID_RESCAN,
                       "The inotify event queue overflowed, rescanning all state roots.");
                (void) statedir_rescan(sd);
        }
        return 0;
}

static bool fd_is_inotify(int fd) {
        _cleanup_free_ char *target = fd_get_path(fd);

        return target && streq(target, "anon_inode:inotify");
}

/*
 * The library keeps its inotify fd to itself (FACTS.md 2.1): find the inotify fds that are open now
 * and not in before[] (NULL: none). Marks all found ones in mark[] when non-NULL. Returns the one new
 * fd, -ENOENT when there is none, -ENOTUNIQ when there are several.
 */
static int scan_inotify_fds(const bool *before, bool *mark, size_t n) {
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int found = -1;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                fd = (int) strtol(de->d_name, NULL, 10);
                if (fd == dirfd(d) || !fd_is_inotify(fd))
                        continue;
                if ((size_t) fd < n && mark)
                        mark[fd] = true;
                if (before && (size_t) fd < n && before[fd])
                        continue;
                if (found >= 0)
                        return -ENOTUNIQ;
                found = fd;
        }
        return found >= 0 ? found : -ENOENT;
}

int statedir_new(sd_event *e, const StateDirOps *ops, void *userdata, StateDir **ret) {
        _cleanup_(statedir_freep) StateDir *sd = NULL;
        static bool initialised = false;
        bool before[1024] = {};
        int r;

        /* The library is process-global and must never be cleaned up and initialised again
         * (FACTS.md 2.3): one StateDir per process. */
        if (initialised)
                return -EBUSY;

        sd = calloc(1, sizeof(*sd));
        if (!sd)
                return -ENOMEM;
        sd->event = sd_event_ref(e);
        sd->ops = ops;
        sd->userdata = userdata;
        sd->fd = -1;

        (void) scan_inotify_fds(NULL, before, ELEMENTSOF(before));
        if (!inotifytools_initialize())
                return -(inotifytools_error() ?: EIO);
        initialised = true;
        r = scan_inotify_fds(before, NULL, ELEMENTSOF(before));
        if (r < 0)
                return r;
        if (r >= FD_SETSIZE)
                return -EMFILE; /* the library's select() would abort (FACTS.md 2.3) */
        sd->fd = r;
        if (fcntl(sd->fd, F_SETFD, FD_CLOEXEC) < 0)
                return -errno;

        r = sd_event_add_io(e, &sd->io, sd->fd, EPOLLIN, statedir_on_io, sd);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(sd->io, "inotify");
        *ret = TAKE_PTR(sd);
        return 0;
}

static Root *root_free(Root *r) {
        if (!r)
                return NULL;
        free(r->pattern);
        free(r->base);
        free(r->ns);
        free(r);
        return NULL;
}

static Root *root_new(const char *pattern) {
        Root *r = calloc(1, sizeof(*r));
        size_t l;

        if (!r)
                return NULL;
        r->pattern = strdup(pattern);
        if (!r->pattern)
                return root_free(r);
        l = strlen(pattern);
        while (l > 1 && pattern[l - 1] == '/')
                l--;
        if (l >= 2 && pattern[l - 1] == '*' && pattern[l - 2] == '/') {
                r->wildcard = true;
                l -= 2;
                if (l == 0)
                        l = 1;
        }
        r->base = strndup(pattern, l);
        if (!r->base)
                return root_free(r);
        if (!r->wildcard) {
                /* Docker's layout: <exec-root>/runtime-runc/<namespace>/<id> */
                _cleanup_free_ char *parent = strdup(r->base);
                char *slash = parent ? strrchr(parent, '/') : NULL;

                if (slash && slash != parent) {
                        *slash = 0;
                        if (streq(path_basename(parent), "runtime-runc"))
                                r->ns = strdup(path_basename(r->base));
                }
        }
        return r;
}

int statedir_set_roots(StateDir *sd, char *const *roots) {
        size_t n = 0;
        Root **nr;

        for (char *const *p = roots; p && *p; p++)
                n++;
        for (size_t i = 0; i < sd->n_roots; i++)
                sd->roots[i]->keep = false;

        nr = calloc(n + 1, sizeof(Root *));
        if (!nr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                Root *found = NULL;

                for (size_t j = 0; j < sd->n_roots && !found; j++)
                        if (streq(sd->roots[j]->pattern, roots[i]) && !sd->roots[j]->keep)
                                found = sd->roots[j];
                for (size_t j = 0; j < i && found; j++)
                        if (nr[j] == found)
                                found = NULL;
                if (found)
                        found->keep = true;
                else {
                        bool dup = false;

                        for (size_t j = 0; j < i; j++)
                                dup = dup || (nr[j] && streq(nr[j]->pattern, roots[i]));
                        if (dup)
                                continue;
                        found = root_new(roots[i]);
                        if (!found) {
                                for (size_t j = 0; j < i; j++)
                                        if (nr[j] && !nr[j]->keep)
                                                root_free(nr[j]);
                                free(nr);
                                return -ENOMEM;
                        }
                        found->keep = true;
                        found->watched = false;
                }
                nr[i] = found;
        }
        /* compact (duplicates left holes) */
        {
                size_t k = 0;

                for (size_t i = 0; i < n; i++)
                        if (nr[i])
                                nr[k++] = nr[i];
                n = k;
        }
        for (size_t i = 0; i < sd->n_roots; i++) {
                bool still = false;

                for (size_t j = 0; j < n && !still; j++)
                        still = nr[j] == sd->roots[i];
                if (!still) {
                        root_detach(sd, sd->roots[i]);
                        log_id(LOG_INFO, MESSAGE_ID_ROOT_CHANGED, "No longer watching state root '%s'.",
                               sd->roots[i]->pattern);
                        if (sd->ops->on_roots_changed)
                                sd->ops->on_roots_changed(sd->userdata);
                        root_free(sd->roots[i]);
                }
        }
        free(sd->roots);
        sd->roots = nr;
        sd->n_roots = n;
        roots_resolve(sd);
        return 0;
}

unsigned statedir_n_roots(const StateDir *sd) {
        return (unsigned) sd->n_roots;
}

unsigned statedir_n_roots_watched(const StateDir *sd) {
        unsigned n = 0;

        for (size_t i = 0; i < sd->n_roots; i++)
                n += sd->roots[i]->watched;
        return n;
}

StateDir *statedir_free(StateDir *sd) {
        PtrArray l;

        if (!sd)
                return NULL;
        sd->io = sd_event_source_disable_unref(sd->io);
        sd->retry = sd_event_source_disable_unref(sd->retry);
        l = watch_collect(sd, NULL, NULL);
        for (size_t i = 0; i < l.n; i++)
                watch_remove(sd, l.items[i]);
        ptr_array_done(&l);
        for (size_t i = 0; i < sd->n_roots; i++)
                root_free(sd->roots[i]);
        free(sd->roots);
        free(sd->by_inode);
        /* The library must never be cleaned up and initialised again (FACTS.md 2.3), and
         * statedir_new() refuses a second instance; so at the end of the process its tables can go,
         * with the records of watches on directories that vanished (FACTS.md 2.8), which it never
         * frees by itself. */
        inotifytools_cleanup();
        sd_event_unref(sd->event);
        free(sd);
        return NULL;
}

void statedir_freep(StateDir **sd) {
        statedir_free(*sd);
}

/* --list: a plain walk, no inotify. */
typedef struct OnceCtx {
        void (*on_found)(const StateDirEntry *e, void *userdata);
        void *userdata;
} OnceCtx;

static void scan_once_dir(const char *root_pattern, const char *dir, const char *ns, OnceCtx *ctx) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                _cleanup_close_ int fd = -1;
                Runtime rt;

                if (!container_id_is_valid(de->d_name))
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                rt = statefile_detect(fd);
                if (rt < 0)
                        continue;
                path = path_join(dir, de->d_name);
                if (!path)
                        continue;
                ctx->on_found(&(StateDirEntry) { .root = root_pattern, .dir = dir, .ns = ns, .id = de->d_name,
                                                 .path = path, .dirfd = fd, .runtime = rt },
                              ctx->userdata);
        }
}

int statedir_scan_once(char *const *roots, void (*on_found)(const StateDirEntry *e, void *userdata),
                       void *userdata) {
        OnceCtx ctx = { on_found, userdata };

        for (char *const *p = roots; p && *p; p++) {
                Root *root = root_new(*p);

                if (!root)
                        return -ENOMEM;
                if (!root->wildcard)
                        scan_once_dir(root->pattern, root->base, root->ns, &ctx);
                else {
                        _cleanup_closedir_ DIR *d = opendir(root->base);
                        struct dirent *de;

                        while (d && (de = readdir(d))) {
                                _cleanup_free_ char *nsdir = NULL;

                                if (de->d_name[0] == '.')
                                        continue;
                                nsdir = path_join(root->base, de->d_name);
                                if (nsdir)
                                        scan_once_dir(root->pattern, nsdir, de->d_name, &ctx);
                        }
                }
                root_free(root);
        }
        return 0;
}
