/* sbx: resource limits through a cgroup delegated to the user.
 *
 * Discovery is pure: the caller's /proc/self/cgroup and
 * /proc/self/mountinfo, as text, become a layout (where the v2 hierarchy
 * and each v1 controller are mounted, and the caller's cgroup in each),
 * so the unit tests can feed it any host's files.  Two backends behind
 * one table, chosen once from the layout and the limits asked for:
 * cgroup v2 (cgroup-v2.c) and v1 per-controller directories an
 * administrator delegated (cgroup-v1.c).  Nothing here runs when no
 * limit is asked for.  */
#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "spec.h"

enum sbx_cgroup_host
{
  SBX_CGROUP_HOST_NONE = 0, /* no cgroup file system mounted (or visible) */
  SBX_CGROUP_HOST_V1,       /* only v1 hierarchies */
  SBX_CGROUP_HOST_V2,       /* only the unified hierarchy */
  SBX_CGROUP_HOST_HYBRID,   /* v1 controllers beside a v2 hierarchy */
};

/* One v1 controller (or named hierarchy, "name=systemd").  */
struct sbx_cgroup_v1
{
  char *controller; /* "memory", "cpuacct", "name=systemd" */
  char *mount;      /* where its hierarchy is mounted */
  char *path;       /* the caller's cgroup, relative to the mount: "/" or "/a/b" */
};

struct sbx_cgroup_layout
{
  enum sbx_cgroup_host host;
  char *v2_mount; /* NULL: no v2 hierarchy (or the caller's cgroup is not below it) */
  char *v2_path;  /* the caller's v2 cgroup, relative to v2_mount */
  struct sbx_cgroup_v1 *v1;
  size_t n_v1;
};

/* Parse the text of /proc/self/cgroup and /proc/self/mountinfo.  A
   hierarchy whose mount does not show the caller's cgroup (a mount of
   another subtree) is left out.  */
int sbx_cgroup_parse (const char *proc_cgroup, const char *mountinfo, struct sbx_cgroup_layout *out,
                      sbx_error_t *err);
/* The same, from this process's own files.  */
int sbx_cgroup_discover (struct sbx_cgroup_layout *out, sbx_error_t *err);
void sbx_cgroup_layout_free (struct sbx_cgroup_layout *l);
/* The v1 controller `name`, or NULL.  */
const struct sbx_cgroup_v1 *sbx_cgroup_v1_find (const struct sbx_cgroup_layout *l,
                                                const char *name);
const char *sbx_cgroup_host_name (enum sbx_cgroup_host host);

/* Values as users write them.  SIZE: bytes, or with a binary suffix K,
   M, G or T (either case).  CPUS: a decimal number of CPUs with at most
   three decimals, from 0.01, in thousandths.  Errors name the value.  */
int sbx_cgroup_parse_size (const char *s, uint64_t *out, sbx_error_t *err);
int sbx_cgroup_parse_cpus (const char *s, uint32_t *milli, sbx_error_t *err);
/* The machine's memory in bytes (what "--memory 75%" is a share of).  */
int sbx_cgroup_machine_memory (uint64_t *out, sbx_error_t *err);
/* cpu.max's period, and the quota for `milli` thousandths of a CPU.  */
#define SBX_CGROUP_CPU_PERIOD 100000
uint64_t sbx_cgroup_cpu_quota (uint32_t milli);
/* io.weight (1-10000) on blkio.weight's scale (10-1000), as crun maps it.  */
unsigned sbx_cgroup_blkio_weight (unsigned io_weight);

/* Whether `lim` asks for anything that needs a cgroup.  */
bool sbx_cgroup_wanted (const struct sbx_limits *lim);

/* The controllers a sandbox's cgroup needs, by concern; a backend names
   them in its own words (io is v1's blkio, cpu stats v1's cpuacct).  */
enum
{
  SBX_CG_MEMORY = 1 << 0,
  SBX_CG_PIDS = 1 << 1,
  SBX_CG_CPU = 1 << 2,     /* the cpu limit */
  SBX_CG_CPUSTAT = 1 << 3, /* cpu time, for --stats */
  SBX_CG_IO = 1 << 4,
  SBX_CG_HUGETLB = 1 << 5,
};
#define SBX_CG_COUNT 6
/* Each concern's controller: v1's hierarchy (cpuacct for the cpu
   stats, blkio for io) and v2's controller (NULL: always there).  */
extern const char *const sbx_cgroup_v1_names[SBX_CG_COUNT];
extern const char *const sbx_cgroup_v2_names[SBX_CG_COUNT];
/* "2MB", "1GB", "64KB": a huge page size as the hugetlb files name it.  */
void sbx_cgroup_hugetlb_name (uint64_t page, char *buf, size_t size);
/* "[PAGESIZE:]SIZE" into `h`; without a page size, the machine's default
   (Hugepagesize).  The page size must be one this kernel has.  */
int sbx_cgroup_parse_hugetlb (const char *s, struct sbx_hugetlb *h, sbx_error_t *err);
/* Add `h` to lim's huge page limits: once per page size, a later one
   replacing an earlier (the command line a profile's).  */
int sbx_cgroup_add_hugetlb (struct sbx_limits *lim, const struct sbx_hugetlb *h, sbx_error_t *err);
unsigned sbx_cgroup_needs (const struct sbx_limits *lim);

/* What a sandbox used, from its cgroup; -1 where the host does not tell.  */
struct sbx_cgroup_stats
{
  int64_t memory_current, memory_peak; /* bytes */
  int64_t pids_current, pids_peak;
  int64_t cpu_usec;  /* user + system */
  int64_t oom_kills; /* processes the kernel killed for the memory limit */
};

/* A sandbox's cgroup: where it goes (probe), then what was made.  At most
   one directory per v1 hierarchy; v2 uses dirs[0].  */
#define SBX_CGROUP_MAX_DIRS 5
struct sbx_cgroup
{
  const struct sbx_cgroup_backend *backend;
  unsigned needs;                         /* SBX_CG_* */
  char *parents[SBX_CGROUP_MAX_DIRS];     /* probe: where the leaf goes */
  unsigned controls[SBX_CGROUP_MAX_DIRS]; /* v1: the SBX_CG_* each serves */
  bool enable_subtree;                    /* v2: write the parent's subtree_control */
  bool step_aside;                        /* v2: sbx is alone in parents[0]: it moves
                                             itself into a child first (create) */
  char *dirs[SBX_CGROUP_MAX_DIRS];        /* create: the leaf (or leaves) */
  /* The leaves the limits are written to; the sandbox runs in dirs[k],
     `sandbox` below each, the root of its cgroup namespace, so that not
     even a program with CAP_SYS_ADMIN that mounts cgroupfs reaches the
     files holding its limits (they lie above its namespace's root).  */
  char *limits[SBX_CGROUP_MAX_DIRS];
  size_t n;
};

/* A backend, chosen once (sbx_cgroup_choose) and used through this
   table only.  Each hook returns < 0 and fills err on failure.  */
struct sbx_cgroup_backend
{
  const char *name;
  /* Whether a leaf with cg->needs can be made here; fills cg->parents.
     The error says what is missing and how to fix it.  */
  int (*probe) (const struct sbx_cgroup_layout *l, uid_t uid, struct sbx_cgroup *cg,
                sbx_error_t *err);
  /* Make the leaf `name` below the parents (and enable the controllers).  */
  int (*create) (struct sbx_cgroup *cg, const char *name, sbx_error_t *err);
  int (*apply) (struct sbx_cgroup *cg, const struct sbx_limits *lim, sbx_error_t *err);
  int (*attach) (struct sbx_cgroup *cg, pid_t pid, sbx_error_t *err);
  int (*stats) (const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st, sbx_error_t *err);
  /* Remove the leaf; waits a little while it still has processes.  */
  int (*remove) (struct sbx_cgroup *cg, sbx_error_t *err);
};

extern const struct sbx_cgroup_backend sbx_cgroup_v2;
extern const struct sbx_cgroup_backend sbx_cgroup_v1;

/* The backend for `needs` on this layout: v2 when its hierarchy has the
   controllers, else v1 when v1 hierarchies have them all; then probes it.
   On success cg is ready for create.  */
int sbx_cgroup_choose (const struct sbx_cgroup_layout *l, unsigned needs, uid_t uid,
                       struct sbx_cgroup *cg, sbx_error_t *err);
/* A fresh leaf name: sbx-<pid>-<8 hex digits>.  */
char *sbx_cgroup_leaf_name (void);
void sbx_cgroup_release (struct sbx_cgroup *cg);

/* The launcher's phases, each a no-op when cg has no backend.  Parent,
   before clone: find the layout, choose and probe the backend, remove
   stale empty leaves of this user's earlier runs, make the leaf and
   write the limits.  */
int sbx_cgroup_setup (const struct sbx_limits *lim, uid_t uid, struct sbx_cgroup *cg,
                      sbx_error_t *err);
/* Parent, after clone and before the child goes on: move it (the
   sandbox's init) into the leaf, so everything it starts is counted.  */
int sbx_cgroup_attach (struct sbx_cgroup *cg, pid_t pid, sbx_error_t *err);
/* Parent, the sandbox ended with `exit_code`: say why it was killed if
   the memory limit did it, print --stats, remove the leaf.  */
void sbx_cgroup_finish (struct sbx_cgroup *cg, const struct sbx_limits *lim, int exit_code);
/* Remove the leaves of this user's earlier runs below `parent` whose sbx
   is gone (killed before it could): sbx-<pid>-<8 hex>, owned by `uid`,
   made at least `min_age` seconds ago (so that a leaf another sbx, in
   another PID namespace, has just made is not taken for one), its pid
   not running.  rmdir refuses a leaf that holds processes, so only
   empty ones go.  setup calls it with a minute.  */
void sbx_cgroup_sweep (const char *parent, uid_t uid, int min_age);
/* Remove the leaf (if any) and free cg; a failure is a warning.  */
void sbx_cgroup_close (struct sbx_cgroup *cg);

/* cgroup-scope.c.  Where limits are asked for, no cgroup is delegated
   here, the v2 hierarchy has the controllers and a systemd user manager
   runs: the systemd-run to run sbx again with, in a delegated scope
   (`systemd-run --user --scope -p Delegate=yes`), setting
   SBX_CGROUP_SCOPE_ENV so that it is done once.  Else NULL.  */
#define SBX_CGROUP_SCOPE_ENV "SBX_IN_SCOPE"
char *sbx_cgroup_scope_runner (const struct sbx_limits *lim);
/* Whether the v2 root's cgroup.controllers text has what `needs` wants.  */
bool sbx_cgroup_scope_fits (const char *v2_root_controllers, unsigned needs);

/* A running sandbox's cgroup as another sbx sees it (inspect): the
   backend by name and the leaves with what each serves, as the record
   keeps them; then what it uses.  Nothing is made or removed.  */
int sbx_cgroup_reopen (const char *backend, char *const *dirs, const unsigned *controls, size_t n,
                       struct sbx_cgroup *cg, sbx_error_t *err);
int sbx_cgroup_read_stats (const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st,
                           sbx_error_t *err);

#endif
