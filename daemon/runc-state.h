/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for the state files that OCI runtimes keep per container: runc's state.json and
 * crun's status (+ the config.json crun copies beside it). Buffer in, RuncState out: no paths, no
 * PIDs checked, no logging. Only the keys the daemon needs are read; unknown keys are ignored.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/types.h>

/* The state files are read whole; anything larger is refused (-EFBIG). A Docker state.json is about
 * 30 KB (its seccomp profile), so 1 MiB leaves ample room. */
#define RUNC_STATE_SIZE_MAX ((size_t) 1024 * 1024)
/* jansson nests objects as deep as the input says; refuse anything deeper than this. */
#define RUNC_STATE_DEPTH_MAX 64

typedef enum Runtime {
        RUNTIME_RUNC,
        RUNTIME_CRUN,
        _RUNTIME_MAX,
        _RUNTIME_INVALID = -EINVAL,
} Runtime;

/* Namespace kinds in the order of DESIGN.md §3 (CONTAINER_NS_<KIND>). */
typedef enum NsKind {
        NS_PID,
        NS_NET,
        NS_MNT,
        NS_IPC,
        NS_UTS,
        NS_USER,
        NS_CGROUP,
        _NS_MAX,
        _NS_INVALID = -EINVAL,
} NsKind;

typedef struct Label {
        char *key;
        char *value;
} Label;

typedef struct RuncState {
        Runtime runtime;
        char *id;                   /* "id" (runc); NULL for crun (the directory name is the id) */
        pid_t pid;                  /* init_process_pid / pid; > 0 */
        uint64_t start_ticks;       /* init_process_start / process-start-time (number or string) */
        uint64_t created_usec;      /* "created" as CLOCK_REALTIME µs; 0 when absent or unparsable */
        char *bundle;               /* from the "bundle=" label (runc) or "bundle" (crun); may be NULL */
        Label *labels;              /* runc config.labels split at the first '=', minus bundle=;
                                     * crun: config.json annotations (see crun_config_parse_annotations) */
        size_t n_labels;
        char *cgroup_v1_memory;     /* cgroup_paths.memory (v1), may be NULL */
        char *cgroup_unified;       /* cgroup_paths[""] (v2 or hybrid), or crun "cgroup-path" resolved
                                     * under /sys/fs/cgroup, may be NULL */
        char *ns_path[_NS_MAX];     /* namespace_paths: NEWPID → NS_PID, NEWNET → NS_NET, ...; may be NULL */
        bool rootless;
} RuncState;

/* Free everything; accepts NULL; returns NULL. */
RuncState *runc_state_free(RuncState *s);
void runc_state_freep(RuncState **s);

/*
 * Parse a runc state.json held in buf (need not be NUL-terminated).
 * Required keys: init_process_pid (integer > 0) and init_process_start (integer, or a string of
 * digits as some runc releases write). Everything else is optional and ignored when wrongly typed.
 * Returns 0 and *ret (caller owns) on success;
 *   -EFBIG   when len > RUNC_STATE_SIZE_MAX,
 *   -EBADMSG when the text is not JSON, not an object, or nests deeper than RUNC_STATE_DEPTH_MAX,
 *   -EINVAL  when a required key is missing or wrongly typed; *ret_missing (if non-NULL) is then set
 *            to a static string naming the key ("init_process_pid", ...).
 */
int runc_state_parse(const char *buf, size_t len, RuncState **ret, const char **ret_missing);

/*
 * Parse crun's status file (keys "pid", "process-start-time", "cgroup-path", "bundle", "created").
 * Same return conventions as runc_state_parse. runtime = RUNTIME_CRUN, id = NULL.
 */
int crun_status_parse(const char *buf, size_t len, RuncState **ret, const char **ret_missing);

/*
 * Parse an OCI config.json (crun's copy in its state dir, or a bundle's) and append its
 * "annotations" to s->labels (string values only; a key already present is not removed, but
 * runc_state_label() then finds the appended value). Returns 0 (also when there are none),
 * -EBADMSG, -EFBIG, -ENOMEM, or -EINVAL when s is NULL.
 */
int oci_config_parse_annotations(const char *buf, size_t len, RuncState *s);

/* Look up a label value; NULL when absent. When a key occurs more than once, the last one wins
 * (as in runc's own label map). */
const char *runc_state_label(const RuncState *s, const char *key);

/* Parse RFC 3339 with optional fractional seconds and "Z" or ±hh:mm offset into CLOCK_REALTIME µs.
 * Returns 0 and *ret, or -EINVAL. */
int parse_rfc3339_usec(const char *s, uint64_t *ret);

/* "runc", "crun". */
const char *runtime_to_string(Runtime r);
