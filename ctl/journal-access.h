/* SPDX-License-Identifier: MIT */
/*
 * Opening the journal for container-watchctl: the local journal, or a directory (--directory=) or
 * files (--file=) as journalctl does, and telling "nothing there" from "nothing we may read".
 * sd-journal skips files it cannot open without saying so; this module looks for them itself.
 */
#pragma once

typedef struct sd_journal sd_journal;

/* Open the journal: files when non-empty (NULL-terminated), else directory when set, else the
 * local journal. Returns 0 or a negative errno (-EACCES when refused). */
int ctl_journal_open(const char *directory, char *const *files, sd_journal **ret);

/*
 * Count the journal files (*.journal, *.journal~) under directory (or /run/log/journal and
 * /var/log/journal when NULL), one machine-id level deep, that this process may read and that it
 * may not (EACCES/EPERM; an unreadable directory counts as one refused file).
 */
void journal_access_count(const char *directory, unsigned *ret_readable, unsigned *ret_refused);

/* The message for a refused journal, the same everywhere. */
#define JOURNAL_ACCESS_HINT "No journal access: add yourself to the systemd-journal group"
