/* sbx-probe limits PIDS: the sandbox cannot raise or leave the resource
 * limits sbx put it under (run it with --pids PIDS, under --uid 0
 * --cap-add ALL to try with every capability).  First it tries every way
 * out it has: mount each cgroup v1 hierarchy and cgroup2 (to reach the
 * files that hold its limits), write `max` into every limit file and its
 * own pid into every cgroup.procs it can find below /sys/fs/cgroup and
 * any cgroup mount (a bound cgroup directory shows how this fails); then it forks until fork fails,
 * which must be with EAGAIN below PIDS processes.
 *
 * sbx-probe hugetlb PAGES: PAGES huge pages of 2 MB map, one more does
 * not (under --hugetlb 2M:PAGES*2M).
 *
 * sbx-probe hog: allocate and touch memory, a MiB at a time, up to 4 GiB;
 * under --memory the kernel kills it (sbx then exits 137).  Printing
 * "survived" means no limit held.  */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

/* Files whose write would raise a limit or move a process.  */
static const char *const targets[] = {
  "pids.max",
  "memory.max",
  "memory.limit_in_bytes",
  "memory.swap.max",
  "memory.memsw.limit_in_bytes",
  "cpu.max",
  "cgroup.procs",
  "tasks",
};

struct escape
{
  int tried, done;
  char first_done[1100];
  char errnos[256]; /* the distinct answers, "EROFS EACCES" */
};

static void
note_errno (struct escape *e, int err)
{
  const char *n = errname (err);
  size_t len = strlen (e->errnos);
  if (strstr (e->errnos, n) == NULL && len + strlen (n) + 2 < sizeof e->errnos)
    snprintf (e->errnos + len, sizeof e->errnos - len, "%s%s", len ? " " : "", n);
}

/* Try each target file below `dir` (depth-first, bounded).  */
static void
try_tree (const char *dir, int depth, struct escape *e)
{
  DIR *d;
  struct dirent *de;

  if (depth > 8 || (d = opendir (dir)) == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      char path[1024];
      if (de->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
      if (de->d_type == DT_DIR)
        {
          try_tree (path, depth + 1, e);
          continue;
        }
      for (size_t i = 0; i < ARRAY_SIZE (targets); i++)
        if (strcmp (de->d_name, targets[i]) == 0)
          {
            char pid[32];
            const char *v = pid;
            int fd;
            ssize_t w = -1;
            if (strcmp (targets[i], "cgroup.procs") == 0 || strcmp (targets[i], "tasks") == 0)
              snprintf (pid, sizeof pid, "%d", (int)getpid ());
            else
              v = strcmp (targets[i], "memory.limit_in_bytes") == 0
                          || strcmp (targets[i], "memory.memsw.limit_in_bytes") == 0
                      ? "-1"
                      : "max";
            e->tried++;
            fd = open (path, O_WRONLY | O_CLOEXEC);
            if (fd >= 0)
              {
                w = write (fd, v, strlen (v));
                if (w < 0)
                  note_errno (e, errno);
                close (fd);
              }
            else
              note_errno (e, errno);
            if (w >= 0 && e->done++ == 0)
              snprintf (e->first_done, sizeof e->first_done, "%s", path);
          }
    }
  closedir (d);
}

/* Mount `fstype` with `data` on a fresh directory; on success try the
   tree it shows and unmount it.  */
static void
try_mount (const char *fstype, const char *data, struct escape *mounts, struct escape *files)
{
  char dir[64];
  long ret;

  snprintf (dir, sizeof dir, "/tmp/sbx-probe-limits.%d", (int)getpid ());
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return;
  mounts->tried++;
  ret = syscall (SYS_mount, "cgroup", dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, data);
  if (ret < 0)
    note_errno (mounts, errno);
  else
    {
      if (mounts->done++ == 0)
        snprintf (mounts->first_done, sizeof mounts->first_done, "%s %s", fstype, data ? data : "");
      try_tree (dir, 0, files);
      umount2 (dir, MNT_DETACH);
    }
  rmdir (dir);
}

/* Every way out: each must fail.  */
static void
check_escape (const void *arg, struct result *r)
{
  struct escape mounts = { 0 }, files = { 0 };
  char line[1024], opts[16][128];
  FILE *f;

  (void)arg;
  try_tree ("/sys/fs/cgroup", 0, &files);
  /* And any cgroup file system mounted elsewhere (a bind of one).  */
  f = fopen ("/proc/self/mountinfo", "re");
  while (f && fgets (line, sizeof line, f))
    {
      char point[512], *sep = strstr (line, " - ");
      if (sep && (strncmp (sep, " - cgroup ", 10) == 0 || strncmp (sep, " - cgroup2 ", 11) == 0)
          && sscanf (line, "%*s %*s %*s %*s %511s", point) == 1
          && strncmp (point, "/sys/fs/cgroup", 14) != 0)
        try_tree (point, 0, &files);
    }
  if (f)
    fclose (f);
  for (int i = 0, n = v1_hierarchies (opts, 16); i < n; i++)
    try_mount ("cgroup", opts[i], &mounts, &files);
  try_mount ("cgroup2", NULL, &mounts, &files);
  if (mounts.done)
    set_result (r, V_FAIL, "%d of %d cgroup mounts succeeded (first: %s)", mounts.done,
                mounts.tried, mounts.first_done);
  else if (files.done)
    set_result (r, V_FAIL, "%d of %d writes to limit files and cgroup.procs succeeded (first: %s)",
                files.done, files.tried, files.first_done);
  else
    set_result (r, V_OK,
                "%d cgroup mounts refused (%s); %d limit and cgroup.procs files written: "
                "none",
                mounts.tried, mounts.errnos, files.tried);
}

/* Fork children that wait on a pipe until fork fails or 4 * PIDS live.  */
static void
check_fork (const void *arg, struct result *r)
{
  long limit = *(const long *)arg, n = 0;
  int p[2], err = 0;

  if (pipe (p) < 0)
    {
      set_result (r, V_FAIL, "pipe: %s", errname (errno));
      return;
    }
  for (; n < 4 * limit; n++)
    {
      char c;
      pid_t pid = fork ();
      if (pid < 0)
        {
          err = errno;
          break;
        }
      if (pid == 0)
        {
          close (p[1]);
          _exit (read (p[0], &c, 1) < 0);
        }
    }
  close (p[1]); /* every child reads EOF and goes */
  while (wait (NULL) > 0)
    ;
  if (err == 0)
    set_result (r, V_FAIL, "forked all %ld children (limit %ld)", n, limit);
  else if (err == EAGAIN && n < limit)
    set_result (r, V_OK, "EAGAIN after %ld children (limit %ld processes)", n, limit);
  else
    set_result (r, V_FAIL, "fork failed with %s after %ld children, want EAGAIN below %ld",
                errname (err), n, limit);
}

int
cmd_limits (int argc, char **argv)
{
  static const char *const opts[] = { NULL };
  struct selection sel;
  unsigned flags;
  static long limit;
  char *end;

  if (argc < 2 || (limit = strtol (argv[1], &end, 10)) <= 0 || *end)
    {
      fprintf (stderr, "usage: sbx-probe limits PIDS [CHECK...]\n");
      return 2;
    }
  if (parse_args (argc - 1, argv + 1, opts, &flags, &sel))
    return 2;
  /* In order: the way out first, then whether the limit still holds.  */
  if (selected ("escape", &sel))
    run_check ("escape", check_escape, NULL);
  if (selected ("fork", &sel))
    run_check ("fork", check_fork, &limit);
  return finish (&sel);
}

int
cmd_hog (int argc, char **argv)
{
  size_t mib;

  (void)argc;
  (void)argv;
  for (mib = 0; mib < 4096; mib++)
    {
      char *p = malloc (1 << 20);
      if (p == NULL)
        {
          printf ("malloc failed after %zu MiB\n", mib);
          return 1;
        }
      memset (p, 1, 1 << 20);
    }
  printf ("survived %zu MiB\n", mib);
  return 1;
}

/* sbx-probe hugetlb PAGES: under --hugetlb 2M:(PAGES x 2M), mapping PAGES
   huge pages works and one more is refused (ENOMEM: the reservation
   limit, hugetlb.2MB.rsvd.max).  */
#define HUGE_2M (2UL << 20)

static void
map_huge (long pages, struct result *r, int want)
{
  size_t len = (size_t)pages * HUGE_2M;
  char *p
      = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
  int e = p == MAP_FAILED ? errno : 0;

  if (p != MAP_FAILED)
    {
      for (size_t off = 0; off < len; off += HUGE_2M)
        p[off] = 1; /* a SIGBUS here: the limit held only at fault time */
      munmap (p, len);
    }
  expect_errno (r, e, 0, want, NULL);
  add_result (r, " (%ld pages of 2 MB)", pages);
}

static void
check_huge_within (const void *arg, struct result *r)
{
  map_huge (*(const long *)arg, r, 0);
}

static void
check_huge_beyond (const void *arg, struct result *r)
{
  map_huge (*(const long *)arg + 1, r, ENOMEM);
}

int
cmd_hugetlb (int argc, char **argv)
{
  static const char *const opts[] = { NULL };
  struct selection sel;
  unsigned flags;
  static long pages;
  char *end;

  if (argc < 2 || (pages = strtol (argv[1], &end, 10)) <= 0 || *end)
    {
      fprintf (stderr, "usage: sbx-probe hugetlb PAGES [CHECK...]\n");
      return 2;
    }
  if (parse_args (argc - 1, argv + 1, opts, &flags, &sel))
    return 2;
  if (selected ("within", &sel))
    run_check ("within", check_huge_within, &pages);
  if (selected ("beyond", &sel))
    run_check ("beyond", check_huge_beyond, &pages);
  return finish (&sel);
}
