/* sbx: the copy-on-write root.  The lower layer is the host's tree (as
   layout.c assembles it, without /proc, /dev, /tmp, /run, /home) or a
   --rootfs directory; the upper and work dirs come from state.c.  Two
   backends behind one small table: fuse-overlayfs (the default, works for
   every lower) and the kernel's overlayfs in the user namespace (one
   mount per top-level directory of the host, since the kernel refuses a
   lower with locked submounts such as /).  */
#ifndef SBX_OVERLAY_H
#define SBX_OVERLAY_H

#include <stdbool.h>

#include "base/error.h"
#include "spec.h"
#include "state.h"

/* Resolved by the parent, used by the child.  */
struct sbx_rootfs_rt
{
  enum sbx_overlay_kind kind; /* auto is decided in the child */
  const char *lower_dir;      /* --rootfs, or NULL for the host's tree */
  const char *lower_name;     /* --rootfs as the user wrote it, for errors */
  char *const *image_layers;  /* --image: the layers, bottom first */
  size_t n_image_layers;
  struct sbx_state state; /* upper/work; unused with none */
  char *fuse_bin;         /* fuse-overlayfs, found on PATH (absolute entries) */
  char *data_dir;         /* for the clean-up of stale ephemeral state */
  uid_t uid;              /* the program's ids inside, for ownership */
  gid_t gid;
};

/* Parent: find the tools, make and lock the state directory.  */
int sbx_rootfs_prepare (const struct sbx_rootspec *spec, const struct sbx_ids *ids,
                        struct sbx_rootfs_rt *rt, sbx_error_t *err);
void sbx_rootfs_release (struct sbx_rootfs_rt *rt);

/* Child, in its own mount namespace, before anything is mounted: hold
   each layer (--rootfs, the image's layers, the state directory) by an
   O_PATH fd and name it /proc/self/fd/N from then on.  The new root is
   staged on a tmpfs over /tmp, which would hide a --rootfs, an image
   store or a state directory that lies below /tmp.  */
int sbx_rootfs_pin (struct sbx_rootfs_rt *rt, sbx_error_t *err);

struct sbx_overlay_backend
{
  const char *name;
  /* Mount the overlay of `lower` (a path) on `target` (a path).  */
  int (*mount_tree) (const struct sbx_rootfs_rt *rt, const char *lower, const char *upper,
                     const char *work, const char *target, sbx_error_t *err);
};

extern const struct sbx_overlay_backend sbx_overlay_fuse;
extern const struct sbx_overlay_backend sbx_overlay_kernel;

/* Child, fuse backend, before pivot_root: the daemon's root must stay
   attached in the sandbox's mount tree, or the lazy detach of the old
   root takes its lower layer's submounts away from it.  It goes under
   the new root's /run, covered by an empty read-only tmpfs.  */
int sbx_overlay_fuse_keep (int rootfd, sbx_error_t *err);

/* Child: whether the kernel's overlayfs works in this user namespace
   over these layers, tried with a mount point below `scratch`.  */
bool sbx_overlay_kernel_works (const struct sbx_rootfs_rt *rt, const char *scratch);

#endif
