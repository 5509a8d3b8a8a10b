/* sbx: the sandbox's filesystem as a plan of typed operations, applied in
   order by one function (the shape of bubblewrap's SetupOp list).
   layout.c writes the plan; this file opens the sources and applies it
   below a new root, then pivots into it.  */
#ifndef SBX_MOUNTS_H
#define SBX_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "spec.h"

enum sbx_mop_kind
{
  SBX_MOP_HOST_TREE,   /* a copy of a host path (with its submounts) */
  SBX_MOP_FS,          /* a new filesystem instance (tmpfs, proc, devpts...) */
  SBX_MOP_RO_SELF,     /* a path already inside, bound read-only over itself */
  SBX_MOP_SYMLINK,     /* a symlink dst -> src */
  SBX_MOP_FILE,        /* a file dst with the contents src, on a writable tmpfs */
  SBX_MOP_BIND_INSIDE, /* a file or tree already inside (src) bound at dst */
  SBX_MOP_DIR,         /* an empty directory dst (a mount point of the lower layer) */
};

#define SBX_MOP_MAX_OPTS 4

struct sbx_mop
{
  enum sbx_mop_kind kind;
  char *src;                              /* host path; fs type; symlink target */
  char *dst;                              /* absolute path inside the sandbox */
  const char *opts[SBX_MOP_MAX_OPTS + 1]; /* fs options, static strings */
  unsigned flags;                         /* SBX_MNT_* */
  bool optional;                          /* a failure skips the op (RO_SELF on a missing path) */
  char *fallback;                         /* FS only: host path to copy when the fs is refused */
  char *what; /* how the user asked for it, for errors ("--bind x:/y") */
  int srcfd;  /* HOST_TREE: the copied tree, opened before the root */
  bool src_is_dir;
  bool lower; /* part of the lower layer (the host\'s tree) */
};

struct sbx_mount_plan
{
  struct sbx_mop *ops;
  size_t n;
};

void sbx_mount_plan_free (struct sbx_mount_plan *plan);
struct sbx_mop *sbx_mount_plan_add (struct sbx_mount_plan *plan, enum sbx_mop_kind kind,
                                    const char *src, const char *dst, unsigned flags);

/* Copy every host tree the plan needs while the host's paths are still
   in view.  */
int sbx_mounts_open_sources (struct sbx_mount_plan *plan, sbx_error_t *err);

struct sbx_rootfs_rt;

/* Make the new root, apply the plan below it, pivot_root into it and
   detach the old root.  The root is the copy-on-write overlay of the
   lower layer (the plan's `lower` operations on a tmpfs, or --rootfs) or,
   without an overlay, that lower layer read-only.  The caller is in its
   own mount namespace with private propagation.  */
int sbx_mounts_enter (struct sbx_mount_plan *plan, struct sbx_rootfs_rt *rootfs, sbx_error_t *err);

#endif
