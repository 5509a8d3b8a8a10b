/* sbx: the "none" backend of overlay.h's table: no copy-on-write, the
 * lower layer itself, made read-only once the root is entered.
 *
 * Over the host's tree the lower is a tmpfs sbx assembled, so mount points
 * are made there.  A --rootfs DIR is the user's own tree, which sbx must
 * not change, yet the sandbox needs mount points (/proc, /dev, /tmp,
 * /etc/resolv.conf...) that DIR may lack: the root is then a tmpfs holding
 * DIR's top level (each directory and file bound read-only from DIR, each
 * symlink copied), so mount points at the top level are made in the tmpfs;
 * one missing deeper down is an error that says so (mounts.c).  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "mountapi.h"
#include "overlay-backend.h"

/* DIR's entry `name` into the tmpfs `top`.  */
static int
copy_entry (int dir, int top, const char *name, sbx_error_t *err)
{
  struct stat st;
  cleanup_close int mnt = -1, target = -1;

  if (fstatat (dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sbx_error_make (err, errno, "stat `%s`", name);
  if (S_ISLNK (st.st_mode))
    {
      char link[PATH_MAX];
      ssize_t n = readlinkat (dir, name, link, sizeof link - 1);
      if (n < 0)
        return sbx_error_make (err, errno, "read the symlink `%s`", name);
      link[n] = '\0';
      if (symlinkat (link, top, name) < 0)
        return sbx_error_make (err, errno, "copy the symlink `%s`", name);
      return 0;
    }
  if (S_ISDIR (st.st_mode))
    {
      if (mkdirat (top, name, st.st_mode & 07777) < 0)
        return sbx_error_make (err, errno, "make the mount point `/%s`", name);
    }
  else if (S_ISREG (st.st_mode))
    {
      int fd = openat (top, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
      if (fd < 0)
        return sbx_error_make (err, errno, "make the mount point `/%s`", name);
      close (fd);
    }
  else
    {
      /* A device, fifo or socket at the top of a tree: not the sandbox's.  */
      sbx_log_debug ("--rootfs: /%s is not a file, directory or symlink: left out", name);
      return 0;
    }
  mnt = sbx_mnt_clone (dir, name, true, err);
  if (mnt < 0 || sbx_mnt_set_flags (mnt, SBX_MNT_RDONLY, true, err) < 0)
    return sbx_error_prefix (err, "bind `/%s`", name);
  target = openat (top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return sbx_error_make (err, errno, "open the mount point `/%s`", name);
  return sbx_mnt_attach (mnt, target, name, err);
}

static int
mount_skeleton (const char *tree, const char *target, sbx_error_t *err)
{
  static const char *const opts[] = { "mode=0755", NULL };
  cleanup_close int fs = sbx_mnt_new_fs ("tmpfs", opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
  cleanup_close int top = -1, dir = -1;
  DIR *d;
  struct dirent *e;
  int ret = 0;

  if (fs < 0 || sbx_mnt_attach_path (fs, target, err) < 0)
    return -1;
  top = open (target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dir = open (tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (top < 0 || dir < 0)
    return sbx_error_make (err, errno, "open `%s`", top < 0 ? target : tree);
  d = fdopendir (dup (dir));
  if (d == NULL)
    return sbx_error_make (err, errno, "read `%s`", tree);
  while (ret == 0 && (e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      ret = copy_entry (dir, top, e->d_name, err);
  closedir (d);
  return ret;
}

/* implements sbx_overlay_backend.mount_tree for "none" */
static int
none_mount_tree (const struct sbx_rootfs_rt *rt, const char *lower, const char *target,
                 sbx_error_t *err)
{
  cleanup_close int tree = -1;

  if (rt->lower_dir)
    {
      if (mount_skeleton (rt->lower_dir, target, err) < 0)
        return sbx_error_prefix (err, "--rootfs %s", rt->lower_name);
      return 0;
    }
  tree = sbx_mnt_clone (AT_FDCWD, lower, true, err);
  if (tree < 0 || sbx_mnt_attach_path (tree, target, err) < 0)
    return sbx_error_prefix (err, "make the new root");
  return 0;
}

const struct sbx_overlay_backend sbx_overlay_none = {
  .name = "none",
  .writable = false,
  .needs_tree = true,
  .mount_tree = none_mount_tree,
  .keep = NULL,
};
