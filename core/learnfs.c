/* sbx: starting sbx-learnfs; see learnfs.h.  */
#define _GNU_SOURCE
#include "learnfs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/libexec.h"
#include "base/util.h"
#include "layout.h"

void
sbx_learnfs_init (struct sbx_learnfs *lf)
{
  memset (lf, 0, sizeof *lf);
  lf->exe = -1;
  lf->log_fd = -1;
  sbx_overlay_daemon_init (&lf->daemon);
  lf->daemon.name = "sbx-learnfs";
}

int
sbx_learnfs_prepare (const struct sbx_spec *spec, struct sbx_learnfs *lf, sbx_error_t *err)
{
  const char *const *secrets = sbx_layout_secret_dirs ();
  size_t n = 0, k = 0;

  if (spec->learn.fs_log_fd < 0)
    return 0;
  lf->exe = sbx_libexec_open ("sbx-learnfs", &lf->path, err);
  if (lf->exe < 0)
    return -1;
  lf->log_fd = spec->learn.fs_log_fd;
  while (secrets[n])
    n++;
  lf->argv = xmalloc0 ((n + 6) * sizeof *lf->argv);
  lf->argv[k++] = xstrdup (lf->path);
  lf->argv[k++] = xstrdup (SBX_LIBEXEC_VERSION_ARG);
  lf->argv[k++] = xstrdup ("--log-fd=3");
  /* fuse-overlayfs' mount, in the root both run in (overlay-fuse.c).  */
  lf->argv[k++] = xstrdup ("--source=/merged");
  /* The home's secrets, where the learning run shows the home.  */
  for (size_t i = 0; spec->learn.show_home && spec->user.home && i < n; i++)
    lf->argv[k++] = xasprintf ("--hide=%s/%s", spec->user.home, secrets[i]);
  lf->argv[k++] = xstrdup ("/learn");
  return 0;
}

int
sbx_learnfs_start (struct sbx_learnfs *lf, int sandbox, int root, sbx_error_t *err)
{
  if (lf->exe < 0)
    return sbx_error_make (err, 0, "sbx-learnfs asked for, but sbx is not learning");
  return sbx_overlay_daemon_start_helper (&lf->daemon, lf->exe, lf->argv, sandbox, root, lf->log_fd,
                                          err);
}

void
sbx_learnfs_free (struct sbx_learnfs *lf)
{
  sbx_overlay_daemon_stop (&lf->daemon);
  if (lf->exe >= 0)
    close (lf->exe);
  lf->exe = -1;
  for (size_t i = 0; lf->argv && lf->argv[i]; i++)
    free (lf->argv[i]);
  free (lf->argv);
  lf->argv = NULL;
  free (lf->path);
  lf->path = NULL;
}
