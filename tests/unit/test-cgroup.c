/* sbx unit test: cgroup discovery, the limit values, and both backends
   over a fake cgroup tree in a temporary directory (core/cgroup*.c).  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/util.h"
#include "core/cgroup.h"
#include "tap.h"

static sbx_error_t err;

/* This machine: hybrid, memory in a cgroup of its own, cpu and cpuacct
   mounted apart, the v2 hierarchy with hugetlb only.  */
static const char hybrid_cgroup[] = "9:name=systemd:/\n"
                                    "8:pids:/\n"
                                    "7:blkio:/\n"
                                    "6:freezer:/\n"
                                    "5:devices:/\n"
                                    "4:memory:/process_api/7c7d20bde3f699c5eb03c6e3534ec21a\n"
                                    "3:cpuset:/\n"
                                    "2:cpuacct:/\n"
                                    "1:cpu:/\n"
                                    "0::/\n";
static const char hybrid_mountinfo[]
    = "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
      "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
      "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
      "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
      "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char *
v1_mount (const struct sbx_cgroup_layout *l, const char *c)
{
  const struct sbx_cgroup_v1 *v = sbx_cgroup_v1_find (l, c);
  return v ? v->mount : NULL;
}

static const char *
v1_path (const struct sbx_cgroup_layout *l, const char *c)
{
  const struct sbx_cgroup_v1 *v = sbx_cgroup_v1_find (l, c);
  return v ? v->path : NULL;
}

static void
test_discovery (void)
{
  struct sbx_cgroup_layout l;

  TAP_IS_INT (sbx_cgroup_parse (hybrid_cgroup, hybrid_mountinfo, &l, &err), 0, "hybrid: parses");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_HYBRID, "hybrid: classified hybrid");
  TAP_IS_STR (l.v2_mount, "/sys/fs/cgroup/unified", "hybrid: the v2 mount");
  TAP_IS_STR (l.v2_path, "/", "hybrid: the caller's v2 cgroup");
  TAP_IS_STR (v1_mount (&l, "memory"), "/sys/fs/cgroup/memory", "hybrid: memory's mount");
  TAP_IS_STR (v1_path (&l, "memory"), "/process_api/7c7d20bde3f699c5eb03c6e3534ec21a",
              "hybrid: the caller's memory cgroup");
  TAP_IS_STR (v1_mount (&l, "cpu"), "/sys/fs/cgroup/cpu", "hybrid: cpu apart");
  TAP_IS_STR (v1_mount (&l, "cpuacct"), "/sys/fs/cgroup/cpuacct", "hybrid: cpuacct apart");
  TAP_IS_STR (v1_mount (&l, "pids"), "/sys/fs/cgroup/pids", "hybrid: pids");
  TAP_IS_STR (v1_path (&l, "pids"), "/", "hybrid: the caller's pids cgroup");
  TAP_IS_STR (v1_mount (&l, "name=systemd"), "/sys/fs/cgroup/systemd",
              "hybrid: the named hierarchy");
  TAP_OK (sbx_cgroup_v1_find (&l, "hugetlb") == NULL, "hybrid: no v1 hugetlb");
  sbx_cgroup_layout_free (&l);

  /* A pure-v2 host with systemd; mountinfo with optional fields.  */
  TAP_IS_INT (sbx_cgroup_parse ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                                "run-r1.scope\n",
                                "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
                                "shared:4 master:1 - cgroup2 cgroup2 "
                                "rw,nsdelegate,memory_recursiveprot\n",
                                &l, &err),
              0, "v2: parses");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_V2, "v2: classified v2");
  TAP_IS_STR (l.v2_mount, "/sys/fs/cgroup", "v2: the mount");
  TAP_IS_STR (l.v2_path, "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope",
              "v2: the caller's cgroup");
  TAP_IS_INT (l.n_v1, 0, "v2: no v1 hierarchy");
  sbx_cgroup_layout_free (&l);

  /* A v1 host: cpu and cpuacct mounted together, net_cls,net_prio too,
     the v2 hierarchy not mounted.  */
  TAP_IS_INT (
      sbx_cgroup_parse (
          "12:cpu,cpuacct:/user.slice\n11:memory:/user.slice/user-1000.slice/session-2.scope\n"
          "10:net_cls,net_prio:/\n1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
          "0::/user.slice/user-1000.slice/session-2.scope\n",
          "30 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
          "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
          "32 25 0:28 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory\n"
          "33 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n",
          &l, &err),
      0, "v1: parses");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_V1, "v1: classified v1");
  TAP_IS_STR (l.v2_mount, NULL, "v1: no v2 mount (0:: without a cgroup2 mount)");
  TAP_IS_STR (v1_mount (&l, "cpu"), "/sys/fs/cgroup/cpu,cpuacct", "v1: cpu co-mounted");
  TAP_IS_STR (v1_mount (&l, "cpuacct"), "/sys/fs/cgroup/cpu,cpuacct", "v1: cpuacct co-mounted");
  TAP_IS_STR (v1_path (&l, "cpuacct"), "/user.slice", "v1: cpuacct's path");
  TAP_IS_STR (v1_path (&l, "memory"), "/user.slice/user-1000.slice/session-2.scope",
              "v1: memory's path");
  TAP_IS_STR (v1_path (&l, "name=systemd"), "/user.slice/user-1000.slice/session-2.scope",
              "v1: name=systemd's path");
  TAP_IS_STR (v1_mount (&l, "net_prio"), "/sys/fs/cgroup/net_cls,net_prio", "v1: net_prio");
  sbx_cgroup_layout_free (&l);

  /* Only name=systemd: no controller at all.  */
  TAP_IS_INT (sbx_cgroup_parse ("1:name=systemd:/\n",
                                "30 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
                                "rw,xattr,name=systemd\n",
                                &l, &err),
              0, "named only: parses");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_NONE, "named only: no controllers");
  sbx_cgroup_layout_free (&l);

  /* Escapes in mountinfo, spaces in the cgroup's path.  */
  TAP_IS_INT (sbx_cgroup_parse ("0::/my apps/a b:c\n",
                                "40 30 0:37 / /mnt/my\\040cgroups\\011x rw - cgroup2 none rw\n", &l,
                                &err),
              0, "escapes: parses");
  TAP_IS_STR (l.v2_mount, "/mnt/my cgroups\tx", "escapes: \\040 and \\011 in the mount point");
  TAP_IS_STR (l.v2_path, "/my apps/a b:c", "escapes: a v2 path with spaces and a colon");
  sbx_cgroup_layout_free (&l);

  /* A mount of a subtree (a container's): the path below its root; a
     mount that does not show the caller's cgroup is skipped.  */
  TAP_IS_INT (sbx_cgroup_parse ("0::/docker/abc/sub\n",
                                "40 30 0:37 /docker/other /a rw - cgroup2 cgroup2 rw\n"
                                "41 30 0:37 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                &l, &err),
              0, "subtree mount: parses");
  TAP_IS_STR (l.v2_mount, "/sys/fs/cgroup", "subtree mount: the one that shows the cgroup");
  TAP_IS_STR (l.v2_path, "/sub", "subtree mount: the path below its root");
  sbx_cgroup_layout_free (&l);
  TAP_IS_INT (sbx_cgroup_parse ("0::/docker/abcd\n",
                                "41 30 0:37 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                &l, &err),
              0, "no mount shows it: parses");
  TAP_IS_STR (l.v2_mount, NULL, "no mount shows it: /docker/abc is not a parent of /docker/abcd");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_NONE, "no mount shows it: nothing usable");
  sbx_cgroup_layout_free (&l);

  TAP_IS_INT (sbx_cgroup_parse ("garbage\n", hybrid_mountinfo, &l, &err), -1, "a bad line: error");
  TAP_HAS_STR (err ? err->msg : NULL, "`garbage`", "a bad line: quoted");
  sbx_error_release (&err);
  TAP_IS_INT (sbx_cgroup_parse ("0::/\n", "broken\n1 2 3\n", &l, &err), 0,
              "a broken mountinfo line is ignored");
  TAP_IS_INT (l.host, SBX_CGROUP_HOST_NONE, "... and nothing is found");
  sbx_cgroup_layout_free (&l);

  /* This process's own files parse (whatever the host).  */
  TAP_IS_INT (sbx_cgroup_discover (&l, &err), 0, "this host: discovered (%s)",
              sbx_cgroup_host_name (l.host));
  sbx_cgroup_layout_free (&l);
  sbx_error_release (&err);
}

static void
size_ok (const char *s, uint64_t want)
{
  uint64_t v = 0;
  int r = sbx_cgroup_parse_size (s, &v, &err);
  TAP_OK (r == 0 && v == want, "size `%s` = %llu", s, (unsigned long long)want);
  if (r < 0)
    tap_diag ("error: %s", err->msg);
  sbx_error_release (&err);
}

static void
size_bad (const char *s)
{
  uint64_t v;
  TAP_IS_INT (sbx_cgroup_parse_size (s, &v, &err), -1, "size `%s`: an error", s);
  if (*s)
    TAP_HAS_STR (err ? err->msg : NULL, s, "size `%s`: the message quotes it", s);
  sbx_error_release (&err);
}

static void
cpus_ok (const char *s, uint32_t milli, uint64_t quota)
{
  uint32_t v = 0;
  int r = sbx_cgroup_parse_cpus (s, &v, &err);
  TAP_OK (r == 0 && v == milli, "cpus `%s` = %u thousandths", s, milli);
  if (r < 0)
    tap_diag ("error: %s", err->msg);
  TAP_IS_UINT (sbx_cgroup_cpu_quota (v), quota, "cpus `%s`: quota %llu of 100000", s,
               (unsigned long long)quota);
  sbx_error_release (&err);
}

static void
cpus_bad (const char *s)
{
  uint32_t v;
  TAP_IS_INT (sbx_cgroup_parse_cpus (s, &v, &err), -1, "cpus `%s`: an error", s);
  TAP_HAS_STR (err ? err->msg : NULL, s, "cpus `%s`: the message quotes it", s);
  sbx_error_release (&err);
}

static void
test_values (void)
{
  size_ok ("0", 0);
  size_ok ("4096", 4096);
  size_ok ("64K", 64 << 10);
  size_ok ("512M", 512ull << 20);
  size_ok ("512m", 512ull << 20);
  size_ok ("2G", 2ull << 30);
  size_ok ("1T", 1ull << 40);
  size_bad ("12XB");
  size_bad ("12MB");
  size_bad ("-1");
  size_bad ("1.5G");
  size_bad ("M");
  size_bad (" 1M");
  size_bad ("");
  size_bad ("99999999999999999999");
  size_bad ("9999999T");

  cpus_ok ("1.5", 1500, 150000);
  cpus_ok ("2", 2000, 200000);
  cpus_ok ("0.5", 500, 50000);
  cpus_ok ("0.01", 10, 1000);
  cpus_ok ("0.125", 125, 12500);
  cpus_ok ("4096", 4096000, 409600000);
  cpus_bad ("0");
  cpus_bad ("0.0");
  cpus_bad ("0.001");
  cpus_bad ("-1");
  cpus_bad ("1.");
  cpus_bad ("1.2345");
  cpus_bad ("abc");
  cpus_bad ("4097");
  cpus_bad ("1e3");

  TAP_IS_UINT (sbx_cgroup_blkio_weight (1), 10, "io-weight 1 -> blkio 10");
  TAP_IS_UINT (sbx_cgroup_blkio_weight (10000), 1000, "io-weight 10000 -> blkio 1000");
  TAP_IS_UINT (sbx_cgroup_blkio_weight (100), 19, "io-weight 100 -> blkio 19");
  TAP_IS_UINT (sbx_cgroup_blkio_weight (5000), 504, "io-weight 5000 -> blkio 504");

  {
    struct sbx_limits lim = { 0 };
    TAP_OK (!sbx_cgroup_wanted (&lim), "no limits: no cgroup wanted");
    lim.pids = 10;
    TAP_OK (sbx_cgroup_wanted (&lim), "--pids: a cgroup wanted");
    TAP_IS_UINT (sbx_cgroup_needs (&lim), SBX_CG_PIDS, "--pids needs pids");
    lim.swap_set = true;
    lim.io_weight = 5;
    TAP_IS_UINT (sbx_cgroup_needs (&lim), SBX_CG_PIDS | SBX_CG_MEMORY | SBX_CG_IO,
                 "--memory-swap needs memory, --io-weight io");
    memset (&lim, 0, sizeof lim);
    lim.stats = true;
    TAP_IS_UINT (sbx_cgroup_needs (&lim), SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPUSTAT,
                 "--stats needs memory, pids and cpu time");
  }
}

/* ---- the backends over a fake tree ---------------------------------- */

static char *tmp;

static void
put (const char *dir, const char *file, const char *text)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  FILE *f = fopen (p, "w");
  if (f == NULL)
    {
      tap_diag ("cannot write %s: %s", p, strerror (errno));
      return;
    }
  fputs (text, f);
  fclose (f);
}

static char *
get (const char *dir, const char *file)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  char *text = NULL;
  sbx_error_t e = NULL;
  if (sbx_read_file (p, &text, NULL, &e) < 0)
    {
      sbx_error_release (&e);
      return NULL;
    }
  return text;
}

/* A fake v2 cgroup: its interface files, as the kernel would show them.  */
static char *
v2_dir (const char *rel, const char *controllers, const char *subtree, const char *procs)
{
  char *d = xasprintf ("%s/v2%s", tmp, rel);
  sbx_error_t e = NULL;
  if (sbx_mkdir_p (d, 0755, &e) < 0)
    sbx_error_release (&e);
  put (d, "cgroup.controllers", controllers);
  put (d, "cgroup.subtree_control", subtree);
  put (d, "cgroup.procs", procs);
  return d;
}

/* What the kernel puts in a new leaf: empty files the backend writes.  */
static void
fill_leaf (const char *d, const char *const *files)
{
  for (size_t i = 0; files[i]; i++)
    put (d, files[i], "");
}

static void
empty_leaf (const char *d)
{
  cleanup_free char *cmd = xasprintf ("rm -f '%s'/*", d);
  if (system (cmd) != 0)
    tap_diag ("could not empty %s", d);
}

static void
test_v2 (void)
{
  struct sbx_cgroup_layout l = { 0 };
  struct sbx_cgroup cg;
  struct sbx_limits lim = { 0 };
  struct sbx_cgroup_stats st;
  cleanup_free char *top = NULL, *self = NULL, *leaf = NULL, *v = NULL;
  static const char *const files[]
      = { "memory.max",   "memory.swap.max", "pids.max",       "cpu.max",
          "io.weight",    "cgroup.procs",    "memory.current", "memory.peak",
          "pids.current", "pids.peak",       "cpu.stat",       NULL };

  /* Delegated: user/ enables memory and pids for its children, sbx runs
     in user/run (which holds processes).  */
  top = v2_dir ("/user", "memory pids cpu io\n", "memory pids cpu\n", "");
  self = v2_dir ("/user/run", "memory pids cpu\n", "\n", "42\n");
  l.v2_mount = xasprintf ("%s/v2", tmp);
  l.v2_path = xstrdup ("/user/run");
  l.host = SBX_CGROUP_HOST_V2;

  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_CPUSTAT;
  if (TAP_IS_INT (sbx_cgroup_v2.probe (&l, 1000, &cg, &err), 0, "v2 probe: delegated"))
    {
      TAP_IS_STR (cg.parents[0], top, "v2 probe: the leaf is a sibling of sbx's own cgroup");
      TAP_OK (!cg.enable_subtree, "v2 probe: the parent already enables the controllers");
    }
  else
    tap_diag ("error: %s", err->msg);
  sbx_error_release (&err);

  TAP_IS_INT (sbx_cgroup_v2.create (&cg, "sbx-1-test", &err), 0, "v2 create");
  leaf = xasprintf ("%s/sbx-1-test", top);
  TAP_IS_STR (cg.dirs[0], leaf, "v2 create: the leaf below the parent");
  fill_leaf (leaf, files);
  lim.memory = 64ull << 20;
  lim.swap_set = true;
  lim.memory_swap = 0;
  lim.pids = 32;
  lim.cpu_milli = 1500;
  lim.io_weight = 50;
  TAP_IS_INT (sbx_cgroup_v2.apply (&cg, &lim, &err), 0, "v2 apply");
  TAP_IS_STR ((free (v), v = get (leaf, "memory.max")), "67108864", "v2: memory.max");
  TAP_IS_STR ((free (v), v = get (leaf, "memory.swap.max")), "0", "v2: memory.swap.max");
  TAP_IS_STR ((free (v), v = get (leaf, "pids.max")), "32", "v2: pids.max");
  TAP_IS_STR ((free (v), v = get (leaf, "cpu.max")), "150000 100000", "v2: cpu.max");
  TAP_IS_STR ((free (v), v = get (leaf, "io.weight")), "default 50", "v2: io.weight");
  TAP_IS_INT (sbx_cgroup_v2.attach (&cg, 4242, &err), 0, "v2 attach");
  TAP_IS_STR ((free (v), v = get (leaf, "cgroup.procs")), "4242", "v2: the pid in cgroup.procs");
  put (leaf, "memory.current", "1000\n");
  put (leaf, "memory.peak", "2000\n");
  put (leaf, "pids.current", "3\n");
  put (leaf, "pids.peak", "7\n");
  put (leaf, "cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
  TAP_IS_INT (sbx_cgroup_v2.stats (&cg, &st, &err), 0, "v2 stats");
  TAP_OK (st.memory_current == 1000 && st.memory_peak == 2000 && st.pids_current == 3
              && st.pids_peak == 7 && st.cpu_usec == 1234,
          "v2 stats: memory 1000/2000, pids 3/7, cpu 1234 us");
  empty_leaf (leaf);
  TAP_IS_INT (sbx_cgroup_v2.remove (&cg, &err), 0, "v2 remove");
  TAP_OK (access (leaf, F_OK) < 0, "v2 remove: the leaf is gone");
  TAP_IS_INT (sbx_cgroup_v2.remove (&cg, &err), 0, "v2 remove twice: fine");
  sbx_cgroup_release (&cg);

  /* A missing swap file (no swap accounting): the error says so.  */
  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_MEMORY;
  sbx_cgroup_v2.probe (&l, 1000, &cg, &err);
  sbx_error_release (&err);
  sbx_cgroup_v2.create (&cg, "sbx-2-test", &err);
  sbx_error_release (&err);
  if (cg.dirs[0])
    put (cg.dirs[0], "memory.max", "");
  TAP_IS_INT (sbx_cgroup_v2.apply (&cg, &lim, &err), -1, "v2 apply without memory.swap.max: error");
  TAP_HAS_STR (err ? err->msg : NULL, "memory.swap.max", "... naming the file");
  sbx_error_release (&err);
  if (cg.dirs[0])
    empty_leaf (cg.dirs[0]);
  sbx_cgroup_v2.remove (&cg, &err);
  sbx_cgroup_release (&cg);

  /* The controller is not there to hand down (the delegated parent has
     no io): an error naming it and the fix.  Where the parent has it
     but does not enable it, sbx enables it (below).  */
  put (top, "cgroup.controllers", "memory pids cpu\n");
  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_IO;
  TAP_IS_INT (sbx_cgroup_v2.probe (&l, 1000, &cg, &err), -1, "v2 probe: io not delegated");
  TAP_HAS_STR (err ? err->msg : NULL, "has no io controller", "... names the controller");
  TAP_HAS_STR (err ? err->msg : NULL, "Delegate=yes", "... and says how to get one");
  sbx_error_release (&err);
  sbx_cgroup_release (&cg);
  put (top, "cgroup.controllers", "memory pids cpu io\n");

  /* The parent holds processes and does not enable cpu for its children:
     enabling it would break the no-internal-processes rule: refused,
     nothing moved.  */
  put (top, "cgroup.subtree_control", "memory pids\n");
  put (self, "cgroup.controllers", "memory pids cpu\n");
  put (top, "cgroup.procs", "1\n");
  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_CPU;
  if (geteuid () != 0)
    {
      chmod (self, 0555);
      TAP_IS_INT (sbx_cgroup_v2.probe (&l, 1000, &cg, &err), -1,
                  "v2 probe: the parent would need processes moved: refused");
      TAP_HAS_STR (err ? err->msg : NULL, "not delegated", "... as not delegated");
      chmod (self, 0755);
    }
  else
    TAP_OK (1, "v2 probe: not-delegated case # SKIP root may write anything");
  sbx_error_release (&err);
  sbx_cgroup_release (&cg);

  /* An empty parent whose subtree_control lacks cpu: enabled at create.  */
  put (top, "cgroup.procs", "");
  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_CPU;
  chmod (self, 0555);
  if (TAP_IS_INT (sbx_cgroup_v2.probe (&l, 1000, &cg, &err), 0, "v2 probe: an empty parent"))
    TAP_OK (cg.enable_subtree && strcmp (cg.parents[0], top) == 0,
            "v2 probe: ... the parent enables cpu first");
  sbx_error_release (&err);
  chmod (self, 0755);
  TAP_IS_INT (sbx_cgroup_v2.create (&cg, "sbx-3-test", &err), 0, "v2 create with +cpu");
  /* (A fake file is not truncated: "+cpu" over the old text.)  */
  TAP_OK ((free (v), v = get (top, "cgroup.subtree_control")) && strncmp (v, "+cpu", 4) == 0,
          "v2: +cpu written to subtree_control");
  sbx_error_release (&err);
  if (cg.dirs[0])
    empty_leaf (cg.dirs[0]);
  sbx_cgroup_v2.remove (&cg, &err);
  sbx_cgroup_release (&cg);

  /* sbx's own cgroup gets nothing from its parent (whose subtree_control
     is empty), but the parent has hugetlb and may enable it: the leaf
     goes there (what tests/host-setup makes on a hybrid host).  */
  put (top, "cgroup.controllers", "hugetlb\n");
  put (top, "cgroup.subtree_control", "\n");
  put (self, "cgroup.controllers", "\n");
  memset (&cg, 0, sizeof cg);
  cg.needs = SBX_CG_HUGETLB;
  if (TAP_IS_INT (sbx_cgroup_v2.probe (&l, 1000, &cg, &err), 0,
                  "v2 probe: hugetlb only in the parent's cgroup.controllers"))
    TAP_OK (cg.enable_subtree && strcmp (cg.parents[0], top) == 0,
            "v2 probe: ... the leaf goes below the parent, which enables it first");
  else
    tap_diag ("error: %s", err->msg);
  sbx_error_release (&err);
  TAP_IS_INT (sbx_cgroup_v2.create (&cg, "sbx-4-test", &err), 0, "v2 create with +hugetlb");
  TAP_OK ((free (v), v = get (top, "cgroup.subtree_control")) && strncmp (v, "+hugetlb", 8) == 0,
          "v2: +hugetlb written to subtree_control");
  sbx_error_release (&err);
  if (cg.dirs[0])
    {
      static const char *const huge[]
          = { "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "cgroup.procs", NULL };
      struct sbx_limits hl = { 0 };
      hl.hugetlb[0].page = 2ull << 20;
      hl.hugetlb[0].limit = 4ull << 20;
      hl.n_hugetlb = 1;
      fill_leaf (cg.dirs[0], huge);
      TAP_IS_INT (sbx_cgroup_v2.apply (&cg, &hl, &err), 0, "v2 apply --hugetlb 2M:4M");
      TAP_IS_STR ((free (v), v = get (cg.dirs[0], "hugetlb.2MB.max")), "4194304",
                  "v2: hugetlb.2MB.max");
      TAP_IS_STR ((free (v), v = get (cg.dirs[0], "hugetlb.2MB.rsvd.max")), "4194304",
                  "v2: hugetlb.2MB.rsvd.max");
      /* A kernel without reservation accounting (before 5.7): fine.  */
      cleanup_free char *rsvd = xasprintf ("%s/hugetlb.2MB.rsvd.max", cg.dirs[0]);
      unlink (rsvd);
      TAP_IS_INT (sbx_cgroup_v2.apply (&cg, &hl, &err), 0, "v2 apply without rsvd.max: fine");
      sbx_error_release (&err);
      empty_leaf (cg.dirs[0]);
    }
  sbx_cgroup_v2.remove (&cg, &err);
  sbx_error_release (&err);
  sbx_cgroup_release (&cg);
  sbx_cgroup_layout_free (&l);

  TAP_OK (sbx_cgroup_scope_fits ("cpuset cpu io memory hugetlb pids rdma misc\n",
                                 SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_CPUSTAT),
          "scope: a v2 root with memory, pids and cpu fits --memory --pids --cpus --stats");
  TAP_OK (!sbx_cgroup_scope_fits ("hugetlb\n", SBX_CG_MEMORY),
          "scope: a hybrid host's v2 root with only hugetlb does not fit --memory");
  TAP_OK (!sbx_cgroup_scope_fits ("memoryx pids\n", SBX_CG_MEMORY),
          "scope: a controller is a whole word");
  TAP_OK (sbx_cgroup_scope_fits ("hugetlb", SBX_CG_HUGETLB), "scope: hugetlb at the end");
  {
    char name[16];
    sbx_cgroup_hugetlb_name (2ull << 20, name, sizeof name);
    TAP_IS_STR (name, "2MB", "hugetlb file name of 2M pages");
    sbx_cgroup_hugetlb_name (1ull << 30, name, sizeof name);
    TAP_IS_STR (name, "1GB", "... of 1G pages");
    sbx_cgroup_hugetlb_name (64ull << 10, name, sizeof name);
    TAP_IS_STR (name, "64KB", "... of 64K pages");
  }
}

static void
test_v1 (void)
{
  struct sbx_cgroup_layout l = { 0 };
  struct sbx_cgroup cg;
  struct sbx_limits lim = { 0 };
  struct sbx_cgroup_stats st;
  cleanup_free char *mine = NULL, *cpu = NULL, *v = NULL, *mleaf = NULL, *cleaf = NULL;
  sbx_error_t e = NULL;
  static const char *const files[] = { "memory.limit_in_bytes",
                                       "memory.memsw.limit_in_bytes",
                                       "pids.max",
                                       "cpu.cfs_period_us",
                                       "cpu.cfs_quota_us",
                                       "cgroup.procs",
                                       "blkio.weight",
                                       NULL };

  /* memory and pids in one hierarchy (as if co-mounted), cpu and cpuacct
     in another; the caller's memory cgroup holds sbx-1000, delegated.  */
  mine = xasprintf ("%s/v1/mp/job/sbx-1000", tmp);
  cpu = xasprintf ("%s/v1/cpu/job", tmp);
  sbx_mkdir_p (mine, 0755, &e);
  sbx_mkdir_p (cpu, 0755, &e);
  sbx_error_release (&e);
  put (mine, "cgroup.procs", "");
  put (cpu, "cgroup.procs", "");
  l.host = SBX_CGROUP_HOST_V1;
  l.n_v1 = 4;
  l.v1 = xmalloc0 (4 * sizeof *l.v1);
  l.v1[0]
      = (struct sbx_cgroup_v1){ xstrdup ("memory"), xasprintf ("%s/v1/mp", tmp), xstrdup ("/job") };
  l.v1[1]
      = (struct sbx_cgroup_v1){ xstrdup ("pids"), xasprintf ("%s/v1/mp", tmp), xstrdup ("/job") };
  l.v1[2]
      = (struct sbx_cgroup_v1){ xstrdup ("cpu"), xasprintf ("%s/v1/cpu", tmp), xstrdup ("/job") };
  l.v1[3] = (struct sbx_cgroup_v1){ xstrdup ("cpuacct"), xasprintf ("%s/v1/cpu", tmp),
                                    xstrdup ("/job") };

  if (TAP_IS_INT (sbx_cgroup_choose (&l, SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_CPUSTAT,
                                     1000, &cg, &err),
                  0, "v1 choose: delegated"))
    {
      TAP_OK (cg.backend == &sbx_cgroup_v1, "v1 choose: the v1 backend");
      TAP_IS_INT (cg.n, 2, "v1 probe: one leaf per hierarchy");
      TAP_IS_STR (cg.parents[0], mine, "v1 probe: memory in sbx-<uid>");
      TAP_IS_STR (cg.parents[1], cpu, "v1 probe: cpu in the caller's own (writable) cgroup");
    }
  else
    {
      tap_diag ("error: %s", err->msg);
      return;
    }
  TAP_IS_INT (cg.backend->create (&cg, "sbx-1-test", &err), 0, "v1 create");
  mleaf = xasprintf ("%s/sbx-1-test", mine);
  cleaf = xasprintf ("%s/sbx-1-test", cpu);
  fill_leaf (mleaf, files);
  fill_leaf (cleaf, files);
  lim.memory = 64ull << 20;
  lim.swap_set = true;
  lim.memory_swap = 1 << 20;
  lim.pids = 32;
  lim.cpu_milli = 500;
  TAP_IS_INT (cg.backend->apply (&cg, &lim, &err), 0, "v1 apply");
  TAP_IS_STR ((free (v), v = get (mleaf, "memory.limit_in_bytes")), "67108864",
              "v1: memory.limit_in_bytes");
  TAP_IS_STR ((free (v), v = get (mleaf, "memory.memsw.limit_in_bytes")), "68157440",
              "v1: memsw = memory + swap");
  TAP_IS_STR ((free (v), v = get (mleaf, "pids.max")), "32", "v1: pids.max");
  TAP_IS_STR ((free (v), v = get (cleaf, "cpu.cfs_quota_us")), "50000", "v1: cfs_quota_us");
  TAP_IS_STR ((free (v), v = get (cleaf, "cpu.cfs_period_us")), "100000", "v1: cfs_period_us");
  TAP_IS_INT (cg.backend->attach (&cg, 77, &err), 0, "v1 attach");
  TAP_IS_STR ((free (v), v = get (mleaf, "cgroup.procs")), "77", "v1: attached to memory+pids");
  TAP_IS_STR ((free (v), v = get (cleaf, "cgroup.procs")), "77", "v1: attached to cpu+cpuacct");
  put (mleaf, "memory.usage_in_bytes", "100\n");
  put (mleaf, "memory.max_usage_in_bytes", "200\n");
  put (mleaf, "pids.current", "2\n");
  put (cleaf, "cpuacct.usage", "5000000\n");
  TAP_IS_INT (cg.backend->stats (&cg, &st, &err), 0, "v1 stats");
  TAP_OK (st.memory_current == 100 && st.memory_peak == 200 && st.pids_current == 2
              && st.pids_peak == -1 && st.cpu_usec == 5000,
          "v1 stats: memory 100/200, pids 2 (no peak in v1), cpu 5000 us");
  empty_leaf (mleaf);
  empty_leaf (cleaf);
  TAP_IS_INT (cg.backend->remove (&cg, &err), 0, "v1 remove");
  TAP_OK (access (mleaf, F_OK) < 0 && access (cleaf, F_OK) < 0, "v1 remove: both leaves gone");
  sbx_cgroup_release (&cg);

  /* --memory-swap without --memory: v1 cannot.  */
  memset (&cg, 0, sizeof cg);
  sbx_cgroup_choose (&l, SBX_CG_MEMORY, 1000, &cg, &err);
  sbx_error_release (&err);
  cg.backend->create (&cg, "sbx-2-test", &err);
  lim.memory = 0;
  TAP_IS_INT (cg.backend->apply (&cg, &lim, &err), -1, "v1: swap without memory: error");
  TAP_HAS_STR (err ? err->msg : NULL, "--memory", "... asks for --memory");
  sbx_error_release (&err);
  cg.backend->remove (&cg, &err);
  sbx_cgroup_release (&cg);

  /* blkio is not mounted: choose says no hierarchy has it.  */
  TAP_IS_INT (sbx_cgroup_choose (&l, SBX_CG_IO, 1000, &cg, &err), -1, "v1 choose: no blkio");
  TAP_HAS_STR (err ? err->msg : NULL, "no cgroup hierarchy", "... says so");
  sbx_error_release (&err);

  /* Nothing delegated: the error names the directory and the fix.  */
  if (geteuid () != 0)
    {
      cleanup_free char *job = xasprintf ("%s/v1/mp/job", tmp);
      chmod (mine, 0555);
      chmod (job, 0555);
      TAP_IS_INT (sbx_cgroup_choose (&l, SBX_CG_PIDS, 1000, &cg, &err), -1,
                  "v1 choose: not delegated");
      TAP_HAS_STR (err ? err->msg : NULL, "no pids cgroup is delegated to you",
                   "... says which controller");
      TAP_HAS_STR (err ? err->msg : NULL, "chown 1000", "... and how to delegate it");
      chmod (mine, 0755);
      chmod (job, 0755);
    }
  else
    TAP_OK (1, "v1 choose: not delegated # SKIP root may write anything");
  sbx_error_release (&err);
  sbx_cgroup_layout_free (&l);
}

/* Stale leaves: only empty ones of a dead sbx, named like sbx's own.  */
static void
test_sweep (void)
{
  cleanup_free char *dir = xasprintf ("%s/sweep", tmp);
  static const char *const names[] = { "sbx-4194303-deadbeef", "sbx-PID-deadbeef",
                                       "sbx-4194303-deadbee", "other", "sbx-4194302-0badf00d" };
  char live[64];
  cleanup_free char *full = NULL;

  mkdir (dir, 0755);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", dir, names[i]);
      mkdir (p, 0755);
    }
  snprintf (live, sizeof live, "sbx-%d-00000000", (int)getpid ());
  full = xasprintf ("%s/%s", dir, live);
  mkdir (full, 0755);
  put (dir, "sbx-4194302-0badf00d/busy", "x"); /* rmdir refuses it, as a leaf with processes */
  sbx_cgroup_sweep (dir, getuid (), 0);
  {
    cleanup_free char *a = xasprintf ("%s/sbx-4194303-deadbeef", dir);
    cleanup_free char *b = xasprintf ("%s/sbx-PID-deadbeef", dir);
    cleanup_free char *c = xasprintf ("%s/sbx-4194303-deadbee", dir);
    cleanup_free char *d = xasprintf ("%s/other", dir);
    cleanup_free char *e = xasprintf ("%s/sbx-4194302-0badf00d", dir);
    TAP_OK (access (a, F_OK) < 0, "sweep: an empty leaf of a dead sbx goes");
    TAP_OK (access (b, F_OK) == 0 && access (c, F_OK) == 0 && access (d, F_OK) == 0,
            "sweep: names not sbx's stay");
    TAP_OK (access (full, F_OK) == 0, "sweep: the leaf of a running sbx stays");
    TAP_OK (access (e, F_OK) == 0, "sweep: a leaf rmdir refuses stays");
    mkdir (a, 0755);
    sbx_cgroup_sweep (dir, getuid (), 3600);
    TAP_OK (access (a, F_OK) == 0, "sweep: a leaf younger than min_age stays");
    sbx_cgroup_sweep (dir, getuid () + 1, 0);
    TAP_OK (access (a, F_OK) == 0, "sweep: a leaf of another user stays");
  }
}

int
main (void)
{
  char tmpl[] = "/tmp/sbx-test-cgroup.XXXXXX";

  test_discovery ();
  test_values ();
  tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    tap_skip_all ("cannot make a temporary directory: %s", strerror (errno));
  test_v2 ();
  test_v1 ();
  test_sweep ();
  {
    cleanup_free char *cmd = xasprintf ("rm -rf '%s'", tmp);
    if (system (cmd) != 0)
      tap_diag ("could not remove %s", tmp);
  }
  return tap_done ();
}
