/* sbx: what the copy-on-write root's backends share.  Only overlay*.c
   include this; everyone else goes through overlay.h's table.  */
#ifndef SBX_OVERLAY_BACKEND_H
#define SBX_OVERLAY_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "overlay.h"

extern const struct sbx_overlay_backend sbx_overlay_none;
extern const struct sbx_overlay_backend sbx_overlay_fuse;
extern const struct sbx_overlay_backend sbx_overlay_kernel;

/* Whether the owner of `dir` is one the sandbox's user namespace does
   not map (it shows as the overflow uid).  */
bool sbx_overlay_owner_unmapped (const char *dir);

/* An overlay's lowerdir value: the `n` layers named by `name` (i counts
   from the bottom), top one first as overlays want them, ':'-separated.  */
char *sbx_overlay_lowers (size_t n, char *(*name) (size_t i, const void *ctx), const void *ctx);

/* Whether the kernel's overlayfs works in this user namespace over rt's
   layers, tried with a mount point below `scratch`.  */
bool sbx_overlay_kernel_works (const struct sbx_rootfs_rt *rt, const char *scratch);

#endif
