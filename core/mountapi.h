/* sbx: the kernel's fd-based mount API (fsopen/fsmount/open_tree/
   move_mount/mount_setattr, Linux >= 5.12).  Working on fds rather than
   paths is what lets a sandbox be assembled without a path that a symlink
   or a rename could redirect (the CVE-2021-30465 class).  Thin wrappers
   that make an sbx_error_t naming the object on failure.  */
#ifndef SBX_MOUNTAPI_H
#define SBX_MOUNTAPI_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

enum
{
  SBX_MNT_RDONLY = 1 << 0,
  SBX_MNT_NOSUID = 1 << 1,
  SBX_MNT_NODEV = 1 << 2,
  SBX_MNT_NOEXEC = 1 << 3,
};

/* A new, detached filesystem instance.  `opts` is a NULL-terminated list
   of "key=value" strings or bare flags ("newinstance").  */
int sbx_mnt_new_fs (const char *fstype, const char *const *opts, unsigned flags, sbx_error_t *err);

/* A detached copy of the tree at dirfd/path (recursive: with submounts).  */
int sbx_mnt_clone (int dirfd, const char *path, bool recursive, sbx_error_t *err);

/* Add flags to a mount (and its submounts when recursive).  Only adds:
   flags locked by the kernel from the host stay as they are.  */
int sbx_mnt_set_flags (int mntfd, unsigned flags, bool recursive, sbx_error_t *err);

/* Attach the detached mount `mntfd` on the object `targetfd` (O_PATH).
   `what` names the destination in errors.  */
int sbx_mnt_attach (int mntfd, int targetfd, const char *what, sbx_error_t *err);

/* Attach on a path (used once, to place the new root).  */
int sbx_mnt_attach_path (int mntfd, const char *path, sbx_error_t *err);

#endif
