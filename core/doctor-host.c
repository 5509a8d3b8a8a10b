/* sbx: `sbx doctor`, the host around the kernel: the devices (opened),
   fuse-overlayfs (run), cgroups, sbx's data directory (written to), and
   last a real default sandbox.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "base/libexec.h"
#include "base/util.h"
#include "cgroup.h"
#include "doctor-checks.h"
#include "helpers.h"
#include "trust.h"

/* --- running a program --------------------------------------------------- */

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Run argv with stdin from /dev/null; what it writes on `capture_fd`
   (1 or 2; the other goes to /dev/null) comes back in `out`.
   Killed after `timeout_ms`.  Returns its wait status, or -1 with errno
   when it could not be run or ran out of time (ETIMEDOUT).  */
static int
run_program (char *const argv[], int capture_fd, int timeout_ms, char *out, size_t size)
{
  int fds[2], status;
  long deadline = now_ms () + timeout_ms;
  size_t len = 0;
  bool timed_out = false;
  pid_t pid;

  out[0] = '\0';
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return -1;
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      dup2 (null, 0);
      dup2 (capture_fd == 1 ? null : fds[1], 2);
      dup2 (capture_fd == 1 ? fds[1] : null, 1);
      execv (argv[0], argv);
      dprintf (fds[1], "cannot run %s: %s", argv[0], strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  for (;;)
    {
      struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
      long left = deadline - now_ms ();
      ssize_t n;
      if (left <= 0 || poll (&pfd, 1, (int)left) == 0)
        {
          timed_out = true;
          break;
        }
      n = read (fds[0], out + len, size - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
      if (len == size - 1)
        break;
    }
  close (fds[0]);
  out[len] = '\0';
  if (timed_out)
    kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (timed_out)
    {
      errno = ETIMEDOUT;
      return -1;
    }
  return status;
}

/* Lines folded into one, for a finding.  */
static void
one_line (char *s)
{
  size_t n = strlen (s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
    s[--n] = '\0';
  for (; *s; s++)
    if (*s == '\n')
      *s = ' ';
}

/* --- devices ------------------------------------------------------------- */

struct device
{
  const char *path;
  const char *udev_kernel; /* the udev KERNEL== name */
  const char *module;
  const char *package; /* what provides it besides the module, or NULL */
  enum sbx_doctor_status bad;
  const char *why;
};

static void
check_device (struct sbx_doctor_result *r, const struct device *d)
{
  cleanup_close int fd = open (d->path, O_RDWR | O_CLOEXEC);
  int e = errno;
  struct stat st;
  bool have_st = stat (d->path, &st) == 0;
  cleanup_free char *fix = NULL;

  if (fd >= 0)
    {
      if (fstat (fd, &st) == 0 && !S_ISCHR (st.st_mode))
        sbx_doctor_bad (r, d->bad, SBX_DOCTOR_AS_ROOT, "rm the file there and modprobe the module",
                        d->why, "%s: not a character device", d->path);
      else
        sbx_doctor_ok (r, "%s: opened read-write", d->path);
      return;
    }
  if (e == ENOENT || e == ENXIO || e == ENODEV)
    {
      fix = d->package ? xasprintf ("modprobe %s (and apt-get install %s)", d->module, d->package)
                       : xasprintf ("modprobe %s", d->module);
      sbx_doctor_bad (r, d->bad, SBX_DOCTOR_AS_ROOT, fix, d->why,
                      "%s: %s (the %s module is not loaded?)", d->path, strerror (e), d->module);
      return;
    }
  if ((e == EACCES || e == EPERM) && have_st && (st.st_mode & 0006) != 0006)
    {
      fix = xasprintf ("chmod 0666 %s, and to keep it after a reboot: echo 'KERNEL==\"%s\", "
                       "MODE=\"0666\"' > /etc/udev/rules.d/60-sbx-%s.rules",
                       d->path, d->udev_kernel, d->udev_kernel);
      sbx_doctor_bad (r, d->bad, SBX_DOCTOR_AS_ROOT, fix, d->why, "%s: %s (mode %04o)", d->path,
                      strerror (e), (unsigned)(st.st_mode & 07777));
      return;
    }
  /* Readable by everyone and still refused: a device cgroup or a
     container's policy.  */
  fix = xasprintf ("allow the device to this container or session (docker/podman: --device %s)",
                   d->path);
  sbx_doctor_bad (r, d->bad, SBX_DOCTOR_AS_ROOT, fix, d->why, "%s: %s", d->path, strerror (e));
}

void
sbx_doctor_check_fuse_dev (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  static const struct device fuse
      = { "/dev/fuse",
          "fuse",
          "fuse",
          "fuse3",
          SBX_DOCTOR_FAIL,
          "the default copy-on-write root is fuse-overlayfs, which needs /dev/fuse (or use "
          "--overlay kernel)" };
  (void)c;
  check_device (r, &fuse);
}

void
sbx_doctor_check_tun (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  static const struct device tun
      = { "/dev/net/tun",
          "tun",
          "tun",
          NULL,
          SBX_DOCTOR_WARN,
          "--net slirp makes its tap device there; the default (--net none) does not need it" };
  (void)c;
  check_device (r, &tun);
}

/* A host program sbx runs, found where sbx looks (helpers.h) and asked
   for its version: the line of its output that holds `marker`, or its
   first line (NULL).  Missing or failing, it is `bad`; the package named
   installs it.  */
static void
check_host_program (struct sbx_doctor_result *r, const char *name, const char *marker,
                    enum sbx_doctor_status bad, const char *why)
{
  cleanup_free char *path = sbx_helper_find (name, NULL);
  cleanup_free char *install = xasprintf ("apt-get install %s", name);
  cleanup_free char *reinstall = xasprintf ("apt-get install --reinstall %s", name);
  char *argv[] = { path, (char *)"--version", NULL };
  char out[512], *version;
  int st;

  if (path == NULL)
    {
      sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT, install, why, "%s: not installed", name);
      return;
    }
  st = run_program (argv, 1, 10000, out, sizeof out);
  version = marker ? strstr (out, marker) : out;
  if (version)
    version[strcspn (version, "\n")] = '\0';
  if (st < 0 || !WIFEXITED (st) || WEXITSTATUS (st) != 0 || version == NULL || *version == '\0')
    {
      one_line (out);
      sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT, reinstall, why, "%s --version failed: %s", path,
                      st < 0   ? strerror (errno)
                      : out[0] ? out
                               : "no output");
      return;
    }
  sbx_doctor_ok (r, "%s (%s)", version, path);
}

void
sbx_doctor_check_fuse_overlayfs (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  (void)c;
  /* Its own line among fusermount's and libfuse's.  */
  check_host_program (r, "fuse-overlayfs", "fuse-overlayfs: version ", SBX_DOCTOR_FAIL,
                      "the default copy-on-write root is fuse-overlayfs (or use --overlay kernel)");
}

/* The D-Bus filter: only --dbus-user filter|open need it (the browser
   profile asks for filter), so its absence is a warning.  */
void
sbx_doctor_check_dbus_proxy (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  (void)c;
  check_host_program (r, "xdg-dbus-proxy", NULL, SBX_DOCTOR_WARN,
                      "--dbus-user filter and open (the browser profile's D-Bus) run it; without "
                      "it they fail where the session has a bus");
}

/* --- sbx's own helper programs ------------------------------------------- */

void
sbx_doctor_check_libexec (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  static const struct
  {
    const char *name, *needed_for;
  } helpers[] = { { "sbx-net", "--net slirp" },
                  { "sbx-image", "--image" },
                  { "sbx-learnfs", "sbx learn" } };
  cleanup_free char *found = xstrdup ("");
  const char *why = NULL;
  char *bad = NULL;

  (void)c;
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
    {
      cleanup_error sbx_error_t err = NULL;
      cleanup_free char *path = NULL;
      int fd = sbx_libexec_open (helpers[i].name, &path, &err);
      char *next;
      if (fd < 0)
        {
          if (bad == NULL)
            {
              bad = xstrdup (err->msg);
              why = helpers[i].needed_for;
            }
          continue;
        }
      close (fd);
      next = xasprintf ("%s%s%s", found, *found ? ", " : "", path);
      free (found);
      found = next;
    }
  if (bad)
    {
      cleanup_free char *w = xasprintf ("%s runs sbx's own helper program; the default sandbox "
                                        "does not",
                                        why);
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT,
                      "reinstall sbx (make install, or its package), which puts its helpers in "
                      "its libexec directory",
                      w, "sbx's helpers: %s", bad);
      free (bad);
      return;
    }
  sbx_doctor_ok (r, "sbx's helpers: %s", found);
}

/* --- cgroups ------------------------------------------------------------- */

/* The cgroup v2 mount point, from mountinfo (/sys/fs/cgroup on a
   unified host, /sys/fs/cgroup/unified on a hybrid one), or NULL.  */
static char *
cgroup2_mount (void)
{
  cleanup_free char *info = NULL;
  sbx_error_t err = NULL;
  char *line, *save = NULL;

  if (sbx_read_file ("/proc/self/mountinfo", &info, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return NULL;
    }
  for (line = strtok_r (info, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE ...  */
      char *sep = strstr (line, " - ");
      char mnt[4096];
      if (sep && strncmp (sep + 3, "cgroup2 ", 8) == 0
          && sscanf (line, "%*s %*s %*s %*s %4095s", mnt) == 1)
        return xstrdup (mnt);
    }
  return NULL;
}

static char *
read_line (const struct sbx_doctor_ctx *c, const char *path)
{
  cleanup_free char *p = sbx_doctor_path (c, path);
  char *text = NULL;
  sbx_error_t err = NULL;

  if (sbx_read_file (p, &text, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return NULL;
    }
  text[strcspn (text, "\n")] = '\0';
  return text;
}

/* What sbx itself would do for --memory --pids --cpus: the same
   discovery and choice of backend (cgroup.c).  true when it works; the
   finding is written either way.  */
static bool
limits_usable (struct sbx_doctor_result *r, char **why_not)
{
  struct sbx_cgroup_layout l;
  struct sbx_cgroup cg;
  sbx_error_t err = NULL;
  bool ok;

  memset (&cg, 0, sizeof cg);
  if (sbx_cgroup_discover (&l, &err) < 0)
    {
      sbx_error_release (&err);
      return false;
    }
  ok = sbx_cgroup_choose (&l, SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_CPUSTAT, getuid (),
                          &cg, &err)
       == 0;
  if (ok)
    sbx_doctor_ok (r, "cgroups: --memory, --pids and --cpus work here (%s, below %s)",
                   cg.backend->name, cg.parents[0]);
  else if (err)
    *why_not = xstrdup (err->msg);
  sbx_error_release (&err);
  sbx_cgroup_release (&cg);
  sbx_cgroup_layout_free (&l);
  return ok;
}

void
sbx_doctor_check_cgroups (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  const char *why = "resource limits (--memory, --pids, --cpus) need a delegated cgroup; the "
                    "default sandbox does not";
  const char *unify = "add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in "
                      "/etc/default/grub, then update-grub and reboot";
  cleanup_free char *self = NULL, *v2path = NULL, *mnt = cgroup2_mount ();
  cleanup_free char *dir = NULL, *controllers = NULL, *subtree = NULL;
  cleanup_free char *why_not = NULL;
  char *fix = NULL;
  sbx_error_t err = NULL;
  int v1 = 0;
  const char *kind;

  if (sbx_read_file ("/proc/self/cgroup", &self, NULL, &err) < 0)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, "mount -t proc proc /proc", why,
                      "cgroups: %s", err->msg);
      sbx_error_release (&err);
      return;
    }
  for (char *l = self; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    {
      /* "0::/path" is the v2 hierarchy; "N:controllers:/path" a v1 one.  */
      if (strncmp (l, "0::", 3) == 0)
        v2path = strndup (l + 3, strcspn (l + 3, "\n"));
      else if (*l != '\n')
        v1++;
    }
  kind = v2path && v1 == 0 ? "v2" : v2path ? "hybrid (v1 and v2)" : "v1";
  /* Delegated v1 directories (what an administrator, or tests/host-setup,
     makes on a v1 or hybrid host) count as much as a v2 subtree.  Only on
     the real host: a faked /sys cannot say.  */
  if (c->root[0] == '\0' && limits_usable (r, &why_not))
    return;
  /* Not delegated, but a systemd user manager can make a scope that is:
     sbx runs itself again there (cgroup-scope.c).  */
  if (c->root[0] == '\0')
    {
      struct sbx_limits lim = { .memory = 1, .pids = 1, .cpu_milli = 1 };
      cleanup_free char *runner = sbx_cgroup_scope_runner (&lim);
      if (runner)
        {
          sbx_doctor_ok (r,
                         "cgroups %s: --memory, --pids and --cpus work here through a delegated "
                         "systemd scope (sbx runs itself again with %s --user --scope -p "
                         "Delegate=yes)",
                         kind, runner);
          return;
        }
    }
  /* v1 controllers: what sbx said, split into the finding and the
     administrator's command it names.  */
  if (v1 && why_not && (fix = strstr (why_not, "; an administrator can delegate one: ")))
    {
      char *end = strstr (fix, "; or run without them");
      *fix = '\0';
      fix += strlen ("; an administrator can delegate one: ");
      if (end)
        *end = '\0';
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, fix, why, "cgroups %s: %s", kind,
                      why_not);
      return;
    }
  if (v2path == NULL || mnt == NULL)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, unify, why,
                      "cgroups %s: no cgroup v2 hierarchy to delegate", kind);
      return;
    }
  dir = xasprintf ("%s%s", mnt, strcmp (v2path, "/") == 0 ? "" : v2path);
  {
    cleanup_free char *p = xasprintf ("%s/cgroup.controllers", dir);
    controllers = read_line (c, p);
    free (p);
    p = xasprintf ("%s/cgroup.subtree_control", dir);
    subtree = read_line (c, p);
  }
  if (controllers == NULL || controllers[0] == '\0')
    {
      free (controllers);
      controllers = xstrdup ("none");
    }
  if (access (dir, W_OK) < 0)
    {
      /* On a hybrid host the controllers sit on v1: unify first.  */
      const char *delegate = "mkdir -p /etc/systemd/system/user@.service.d && printf "
                             "'[Service]\\nDelegate=cpu cpuset io memory pids\\n' > "
                             "/etc/systemd/system/user@.service.d/delegate.conf && systemctl "
                             "daemon-reload (then log in again)";
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, v1 ? unify : delegate, why,
                      "cgroups %s: your cgroup %s is not delegated to you (not writable); "
                      "controllers there: %s",
                      kind, dir, controllers);
      return;
    }
  if (v1)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, unify, why,
                      "cgroups %s: %s is delegated to you, but the controllers (%s) sit on v1",
                      kind, dir, controllers);
      return;
    }
  sbx_doctor_ok (r, "cgroups v2: %s is delegated to you; controllers: %s; enabled below: %s", dir,
                 controllers, subtree && subtree[0] ? subtree : "none");
}

/* --- sbx's data directory ------------------------------------------------ */

static const char *
fs_name (long type)
{
  static const struct
  {
    long magic;
    const char *name;
  } names[] = {
    { 0xEF53, "ext4" },      { 0x58465342, "xfs" },      { 0x9123683E, "btrfs" },
    { 0x01021994, "tmpfs" }, { 0x794c7630, "overlay" },  { 0x6969, "nfs" },
    { 0x65735546, "fuse" },  { 0x2fc12fc1, "zfs" },      { 0xF2F52010, "f2fs" },
    { 0xFF534D42, "cifs" },  { 0xFE534D42, "smb2" },     { 0xf15f, "ecryptfs" },
    { 0x01021997, "9p" },    { 0x4d44, "vfat" },         { 0x52654973, "reiserfs" },
    { 0x5346544e, "ntfs" },  { 0xca451a4e, "bcachefs" }, { 0x73717368, "squashfs" },
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if ((unsigned long)names[i].magic == ((unsigned long)type & 0xffffffffUL))
      return names[i].name;
  return NULL;
}

static bool
network_fs (long type)
{
  const char *n = fs_name (type);
  return n
         && (strcmp (n, "nfs") == 0 || strcmp (n, "cifs") == 0 || strcmp (n, "smb2") == 0
             || strcmp (n, "9p") == 0);
}

/* The data directory, or its nearest existing parent (sbx makes the
   rest); `exists` says which.  NULL without $HOME.  */
static char *
data_dir (bool *exists, char **dir_out)
{
  cleanup_free char *dir = sbx_own_dir (SBX_OWN_DATA);
  char *p;
  struct stat st;

  *dir_out = NULL;
  if (dir == NULL)
    return NULL;
  p = xstrdup (dir);
  *exists = stat (p, &st) == 0;
  while (stat (p, &st) < 0 && strrchr (p, '/') != p)
    *strrchr (p, '/') = '\0';
  *dir_out = steal_pointer (&dir);
  return p;
}

static void
human (unsigned long long bytes, char *buf, size_t size)
{
  if (bytes >= 1ULL << 30)
    snprintf (buf, size, "%.1f GiB", bytes / (double)(1ULL << 30));
  else
    snprintf (buf, size, "%llu MiB", bytes >> 20);
}

/* A list of findings about one directory, each a short test and its
   message, read top to bottom; longer than our usual function for that.  */
void
sbx_doctor_check_data_dir (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  const char *why_local = "each sandbox's upper layer (every file it writes) and named sandboxes "
                          "live there";
  cleanup_free char *dir = NULL;
  bool exists = false;
  cleanup_free char *at = data_dir (&exists, &dir);
  cleanup_free char *fix = NULL;
  struct statfs sf;
  struct stat st;
  const char *type;
  char typebuf[32], freebuf[32];
  unsigned long long avail;

  if (at == NULL)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_USER, "export HOME=/home/$USER", why_local,
                      "data directory: neither $HOME nor $XDG_DATA_HOME is absolute");
      return;
    }
  if (exists && (lstat (dir, &st) < 0 || !S_ISDIR (st.st_mode)))
    {
      fix = xasprintf ("mv %s %s.old", dir, dir);
      sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_USER, fix,
                      "sbx never follows a symlink among its own directories: a sandbox could "
                      "have planted it",
                      "%s: not a directory (a symlink?)", dir);
      return;
    }
  if (exists && (st.st_uid != c->uid || (st.st_mode & 022)))
    {
      fix = st.st_uid != c->uid ? xasprintf ("chown %s: %s && chmod 0700 %s", c->user, dir, dir)
                                : xasprintf ("chmod 0700 %s", dir);
      sbx_doctor_bad (r, SBX_DOCTOR_FAIL,
                      st.st_uid != c->uid ? SBX_DOCTOR_AS_ROOT : SBX_DOCTOR_AS_USER, fix,
                      "what sbx reads back from there (filters, layers) decides what runs, so "
                      "only you may write there",
                      "%s: owned by %u, mode %04o (sbx refuses a directory others can write)", dir,
                      (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
      return;
    }
  if (access (at, W_OK | X_OK) < 0)
    {
      fix = xasprintf ("chown %s: %s", c->user, at);
      sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, fix, why_local, "%s: %s", at,
                      strerror (errno));
      return;
    }
  if (statfs (at, &sf) < 0)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, NULL, why_local, "statfs %s: %s", at,
                      strerror (errno));
      return;
    }
  type = fs_name (sf.f_type);
  if (type == NULL)
    {
      snprintf (typebuf, sizeof typebuf, "filesystem 0x%lx", (unsigned long)sf.f_type);
      type = typebuf;
    }
  avail = (unsigned long long)sf.f_bavail * sf.f_bsize;
  human (avail, freebuf, sizeof freebuf);
  if (network_fs (sf.f_type))
    {
      fix = xasprintf ("export XDG_DATA_HOME=/var/tmp/%s/share (a local disk; mkdir -p it first)",
                       c->user);
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, fix,
                      "an upper layer on a network filesystem loses its locks and user xattrs, "
                      "and remote ids confuse the id mapping",
                      "%s%s: on %s, a network filesystem (%s free)", dir,
                      exists ? "" : " (not made yet)", type, freebuf);
      return;
    }
  if (avail < (1ULL << 30))
    {
      fix = xasprintf ("sbx rm NAME (for named sandboxes you no longer need), or free space on %s",
                       at);
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, fix, why_local,
                      "%s%s: %s, only %s free", dir, exists ? "" : " (not made yet)", type,
                      freebuf);
      return;
    }
  sbx_doctor_ok (r, "%s%s: %s, %s free", dir, exists ? "" : " (not made yet)", type, freebuf);
}

void
sbx_doctor_check_xattr (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  cleanup_free char *dir = NULL;
  bool exists = false;
  cleanup_free char *at = data_dir (&exists, &dir);
  cleanup_free char *tmpl = NULL;
  cleanup_close int fd = -1;
  cleanup_free char *fix = NULL;

  (void)c;
  if (at == NULL)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, NULL, NULL,
                      "user xattrs: not tried, no data directory");
      return;
    }
  tmpl = xasprintf ("%s/.sbx-doctor-XXXXXX", at);
  fd = mkostemp (tmpl, O_CLOEXEC);
  if (fd < 0)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, "see the data-dir line above", NULL,
                      "user xattrs in %s: not tried: %s", at, strerror (errno));
      return;
    }
  unlink (tmpl);
  if (fsetxattr (fd, "user.sbx.doctor", "1", 1, 0) == 0)
    {
      sbx_doctor_ok (r, "user xattrs in %s: set one on a new file", at);
      return;
    }
  fix = xasprintf ("export XDG_DATA_HOME=/var/tmp/%s/share (a filesystem with user xattrs: ext4, "
                   "xfs, btrfs, tmpfs on Linux 6.6+), or remount %s with -o user_xattr",
                   c->user, at);
  sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, fix,
                  "fuse-overlayfs keeps whiteouts and the owners of copied-up files in user.* "
                  "xattrs of the upper layer; without them deletions and chown inside misbehave",
                  "user xattrs in %s: %s", at, strerror (errno));
}

/* --- the real thing ------------------------------------------------------ */

void
sbx_doctor_check_sandbox (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  char *argv[] = { (char *)c->sbx_exe, (char *)"-q", (char *)"--", (char *)"true", NULL };
  char out[1024], how[64];
  long t0 = now_ms ();
  int st;

  if (c->sbx_exe == NULL)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_USER, NULL, NULL,
                      "default sandbox: not tried (sbx's own path is unknown)");
      return;
    }
  st = run_program (argv, 2, 60000, out, sizeof out);
  one_line (out);
  if (st < 0)
    snprintf (how, sizeof how, "could not run: %s", strerror (errno));
  else if (WIFEXITED (st))
    snprintf (how, sizeof how, "failed (exit %d)", WEXITSTATUS (st));
  else
    snprintf (how, sizeof how, "was killed by signal %d", WTERMSIG (st));
  if (st >= 0 && WIFEXITED (st) && WEXITSTATUS (st) == 0)
    {
      sbx_doctor_ok (r, "default sandbox: `sbx -- true` ran (%.2f s)", (now_ms () - t0) / 1000.0);
      return;
    }
  sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_USER,
                  "fix the FAIL lines above; `sbx -v -- true` shows each step",
                  "`sbx -- PROGRAM` runs exactly this sandbox",
                  "default sandbox: `sbx -- true` %s%s%s", how, out[0] ? ": " : "", out);
}
