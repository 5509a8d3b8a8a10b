/* sbx: sbx's own helper executables (libexecdir): sbx-image, which
   unpacks OCI image layers (libarchive), and sbx-net, which runs
   libslirp (glib).  They are separate programs so that the
   launcher loads none of those libraries on the starts that need none
   of them, which is most: a dozen shared objects (libarchive alone
   pulls libxml2 and ICU) cost more than the rest of a bare start.

   A helper is found where sbx itself is, never through PATH: the
   installed sbx (the configured bindir) takes them from the configured
   libexecdir; any other copy (the build tree, a test stage) takes the
   ones beside it, then the configured libexecdir.  Like the id-map
   helpers (core/helpers.h), a helper is opened once, judged from that
   open file, and run from it (execveat), so nothing swapped in between
   runs in its place.  */
#ifndef SBX_LIBEXEC_H
#define SBX_LIBEXEC_H

#include <stdbool.h>
#include <sys/stat.h>

#include "config.h"

#include "error.h"

/* The trust rule, pure (the unit tests feed it): a regular file,
   executable, owned by root or by the owner of the running sbx
   (`sbx_owner`), and writable by its owner only.  NULL when trusted,
   else what is wrong.  */
const char *sbx_libexec_judge (const struct stat *st, uid_t sbx_owner);

/* Open helper `name` (O_PATH, close-on-exec) and judge it.  Returns the
   fd, or -1 with an error that names where sbx looked.  `path` gets
   where it was found (for argv[0] and messages).  */
int sbx_libexec_open (const char *name, char **path, sbx_error_t *err);

/* Run the opened helper (execveat on `fd`); returns only on failure,
   with errno set.  */
void sbx_libexec_exec (int fd, char *const argv[], char *const envp[]);

/* A helper's first argument: sbx and its helpers come from one build, and
   a helper that meets another version's arguments refuses them rather
   than misread them.  */
#define SBX_LIBEXEC_VERSION_ARG "--sbx-version=" PACKAGE_VERSION

/* In a helper: the value of `arg` when it is `NAME=VALUE`, else NULL.  */
const char *sbx_libexec_arg (const char *arg, const char *name);

#endif
