/* SPDX-License-Identifier: MIT */
/*
 * Why a container's init died: the signal history, the verdict and its words (death.h).
 * Pure logic, no I/O.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "death.h"
#include "util/time.h"

#define SI_KERNEL_CODE 0x80

static const char *const death_reason_table[_DEATH_REASON_MAX] = {
        [DEATH_EXITED] = "exited",
        [DEATH_FAILED] = "failed",
        [DEATH_CRASHED] = "crashed",
        [DEATH_OOM_KILLED] = "oom-killed",
        [DEATH_STOPPED] = "stopped",
        [DEATH_STOP_TIMEOUT] = "stop-timeout",
        [DEATH_KILLED] = "killed",
        [DEATH_UNKNOWN] = "unknown",
};

static const char *const reason_source_table[_REASON_SOURCE_MAX] = {
        [REASON_SOURCE_PROBE] = "probe",
        [REASON_SOURCE_COUNTERS] = "counters",
        [REASON_SOURCE_RUNTIME] = "runtime",
        [REASON_SOURCE_NONE] = "none",
};

const char *death_reason_to_string(DeathReason r) {
        return r >= 0 && r < _DEATH_REASON_MAX ? death_reason_table[r] : NULL;
}

const char *reason_source_to_string(ReasonSource s) {
        return s >= 0 && s < _REASON_SOURCE_MAX ? reason_source_table[s] : NULL;
}

bool signal_is_stop(int signo) {
        return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT || signo == SIGHUP || signo == SIGPWR;
}

/* Signals a fault raises (and SIGABRT, which abort() raises). */
static bool signal_is_crash(int signo) {
        return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE ||
                signo == SIGSYS || signo == SIGTRAP || signo == SIGABRT;
}

void signal_entry_done(SignalEntry *e) {
        free(e->sender_exe);
        free(e->sender_unit);
        free(e->sender_container_id);
        memset(e, 0, sizeof(*e));
}

static void signal_history_remove(SignalHistory *h, size_t i) {
        signal_entry_done(&h->entries[i]);
        memmove(&h->entries[i], &h->entries[i + 1], (h->n - i - 1) * sizeof(h->entries[0]));
        h->n--;
        memset(&h->entries[h->n], 0, sizeof(h->entries[0]));
}

void signal_history_add(SignalHistory *h, SignalEntry *e) {
        while (h->n > 0 && e->monotonic_usec > h->entries[0].monotonic_usec &&
               e->monotonic_usec - h->entries[0].monotonic_usec > SIGNAL_HISTORY_WINDOW_USEC)
                signal_history_remove(h, 0);
        if (h->n == SIGNAL_HISTORY_MAX)
                /* Keep a leading stop signal: it dates the stop sequence. */
                signal_history_remove(h, signal_is_stop(h->entries[0].signo) ? 1 : 0);
        h->entries[h->n++] = *e;
        e->sender_exe = e->sender_unit = e->sender_container_id = NULL;
}

void signal_history_clear(SignalHistory *h) {
        for (size_t i = 0; i < h->n; i++)
                signal_entry_done(&h->entries[i]);
        h->n = 0;
}

static bool same_sender(const SignalEntry *a, const SignalEntry *b) {
        return a->sender_pid == b->sender_pid ||
                (a->sender_comm[0] && strncmp(a->sender_comm, b->sender_comm, SIGNAL_COMM_MAX) == 0);
}

/* Raised by the kernel for a fault (positive si_code other than SI_KERNEL, or SI_KERNEL with a
 * fault signal), or sent by the init to itself (abort(), raise()). */
static bool entry_is_crash(const SignalEntry *e, pid_t init_pid) {
        if (!signal_is_crash(e->signo))
                return false;
        if (e->code > 0)
                return true;
        return init_pid > 0 && e->sender_pid == init_pid;
}

void death_judge(const DeathFacts *f, DeathVerdict *ret) {
        const SignalHistory *h = f->probe ? f->signals : NULL;
        const SignalEntry *first_stop = NULL, *fatal = NULL;
        const ExitStatus *st = &f->status;
        bool by_signal = st->code == EXIT_CODE_KILLED || st->code == EXIT_CODE_DUMPED;
        DeathVerdict v = {
                .reason = DEATH_UNKNOWN,
                .source = REASON_SOURCE_NONE,
        };

        if (h) {
                for (size_t i = 0; i < h->n; i++) {
                        const SignalEntry *e = &h->entries[i];
                        /* A stop request comes from a process (SI_USER, SI_TKILL, SI_QUEUE). */
                        if (!first_stop && signal_is_stop(e->signo) && e->code <= 0)
                                first_stop = e;
                        if (by_signal && e->signo == st->status && (e->result == 0 || !fatal))
                                fatal = e;
                }
        }

        if (f->probe && f->oom_victim_init) {
                v.reason = DEATH_OOM_KILLED;
                v.source = REASON_SOURCE_PROBE;
                v.signal = fatal;
                v.oom_killed = true;
                *ret = v;
                return;
        }
        if (!f->probe && f->oom_counter_rose && st->code == EXIT_CODE_KILLED && st->status == SIGKILL) {
                v.reason = DEATH_OOM_KILLED;
                v.source = REASON_SOURCE_COUNTERS;
                v.oom_killed = true;
                *ret = v;
                return;
        }

        switch (st->code) {
        case EXIT_CODE_EXITED:
                if (first_stop) {
                        v.reason = DEATH_STOPPED;
                        v.signal = first_stop;
                } else
                        v.reason = st->status == 0 ? DEATH_EXITED : DEATH_FAILED;
                break;
        case EXIT_CODE_KILLED:
        case EXIT_CODE_DUMPED:
                if (fatal ? entry_is_crash(fatal, f->init_pid) : signal_is_crash(st->status))
                        v.reason = DEATH_CRASHED;
                else if (st->status == SIGKILL && first_stop && (!fatal || same_sender(first_stop, fatal)))
                        v.reason = DEATH_STOP_TIMEOUT;
                else if (signal_is_stop(st->status))
                        v.reason = DEATH_STOPPED;
                else
                        v.reason = DEATH_KILLED;
                v.signal = fatal;
                if (v.reason == DEATH_STOPPED && first_stop)
                        v.signal = first_stop;
                break;
        default:
                break;
        }

        if (v.reason == DEATH_STOPPED || v.reason == DEATH_STOP_TIMEOUT) {
                v.first_stop = first_stop;
                if (first_stop && f->exit_monotonic_usec >= first_stop->monotonic_usec) {
                        v.has_stop_grace = true;
                        v.stop_grace_usec = f->exit_monotonic_usec - first_stop->monotonic_usec;
                }
        }
        if (v.reason != DEATH_UNKNOWN)
                v.source = f->probe ? REASON_SOURCE_PROBE :
                        st->source == EXIT_SOURCE_RUNTIME ? REASON_SOURCE_RUNTIME : REASON_SOURCE_NONE;
        *ret = v;
}

static const char *code_name(const char *const *table, size_t n, int code) {
        return code > 0 && (size_t) code < n ? table[code] : NULL;
}

const char *signal_code_to_string(int signo, int code, char *buf, size_t l) {
        static const char *const segv[] = { NULL, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR" };
        static const char *const bus[] = { NULL, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO" };
        static const char *const ill[] = { NULL, "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
                                           "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK" };
        static const char *const fpe[] = { NULL, "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
                                           "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB" };
        static const char *const trap[] = { NULL, "TRAP_BRKPT", "TRAP_TRACE" };
        static const char *const sys[] = { NULL, "SYS_SECCOMP" };
#define PICK(t) code_name((t), sizeof(t) / sizeof((t)[0]), code)
        const char *n = NULL;

        switch (code) {
        case 0: return "SI_USER";
        case SI_KERNEL_CODE: return "SI_KERNEL";
        case -1: return "SI_QUEUE";
        case -2: return "SI_TIMER";
        case -3: return "SI_MESGQ";
        case -4: return "SI_ASYNCIO";
        case -5: return "SI_SIGIO";
        case -6: return "SI_TKILL";
        case -7: return "SI_DETHREAD";
        case -60: return "SI_ASYNCNL";
        default: break;
        }
        switch (signo) {
        case SIGSEGV: n = PICK(segv); break;
        case SIGBUS: n = PICK(bus); break;
        case SIGILL: n = PICK(ill); break;
        case SIGFPE: n = PICK(fpe); break;
        case SIGTRAP: n = PICK(trap); break;
        case SIGSYS: n = PICK(sys); break;
        default: break;
        }
#undef PICK
        if (n)
                return n;
        (void) snprintf(buf, l, "%d", code);
        return buf;
}

static const char *signame(int signo, char *buf, size_t l) {
        const char *n = signal_to_name(signo);

        if (n)
                return n;
        (void) snprintf(buf, l, "SIG%d", signo);
        return buf;
}

char *signal_history_format(const SignalHistory *h, char *buf, size_t l) {
        size_t off = 0;

        if (l == 0)
                return buf;
        buf[0] = 0;
        if (!h || h->n == 0)
                return buf;
        for (size_t i = 0; i < h->n && off < l; i++) {
                const SignalEntry *e = &h->entries[i];
                uint64_t last = h->entries[h->n - 1].monotonic_usec, d;
                char nb[16], ob[32];
                int n;

                d = last >= e->monotonic_usec ? last - e->monotonic_usec : 0;
                if (i == h->n - 1 || d == 0)
                        (void) snprintf(ob, sizeof(ob), "0");
                else
                        (void) snprintf(ob, sizeof(ob), "-%llu.%03llus", (unsigned long long) (d / 1000000),
                                        (unsigned long long) ((d % 1000000) / 1000));
                n = snprintf(buf + off, l - off, "%s%s@%s:%s[%d]", i > 0 ? " " : "",
                             signame(e->signo, nb, sizeof(nb)), ob, e->sender_comm[0] ? e->sender_comm : "?",
                             (int) e->sender_pid);
                if (n < 0)
                        break;
                off += (size_t) n;
        }
        if (off >= l && l > 4)
                memcpy(buf + l - 4, "...", 4);      /* cut: say so */
        return buf;
}

/* "containerd-shim[812] (docker.service)" */
static void describe_sender(char *buf, size_t l, const SignalEntry *e) {
        char unit[256] = "", ctr[64] = "";

        if (e->sender_unit)
                (void) snprintf(unit, sizeof(unit), " (%s)", e->sender_unit);
        if (e->sender_container_id)
                (void) snprintf(ctr, sizeof(ctr), " in container %.12s", e->sender_container_id);
        (void) snprintf(buf, l, "%s[%d]%s%s", e->sender_comm[0] ? e->sender_comm : "?", (int) e->sender_pid,
                        unit, ctr);
}

char *death_describe(char *buf, size_t l, const DeathFacts *f, const DeathVerdict *v, const char *oom_detail) {
        char sender[384], span[64], nb[16], cb[16];
        const SignalEntry *s = v->signal;
        int sig = f->status.status;

        if (l == 0)
                return NULL;
        switch (v->reason) {
        case DEATH_EXITED:
                (void) snprintf(buf, l, "exited successfully");
                break;
        case DEATH_FAILED:
                (void) snprintf(buf, l, "failed with status %d", f->status.status);
                break;
        case DEATH_OOM_KILLED:
                (void) snprintf(buf, l, "was killed by the OOM killer%s%s", oom_detail ? ": " : "",
                                oom_detail ? oom_detail : "");
                break;
        case DEATH_CRASHED:
                if (s && s->code > 0 && s->code != SI_KERNEL_CODE)
                        (void) snprintf(buf, l, "crashed: %s (%s)%s", signame(sig, nb, sizeof(nb)),
                                        signal_code_to_string(s->signo, s->code, cb, sizeof(cb)),
                                        f->status.code == EXIT_CODE_DUMPED ? ", core dumped" : "");
                else
                        (void) snprintf(buf, l, "crashed: %s%s", signame(sig, nb, sizeof(nb)),
                                        f->status.code == EXIT_CODE_DUMPED ? ", core dumped" : "");
                break;
        case DEATH_STOP_TIMEOUT: {
                const SignalEntry *stop = v->first_stop;
                uint64_t wait = 0;

                if (!stop) {
                        (void) snprintf(buf, l, "was stopped: no exit after a stop signal, then SIGKILL");
                        break;
                }
                if (s && s->monotonic_usec >= stop->monotonic_usec)
                        wait = s->monotonic_usec - stop->monotonic_usec;
                else if (v->has_stop_grace)
                        wait = v->stop_grace_usec;
                describe_sender(sender, sizeof(sender), stop);
                (void) format_timespan_short(span, sizeof(span), wait);
                (void) snprintf(buf, l, "was stopped: %s from %s, no exit after %s, then SIGKILL",
                                signame(stop->signo, nb, sizeof(nb)), sender, span);
                break;
        }
        case DEATH_STOPPED:
                if (!s) {
                        (void) snprintf(buf, l, "was stopped by %s", signame(sig, nb, sizeof(nb)));
                        break;
                }
                describe_sender(sender, sizeof(sender), s);
                if (v->has_stop_grace) {
                        (void) format_timespan_short(span, sizeof(span), v->stop_grace_usec);
                        (void) snprintf(buf, l, "was stopped: %s from %s, exited after %s",
                                        signame(s->signo, nb, sizeof(nb)), sender, span);
                } else
                        (void) snprintf(buf, l, "was stopped: %s from %s", signame(s->signo, nb, sizeof(nb)), sender);
                break;
        case DEATH_KILLED:
                if (s) {
                        describe_sender(sender, sizeof(sender), s);
                        (void) snprintf(buf, l, "was killed: %s from %s", signame(sig, nb, sizeof(nb)), sender);
                } else
                        (void) snprintf(buf, l, "was killed by %s", signame(sig, nb, sizeof(nb)));
                break;
        default:
                return NULL;
        }
        return buf;
}
