/* sbx: what a sandbox's filesystem looks like: the host's / read-only,
   fresh /proc, a minimal /dev with a private devpts, /sys read-only,
   private /tmp and /run, then the user's own mounts in order.  */
#ifndef SBX_LAYOUT_H
#define SBX_LAYOUT_H

#include "mounts.h"
#include "spec.h"

int sbx_layout_plan (const struct sbx_mounts *user, const struct sbx_ids *ids,
                     struct sbx_mount_plan *plan, sbx_error_t *err);

#endif
