/* sbx: what a sandbox's filesystem looks like: the host's / read-only,
   fresh /proc, a minimal /dev with a private devpts, /sys read-only,
   private /tmp and /run, the homes hidden (the caller's own is an empty
   tmpfs, with the current directory shown read-only when it lies in it),
   then the user's own mounts in order.  */
#ifndef SBX_LAYOUT_H
#define SBX_LAYOUT_H

#include "mounts.h"
#include "spec.h"
#include "trust.h"

struct sbx_layout_in
{
  const struct sbx_mounts *mounts; /* the user's, applied last */
  const struct sbx_ids *ids;
  const char *home; /* the caller's home on the host */
  const char *cwd;  /* the caller's cwd to show read-only, or NULL */
  const char *hostname;
  const struct sbx_netspec *net;
  const char *rootfs; /* --rootfs: the lower layer instead of the host's tree */
  bool cow;           /* the root is a copy-on-write overlay */
  /* sbx learn: the caller's real home in the lower layer, so that the
     program finds its files and changes none (sbx-learnfs hides the
     secrets in it).  Only with cow.  */
  bool show_home;
  /* host-tree: only these host paths of the host's tree; none: all.  */
  char *const *host_tree;
  size_t n_host_tree;
  /* sbx's own directories on the host (trust.h), hidden in the sandbox
     wherever a mount would show them; NULL entries are skipped.  */
  const char *own_dirs[SBX_OWN_N];
};

int sbx_layout_plan (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, sbx_error_t *err);

/* The top-level directory the sandbox has of its own (proc, sys, dev,
   tmp, run, home) that `path` lies in, or NULL.  Pure.  */
const char *sbx_layout_replaced_top (const char *path);

/* Whether the caller's cwd may be shown: below home, and neither inside
   nor above a place where secrets live (~/.ssh, ~/.gnupg...).  Pure.  */
bool sbx_layout_cwd_shown (const char *home, const char *cwd);

/* Where a user's secrets live, relative to the home (".ssh",
   ".config/gcloud"...), NULL-terminated.  */
const char *const *sbx_layout_secret_dirs (void);

#endif
