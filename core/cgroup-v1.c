/* sbx: the cgroup v1 backend (cgroup.h's table), for v1 and hybrid hosts.
 *
 * v1 has no delegation of its own: an administrator makes a directory in
 * each controller's hierarchy and gives it to the user (the directory, its
 * cgroup.procs and tasks).  sbx looks, for each controller the limits
 * need, below the caller's own cgroup in that hierarchy: first for
 * `sbx-<uid>` (a directory delegated to this user), then at the caller's
 * cgroup itself (when the whole of it was delegated).  The leaf goes
 * there, so the sandbox stays below the cgroup it was started in and is
 * still counted by it; sbx never looks above it.  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cgroup-backend.h"

#define names sbx_cgroup_v1_names
#define N_NAMES SBX_CG_COUNT

/* implements sbx_cgroup_backend.probe */
static int
v1_probe (const struct sbx_cgroup_layout *l, uid_t uid, struct sbx_cgroup *cg, sbx_error_t *err)
{
  for (size_t i = 0; i < N_NAMES; i++)
    {
      const struct sbx_cgroup_v1 *v;
      cleanup_free char *base = NULL, *mine = NULL, *sub = NULL;
      size_t k;

      if (!(cg->needs & (1u << i)))
        continue;
      v = sbx_cgroup_v1_find (l, names[i]);
      if (v == NULL)
        return sbx_error_make (err, 0, "cgroup v1: no %s hierarchy is mounted", names[i]);
      /* Controllers mounted together ("cpu,cpuacct") share one leaf.  */
      for (k = 0; k < cg->n; k++)
        if (strncmp (cg->parents[k], v->mount, strlen (v->mount)) == 0
            && (cg->parents[k][strlen (v->mount)] == '/'
                || cg->parents[k][strlen (v->mount)] == '\0'))
          break;
      if (k < cg->n)
        {
          cg->controls[k] |= 1u << i;
          continue;
        }
      if (cg->n == SBX_CGROUP_MAX_DIRS)
        return sbx_error_make (err, E2BIG, "cgroup v1: too many hierarchies");
      base = sbx_cgroup_join (v->mount, v->path);
      sub = xasprintf ("sbx-%u", (unsigned)uid);
      mine = sbx_cgroup_join (base, sub);
      if (sbx_cgroup_dir_delegated (mine))
        cg->parents[k] = steal_pointer (&mine);
      else if (sbx_cgroup_dir_delegated (base))
        cg->parents[k] = steal_pointer (&base);
      else
        return sbx_error_make (err, 0,
                               "cgroup v1: no %s cgroup is delegated to you: `%s` is not "
                               "writable by you; an administrator can delegate one: mkdir %s && "
                               "chown %u %s %s/cgroup.procs %s/tasks",
                               names[i], mine, mine, (unsigned)uid, mine, mine, mine);
      cg->controls[k] = 1u << i;
      cg->n++;
    }
  return 0;
}

/* implements sbx_cgroup_backend.create */
static int
v1_create (struct sbx_cgroup *cg, const char *name, sbx_error_t *err)
{
  for (size_t k = 0; k < cg->n; k++)
    if (sbx_cgroup_mkdir (cg->parents[k], name, &cg->dirs[k], err) < 0)
      return -1;
  return 0;
}

/* The leaf that serves `bit`, or NULL.  */
static const char *
dir_for (const struct sbx_cgroup *cg, unsigned bit)
{
  for (size_t k = 0; k < cg->n; k++)
    if (cg->controls[k] & bit)
      return cg->dirs[k];
  return NULL;
}

/* implements sbx_cgroup_backend.apply */
static int
v1_apply (struct sbx_cgroup *cg, const struct sbx_limits *lim, sbx_error_t *err)
{
  const char *d;

  if ((d = dir_for (cg, SBX_CG_MEMORY)) != NULL)
    {
      if (lim->swap_set && lim->memory == 0)
        return sbx_error_make (err, 0, "cgroup v1 limits swap only with memory: give --memory");
      if (lim->memory && sbx_cgroup_write_u64 (d, "memory.limit_in_bytes", lim->memory, err) < 0)
        return -1;
      /* memsw is memory and swap together, set after memory (the kernel
         refuses a memsw limit below the memory limit).  */
      if (lim->swap_set
          && sbx_cgroup_write_u64 (d, "memory.memsw.limit_in_bytes", lim->memory + lim->memory_swap,
                                   err)
                 < 0)
        {
          if ((*err)->status == ENOENT)
            sbx_error_hint (err, "swap accounting is off (boot with swapaccount=1)");
          return -1;
        }
    }
  if (lim->pids && (d = dir_for (cg, SBX_CG_PIDS)) != NULL
      && sbx_cgroup_write_u64 (d, "pids.max", lim->pids, err) < 0)
    return -1;
  if (lim->cpu_milli && (d = dir_for (cg, SBX_CG_CPU)) != NULL)
    {
      if (sbx_cgroup_write_u64 (d, "cpu.cfs_period_us", SBX_CGROUP_CPU_PERIOD, err) < 0
          || sbx_cgroup_write_u64 (d, "cpu.cfs_quota_us", sbx_cgroup_cpu_quota (lim->cpu_milli),
                                   err)
                 < 0)
        return -1;
    }
  if ((d = dir_for (cg, SBX_CG_HUGETLB)) != NULL)
    for (size_t i = 0; i < lim->n_hugetlb; i++)
      {
        char page[16], file[64];
        sbx_cgroup_hugetlb_name (lim->hugetlb[i].page, page, sizeof page);
        snprintf (file, sizeof file, "hugetlb.%s.limit_in_bytes", page);
        if (sbx_cgroup_write_u64 (d, file, lim->hugetlb[i].limit, err) < 0)
          return -1;
      }
  if (lim->io_weight && (d = dir_for (cg, SBX_CG_IO)) != NULL
      && sbx_cgroup_write_u64 (d, "blkio.weight", sbx_cgroup_blkio_weight (lim->io_weight), err)
             < 0)
    {
      if ((*err)->status == ENOENT)
        sbx_error_hint (err, "blkio.weight needs the CFQ or BFQ I/O scheduler");
      return -1;
    }
  return 0;
}

/* implements sbx_cgroup_backend.stats */
static int
v1_stats (const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st, sbx_error_t *err)
{
  const char *d;
  int64_t ns;

  (void)err;
  st->memory_current = st->memory_peak = st->pids_current = st->pids_peak = st->cpu_usec = -1;
  st->oom_kills = -1;
  if ((d = dir_for (cg, SBX_CG_MEMORY)) != NULL)
    {
      /* oom_kill: since Linux 4.13.  */
      st->oom_kills = sbx_cgroup_read_num (d, "memory.oom_control", "oom_kill");
      st->memory_current = sbx_cgroup_read_num (d, "memory.usage_in_bytes", NULL);
      st->memory_peak = sbx_cgroup_read_num (d, "memory.max_usage_in_bytes", NULL);
    }
  if ((d = dir_for (cg, SBX_CG_PIDS)) != NULL)
    {
      st->pids_current = sbx_cgroup_read_num (d, "pids.current", NULL);
      /* Linux 6.13 and later keep a high-water mark in v1 too.  */
      st->pids_peak = sbx_cgroup_read_num (d, "pids.peak", NULL);
    }
  if ((d = dir_for (cg, SBX_CG_CPUSTAT)) != NULL
      && (ns = sbx_cgroup_read_num (d, "cpuacct.usage", NULL)) >= 0)
    st->cpu_usec = ns / 1000;
  return 0;
}

const struct sbx_cgroup_backend sbx_cgroup_v1 = {
  .name = "cgroup v1",
  .probe = v1_probe,
  .create = v1_create,
  .apply = v1_apply,
  .attach = sbx_cgroup_attach_dirs,
  .stats = v1_stats,
  .remove = sbx_cgroup_remove_dirs,
};
