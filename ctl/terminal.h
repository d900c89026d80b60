/* SPDX-License-Identifier: MIT */
/*
 * systemd's conventions for a tool's output on a terminal: a pager ($PAGER, else less) when stdout
 * is a terminal, colours only on a terminal and never with NO_COLOR or TERM=dumb. Owns the pager
 * process; the decisions are made once, before the pager takes stdout.
 */
#pragma once

#include <stdbool.h>

/* Whether to colour stdout: a terminal, NO_COLOR unset, TERM not "dumb". Computed on first call. */
bool colors_enabled(void);

/* ANSI sequences, or "" when colours are off. */
const char *ansi_highlight_red(void);
const char *ansi_highlight_yellow(void);
const char *ansi_underline(void);
const char *ansi_normal(void);

/*
 * Start the pager and point stdout at it, unless no_pager, stdout is not a terminal, or $PAGER is
 * empty or "cat". Without $PAGER: less (with LESS=FRSXMK unless LESS is set), then more. A pager
 * that cannot be started leaves stdout as it was. Returns 0 or a negative errno (pipe/fork).
 */
int pager_open(bool no_pager);

/* Flush stdout, close it and wait for the pager; nothing when none runs. */
void pager_close(void);
