/* sbx: fd-based mount API; see mountapi.h.  Raw syscalls: glibc grew
   wrappers only in 2.36, and sbx also builds on older distributions.  */
#define _GNU_SOURCE
#include "mountapi.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define SBX_FSCONFIG_SET_FLAG 0
#define SBX_FSCONFIG_SET_STRING 1
#define SBX_FSCONFIG_CMD_CREATE 6
#define SBX_MOUNT_ATTR_RDONLY 0x00000001
#define SBX_MOUNT_ATTR_NOSUID 0x00000002
#define SBX_MOUNT_ATTR_NODEV 0x00000004
#define SBX_MOUNT_ATTR_NOEXEC 0x00000008

struct sbx_mount_attr
{
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static unsigned
to_attr (unsigned flags)
{
  return ((flags & SBX_MNT_RDONLY) ? SBX_MOUNT_ATTR_RDONLY : 0)
         | ((flags & SBX_MNT_NOSUID) ? SBX_MOUNT_ATTR_NOSUID : 0)
         | ((flags & SBX_MNT_NODEV) ? SBX_MOUNT_ATTR_NODEV : 0)
         | ((flags & SBX_MNT_NOEXEC) ? SBX_MOUNT_ATTR_NOEXEC : 0);
}

__attribute__ ((format (printf, 3, 4))) static int
mount_error (sbx_error_t *err, int e, const char *fmt, ...)
{
  const char *why = sbx_error_explain_mount (e);
  va_list ap;
  va_start (ap, fmt);
  sbx_error_makev (err, e, fmt, ap);
  va_end (ap);
  if (why && e != EINVAL)
    sbx_error_hint (err, "%s", why);
  if (e == ENOSYS)
    sbx_error_hint (err, "sbx needs Linux 5.12 or later (the fd-based mount API)");
  return -1;
}

int
sbx_mnt_new_fs (const char *fstype, const char *const *opts, unsigned flags, sbx_error_t *err)
{
  cleanup_close int fsfd = syscall (SYS_fsopen, fstype, FSOPEN_CLOEXEC);
  int mfd;

  if (fsfd < 0)
    return mount_error (err, errno, "create a %s filesystem", fstype);
  for (const char *const *o = opts; o && *o; o++)
    {
      const char *eq = strchr (*o, '=');
      int r;
      if (eq)
        {
          cleanup_free char *key = strndup (*o, eq - *o);
          r = syscall (SYS_fsconfig, fsfd, SBX_FSCONFIG_SET_STRING, key, eq + 1, 0);
        }
      else
        r = syscall (SYS_fsconfig, fsfd, SBX_FSCONFIG_SET_FLAG, *o, NULL, 0);
      if (r < 0)
        {
          cleanup_free char *what = xasprintf ("%s option %s", fstype, *o);
          return mount_error (err, errno, "set %s", what);
        }
    }
  if (syscall (SYS_fsconfig, fsfd, SBX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return mount_error (err, errno, "create a %s filesystem", fstype);
  mfd = syscall (SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, to_attr (flags));
  if (mfd < 0)
    return mount_error (err, errno, "mount a %s filesystem", fstype);
  return mfd;
}

int
sbx_mnt_clone (int dirfd, const char *path, bool recursive, sbx_error_t *err)
{
  int fd = syscall (SYS_open_tree, dirfd, path,
                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)
                        | (*path ? 0 : AT_EMPTY_PATH));
  if (fd < 0)
    return mount_error (err, errno, "copy the mount tree of `%s`", *path ? path : ".");
  return fd;
}

int
sbx_mnt_set_flags (int mntfd, unsigned flags, bool recursive, sbx_error_t *err)
{
  struct sbx_mount_attr a = { .attr_set = to_attr (flags) };
  if (syscall (SYS_mount_setattr, mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
               sizeof a)
      < 0)
    return mount_error (err, errno, "set mount flags");
  return 0;
}

int
sbx_mnt_attach (int mntfd, int targetfd, const char *what, sbx_error_t *err)
{
  if (syscall (SYS_move_mount, mntfd, "", targetfd, "",
               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return mount_error (err, errno, "mount on `%s`", what);
  return 0;
}

int
sbx_mnt_attach_path (int mntfd, const char *path, sbx_error_t *err)
{
  if (syscall (SYS_move_mount, mntfd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return mount_error (err, errno, "mount on `%s`", path);
  return 0;
}
