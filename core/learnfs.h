/* sbx: the launcher's side of sbx-learnfs, the recording layer of `sbx
   learn` (cmd/sbx-learnfs.c).  The child asks for it once fuse-overlayfs
   has mounted (SBX_SYNC_LEARNFS, overlay-fuse.c); the launcher runs it
   like fuse-overlayfs (overlay-daemon.h: the sandbox's user and mount
   namespaces, fuse-overlayfs' root, outside the PID namespace), with the
   log the spec names as its fd 3 and the secrets to hide.  */
#ifndef SBX_LEARNFS_H
#define SBX_LEARNFS_H

#include "base/error.h"
#include "overlay-daemon.h"
#include "spec.h"

struct sbx_learnfs
{
  int exe;     /* sbx-learnfs, opened and judged (base/libexec.h); -1: not learning */
  char *path;  /* where it was found */
  char **argv; /* NULL-terminated */
  int log_fd;  /* borrowed from the spec */
  struct sbx_overlay_daemon daemon;
};

void sbx_learnfs_init (struct sbx_learnfs *lf);

/* Parent, before the child exists: find the helper and write its
   command line; nothing when the spec does not learn.  */
int sbx_learnfs_prepare (const struct sbx_spec *spec, struct sbx_learnfs *lf, sbx_error_t *err);

/* Start it in the namespaces of `sandbox` (a pidfd), in `root`.  */
int sbx_learnfs_start (struct sbx_learnfs *lf, int sandbox, int root, sbx_error_t *err);

/* Stop it (the first thing torn down: it serves the root) and free.  */
void sbx_learnfs_free (struct sbx_learnfs *lf);

#endif
