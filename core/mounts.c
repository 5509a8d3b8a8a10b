/* sbx: applying the mount plan; see mounts.h.  */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "mountapi.h"
#include "overlay.h"
#include "path.h"

void
sbx_mount_plan_free (struct sbx_mount_plan *plan)
{
  for (size_t i = 0; i < plan->n; i++)
    {
      struct sbx_mop *op = &plan->ops[i];
      if (op->srcfd >= 0)
        close (op->srcfd);
      free (op->src);
      free (op->dst);
      free (op->fallback);
      free (op->what);
    }
  free (plan->ops);
  plan->ops = NULL;
  plan->n = 0;
}

struct sbx_mop *
sbx_mount_plan_add (struct sbx_mount_plan *plan, enum sbx_mop_kind kind, const char *src,
                    const char *dst, unsigned flags)
{
  struct sbx_mop *op;
  plan->ops = xrealloc (plan->ops, (plan->n + 1) * sizeof *plan->ops);
  op = &plan->ops[plan->n++];
  memset (op, 0, sizeof *op);
  op->kind = kind;
  op->src = src ? xstrdup (src) : NULL;
  op->dst = xstrdup (dst);
  op->flags = flags;
  op->srcfd = -1;
  return op;
}

static int
op_error (const struct sbx_mop *op, sbx_error_t *err)
{
  if (op->what)
    sbx_error_prefix (err, "%s", op->what);
  return -1;
}

int
sbx_mounts_open_sources (struct sbx_mount_plan *plan, sbx_error_t *err)
{
  for (size_t i = 0; i < plan->n; i++)
    {
      struct sbx_mop *op = &plan->ops[i];
      struct stat st;
      if (op->kind != SBX_MOP_HOST_TREE)
        continue;
      if (stat (op->src, &st) < 0)
        {
          sbx_error_make (err, errno, "source `%s`", op->src);
          return op_error (op, err);
        }
      op->src_is_dir = S_ISDIR (st.st_mode);
      op->srcfd = sbx_mnt_clone (AT_FDCWD, op->src, true, err);
      if (op->srcfd < 0)
        return op_error (op, err);
    }
  return 0;
}

/* Open the parent directory of dst (creating it) and return the last
   component in *name.  */
static int
open_parent (int rootfd, const char *dst, char **name, sbx_error_t *err)
{
  cleanup_free char *copy = xstrdup (dst);
  char *slash = strrchr (copy, '/');
  *slash = '\0';
  *name = xstrdup (slash + 1);
  return sbx_path_open_in_root (rootfd, *copy ? copy : "/", SBX_OPEN_CREATE_DIR, err);
}

static int
apply_symlink (int rootfd, const struct sbx_mop *op, sbx_error_t *err)
{
  cleanup_free char *name = NULL;
  cleanup_close int parent = open_parent (rootfd, op->dst, &name, err);
  cleanup_close int dir = -1;

  if (parent < 0)
    return -1;
  dir = openat (parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return sbx_error_make (err, errno, "open `%s`", op->dst);
  if (symlinkat (op->src, dir, name) < 0 && errno != EEXIST)
    return sbx_error_make (err, errno, "symlink `%s` -> `%s`", op->dst, op->src);
  return 0;
}

/* A mount point that could not be made: below the top level the root is
   read-only (the host's /, or a --rootfs tree under --overlay none, which
   sbx never changes), so say what to do; a place the user chose (`what`
   set) may also move.  */
static void
read_only_hint (const struct sbx_mop *op, sbx_error_t *err)
{
  cleanup_free char *move = NULL;

  if (*err == NULL || (*err)->status != EROFS)
    return;
  if (op->what)
    move = xasprintf ("choose an existing path or a new top-level one such as /%s, ",
                      strrchr (op->dst, '/') + 1);
  sbx_error_hint (err,
                  "below the sandbox's top level the root is read-only here (the host's /, or "
                  "a --rootfs tree under --overlay none, which sbx never changes), so a mount "
                  "point must already exist: %smake the empty file or directory in the tree, or "
                  "use a copy-on-write root (--overlay fuse)",
                  move ? move : "");
}

static int
open_target (int rootfd, const struct sbx_mop *op, bool file, sbx_error_t *err)
{
  int fd = sbx_path_open_in_root (rootfd, op->dst,
                                  file ? SBX_OPEN_CREATE_FILE : SBX_OPEN_CREATE_DIR, err);
  if (fd < 0)
    read_only_hint (op, err);
  return fd;
}

/* SBX_MOP_FILE: a file sbx writes for the sandbox, never through a
   symlink planted at its place.  */
static int
apply_file (int rootfd, const struct sbx_mop *op, sbx_error_t *err)
{
  cleanup_free char *name = NULL;
  cleanup_close int parent = open_parent (rootfd, op->dst, &name, err);
  cleanup_close int dir = -1, fd = -1;

  if (parent < 0)
    return -1;
  dir = openat (parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  fd = dir < 0 ? -1
               : openat (dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 || sbx_write_all (fd, op->src, strlen (op->src)) < 0)
    return sbx_error_make (err, errno, "write `%s`", op->dst);
  return 0;
}

/* SBX_MOP_BIND_INSIDE: a file or tree already in the new root, bound at
   another place of it (or over itself), both resolved inside the root.  */
static int
apply_bind_inside (int rootfd, const struct sbx_mop *op, sbx_error_t *err)
{
  cleanup_close int src = sbx_path_open_in_root (rootfd, op->src, 0, err);
  cleanup_close int mfd = -1, target = -1;
  struct stat st;

  if (src < 0 || fstat (src, &st) < 0)
    return -1;
  mfd = sbx_mnt_clone (src, "", false, err);
  if (mfd < 0 || sbx_mnt_set_flags (mfd, op->flags, false, err) < 0)
    return -1;
  target = sbx_path_open_in_root (
      rootfd, op->dst, S_ISDIR (st.st_mode) ? SBX_OPEN_CREATE_DIR : SBX_OPEN_CREATE_FILE, err);
  if (target < 0)
    {
      read_only_hint (op, err);
      return -1;
    }
  return sbx_mnt_attach (mfd, target, op->dst, err);
}

static int
apply_one (int rootfd, struct sbx_mop *op, sbx_error_t *err)
{
  cleanup_close int target = -1;
  cleanup_close int mfd = -1;

  switch (op->kind)
    {
    case SBX_MOP_SYMLINK:
      return apply_symlink (rootfd, op, err);

    case SBX_MOP_HOST_TREE:
      target = open_target (rootfd, op, !op->src_is_dir, err);
      if (target < 0)
        return -1;
      if (op->flags && sbx_mnt_set_flags (op->srcfd, op->flags, true, err) < 0)
        return -1;
      return sbx_mnt_attach (op->srcfd, target, op->dst, err);

    case SBX_MOP_FS:
      mfd = sbx_mnt_new_fs (op->src, op->opts, op->flags, err);
      if (mfd < 0 && op->fallback)
        {
          /* e.g. a fresh sysfs is refused where the host's /sys has locked
             overmounts: a read-only copy of the host's serves instead.  */
          sbx_error_release (err);
          mfd = sbx_mnt_clone (AT_FDCWD, op->fallback, true, err);
          if (mfd >= 0 && sbx_mnt_set_flags (mfd, op->flags, true, err) < 0)
            return -1;
        }
      if (mfd < 0)
        return -1;
      target = open_target (rootfd, op, false, err);
      if (target < 0)
        return -1;
      return sbx_mnt_attach (mfd, target, op->dst, err);

    case SBX_MOP_DIR:
      target = sbx_path_open_in_root (rootfd, op->dst, SBX_OPEN_CREATE_DIR, err);
      return target < 0 ? -1 : 0;

    case SBX_MOP_FILE:
      return apply_file (rootfd, op, err);

    case SBX_MOP_BIND_INSIDE:
      return apply_bind_inside (rootfd, op, err);

    case SBX_MOP_RO_SELF:
      target = sbx_path_open_in_root (rootfd, op->dst, 0, err);
      if (target < 0)
        return -1;
      mfd = sbx_mnt_clone (target, "", false, err);
      if (mfd < 0 || sbx_mnt_set_flags (mfd, op->flags | SBX_MNT_RDONLY, false, err) < 0)
        return -1;
      return sbx_mnt_attach (mfd, target, op->dst, err);
    }
  return sbx_error_make (err, EINVAL, "unknown mount operation");
}

static int
apply_ops (int rootfd, struct sbx_mount_plan *plan, bool lower, sbx_error_t *err)
{
  for (size_t i = 0; i < plan->n; i++)
    {
      struct sbx_mop *op = &plan->ops[i];
      if (op->lower != lower)
        continue;
      if (apply_one (rootfd, op, err) < 0)
        {
          if (op->optional)
            {
              sbx_error_release (err);
              continue;
            }
          return op_error (op, err);
        }
    }
  return 0;
}

/* Build the root below /tmp/.sbx-root (in our private mount namespace;
   the host's /tmp is not touched) with the overlay backend, and return
   it, attached.  */
static int
make_root (struct sbx_mount_plan *plan, struct sbx_rootfs_rt *rt, sbx_error_t *err)
{
  static const char *const stage_opts[] = { "mode=0700", NULL };
  static const char *const root_opts[] = { "mode=0755", NULL };
  cleanup_close int stage = -1, lowerfd = -1;
  const struct sbx_overlay_backend *be;
  bool assemble;
  int rootfd;

  /* A staging tmpfs over /tmp holds the lower tree and the mount point
     of the root; every host source is already an fd.  */
  stage = sbx_mnt_new_fs ("tmpfs", stage_opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
  if (stage < 0 || sbx_mnt_attach_path (stage, "/tmp", err) < 0)
    return sbx_error_prefix (err, "make the new root");
  if (mkdir ("/tmp/.sbx-root", 0755) < 0 || mkdir ("/tmp/.sbx-lower", 0755) < 0)
    return sbx_error_make (err, errno, "make the new root");

  be = sbx_overlay_choose (rt, "/tmp/.sbx-probe");
  /* The lower layer: the host's tree assembled on a tmpfs, unless
     --rootfs or an image gives it.  */
  assemble = be->needs_tree && rt->lower_dir == NULL && rt->n_image_layers == 0;
  if (assemble)
    {
      lowerfd = sbx_mnt_new_fs ("tmpfs", root_opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
      if (lowerfd < 0 || sbx_mnt_attach_path (lowerfd, "/tmp/.sbx-lower", err) < 0)
        return sbx_error_prefix (err, "make the lower layer");
      if (apply_ops (lowerfd, plan, true, err) < 0)
        return -1;
    }
  if (be->mount_tree (rt, assemble ? "/tmp/.sbx-lower" : NULL, "/tmp/.sbx-root", err) < 0)
    return -1;
  rootfd = open ("/tmp/.sbx-root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sbx_error_make (err, errno, "open the new root");
  /* Whatever the backend mounted with, the root honours no setuid bit and
     no device node.  */
  if (sbx_mnt_set_flags (rootfd, SBX_MNT_NOSUID | SBX_MNT_NODEV, false, err) < 0)
    {
      close (rootfd);
      return sbx_error_prefix (err, "make the new root nosuid");
    }
  return rootfd;
}

int
sbx_mounts_enter (struct sbx_mount_plan *plan, struct sbx_rootfs_rt *rootfs, sbx_error_t *err)
{
  cleanup_close int rootfd = -1;

  rootfd = make_root (plan, rootfs, err);
  if (rootfd < 0)
    return -1;
  if (apply_ops (rootfd, plan, false, err) < 0)
    return -1;
  if (rootfs->backend->keep && rootfs->backend->keep (rootfd, err) < 0)
    return -1;

  if (fchdir (rootfd) < 0)
    return sbx_error_make (err, errno, "enter the new root");
  /* pivot_root(".", ".") stacks the old root on top of the new one; the
     detach below then removes it: no old-root directory is needed and
     nothing of the host's tree stays reachable.  */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return sbx_error_make (err, errno, "pivot_root into the new root");
  if (umount2 (".", MNT_DETACH) < 0)
    return sbx_error_make (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return sbx_error_make (err, errno, "chdir /");

  /* Without an overlay the root is the lower layer: read-only.  */
  if (!rootfs->backend->writable)
    {
      cleanup_close int top = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (top < 0 || sbx_mnt_set_flags (top, SBX_MNT_RDONLY, false, err) < 0)
        return sbx_error_prefix (err, "make / read-only");
    }
  return 0;
}
