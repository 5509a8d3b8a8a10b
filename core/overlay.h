/* sbx: the copy-on-write root.  The lower layer is the host's tree (as
   layout.c assembles it, without /proc, /dev, /tmp, /run, /home), a
   --rootfs directory or an image's layers; the upper and work dirs come
   from state.c.  Three backends behind one table, chosen once:
   fuse-overlayfs (the default, works for every lower; overlay-fuse.c),
   the kernel's overlayfs in the user namespace (for --rootfs and images:
   the kernel refuses the host's / with its locked submounts;
   overlay-kernel.c), and none (the lower layer read-only).  */
#ifndef SBX_OVERLAY_H
#define SBX_OVERLAY_H

#include <stdbool.h>

#include "base/error.h"
#include "spec.h"
#include "state.h"

struct sbx_overlay_backend;

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
  int sock;     /* child: the sync socket, to ask sbx for fuse-overlayfs */
  bool learnfs; /* sbx learn: sbx-learnfs stacked over fuse-overlayfs' mount */
  const struct sbx_overlay_backend *backend; /* chosen once, in the child */
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

/* A backend of the copy-on-write root, chosen once (sbx_overlay_choose)
   and used through this table only.  */
struct sbx_overlay_backend
{
  const char *name;
  bool writable;   /* false: the lower layer itself, read-only (none) */
  bool needs_tree; /* without --rootfs or an image: the host's tree, assembled */
  /* Child: mount the root of rt's layers on `target`; `lower` is the
     host's assembled tree (a path) when neither --rootfs nor an image
     gives the layers.  */
  int (*mount_tree) (const struct sbx_rootfs_rt *rt, const char *lower, const char *target,
                     sbx_error_t *err);
  /* Child, the new root built, before pivot_root: keep what serves the
     root reachable; NULL when nothing does.  */
  int (*keep) (int rootfd, sbx_error_t *err);
};

/* Child: the backend, chosen once and kept in rt->backend; --overlay
   auto tries the kernel's overlay over the real layers, with a mount
   point below `scratch`, and falls back to fuse-overlayfs.  */
const struct sbx_overlay_backend *sbx_overlay_choose (struct sbx_rootfs_rt *rt,
                                                      const char *scratch);

#endif
