/* sbx: what the cgroup backends share.  Only cgroup*.c include this;
   everyone else goes through cgroup.h's table.  */
#ifndef SBX_CGROUP_BACKEND_H
#define SBX_CGROUP_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

/* Write `value` to `dir`/`file` (one write, as cgroup files want it);
   the error names the file and the value.  */
int sbx_cgroup_write (const char *dir, const char *file, const char *value, sbx_error_t *err);
/* The first number in `dir`/`file` (after `key ` when key is not NULL:
   "usage_usec" in cpu.stat); -1 when the file or the key is missing.  */
int64_t sbx_cgroup_read_num (const char *dir, const char *file, const char *key);
/* Whether the user may make directories in `dir` and write its
   cgroup.procs (what delegation means).  */
bool sbx_cgroup_dir_delegated (const char *dir);
/* mkdir `parent`/`name`; the new path in *out.  */
int sbx_cgroup_mkdir (const char *parent, const char *name, char **out, sbx_error_t *err);
/* rmdir, retried for up to a second while the kernel still counts
   processes in it (EBUSY: the sandbox's last ones are being reaped).
   A directory already gone is fine.  */
int sbx_cgroup_rmdir (const char *dir, sbx_error_t *err);
/* sbx_cgroup_write of a number.  */
int sbx_cgroup_write_u64 (const char *dir, const char *file, uint64_t v, sbx_error_t *err);
/* implement sbx_cgroup_backend.attach and .remove for every backend: the
   pid into each leaf's cgroup.procs; each leaf removed (the first error
   kept, the other leaves still tried).  */
int sbx_cgroup_attach_dirs (struct sbx_cgroup *cg, pid_t pid, sbx_error_t *err);
int sbx_cgroup_remove_dirs (struct sbx_cgroup *cg, sbx_error_t *err);
/* Whether the space-separated `list` (cgroup.controllers text; NULL:
   empty) holds `word`.  */
bool sbx_cgroup_has_word (const char *list, const char *word);
/* `dir`, then `rel` ("/" or "/a/b"), as one path without "//".  */
char *sbx_cgroup_join (const char *dir, const char *rel);

#endif
