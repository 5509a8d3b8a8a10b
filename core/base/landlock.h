/* sbx: Landlock for the processes sbx runs outside the sandbox (the
   network helper, xdg-dbus-proxy, sbx-learnfs): a ruleset that handles every
   filesystem access this kernel knows, the few places a process keeps,
   then enforced on itself and whatever it execs.  A kernel without
   Landlock (before 5.13, or not enabled) gets no ruleset: the caller's
   other walls stand, and -v says so.  */
#ifndef SBX_LANDLOCK_H
#define SBX_LANDLOCK_H

#include <stdint.h>

#include "error.h"

#define SBX_LANDLOCK_READ_FILES (1u << 0) /* read files */
#define SBX_LANDLOCK_READ_DIRS (1u << 1)  /* list directories */
#define SBX_LANDLOCK_READ (SBX_LANDLOCK_READ_FILES | SBX_LANDLOCK_READ_DIRS)
#define SBX_LANDLOCK_EXEC (1u << 2)        /* execve */
#define SBX_LANDLOCK_MAKE_SOCK (1u << 3)   /* bind a unix socket there */
#define SBX_LANDLOCK_REMOVE_FILE (1u << 4) /* unlink there */
#define SBX_LANDLOCK_WRITE_FILES (1u << 5) /* write files (/dev/null) */
#define SBX_LANDLOCK_ALL (1u << 6)         /* everything: make, remove, rename, truncate */

/* A ruleset in *rs (-1 without Landlock; `who` names the process for
   messages).  */
int sbx_landlock_begin (int *rs, const char *who, sbx_error_t *err);

/* Allow `what` (SBX_LANDLOCK_*) below `path` (a directory) or on it (a
   file).  A path that does not exist is skipped.  No-op on rs -1.  */
int sbx_landlock_allow (int rs, const char *path, unsigned what, sbx_error_t *err);
/* The same for an open directory or file.  */
int sbx_landlock_allow_fd (int rs, int fd, unsigned what, sbx_error_t *err);

/* Enforce it on this process (no_new_privs must be set) and close it.  */
int sbx_landlock_enforce (int rs, sbx_error_t *err);

#endif
