/* sbx: a delegated systemd scope where the caller's cgroup is not
 * delegated but a systemd user manager runs, as crun and podman do: sbx
 * runs itself again through `systemd-run --user --scope -p Delegate=yes`,
 * and the v2 backend then finds sbx alone in a cgroup of the user's and
 * steps aside into a child of it (cgroup-v2.c).  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup-backend.h"
#include "helpers.h"

bool
sbx_cgroup_scope_fits (const char *v2_root_controllers, unsigned needs)
{
  for (unsigned i = 0; i < SBX_CG_COUNT; i++)
    if ((needs & (1u << i)) && sbx_cgroup_v2_names[i]
        && !sbx_cgroup_has_word (v2_root_controllers, sbx_cgroup_v2_names[i]))
      return false;
  return true;
}

char *
sbx_cgroup_scope_runner (const struct sbx_limits *lim)
{
  struct sbx_cgroup_layout l;
  struct sbx_cgroup cg;
  cleanup_error sbx_error_t err = NULL;
  cleanup_free char *root_ctl = NULL, *ctl_path = NULL, *private = NULL;
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  unsigned needs = sbx_cgroup_needs (lim);
  struct stat st;
  bool delegated;

  /* Once: the run inside the scope takes what it finds.  */
  if (!sbx_cgroup_wanted (lim) || getenv (SBX_CGROUP_SCOPE_ENV) != NULL || runtime == NULL
      || *runtime != '/')
    return NULL;
  private = xasprintf ("%s/systemd/private", runtime);
  if (stat (private, &st) < 0 || !S_ISSOCK (st.st_mode))
    return NULL; /* no user manager */
  if (sbx_cgroup_discover (&l, &err) < 0)
    return NULL;
  delegated = sbx_cgroup_choose (&l, needs, getuid (), &cg, &err) == 0;
  sbx_cgroup_release (&cg);
  /* Only where the v2 hierarchy has every controller the limits need:
     elsewhere a scope would not help.  */
  if (!delegated && l.v2_mount)
    {
      ctl_path = sbx_cgroup_join (l.v2_mount, "cgroup.controllers");
      sbx_read_file (ctl_path, &root_ctl, NULL, &err);
    }
  sbx_cgroup_layout_free (&l);
  if (delegated || root_ctl == NULL || !sbx_cgroup_scope_fits (root_ctl, needs))
    return NULL;
  sbx_log_debug ("cgroup: %s", err ? err->msg : "not delegated here");
  return sbx_helper_find ("systemd-run", NULL);
}
