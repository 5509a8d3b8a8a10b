/* sbx: the kernel overlayfs backend of the copy-on-write root; see
   overlay.h.  In a user namespace (Linux 5.11, userxattr) over a --rootfs
   tree or an image's layers, with their real owners; never over the
   host's / (its submounts are locked).  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mountapi.h"
#include "overlay-backend.h"
#include "base/util.h"

static int
kernel_mount (const char *lowers, const char *upper, const char *work, const char *target,
              sbx_error_t *err)
{
  cleanup_free char *l = xasprintf ("lowerdir=%s", lowers);
  cleanup_free char *u = xasprintf ("upperdir=%s", upper);
  cleanup_free char *w = xasprintf ("workdir=%s", work);
  /* userxattr: an unprivileged overlay keeps its whiteouts and opaque
     marks in user.* xattrs (Linux 5.11).  */
  const char *const opts[] = { l, u, w, "userxattr", NULL };
  cleanup_close int mfd = sbx_mnt_new_fs ("overlay", opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);

  if (mfd < 0)
    return sbx_error_hint (err, "the kernel's overlayfs is not usable here (it needs Linux 5.11 "
                                "in a user namespace, and refuses some lower layers); use "
                                "--overlay fuse");
  return sbx_mnt_attach_path (mfd, target, err);
}

static char *
image_layer_name (size_t i, const void *ctx)
{
  const struct sbx_rootfs_rt *rt = ctx;
  return xstrdup (rt->image_layers[i]);
}

/* implements sbx_overlay_backend.mount_tree; `lower` is unused: the
   kernel cannot stack over the host's assembled tree.  */
static int
kernel_mount_tree (const struct sbx_rootfs_rt *rt, const char *lower, const char *target,
                   sbx_error_t *err)
{
  cleanup_free char *lowers = NULL;

  (void)lower;
  if (rt->n_image_layers > 0)
    lowers = sbx_overlay_lowers (rt->n_image_layers, image_layer_name, rt);
  else if (rt->lower_dir)
    {
      if (sbx_overlay_owner_unmapped (rt->lower_dir))
        return sbx_error_make (err, 0,
                               "--overlay kernel: --rootfs %s belongs to an owner the sandbox "
                               "does not map (root's, as debootstrap run as root leaves it): "
                               "nothing in it could be changed through the kernel's overlay; "
                               "use --overlay fuse, which shows the tree as the program's, or "
                               "make the tree yours",
                               rt->lower_name);
      lowers = xstrdup (rt->lower_dir);
    }
  else
    return sbx_error_make (err, 0, "--overlay kernel needs --rootfs or --image");
  if (kernel_mount (lowers, rt->state.upper, rt->state.work, target, err) < 0)
    return sbx_error_prefix (err, "--overlay kernel");
  return 0;
}

bool
sbx_overlay_kernel_works (const struct sbx_rootfs_rt *rt, const char *scratch)
{
  /* Tried with the real layers: the kernel may take a tmpfs pair and
     still refuse the upper's filesystem or a lower's.  */
  const char *lower = rt->lower_dir            ? rt->lower_dir
                      : rt->n_image_layers > 0 ? rt->image_layers[rt->n_image_layers - 1]
                                               : "/usr";
  cleanup_free char *u = xasprintf ("%s/.probe-u", rt->state.upper);
  cleanup_free char *w = xasprintf ("%s/.probe-w", rt->state.work);
  cleanup_free char *m = xasprintf ("%s/m", scratch);
  sbx_error_t err = NULL;
  bool ok;

  if (rt->lower_dir && sbx_overlay_owner_unmapped (rt->lower_dir))
    return false;
  mkdir (scratch, 0700);
  mkdir (m, 0700);
  mkdir (u, 0700);
  mkdir (w, 0700);
  ok = kernel_mount (lower, u, w, m, &err) == 0;
  sbx_error_release (&err);
  if (ok)
    umount2 (m, MNT_DETACH);
  sbx_state_remove_tree (AT_FDCWD, u);
  sbx_state_remove_tree (AT_FDCWD, w);
  return ok;
}

const struct sbx_overlay_backend sbx_overlay_kernel = {
  .name = "kernel overlayfs",
  .writable = true,
  .needs_tree = false,
  .mount_tree = kernel_mount_tree,
  .keep = NULL,
};
