/* sbx-probe fds: no file descriptor, working directory or root leads out
 * of the sandbox.  Only fds 0-2 are open when the program starts, none of
 * them a directory; from the cwd, 64 times ".." ends at the sandbox's "/"
 * (CVE-2024-21626: runc leaked a directory fd of the host's
 * /sys/fs/cgroup, and a program started with that as its cwd walked up to
 * the host's root); getcwd and /proc/self/{cwd,root} name places inside.
 *
 * sbx-probe swap: the helper of the CVE-2021-30465 test, run outside:
 * exchange a directory and a symlink as fast as it can while sbx sets up
 * a bind mount below them.  */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define CLIMB 64
#define PROBE_RENAME_EXCHANGE (1 << 1)

static int chroot_first;

/* --chroot-first: put the root below the cwd, as a leaked directory fd
   would be; the checks below must then fail.  */
static int
maybe_chroot (struct result *r)
{
  if (!chroot_first)
    return 0;
  if (chroot ("/tmp") < 0)
    {
      set_result (r, V_FAIL, "--chroot-first: chroot /tmp: %s (needs CAP_SYS_CHROOT)",
                  errname (errno));
      return -1;
    }
  return 0;
}

static const char *
type_name (mode_t m)
{
  return S_ISDIR (m)    ? "directory"
         : S_ISREG (m)  ? "file"
         : S_ISCHR (m)  ? "char device"
         : S_ISFIFO (m) ? "pipe"
         : S_ISSOCK (m) ? "socket"
         : S_ISLNK (m)  ? "symlink"
         : S_ISBLK (m)  ? "block device"
                        : "unknown";
}

/* Where 64 times ".." from directory FD ends: 1 at "/", 0 elsewhere,
   -1 with errno.  */
static int
climbs_to_root (int fd)
{
  struct stat top, root;
  int cur, i;

  cur = openat (fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (i = 0; cur >= 0 && i < CLIMB; i++)
    {
      int up = openat (cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      close (cur);
      cur = up;
    }
  if (cur < 0)
    return -1;
  i = fstat (cur, &top);
  close (cur);
  if (i < 0 || stat ("/", &root) < 0)
    return -1;
  return top.st_dev == root.st_dev && top.st_ino == root.st_ino;
}

/* ------------------------------------------------------------ the fds */

/* Listed by the probe's main process before it forks: a check's child
   has the pipe to its parent open.  */
static void
report_open_fds (void)
{
  struct dirent *de;
  char extra[512] = "";
  size_t len = 0;
  int n = 0;
  DIR *d;

  d = opendir ("/proc/self/fd");
  if (d == NULL)
    {
      report_now ("fds at exec", V_FAIL, "opendir /proc/self/fd: %s", errname (errno));
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      int fd = atoi (de->d_name);
      char target[256] = "?";
      char path[64];
      ssize_t l;
      if (de->d_name[0] == '.' || fd == dirfd (d))
        continue;
      n++;
      if (fd <= 2)
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      l = readlink (path, target, sizeof target - 1);
      target[l < 0 ? 0 : l] = '\0';
      if (len < sizeof extra)
        len += snprintf (extra + len, sizeof extra - len, "%s%d -> %s", len ? ", " : "", fd,
                         target);
    }
  closedir (d);
  if (len)
    report_now ("fds at exec", V_FAIL, "got %s open beyond 0-2, want only 0-2", extra);
  else
    report_now ("fds at exec", V_OK, "%d open, all among 0-2 (the listing's own aside)", n);
}

/* fds 0-2: none a directory, which a program could climb out of.  */
static void
check_std_fds (const void *arg, struct result *r)
{
  int fd, bad = 0;

  (void)arg;
  set_result (r, V_OK, "%s", "");
  for (fd = 0; fd <= 2; fd++)
    {
      struct stat st;
      if (fstat (fd, &st) < 0)
        {
          add_result (r, "%s%d closed", fd ? ", " : "", fd);
          continue;
        }
      add_result (r, "%s%d %s", fd ? ", " : "", fd, type_name (st.st_mode));
      if (S_ISDIR (st.st_mode))
        {
          int up = climbs_to_root (fd);
          add_result (r, " (.. ends %s)", up == 1 ? "at /" : "outside /");
          bad = 1;
        }
    }
  if (bad)
    {
      char msg[sizeof r->msg];
      snprintf (msg, sizeof msg, "%s", r->msg);
      set_result (r, V_FAIL, "a directory among fds 0-2: %s", msg);
    }
  else
    add_result (r, "; no directory");
}

/* ------------------------------------------------------- cwd and root */

static void
check_cwd_climb (const void *arg, struct result *r)
{
  struct stat here, root;
  int i;

  (void)arg;
  if (maybe_chroot (r) < 0)
    return;
  for (i = 0; i < CLIMB; i++)
    if (chdir ("..") < 0)
      {
        set_result (r, V_FAIL, "chdir(\"..\") number %d: %s", i + 1, errname (errno));
        return;
      }
  if (stat (".", &here) < 0 || stat ("/", &root) < 0)
    {
      set_result (r, V_FAIL, "stat: %s", errname (errno));
      return;
    }
  if (here.st_dev == root.st_dev && here.st_ino == root.st_ino)
    set_result (r, V_OK, "%d times chdir(\"..\") ends at / (dev %u:%u ino %lu)", CLIMB,
                major (root.st_dev), minor (root.st_dev), (unsigned long)root.st_ino);
  else
    set_result (r, V_FAIL,
                "%d times chdir(\"..\") ends at dev %u:%u ino %lu, not at / (dev %u:%u ino %lu): "
                "the cwd lies outside the root",
                CLIMB, major (here.st_dev), minor (here.st_dev), (unsigned long)here.st_ino,
                major (root.st_dev), minor (root.st_dev), (unsigned long)root.st_ino);
}

static void
check_getcwd (const void *arg, struct result *r)
{
  char buf[4096];

  (void)arg;
  if (maybe_chroot (r) < 0)
    return;
  if (getcwd (buf, sizeof buf) == NULL)
    set_result (r, V_FAIL, "got %s want a path (ENOENT: the cwd is unreachable from the root)",
                errname (errno));
  else if (buf[0] != '/')
    set_result (r, V_FAIL, "got '%s' want an absolute path", buf);
  else
    set_result (r, V_OK, "%s", buf);
}

/* /proc/self/root and /proc/self/cwd as the kernel names them: a place
   outside the root reads "(unreachable)" or the like.  */
static void
check_proc_self (const void *arg, struct result *r)
{
  const char *which = arg;
  char path[64], link[4096], cwd[4096];
  ssize_t n;

  if (maybe_chroot (r) < 0)
    return;
  snprintf (path, sizeof path, "/proc/self/%s", which);
  n = readlink (path, link, sizeof link - 1);
  if (n < 0)
    {
      set_result (r, V_FAIL, "readlink %s: %s", path, errname (errno));
      return;
    }
  link[n] = '\0';
  if (strcmp (which, "root") == 0)
    {
      if (strcmp (link, "/") == 0)
        set_result (r, V_OK, "/");
      else
        set_result (r, V_FAIL, "got '%s' want '/'", link);
      return;
    }
  if (getcwd (cwd, sizeof cwd) == NULL)
    snprintf (cwd, sizeof cwd, "(getcwd: %s)", errname (errno));
  if (link[0] == '/' && strcmp (link, cwd) == 0)
    set_result (r, V_OK, "%s, the same as getcwd", link);
  else
    set_result (r, V_FAIL, "got '%s' want getcwd's '%s'", link, cwd);
}

static const struct probe_check fd_checks[] = {
  { "fds 0-2", check_std_fds, NULL },
  { "chdir(..) x64 from the cwd", check_cwd_climb, NULL },
  { "getcwd", check_getcwd, NULL },
  { "/proc/self/root", check_proc_self, "root" },
  { "/proc/self/cwd", check_proc_self, "cwd" },
};

int
cmd_fds (int argc, char **argv)
{
  static const char *const opts[] = { "--chroot-first", NULL };
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  chroot_first = flags & 1;
  if (selected ("fds at exec", &sel))
    report_open_fds ();
  run_checks (fd_checks, ARRAY_SIZE (fd_checks), &sel);
  return finish (&sel);
}

/* ------------------------------------------------------------------ swap */

int
cmd_swap (int argc, char **argv)
{
  struct timespec start, now;
  unsigned long n = 0;
  double secs;

  if (argc != 4 || (secs = atof (argv[3])) <= 0)
    {
      fprintf (stderr, "Usage: sbx-probe swap PATH1 PATH2 SECONDS\n");
      return 2;
    }
  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      if (syscall (SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], PROBE_RENAME_EXCHANGE) < 0)
        {
          fprintf (stderr, "sbx-probe swap: renameat2 %s %s: %s\n", argv[1], argv[2],
                   strerror (errno));
          return 1;
        }
      n++;
      if (n % 256 != 0)
        continue;
      clock_gettime (CLOCK_MONOTONIC, &now);
      if ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= secs)
        break;
    }
  printf ("swapped %lu times\n", n);
  return 0;
}
