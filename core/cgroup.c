/* sbx: finding the caller's cgroups, the values users write, choosing the
   backend, and what the backends share; see cgroup.h.  The backends are
   cgroup-v2.c and cgroup-v1.c.  */
#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup-backend.h"

/* ---- discovery ------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo.  */
static char *
unescape (const char *s)
{
  char *out = xmalloc0 (strlen (s) + 1), *o = out;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  return out;
}

/* Whether the comma-separated `list` holds `word`.  */
static bool
list_has (const char *list, const char *word, size_t wlen)
{
  const char *p = list;
  while (*p)
    {
      size_t n = strcspn (p, ",");
      if (n == wlen && strncmp (p, word, wlen) == 0)
        return true;
      p += n;
      if (*p == ',')
        p++;
    }
  return false;
}

struct mount_entry
{
  char *root, *point, *fstype, *super;
};

/* One line of mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] -
   FSTYPE SOURCE SUPER.  Returns false for a line it cannot read.  */
static bool
parse_mount_line (char *line, struct mount_entry *m)
{
  char *f[6], *save = NULL, *tok;

  for (int n = 0; n < 6; n++)
    if ((f[n] = strtok_r (n == 0 ? line : NULL, " ", &save)) == NULL)
      return false;
  /* Optional fields ("shared:4 master:1") up to "-".  */
  do
    tok = strtok_r (NULL, " ", &save);
  while (tok && strcmp (tok, "-") != 0);
  if (tok == NULL)
    return false;
  m->fstype = strtok_r (NULL, " ", &save);
  if (m->fstype == NULL || strtok_r (NULL, " ", &save) == NULL)
    return false;
  m->super = strtok_r (NULL, " ", &save);
  if (m->super == NULL)
    m->super = (char *)"";
  m->root = f[3];
  m->point = f[4];
  return true;
}

/* The caller's `path` seen through a mount of `root` ("/" or "/a"): the
   part below root, or NULL when the mount does not show it.  */
static char *
relative_to_root (const char *path, const char *root)
{
  size_t n = strlen (root);
  if (strcmp (root, "/") == 0)
    return xstrdup (path);
  if (strncmp (path, root, n) != 0 || (path[n] != '\0' && path[n] != '/'))
    return NULL;
  return xstrdup (path[n] ? path + n : "/");
}

/* The first mount of `fstype` (with `controllers` among its super
   options, for v1) that shows `path`; its point and the path below it.  */
static bool
find_mount (const char *mountinfo, const char *fstype, const char *controllers, const char *path,
            char **point, char **rel)
{
  cleanup_free char *copy = xstrdup (mountinfo);
  char *save = NULL;

  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct mount_entry m;
      cleanup_free char *root = NULL;
      bool all = true;

      if (!parse_mount_line (line, &m) || strcmp (m.fstype, fstype) != 0)
        continue;
      for (const char *c = controllers; c && *c;)
        {
          size_t k = strcspn (c, ",");
          all = all && list_has (m.super, c, k);
          c += k;
          if (*c == ',')
            c++;
        }
      if (!all)
        continue;
      root = unescape (m.root);
      *rel = relative_to_root (path, root);
      if (*rel == NULL)
        continue;
      *point = unescape (m.point);
      return true;
    }
  return false;
}

void
sbx_cgroup_layout_free (struct sbx_cgroup_layout *l)
{
  free (l->v2_mount);
  free (l->v2_path);
  for (size_t i = 0; i < l->n_v1; i++)
    {
      free (l->v1[i].controller);
      free (l->v1[i].mount);
      free (l->v1[i].path);
    }
  free (l->v1);
  memset (l, 0, sizeof *l);
}

int
sbx_cgroup_parse (const char *proc_cgroup, const char *mountinfo, struct sbx_cgroup_layout *out,
                  sbx_error_t *err)
{
  cleanup_free char *copy = xstrdup (proc_cgroup);
  char *save = NULL;
  bool v1_controllers = false;

  memset (out, 0, sizeof *out);
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* ID:CONTROLLERS:PATH; the path is the rest of the line, spaces and
         colons included (the kernel does not escape it).  */
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      char *point = NULL, *rel = NULL;

      if (c2 == NULL || c2[1] != '/')
        {
          sbx_cgroup_layout_free (out);
          return sbx_error_make (err, 0, "/proc/self/cgroup: cannot read the line `%s`", line);
        }
      *c1 = *c2 = '\0';
      if (c1[1] == '\0' && strcmp (line, "0") == 0)
        {
          if (out->v2_mount == NULL
              && find_mount (mountinfo, "cgroup2", NULL, c2 + 1, &point, &rel))
            {
              out->v2_mount = point;
              out->v2_path = rel;
            }
          continue;
        }
      if (c1[1] == '\0' || !find_mount (mountinfo, "cgroup", c1 + 1, c2 + 1, &point, &rel))
        continue;
      /* One entry per controller of the hierarchy ("cpu,cpuacct").  */
      for (char *c = c1 + 1; *c;)
        {
          size_t k = strcspn (c, ",");
          struct sbx_cgroup_v1 *v;
          out->v1 = xrealloc (out->v1, (out->n_v1 + 1) * sizeof *out->v1);
          v = &out->v1[out->n_v1++];
          v->controller = strndup (c, k);
          if (v->controller == NULL)
            sbx_oom ();
          v->mount = xstrdup (point);
          v->path = xstrdup (rel);
          if (strncmp (c, "name=", 5) != 0)
            v1_controllers = true;
          c += k;
          if (*c == ',')
            c++;
        }
      free (point);
      free (rel);
    }
  if (out->v2_mount && v1_controllers)
    out->host = SBX_CGROUP_HOST_HYBRID;
  else if (out->v2_mount)
    out->host = SBX_CGROUP_HOST_V2;
  else if (v1_controllers)
    out->host = SBX_CGROUP_HOST_V1;
  else
    out->host = SBX_CGROUP_HOST_NONE;
  return 0;
}

int
sbx_cgroup_discover (struct sbx_cgroup_layout *out, sbx_error_t *err)
{
  cleanup_free char *cg = NULL, *mi = NULL;
  if (sbx_read_file ("/proc/self/cgroup", &cg, NULL, err) < 0
      || sbx_read_file ("/proc/self/mountinfo", &mi, NULL, err) < 0)
    return -1;
  return sbx_cgroup_parse (cg, mi, out, err);
}

const struct sbx_cgroup_v1 *
sbx_cgroup_v1_find (const struct sbx_cgroup_layout *l, const char *name)
{
  for (size_t i = 0; i < l->n_v1; i++)
    if (strcmp (l->v1[i].controller, name) == 0)
      return &l->v1[i];
  return NULL;
}

const char *
sbx_cgroup_host_name (enum sbx_cgroup_host host)
{
  switch (host)
    {
    case SBX_CGROUP_HOST_V1:
      return "cgroup v1";
    case SBX_CGROUP_HOST_V2:
      return "cgroup v2";
    case SBX_CGROUP_HOST_HYBRID:
      return "hybrid (cgroup v1 controllers beside a v2 hierarchy)";
    default:
      return "no cgroup file system";
    }
}

/* ---- values ----------------------------------------------------------- */

int
sbx_cgroup_parse_size (const char *s, uint64_t *out, sbx_error_t *err)
{
  uint64_t v = 0;
  const char *p = s;
  unsigned shift = 0;

  if (*p < '0' || *p > '9')
    goto bad;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      if (v > (UINT64_MAX - 9) / 10)
        goto big;
      v = v * 10 + (uint64_t)(*p - '0');
    }
  switch (*p)
    {
    case '\0':
      break;
    case 'k':
    case 'K':
      shift = 10;
      break;
    case 'm':
    case 'M':
      shift = 20;
      break;
    case 'g':
    case 'G':
      shift = 30;
      break;
    case 't':
    case 'T':
      shift = 40;
      break;
    default:
      goto bad;
    }
  if (*p && p[1] != '\0')
    goto bad;
  if (v > (UINT64_MAX >> 1) >> shift)
    goto big;
  *out = v << shift;
  return 0;
bad:
  return sbx_error_make (err, 0, "`%s`: expected a size: a number of bytes, or with K, M, G or T",
                         s);
big:
  return sbx_error_make (err, 0, "`%s`: too large", s);
}

void
sbx_cgroup_hugetlb_name (uint64_t page, char *buf, size_t size)
{
  if (page >= (1ull << 30))
    snprintf (buf, size, "%lluGB", (unsigned long long)(page >> 30));
  else if (page >= (1ull << 20))
    snprintf (buf, size, "%lluMB", (unsigned long long)(page >> 20));
  else
    snprintf (buf, size, "%lluKB", (unsigned long long)(page >> 10));
}

/* The machine's default huge page size, from /proc/meminfo.  */
static int
default_huge_page (uint64_t *out, sbx_error_t *err)
{
  cleanup_free char *text = NULL;
  const char *p;
  unsigned long long kb;

  if (sbx_read_file ("/proc/meminfo", &text, NULL, err) < 0)
    return -1;
  p = strstr (text, "\nHugepagesize:");
  if (p == NULL || sscanf (p, "\nHugepagesize: %llu kB", &kb) != 1 || kb == 0)
    return sbx_error_make (err, 0,
                           "this kernel has no huge pages (no Hugepagesize in /proc/meminfo)");
  *out = (uint64_t)kb << 10;
  return 0;
}

int
sbx_cgroup_parse_hugetlb (const char *s, struct sbx_hugetlb *h, sbx_error_t *err)
{
  const char *colon = strchr (s, ':');
  cleanup_free char *dir = NULL;
  struct stat st;

  if (colon)
    {
      char page[32];
      if ((size_t)(colon - s) >= sizeof page)
        return sbx_error_make (err, 0, "`%s`: expected [PAGESIZE:]SIZE, such as 2M:64M", s);
      memcpy (page, s, colon - s);
      page[colon - s] = '\0';
      if (sbx_cgroup_parse_size (page, &h->page, err) < 0)
        return sbx_error_prefix (err, "`%s`: the page size", s);
    }
  else if (default_huge_page (&h->page, err) < 0)
    return -1;
  if (sbx_cgroup_parse_size (colon ? colon + 1 : s, &h->limit, err) < 0)
    return -1;
  dir = xasprintf ("/sys/kernel/mm/hugepages/hugepages-%llukB",
                   (unsigned long long)(h->page >> 10));
  if (h->page < 4096 || stat (dir, &st) < 0)
    {
      char name[16];
      sbx_cgroup_hugetlb_name (h->page, name, sizeof name);
      return sbx_error_make (
          err, 0, "`%s`: this kernel has no %s huge pages (see /sys/kernel/mm/hugepages)", s, name);
    }
  return 0;
}

int
sbx_cgroup_add_hugetlb (struct sbx_limits *lim, const struct sbx_hugetlb *h, sbx_error_t *err)
{
  size_t i;

  for (i = 0; i < lim->n_hugetlb && lim->hugetlb[i].page != h->page; i++)
    ;
  if (i == SBX_HUGETLB_MAX)
    return sbx_error_make (err, 0, "at most %d huge page sizes", SBX_HUGETLB_MAX);
  lim->hugetlb[i] = *h;
  if (i == lim->n_hugetlb)
    lim->n_hugetlb++;
  return 0;
}

int
sbx_cgroup_machine_memory (uint64_t *out, sbx_error_t *err)
{
  struct sysinfo si;
  if (sysinfo (&si) < 0)
    return sbx_error_make (err, errno, "cannot read the machine's memory size");
  *out = (uint64_t)si.totalram * si.mem_unit;
  return 0;
}

int
sbx_cgroup_parse_cpus (const char *s, uint32_t *milli, sbx_error_t *err)
{
  uint64_t v = 0;
  const char *p = s;
  int decimals = 0;

  if (*p < '0' || *p > '9')
    goto bad;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      v = v * 10 + (uint64_t)(*p - '0');
      if (v > 4096)
        goto range;
    }
  if (*p == '.')
    {
      p++;
      if (*p < '0' || *p > '9')
        goto bad;
      for (; *p >= '0' && *p <= '9' && decimals < 3; p++, decimals++)
        v = v * 10 + (uint64_t)(*p - '0');
      if (*p >= '0' && *p <= '9')
        return sbx_error_make (err, 0, "`%s`: at most three decimals", s);
    }
  if (*p != '\0')
    goto bad;
  for (; decimals < 3; decimals++)
    v *= 10;
  /* The kernel's least quota is 1 ms of each 100 ms period.  */
  if (v < 10 || v > 4096000)
    goto range;
  *milli = (uint32_t)v;
  return 0;
bad:
  return sbx_error_make (err, 0, "`%s`: expected a number of CPUs, such as 2 or 0.5", s);
range:
  return sbx_error_make (err, 0, "`%s`: expected a number of CPUs from 0.01 to 4096", s);
}

uint64_t
sbx_cgroup_cpu_quota (uint32_t milli)
{
  return (uint64_t)milli * SBX_CGROUP_CPU_PERIOD / 1000;
}

unsigned
sbx_cgroup_blkio_weight (unsigned io_weight)
{
  if (io_weight < 1)
    io_weight = 1;
  if (io_weight > 10000)
    io_weight = 10000;
  return 10 + (io_weight - 1) * 990 / 9999;
}

bool
sbx_cgroup_wanted (const struct sbx_limits *lim)
{
  return lim->memory || lim->swap_set || lim->pids || lim->cpu_milli || lim->io_weight
         || lim->n_hugetlb || lim->stats;
}

unsigned
sbx_cgroup_needs (const struct sbx_limits *lim)
{
  unsigned n = 0;
  if (lim->memory || lim->swap_set)
    n |= SBX_CG_MEMORY;
  if (lim->pids)
    n |= SBX_CG_PIDS;
  if (lim->cpu_milli)
    n |= SBX_CG_CPU;
  if (lim->io_weight)
    n |= SBX_CG_IO;
  if (lim->n_hugetlb)
    n |= SBX_CG_HUGETLB;
  if (lim->stats)
    n |= SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPUSTAT;
  return n;
}

/* ---- choosing the backend ------------------------------------------- */

const char *const sbx_cgroup_v1_names[SBX_CG_COUNT]
    = { "memory", "pids", "cpu", "cpuacct", "blkio", "hugetlb" };
const char *const sbx_cgroup_v2_names[SBX_CG_COUNT]
    = { "memory", "pids", "cpu", NULL, "io", "hugetlb" };

int
sbx_cgroup_choose (const struct sbx_cgroup_layout *l, unsigned needs, uid_t uid,
                   struct sbx_cgroup *cg, sbx_error_t *err)
{
  bool v1_all = l->n_v1 > 0;
  const struct sbx_cgroup_backend *b;
  const char *in_v1 = NULL, *not_v1 = NULL;

  for (unsigned i = 0; i < SBX_CG_COUNT; i++)
    if (needs & (1u << i))
      {
        if (sbx_cgroup_v1_find (l, sbx_cgroup_v1_names[i]) == NULL)
          not_v1 = sbx_cgroup_v1_names[i];
        else
          in_v1 = sbx_cgroup_v1_names[i];
      }
  v1_all = v1_all && not_v1 == NULL;
  memset (cg, 0, sizeof *cg);
  cg->needs = needs;
  /* A hybrid host: a sandbox's cgroup lives in one hierarchy's terms.  */
  if (l->host == SBX_CGROUP_HOST_HYBRID && in_v1 && not_v1)
    return sbx_error_make (err, 0,
                           "the limits need the %s controller, a cgroup v1 hierarchy here, and "
                           "%s, which only cgroup v2 has here; sbx cannot combine the two: give "
                           "them to separate sandboxes",
                           in_v1, not_v1);
  if (l->v2_mount == NULL && !v1_all)
    return sbx_error_make (err, 0,
                           "no cgroup hierarchy with the controllers the limits need is mounted "
                           "(%s)",
                           sbx_cgroup_host_name (l->host));
  /* v2 where it is the only hierarchy, or where it has the controllers
     (a hybrid host's v2 usually has none of them).  */
  b = &sbx_cgroup_v1;
  if (!v1_all)
    b = &sbx_cgroup_v2;
  else if (l->v2_mount)
    {
      cleanup_error sbx_error_t ignored = NULL;
      struct sbx_cgroup try;
      memset (&try, 0, sizeof try);
      try.needs = needs;
      if (sbx_cgroup_v2.probe (l, uid, &try, &ignored) == 0)
        {
          *cg = try;
          cg->backend = &sbx_cgroup_v2;
          return 0;
        }
      sbx_cgroup_release (&try);
      cg->needs = needs;
    }
  if (b->probe (l, uid, cg, err) < 0)
    {
      sbx_cgroup_release (cg);
      return -1;
    }
  cg->backend = b;
  return 0;
}

char *
sbx_cgroup_leaf_name (void)
{
  uint32_t r;
  if (getrandom (&r, sizeof r, GRND_NONBLOCK) != sizeof r)
    r = (uint32_t)time (NULL) ^ (uint32_t)getpid () << 16;
  return xasprintf ("sbx-%d-%08x", (int)getpid (), r);
}

void
sbx_cgroup_release (struct sbx_cgroup *cg)
{
  for (size_t i = 0; i < SBX_CGROUP_MAX_DIRS; i++)
    {
      free (cg->parents[i]);
      free (cg->dirs[i]);
      free (cg->limits[i]);
      cg->parents[i] = cg->dirs[i] = cg->limits[i] = NULL;
      cg->controls[i] = 0;
    }
  cg->n = 0;
}

/* ---- the launcher's phases ---------------------------------------- */

void
sbx_cgroup_sweep (const char *parent, uid_t uid, int min_age)
{
  DIR *d = opendir (parent);
  struct dirent *e;
  time_t now = time (NULL);

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      unsigned long pid;
      char rest[16];

      if (sscanf (e->d_name, "sbx-%lu-%15s", &pid, rest) != 2 || strlen (rest) != 8
          || strspn (rest, "0123456789abcdef") != 8 || pid == 0 || pid > 4194304)
        continue;
      if (fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode)
          || st.st_uid != uid || st.st_ctime > now - min_age)
        continue;
      if (kill ((pid_t)pid, 0) == 0 || errno != ESRCH)
        continue;
      {
        /* The sandbox's own leaf below it first (cgroup.h).  */
        cleanup_free char *inner = xasprintf ("%s/sandbox", e->d_name);
        unlinkat (dirfd (d), inner, AT_REMOVEDIR);
      }
      if (unlinkat (dirfd (d), e->d_name, AT_REMOVEDIR) == 0)
        sbx_log_debug ("removed the stale cgroup %s/%s", parent, e->d_name);
    }
  closedir (d);
}

/* The leaf the sandbox runs in, below the one with the limits (see
   cgroup.h): from here on the backends' attach and stats use the inner
   leaves; limits set above hold for everything below them.  */
static int
make_inner (struct sbx_cgroup *cg, sbx_error_t *err)
{
  for (size_t k = 0; k < cg->n; k++)
    {
      char *inner = NULL;
      if (cg->dirs[k] == NULL)
        continue;
      if (sbx_cgroup_mkdir (cg->dirs[k], "sandbox", &inner, err) < 0)
        return -1;
      cg->limits[k] = cg->dirs[k];
      cg->dirs[k] = inner;
    }
  return 0;
}

/* The inner leaves go first; the backend then removes the limits' leaves.  */
static int
remove_inner (struct sbx_cgroup *cg)
{
  int ret = 0;
  for (size_t k = 0; k < cg->n; k++)
    {
      cleanup_error sbx_error_t e = NULL;
      if (cg->limits[k] == NULL)
        continue;
      if (cg->dirs[k] && sbx_cgroup_rmdir (cg->dirs[k], &e) < 0)
        {
          sbx_log_warn ("%s", e->msg);
          ret = -1;
        }
      free (cg->dirs[k]);
      cg->dirs[k] = cg->limits[k];
      cg->limits[k] = NULL;
    }
  return ret;
}

int
sbx_cgroup_setup (const struct sbx_limits *lim, uid_t uid, struct sbx_cgroup *cg, sbx_error_t *err)
{
  struct sbx_cgroup_layout l;
  cleanup_free char *name = NULL;
  int ret;

  memset (cg, 0, sizeof *cg);
  if (sbx_cgroup_discover (&l, err) < 0)
    return -1;
  ret = sbx_cgroup_choose (&l, sbx_cgroup_needs (lim), uid, cg, err);
  sbx_cgroup_layout_free (&l);
  if (ret < 0)
    return -1;
  for (size_t k = 0; k < cg->n; k++)
    sbx_cgroup_sweep (cg->parents[k], uid, 60);
  name = sbx_cgroup_leaf_name ();
  if (cg->backend->create (cg, name, err) < 0 || cg->backend->apply (cg, lim, err) < 0
      || make_inner (cg, err) < 0)
    {
      cleanup_error sbx_error_t ignored = NULL;
      remove_inner (cg);
      cg->backend->remove (cg, &ignored);
      sbx_cgroup_release (cg);
      cg->backend = NULL;
      return -1;
    }
  sbx_log_debug ("cgroup: %s, leaf %s", cg->backend->name, cg->dirs[0]);
  return 0;
}

int
sbx_cgroup_attach (struct sbx_cgroup *cg, pid_t pid, sbx_error_t *err)
{
  if (cg->backend == NULL)
    return 0;
  return cg->backend->attach (cg, pid, err);
}

/* 1536 -> "1.5K"; binary units, as --memory takes them.  */
static void
human (int64_t v, char *buf, size_t size)
{
  static const char units[] = "KMGT";
  double d = (double)v;
  int u = -1;

  if (v < 0)
    {
      snprintf (buf, size, "-");
      return;
    }
  while (d >= 1024 && u < 3)
    {
      d /= 1024;
      u++;
    }
  if (u < 0)
    snprintf (buf, size, "%lld", (long long)v);
  else
    snprintf (buf, size, "%.1f%c", d, units[u]);
}

void
sbx_cgroup_finish (struct sbx_cgroup *cg, const struct sbx_limits *lim, int exit_code)
{
  struct sbx_cgroup_stats st;
  cleanup_error sbx_error_t e = NULL;

  if (cg->backend == NULL)
    return;
  if (cg->backend->stats (cg, &st, &e) < 0)
    return;
  /* 137: SIGKILL, which is what the kernel's OOM killer sends.  */
  if (lim->memory && exit_code == 128 + SIGKILL && st.oom_kills > 0)
    sbx_log_event ("killed: out of memory (limit %s)", lim->memory_text);
  if (lim->stats)
    {
      char cur[32], peak[32], pids[48], cpu[32];
      human (st.memory_current, cur, sizeof cur);
      human (st.memory_peak, peak, sizeof peak);
      if (st.pids_peak >= 0)
        snprintf (pids, sizeof pids, "%lld", (long long)st.pids_peak);
      else
        snprintf (pids, sizeof pids, "- (this kernel does not count it)");
      if (st.cpu_usec >= 0)
        snprintf (cpu, sizeof cpu, "%.3fs", (double)st.cpu_usec / 1e6);
      else
        snprintf (cpu, sizeof cpu, "-");
      sbx_log_event ("stats: memory peak %s (at the end %s), cpu time %s, pids peak %s", peak, cur,
                     cpu, pids);
    }
}

void
sbx_cgroup_close (struct sbx_cgroup *cg)
{
  cleanup_error sbx_error_t e = NULL;

  if (cg->backend && remove_inner (cg) == 0 && cg->backend->remove (cg, &e) < 0)
    sbx_log_warn ("%s", e->msg);
  sbx_cgroup_release (cg);
  cg->backend = NULL;
}

/* ---- what the backends share ---------------------------------------- */

bool
sbx_cgroup_has_word (const char *list, const char *word)
{
  size_t k = strlen (word);
  for (const char *p = list; p && *p;)
    {
      p += strspn (p, " \n");
      if (strncmp (p, word, k) == 0 && (p[k] == ' ' || p[k] == '\n' || p[k] == '\0'))
        return true;
      p += strcspn (p, " \n");
    }
  return false;
}

char *
sbx_cgroup_join (const char *dir, const char *rel)
{
  size_t n = strlen (dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  while (*rel == '/')
    rel++;
  return *rel ? xasprintf ("%.*s/%s", (int)n, dir, rel) : xasprintf ("%.*s", (int)n, dir);
}

int
sbx_cgroup_write (const char *dir, const char *file, const char *value, sbx_error_t *err)
{
  cleanup_free char *path = sbx_cgroup_join (dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  size_t len = strlen (value);
  ssize_t r;

  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s`", path);
  do
    r = write (fd, value, len);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sbx_error_make (err, errno, "write `%s` to `%s`", value, path);
  if ((size_t)r != len)
    return sbx_error_make (err, EIO, "write `%s` to `%s`: short write", value, path);
  return 0;
}

int64_t
sbx_cgroup_read_num (const char *dir, const char *file, const char *key)
{
  cleanup_free char *path = sbx_cgroup_join (dir, file), *text = NULL;
  cleanup_error sbx_error_t ignored = NULL;
  const char *p;
  char *end;
  long long v;

  if (sbx_read_file (path, &text, NULL, &ignored) < 0)
    return -1;
  p = text;
  if (key)
    {
      size_t k = strlen (key);
      for (p = text; p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp (p, key, k) == 0 && p[k] == ' ')
          break;
      if (p == NULL)
        return -1;
      p += strlen (key) + 1;
    }
  errno = 0;
  v = strtoll (p, &end, 10);
  if (end == p || errno != 0 || v < 0)
    return -1;
  return v;
}

bool
sbx_cgroup_dir_delegated (const char *dir)
{
  cleanup_free char *procs = sbx_cgroup_join (dir, "cgroup.procs");
  return access (dir, W_OK | X_OK) == 0 && access (procs, W_OK) == 0;
}

int
sbx_cgroup_mkdir (const char *parent, const char *name, char **out, sbx_error_t *err)
{
  cleanup_free char *path = sbx_cgroup_join (parent, name);
  if (mkdir (path, 0755) < 0)
    return sbx_error_make (err, errno, "mkdir `%s`", path);
  *out = steal_pointer (&path);
  return 0;
}

int
sbx_cgroup_write_u64 (const char *dir, const char *file, uint64_t v, sbx_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%llu", (unsigned long long)v);
  return sbx_cgroup_write (dir, file, buf, err);
}

int
sbx_cgroup_attach_dirs (struct sbx_cgroup *cg, pid_t pid, sbx_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%d", (int)pid);
  for (size_t k = 0; k < cg->n; k++)
    if (sbx_cgroup_write (cg->dirs[k], "cgroup.procs", buf, err) < 0)
      return -1;
  return 0;
}

int
sbx_cgroup_remove_dirs (struct sbx_cgroup *cg, sbx_error_t *err)
{
  int ret = 0;
  for (size_t k = 0; k < cg->n; k++)
    {
      cleanup_error sbx_error_t e = NULL;
      if (cg->dirs[k] == NULL)
        continue;
      if (sbx_cgroup_rmdir (cg->dirs[k], &e) < 0)
        {
          if (ret == 0)
            {
              *err = steal_pointer (&e);
              ret = -1;
            }
          continue;
        }
      free (cg->dirs[k]);
      cg->dirs[k] = NULL;
    }
  return ret;
}

int
sbx_cgroup_rmdir (const char *dir, sbx_error_t *err)
{
  struct timespec tick = { 0, 10 * 1000 * 1000 };

  for (int i = 0; i < 100; i++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      nanosleep (&tick, NULL);
    }
  return sbx_error_make (err, errno, "remove the cgroup `%s`", dir);
}

int
sbx_cgroup_reopen (const char *backend, char *const *dirs, const unsigned *controls, size_t n,
                   struct sbx_cgroup *cg, sbx_error_t *err)
{
  memset (cg, 0, sizeof *cg);
  if (strcmp (backend, sbx_cgroup_v2.name) == 0)
    cg->backend = &sbx_cgroup_v2;
  else if (strcmp (backend, sbx_cgroup_v1.name) == 0)
    cg->backend = &sbx_cgroup_v1;
  else
    return sbx_error_make (err, 0, "unknown cgroup backend `%s`", backend);
  for (size_t k = 0; k < n && k < SBX_CGROUP_MAX_DIRS; k++)
    {
      cg->dirs[k] = xstrdup (dirs[k]);
      cg->controls[k] = controls[k];
      cg->n = k + 1;
    }
  return 0;
}

int
sbx_cgroup_read_stats (const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st, sbx_error_t *err)
{
  if (cg->backend == NULL)
    return sbx_error_make (err, 0, "no cgroup");
  return cg->backend->stats (cg, st, err);
}
