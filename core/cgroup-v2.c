/* sbx: the cgroup v2 backend (cgroup.h's table).
 *
 * Delegation in v2 means: the user may make directories in a cgroup Q and
 * write its cgroup.procs, and Q's cgroup.subtree_control hands the
 * controllers down.  The sandbox's leaf goes below Q.  The
 * no-internal-processes rule says a cgroup that enables controllers for
 * its children holds no processes itself, and sbx runs in its own cgroup,
 * so that cgroup can be Q only if the controllers are already enabled in
 * it, or if sbx is alone there (a scope made for it: `systemd-run --user
 * --scope -p Delegate=yes sbx ...`): then sbx steps into a child of its
 * own first.  Otherwise Q is its parent and the leaf is a sibling of sbx's
 * cgroup: only the sandbox's new init moves there (the kernel lets a
 * process be moved by one who can write the cgroup.procs of the common
 * ancestor, Q).  sbx never moves any other process to make room.  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup-backend.h"

#define names sbx_cgroup_v2_names
#define N_NAMES SBX_CG_COUNT

static char *
read_text (const char *dir, const char *file)
{
  cleanup_free char *path = sbx_cgroup_join (dir, file);
  cleanup_error sbx_error_t ignored = NULL;
  char *text = NULL;
  if (sbx_read_file (path, &text, NULL, &ignored) < 0)
    return NULL;
  return text;
}

/* The needed controllers `list` (cgroup.controllers or subtree_control)
   lacks, space-separated, or "" when none.  */
static char *
missing (unsigned needs, const char *list)
{
  char *out = xstrdup ("");
  for (size_t i = 0; i < N_NAMES; i++)
    if ((needs & (1u << i)) && names[i] && !sbx_cgroup_has_word (list, names[i]))
      {
        char *n = xasprintf ("%s%s%s", out, *out ? " " : "", names[i]);
        free (out);
        out = n;
      }
  return out;
}

static bool
has_processes (const char *dir)
{
  cleanup_free char *procs = read_text (dir, "cgroup.procs");
  return procs == NULL || procs[strspn (procs, " \n")] != '\0';
}

/* Whether sbx is the only process in `dir`.  */
static bool
only_me (const char *dir)
{
  cleanup_free char *procs = read_text (dir, "cgroup.procs");
  char me[32];
  snprintf (me, sizeof me, "%d\n", (int)getpid ());
  return procs && strcmp (procs, me) == 0;
}

/* Whether the leaf may go below `q`; sets *enable when q's
   subtree_control must be written first.  */
static bool
usable_parent (const char *q, unsigned needs, bool *enable)
{
  cleanup_free char *ctl = read_text (q, "cgroup.controllers");
  cleanup_free char *sub = read_text (q, "cgroup.subtree_control");
  cleanup_free char *lack_ctl = NULL, *lack_sub = NULL;
  cleanup_free char *sub_path = sbx_cgroup_join (q, "cgroup.subtree_control");

  if (ctl == NULL || sub == NULL || !sbx_cgroup_dir_delegated (q))
    return false;
  lack_ctl = missing (needs, ctl);
  lack_sub = missing (needs, sub);
  if (*lack_ctl)
    return false;
  *enable = *lack_sub != '\0';
  return !*enable || (access (sub_path, W_OK) == 0 && !has_processes (q));
}

static char *
parent_of (const char *path)
{
  char *p = xstrdup (path), *slash = strrchr (p, '/');
  if (slash == NULL || slash == p)
    p[1] = '\0';
  else
    *slash = '\0';
  return p;
}

/* implements sbx_cgroup_backend.probe */
static int
v2_probe (const struct sbx_cgroup_layout *l, uid_t uid, struct sbx_cgroup *cg, sbx_error_t *err)
{
  cleanup_free char *self = NULL, *up = NULL, *ctl = NULL, *lack = NULL, *wanted = NULL;
  const char *best;
  bool enable = false;

  (void)uid;
  if (l->v2_mount == NULL)
    return sbx_error_make (err, 0, "cgroup v2: no unified hierarchy is mounted");
  self = sbx_cgroup_join (l->v2_mount, l->v2_path);
  if (usable_parent (self, cg->needs, &enable))
    {
      cg->parents[0] = steal_pointer (&self);
      cg->enable_subtree = enable;
      cg->n = 1;
      return 0;
    }
  /* Alone in a delegated cgroup that has the controllers: the leaf goes
     below it, once sbx has stepped aside into a child of its own (so the
     sandbox stays inside the scope that was made for it).  */
  if (strcmp (l->v2_path, "/") != 0 && only_me (self) && sbx_cgroup_dir_delegated (self))
    {
      cleanup_free char *have = read_text (self, "cgroup.controllers");
      cleanup_free char *sub = read_text (self, "cgroup.subtree_control");
      cleanup_free char *lack_have = missing (cg->needs, have);
      cleanup_free char *lack_sub = missing (cg->needs, sub);
      cleanup_free char *sub_path = sbx_cgroup_join (self, "cgroup.subtree_control");
      if (have && sub && !*lack_have && access (sub_path, W_OK) == 0)
        {
          cg->parents[0] = steal_pointer (&self);
          cg->enable_subtree = *lack_sub != '\0';
          cg->step_aside = true;
          cg->n = 1;
          return 0;
        }
    }
  if (strcmp (l->v2_path, "/") != 0)
    {
      cleanup_free char *rel = parent_of (l->v2_path);
      up = sbx_cgroup_join (l->v2_mount, rel);
      if (strcmp (rel, "/") != 0 && usable_parent (up, cg->needs, &enable))
        {
          cg->parents[0] = steal_pointer (&up);
          cg->enable_subtree = enable;
          cg->n = 1;
          return 0;
        }
    }
  /* Why not, said about the cgroup the leaf would have gone below: the
     parent where there is one (what it has, sbx's own cgroup can get).  */
  best = up && strcmp (up, l->v2_mount) != 0 ? up : self;
  wanted = missing (cg->needs, "");
  ctl = read_text (best, "cgroup.controllers");
  if (ctl)
    ctl[strcspn (ctl, "\n")] = '\0';
  lack = missing (cg->needs, ctl);
  if (*lack)
    return sbx_error_make (err, 0,
                           "cgroup v2: your cgroup `%s` has no %s controller (its "
                           "cgroup.controllers: %s); an administrator can delegate them "
                           "(systemd: Delegate=%s in user@.service), or run sbx in a delegated "
                           "scope: systemd-run --user --scope -p Delegate=yes sbx ...",
                           best, lack, ctl && ctl[strspn (ctl, " \n")] ? ctl : "none", wanted);
  if (sbx_cgroup_dir_delegated (self) && has_processes (self))
    return sbx_error_make (err, 0,
                           "cgroup v2: your cgroup `%s` holds processes, so it cannot enable "
                           "controllers for a child (the no-internal-processes rule), and its "
                           "parent is not delegated to you; run sbx in a delegated scope: "
                           "systemd-run --user --scope -p Delegate=yes sbx ...",
                           self);
  return sbx_error_make (err, 0,
                         "cgroup v2: your cgroup `%s` is not delegated to you (you cannot make "
                         "cgroups in it or its parent and write their cgroup.procs); run sbx in a "
                         "delegated scope: systemd-run --user --scope -p Delegate=yes sbx ...",
                         self);
}

/* implements sbx_cgroup_backend.create */
static int
v2_create (struct sbx_cgroup *cg, const char *name, sbx_error_t *err)
{
  if (cg->step_aside)
    {
      /* Named like a leaf (sbx-PID-HEX), so that once sbx is gone and it
         is empty a later run's sweep removes it, as systemd does the
         scope.  */
      cleanup_free char *me = sbx_cgroup_leaf_name (), *dir = NULL;
      char pid[32];
      if (sbx_cgroup_mkdir (cg->parents[0], me, &dir, err) < 0)
        return -1;
      snprintf (pid, sizeof pid, "%d", (int)getpid ());
      if (sbx_cgroup_write (dir, "cgroup.procs", pid, err) < 0)
        {
          rmdir (dir);
          return sbx_error_prefix (err, "step aside into a cgroup of sbx's own");
        }
      sbx_log_debug ("cgroup: sbx moved itself into %s", dir);
    }
  if (cg->enable_subtree)
    {
      cleanup_free char *plus = xstrdup ("");
      for (size_t i = 0; i < N_NAMES; i++)
        if ((cg->needs & (1u << i)) && names[i])
          {
            char *n = xasprintf ("%s%s+%s", plus, *plus ? " " : "", names[i]);
            free (plus);
            plus = n;
          }
      if (sbx_cgroup_write (cg->parents[0], "cgroup.subtree_control", plus, err) < 0)
        return -1;
    }
  return sbx_cgroup_mkdir (cg->parents[0], name, &cg->dirs[0], err);
}

/* implements sbx_cgroup_backend.apply */
static int
v2_apply (struct sbx_cgroup *cg, const struct sbx_limits *lim, sbx_error_t *err)
{
  const char *d = cg->dirs[0];
  char buf[64];

  if (lim->memory && sbx_cgroup_write_u64 (d, "memory.max", lim->memory, err) < 0)
    return -1;
  if (lim->swap_set && sbx_cgroup_write_u64 (d, "memory.swap.max", lim->memory_swap, err) < 0)
    {
      if ((*err)->status == ENOENT)
        sbx_error_hint (err, "this kernel does not account swap (CONFIG_MEMCG_SWAP)");
      return -1;
    }
  if (lim->pids && sbx_cgroup_write_u64 (d, "pids.max", lim->pids, err) < 0)
    return -1;
  if (lim->cpu_milli)
    {
      snprintf (buf, sizeof buf, "%llu %u",
                (unsigned long long)sbx_cgroup_cpu_quota (lim->cpu_milli),
                (unsigned)SBX_CGROUP_CPU_PERIOD);
      if (sbx_cgroup_write (d, "cpu.max", buf, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < lim->n_hugetlb; i++)
    {
      char page[16], file[64];
      sbx_cgroup_hugetlb_name (lim->hugetlb[i].page, page, sizeof page);
      snprintf (file, sizeof file, "hugetlb.%s.max", page);
      if (sbx_cgroup_write_u64 (d, file, lim->hugetlb[i].limit, err) < 0)
        return -1;
      /* Reservations too (Linux 5.7+), so that mmap fails with ENOMEM at
         the limit instead of a SIGBUS at the first touch past it.  */
      snprintf (file, sizeof file, "hugetlb.%s.rsvd.max", page);
      if (sbx_cgroup_write_u64 (d, file, lim->hugetlb[i].limit, err) < 0)
        {
          if ((*err)->status != ENOENT)
            return -1;
          sbx_error_release (err);
        }
    }
  if (lim->io_weight)
    {
      snprintf (buf, sizeof buf, "default %u", lim->io_weight);
      if (sbx_cgroup_write (d, "io.weight", buf, err) < 0)
        {
          if ((*err)->status == ENOENT)
            sbx_error_hint (err, "io.weight needs the BFQ or iocost I/O scheduler");
          return -1;
        }
    }
  return 0;
}

/* implements sbx_cgroup_backend.stats */
static int
v2_stats (const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st, sbx_error_t *err)
{
  const char *d = cg->dirs[0];
  int64_t usec;

  (void)err;
  st->memory_current = sbx_cgroup_read_num (d, "memory.current", NULL);
  st->memory_peak = sbx_cgroup_read_num (d, "memory.peak", NULL);
  st->pids_current = sbx_cgroup_read_num (d, "pids.current", NULL);
  st->pids_peak = sbx_cgroup_read_num (d, "pids.peak", NULL);
  usec = sbx_cgroup_read_num (d, "cpu.stat", "usage_usec");
  st->cpu_usec = usec;
  st->oom_kills = sbx_cgroup_read_num (d, "memory.events", "oom_kill");
  return 0;
}

const struct sbx_cgroup_backend sbx_cgroup_v2 = {
  .name = "cgroup v2",
  .probe = v2_probe,
  .create = v2_create,
  .apply = v2_apply,
  .attach = sbx_cgroup_attach_dirs,
  .stats = v2_stats,
  .remove = sbx_cgroup_remove_dirs,
};
