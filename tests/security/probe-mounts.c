/* sbx-probe mounts: the sandbox's mount table hides the host's and cannot
 * be changed to reveal it.  One mount at "/", a tmpfs, and nothing of the
 * host's old root in /proc/self/mountinfo; umount2 and remounts refused.
 * With --caps (under --cap-add SYS_ADMIN, which lets umount2 and mount
 * through the filter): every mount can go, and what lies below each is an
 * empty mount point sbx made, never the host's files (the host's /home is
 * never copied below the sandbox's); remounting read-only binds writable,
 * suid or dev is still refused.
 *
 * sbx-probe cgroup: the sandbox sits at the root of its own cgroup
 * namespace, and cannot mount cgroupfs to reach release_agent
 * (CVE-2022-0492); with --caps (under --uid 0 --cap-add ALL) a v1
 * hierarchy may mount, but its release_agent stays unwritable.  */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#define MAX_MOUNTS 512

/* ------------------------------------------------------------- mountinfo */

struct mnt
{
  int id, parent;
  char dev[32];
  char root[512];
  char point[512];
  char opts[256];
  char fstype[64];
};

/* Undo mountinfo's octal escapes (\040 for a blank) in place.  */
static void
unescape (char *s)
{
  char *o = s;

  for (; *s; s++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 3;
        }
      else
        *o++ = *s;
    }
  *o = '\0';
}

/* The mount table, in mountinfo's order (parents first); the count, or -1
   with errno.  */
static int
read_mounts (struct mnt *m, int max)
{
  char line[2048];
  FILE *f;
  int n = 0;

  f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return -1;
  while (n < max && fgets (line, sizeof line, f))
    {
      char *sep = strstr (line, " - ");
      if (sep == NULL
          || sscanf (line, "%d %d %31s %511s %511s %255s", &m[n].id, &m[n].parent, m[n].dev,
                     m[n].root, m[n].point, m[n].opts)
                 != 6
          || sscanf (sep + 3, "%63s", m[n].fstype) != 1)
        continue;
      unescape (m[n].root);
      unescape (m[n].point);
      n++;
    }
  fclose (f);
  return n;
}

static int
under (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  return strncmp (path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void
check_one_root (const void *arg, struct result *r)
{
  static struct mnt m[MAX_MOUNTS];
  int n, i, roots = 0, at = -1;

  (void)arg;
  n = read_mounts (m, MAX_MOUNTS);
  if (n < 0)
    {
      set_result (r, V_FAIL, "read /proc/self/mountinfo: %s", errname (errno));
      return;
    }
  for (i = 0; i < n; i++)
    if (strcmp (m[i].point, "/") == 0)
      {
        roots++;
        at = i;
      }
  if (roots != 1)
    set_result (r, V_FAIL, "got %d mounts at / want 1 (one of them may be the old root)", roots);
  else if (strcmp (m[at].fstype, "tmpfs") != 0 && strcmp (m[at].fstype, "fuse.fuse-overlayfs") != 0
           && strcmp (m[at].fstype, "overlay") != 0)
    set_result (r, V_FAIL,
                "the one mount at / is a %s (%s %s), want the sandbox's overlay or tmpfs",
                m[at].fstype, m[at].dev, m[at].root);
  else
    set_result (r, V_OK, "one mount at / of %d, a %s", n, m[at].fstype);
}

/* SBX_PROBE_HOST_ROOT="MAJ:MIN ROOT": the host's own "/" mount.  No mount
   here may show that filesystem's root: it would be the whole host tree.  */
static void
check_no_host_root (const void *arg, struct result *r)
{
  static struct mnt m[MAX_MOUNTS];
  const char *host = getenv ("SBX_PROBE_HOST_ROOT");
  char dev[32], root[512];
  int n, i;

  (void)arg;
  if (host == NULL || sscanf (host, "%31s %511s", dev, root) != 2)
    {
      set_result (r, V_SKIP,
                  "SBX_PROBE_HOST_ROOT is not set to the host's '/' mount ('MAJ:MIN ROOT')");
      return;
    }
  n = read_mounts (m, MAX_MOUNTS);
  if (n < 0)
    {
      set_result (r, V_FAIL, "read /proc/self/mountinfo: %s", errname (errno));
      return;
    }
  for (i = 0; i < n; i++)
    if (strcmp (m[i].dev, dev) == 0 && strcmp (m[i].root, root) == 0)
      {
        set_result (r, V_FAIL, "mount %d at %s is the host's root (%s %s)", m[i].id, m[i].point,
                    dev, root);
        return;
      }
  set_result (r, V_OK, "none of the %d mounts is the host's root %s %s", n, dev, root);
}

/* ---------------------------------------------------------------- umount */

static void
check_umount (const void *arg, struct result *r)
{
  const char *path = arg;
  long ret;

  if (strcmp (path, "$HOME") == 0)
    path = getenv ("HOME") ? getenv ("HOME") : "/";
  ret = syscall (SYS_umount2, path, MNT_DETACH);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, path);
}

/* Is what lies at PATH only empty mount points (empty directories and
   empty files, at any depth)?  Names the first thing that is not in BAD.  */
static int
only_empty (const char *path, char *bad, size_t len, int depth)
{
  struct dirent *de;
  struct stat st;
  DIR *d;
  int ok = 1;

  if (lstat (path, &st) < 0)
    return 1; /* nothing there at all */
  if (!S_ISDIR (st.st_mode))
    {
      if (S_ISREG (st.st_mode) && st.st_size == 0)
        return 1;
      snprintf (bad, len, "%s (a %s of %lld bytes)", path, S_ISREG (st.st_mode) ? "file" : "node",
                (long long)st.st_size);
      return 0;
    }
  if (depth > 8)
    return 1;
  d = opendir (path);
  if (d == NULL && errno == EACCES)
    return 1; /* nothing of it can be read */
  if (d == NULL)
    {
      snprintf (bad, len, "%s (unreadable: %s)", path, errname (errno));
      return 0;
    }
  while (ok && (de = readdir (d)) != NULL)
    {
      char sub[1024];
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      snprintf (sub, sizeof sub, "%s/%s", strcmp (path, "/") ? path : "", de->d_name);
      ok = only_empty (sub, bad, len, depth + 1);
    }
  closedir (d);
  return ok;
}

/* The files sbx lays over the host's own to name the sandbox: below them
   lies the host's original, which every user on the host can read.  */
static const char *const naming_files[] = { "/etc/hosts", "/etc/hostname", NULL };

static int
is_naming_file (const char *p)
{
  int i;

  for (i = 0; naming_files[i]; i++)
    if (strcmp (p, naming_files[i]) == 0)
      return 1;
  return 0;
}

static int
depth (const char *p)
{
  int n = 0;

  for (; *p; p++)
    n += *p == '/';
  return n;
}

/* Deepest first: a child before its parent, whose detach takes it along.  */
static int
deeper_first (const void *a, const void *b)
{
  return depth (((const struct mnt *)b)->point) - depth (((const struct mnt *)a)->point);
}

/* CapEff has CAP_SYS_ADMIN (21).  */
static int
has_sys_admin (void)
{
  char line[256];
  unsigned long long eff = 0;
  FILE *f = fopen ("/proc/self/status", "re");
  if (f == NULL)
    return 0;
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "CapEff: %llx", &eff) == 1)
      break;
  fclose (f);
  return (eff >> 21) & 1;
}

/* --caps: unmount every mount, the deepest first, and look below each.
   /proc's and /sys's submounts are left: below them is the kernel's own
   view, not the host's files.  */
static void
check_umount_all (const void *arg, struct result *r)
{
  static struct mnt m[MAX_MOUNTS];
  int n, i, gone = 0, refused = 0;
  char bad[1200] = "", refusals[400] = "";
  size_t rl = 0;

  (void)arg;
  n = read_mounts (m, MAX_MOUNTS);
  if (n < 0)
    {
      set_result (r, V_FAIL, "read /proc/self/mountinfo: %s", errname (errno));
      return;
    }
  qsort (m, n, sizeof *m, deeper_first);
  for (i = 0; i < n && !bad[0]; i++)
    {
      const char *p = m[i].point;
      if (strcmp (p, "/") == 0 || (under (p, "/proc") && strcmp (p, "/proc") != 0)
          || (under (p, "/sys") && strcmp (p, "/sys") != 0))
        continue;
      if (syscall (SYS_umount2, p, MNT_DETACH) < 0)
        {
          refused++;
          if (rl < sizeof refusals)
            rl += snprintf (refusals + rl, sizeof refusals - rl, "%s%s %s", rl ? ", " : "", p,
                            errname (errno));
          continue;
        }
      gone++;
      if (!is_naming_file (p))
        only_empty (p, bad, sizeof bad, 0);
    }
  if (bad[0])
    set_result (r, V_FAIL, "an unmount revealed what lay below: %s", bad);
  else if (gone == 0 && !has_sys_admin ())
    set_result (r, V_FAIL, "nothing could be unmounted (%s): run it with --cap-add SYS_ADMIN",
                refusals);
  else if (gone == 0)
    set_result (r, V_OK, "every mount is locked even with CAP_SYS_ADMIN (%d refused: %s)", refused,
                refusals);
  else
    set_result (r, V_OK,
                "%d unmounted, %d refused%s%s%s; below each only empty mount points (below "
                "/etc/hosts and /etc/hostname the host's own, readable there by all)",
                gone, refused, refused ? " (" : "", refusals, refused ? ")" : "");
}

/* ----------------------------------------------------------------- remount */

struct remount
{
  const char *what;
  unsigned long flags; /* the flags the remount asks for, the one dropped */
};

static const unsigned long ro_flags = MS_RDONLY | MS_NOSUID | MS_NODEV;

static void
check_remount (const void *arg, struct result *r)
{
  const struct remount *c = arg;
  long ret;
  int got;

  ret = syscall (SYS_mount, NULL, "/usr", NULL, MS_REMOUNT | MS_BIND | c->flags, NULL);
  got = ret < 0 ? errno : 0;
  if (ret == 0)
    syscall (SYS_mount, NULL, "/usr", NULL, MS_REMOUNT | MS_BIND | ro_flags, NULL);
  expect_errno (r, got, ret, EPERM, c->what);
}

/* --caps: every read-only mount outside /proc and /sys, made writable.
   What it made writable stays so: a test can then try to write there.  */
static void
check_remount_all (const void *arg, struct result *r)
{
  static struct mnt m[MAX_MOUNTS];
  char done[600] = "";
  size_t dl = 0;
  int n, i, tried = 0, refused = 0;

  (void)arg;
  n = read_mounts (m, MAX_MOUNTS);
  if (n < 0)
    {
      set_result (r, V_FAIL, "read /proc/self/mountinfo: %s", errname (errno));
      return;
    }
  for (i = 0; i < n; i++)
    {
      const char *p = m[i].point;
      if (strncmp (m[i].opts, "ro", 2) != 0 || (m[i].opts[2] != ',' && m[i].opts[2] != '\0')
          || strcmp (p, "/") == 0 || under (p, "/proc") || under (p, "/sys"))
        continue;
      tried++;
      if (syscall (SYS_mount, NULL, p, NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
        refused++;
      else if (dl < sizeof done)
        dl += snprintf (done + dl, sizeof done - dl, "%s%s", dl ? ", " : "", p);
    }
  if (tried == 0)
    set_result (r, V_FAIL, "no read-only mount found to try");
  else if (refused == tried)
    set_result (r, V_OK, "all %d read-only mounts stay read-only, nosuid, nodev", tried);
  else
    set_result (r, V_FAIL, "%d of %d read-only mounts made writable, suid and dev: %s",
                tried - refused, tried, done);
}

static const struct remount rw = { "read-write", MS_NOSUID | MS_NODEV };
static const struct remount suid = { "suid", MS_RDONLY | MS_NODEV };
static const struct remount dev = { "dev", MS_RDONLY | MS_NOSUID };

static const struct probe_check mount_checks[] = {
  { "mountinfo: one /", check_one_root, NULL },
  { "mountinfo: not the host's root", check_no_host_root, NULL },
  { "umount2(/home)", check_umount, "/home" },
  { "umount2($HOME)", check_umount, "$HOME" },
  { "umount2(/usr)", check_umount, "/usr" },
  { "umount2(/tmp)", check_umount, "/tmp" },
  { "umount2(/dev)", check_umount, "/dev" },
  { "umount2(/proc/sys)", check_umount, "/proc/sys" },
  { "umount2(/proc)", check_umount, "/proc" },
  { "umount2(/)", check_umount, "/" },
  { "remount(/usr, rw)", check_remount, &rw },
  { "remount(/usr, suid)", check_remount, &suid },
  { "remount(/usr, dev)", check_remount, &dev },
};

/* Under --caps: the remounts first, the unmounts last (they take /proc).  */
static const struct probe_check mount_caps_checks[] = {
  { "mountinfo: one /", check_one_root, NULL },
  { "mountinfo: not the host's root", check_no_host_root, NULL },
  { "remount(every read-only mount)", check_remount_all, NULL },
  { "umount2(every mount)", check_umount_all, NULL },
};

int
cmd_mounts (int argc, char **argv)
{
  static const char *const opts[] = { "--caps", NULL };
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  if (flags & 1)
    run_checks (mount_caps_checks, ARRAY_SIZE (mount_caps_checks), &sel);
  else
    run_checks (mount_checks, ARRAY_SIZE (mount_checks), &sel);
  return finish (&sel);
}

/* ----------------------------------------------------------------- cgroup */

static void
check_own_cgroup (const void *arg, struct result *r)
{
  char line[1024];
  int n = 0;
  FILE *f;

  (void)arg;
  f = fopen ("/proc/self/cgroup", "re");
  if (f == NULL)
    {
      set_result (r, V_FAIL, "open /proc/self/cgroup: %s", errname (errno));
      return;
    }
  set_result (r, V_OK, "%s", "");
  while (fgets (line, sizeof line, f))
    {
      char *path = strchr (line, ':');
      path = path ? strchr (path + 1, ':') : NULL;
      if (path == NULL)
        continue;
      path[strcspn (path, "\n")] = '\0';
      n++;
      if (strcmp (path + 1, "/") != 0)
        {
          line[strcspn (line, "\n")] = '\0';
          set_result (r, V_FAIL, "got '%s' want every path '/'", line);
          break;
        }
    }
  fclose (f);
  if (r->verdict == V_OK)
    set_result (r, V_OK, "%d hierarchies, every path '/': the root of its own cgroup namespace", n);
}

int
v1_hierarchies (char opts[][128], int max)
{
  char line[1024];
  int n = 0;
  FILE *f;

  f = fopen ("/proc/self/cgroup", "re");
  if (f == NULL)
    return 0;
  while (n < max && fgets (line, sizeof line, f))
    {
      char *c = strchr (line, ':'), *e;
      if (c == NULL || (e = strchr (c + 1, ':')) == NULL || e == c + 1)
        continue; /* 0::/ is cgroup2 */
      *e = '\0';
      if (strncmp (c + 1, "name=", 5) == 0)
        snprintf (opts[n++], 128, "none,%s", c + 1);
      else
        snprintf (opts[n++], 128, "%s", c + 1);
    }
  fclose (f);
  return n;
}

/* A fresh directory to mount on, in the sandbox's own /tmp.  */
static const char *
mount_dir (void)
{
  static char dir[64];

  snprintf (dir, sizeof dir, "/tmp/sbx-probe-cg.%d", (int)getpid ());
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return NULL;
  return dir;
}

static void
check_mount_cgroup (const void *arg, struct result *r)
{
  const char *fstype = arg;
  char opts[16][128];
  const char *dir = mount_dir (), *data = NULL;
  long ret;

  if (dir == NULL)
    {
      set_result (r, V_FAIL, "mkdir in /tmp: %s", errname (errno));
      return;
    }
  if (strcmp (fstype, "cgroup") == 0)
    data = v1_hierarchies (opts, 16) > 0 ? opts[0] : "none,name=sbx-probe";
  ret = syscall (SYS_mount, "cgroup", dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, data);
  if (ret == 0)
    umount2 (dir, MNT_DETACH);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, data ? data : "the unified hierarchy");
}

/* --caps: mount each v1 hierarchy the kernel lets us and try its
   release_agent, which the kernel runs as the host's root.  */
static void
check_release_agent (const void *arg, struct result *r)
{
  char opts[16][128], path[128], done[512] = "";
  const char *dir = mount_dir ();
  int n, i, tried = 0;
  size_t dl = 0;

  (void)arg;
  if (dir == NULL)
    {
      set_result (r, V_FAIL, "mkdir in /tmp: %s", errname (errno));
      return;
    }
  n = v1_hierarchies (opts, 16);
  for (i = 0; i < n; i++)
    {
      ssize_t w = -1;
      int fd, e;
      if (syscall (SYS_mount, "cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts[i])
          < 0)
        continue;
      snprintf (path, sizeof path, "%s/release_agent", dir);
      fd = open (path, O_WRONLY | O_CLOEXEC);
      e = errno;
      if (fd >= 0)
        {
          w = write (fd, "/bin/true", 9);
          e = errno;
          close (fd);
        }
      umount2 (dir, MNT_DETACH);
      if (fd < 0 && e == ENOENT)
        continue; /* not the hierarchy's root: no release_agent */
      tried++;
      if (fd < 0 && e == EACCES)
        {
          if (dl < sizeof done)
            dl += snprintf (done + dl, sizeof done - dl, "%s%s", dl ? ", " : "", opts[i]);
          continue;
        }
      if (fd < 0)
        set_result (r, V_FAIL, "mounted %s; open(release_agent, O_WRONLY): got %s want EACCES",
                    opts[i], errname (e));
      else
        set_result (r, V_FAIL, "mounted %s; release_agent opened for writing, the write: got %s",
                    opts[i], w < 0 ? errname (e) : "success");
      return;
    }
  if (tried == 0)
    set_result (r, V_SKIP, "none of the %d cgroup v1 hierarchies mounted with a release_agent here",
                n);
  else
    set_result (r, V_OK, "mounted %s; open(release_agent, O_WRONLY): EACCES in each", done);
}

static const struct probe_check cgroup_checks[] = {
  { "/proc/self/cgroup", check_own_cgroup, NULL },
  { "mount(cgroup2)", check_mount_cgroup, "cgroup2" },
  { "mount(cgroup)", check_mount_cgroup, "cgroup" },
};

static const struct probe_check cgroup_caps_checks[] = {
  { "/proc/self/cgroup", check_own_cgroup, NULL },
  { "release_agent", check_release_agent, NULL },
};

int
cmd_cgroup (int argc, char **argv)
{
  static const char *const opts[] = { "--caps", NULL };
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  if (flags & 1)
    run_checks (cgroup_caps_checks, ARRAY_SIZE (cgroup_caps_checks), &sel);
  else
    run_checks (cgroup_checks, ARRAY_SIZE (cgroup_checks), &sel);
  return finish (&sel);
}
