/* SPDX-License-Identifier: MIT */
/*
 * Opening the journal and checking access to it (see journal-access.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-journal.h>

#include "journal-access.h"
#include "util/cleanup.h"
#include "util/strutil.h"

int ctl_journal_open(const char *directory, char *const *files, sd_journal **ret) {
        if (files && files[0])
                return sd_journal_open_files(ret, (const char **) files, 0);
        if (directory)
                return sd_journal_open_directory(ret, directory, 0);
        return sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
}

static bool is_journal_file(const char *name) {
        size_t l = strlen(name);

        return (l > 8 && streq(name + l - 8, ".journal")) || (l > 9 && streq(name + l - 9, ".journal~"));
}

static void count_dir(int parent_fd, const char *path, unsigned depth, unsigned *readable, unsigned *refused) {
        _cleanup_closedir_ DIR *d = NULL;
        int fd;
        struct dirent *de;

        fd = openat(parent_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == EACCES || errno == EPERM)
                        (*refused)++;
                return;
        }
        d = fdopendir(fd);
        if (!d) {
                (void) safe_close(fd);
                return;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode) && depth == 0)
                        count_dir(dirfd(d), de->d_name, depth + 1, readable, refused);
                else if (S_ISREG(st.st_mode) && is_journal_file(de->d_name)) {
                        int f = openat(dirfd(d), de->d_name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

                        if (f >= 0) {
                                (*readable)++;
                                (void) safe_close(f);
                        } else if (errno == EACCES || errno == EPERM)
                                (*refused)++;
                }
        }
}

void journal_access_count(const char *directory, unsigned *ret_readable, unsigned *ret_refused) {
        unsigned readable = 0, refused = 0;

        if (directory)
                count_dir(AT_FDCWD, directory, 0, &readable, &refused);
        else {
                count_dir(AT_FDCWD, "/run/log/journal", 0, &readable, &refused);
                count_dir(AT_FDCWD, "/var/log/journal", 0, &readable, &refused);
        }
        *ret_readable = readable;
        *ret_refused = refused;
}
