/* sbx: the OCI process's last steps inside the container, shared by the
   container's init (oci-create.c) and `exec` (oci-exec.c): its terminal,
   working directory, limits, identity, capabilities and filter, in the
   order runc gives them, so that an engine sees the same process from
   either runtime.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "base/sync.h"
#include "base/util.h"
#include "caps.h"
#include "path.h"
#include "oci-internal.h"

static const char *
env_path (char **env)
{
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], "PATH=", 5) == 0)
      return env[i] + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int
oci_process_find (const struct sbx_oci_process *p, char **path, sbx_error_t *err)
{
  const char *name = p->args[0];
  struct stat st;
  bool denied = false;

  /* The words podman reads an exit code from: "executable file not
     found" is 127, "permission denied" 126.  */
  if (strchr (name, '/'))
    {
      if (stat (name, &st) < 0)
        return sbx_error_make_exit (err, SBX_EXIT_NOT_FOUND, 0,
                                    "exec `%s`: no such file or directory", name);
      if (!S_ISREG (st.st_mode) || access (name, X_OK) < 0)
        return sbx_error_make_exit (err, SBX_EXIT_CANNOT_EXEC, 0, "exec `%s`: permission denied",
                                    name);
      *path = xstrdup (name);
      return 0;
    }
  for (const char *d = env_path (p->env); *d;)
    {
      const char *colon = strchrnul (d, ':');
      cleanup_free char *cand = xasprintf ("%.*s/%s", (int)(colon - d), colon == d ? "." : d, name);
      if (stat (cand, &st) == 0 && S_ISREG (st.st_mode))
        {
          if (access (cand, X_OK) == 0)
            {
              *path = steal_pointer (&cand);
              return 0;
            }
          denied = true;
        }
      d = *colon ? colon + 1 : colon;
    }
  if (denied)
    return sbx_error_make_exit (err, SBX_EXIT_CANNOT_EXEC, 0, "exec `%s`: permission denied", name);
  return sbx_error_make_exit (err, SBX_EXIT_NOT_FOUND, 0,
                              "exec `%s`: executable file not found in $PATH", name);
}

/* The spec's /dev/console: the container's pty bound there, so that a
   program that writes to the console writes to the engine's terminal.  */
static int
bind_console (const char *pts, sbx_error_t *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC), target = -1;
  char tp[64];

  target = sbx_path_open_in_root (root, "/dev/console", SBX_OPEN_CREATE_FILE, err);
  if (target < 0)
    return sbx_error_prefix (err, "process.terminal: /dev/console");
  snprintf (tp, sizeof tp, "/proc/self/fd/%d", target);
  if (mount (pts, tp, NULL, MS_BIND, NULL) < 0)
    return sbx_error_make (err, errno, "process.terminal: bind %s on /dev/console", pts);
  return 0;
}

int
oci_process_terminal (const struct sbx_oci_process *p, bool console, int sync, sbx_error_t *err)
{
  cleanup_close int master = -1, slave = -1;
  char name[64];
  int unlock = 0;

  if (setsid () < 0)
    return sbx_error_make (err, errno, "setsid");
  if (!p->terminal)
    return 0;
  /* The container's own devpts (its /dev/ptmx is pts/ptmx or a node that
     leads there): the engine gets a pty nothing on the host holds.  */
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return sbx_error_make (err, errno, "process.terminal: open /dev/ptmx in the container");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0 || ptsname_r (master, name, sizeof name) != 0)
    return sbx_error_make (err, errno, "process.terminal: unlock the pty");
  slave = open (name, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return sbx_error_make (err, errno, "process.terminal: open %s", name);
  if (p->console_width && p->console_height)
    {
      struct winsize ws = { .ws_row = (unsigned short)p->console_height,
                            .ws_col = (unsigned short)p->console_width };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  if (console && bind_console (name, err) < 0)
    return -1;
  if (sbx_sync_send_text (sync, SBX_SYNC_PTY, name, master) < 0)
    return sbx_error_make (err, errno, "process.terminal: hand the pty over");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return sbx_error_make (err, errno, "process.terminal: make %s the controlling terminal", name);
  for (int fd = 0; fd <= 2; fd++)
    if (dup2 (slave, fd) < 0)
      return sbx_error_make (err, errno, "process.terminal: dup2");
  return 0;
}

/* The bounding set, while still uid 0 with every capability: dropping
   needs CAP_SETPCAP in the effective set, which setuid to another uid
   empties.  */
static int
apply_bounding (const struct sbx_oci_process *p, sbx_error_t *err)
{
  int last = sbx_caps_last ();

  for (int c = 0; c <= last; c++)
    if (!(p->cap_bounding & ((uint64_t)1 << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0
        && errno != EINVAL)
      return sbx_error_make (err, errno, "process.capabilities.bounding: drop %s",
                             sbx_caps_name (c));
  return 0;
}

/* After the user switch: permitted, effective and inheritable in one
   capset (the permitted set survived setuid through PR_SET_KEEPCAPS),
   then the ambient ones.  */
static int
apply_caps (const struct sbx_oci_process *p, sbx_error_t *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  int last = sbx_caps_last ();

  memset (data, 0, sizeof data);
  for (int c = 0; c <= last && c < 64; c++)
    {
      uint64_t bit = (uint64_t)1 << c;
      if (p->cap_effective & bit)
        data[c / 32].effective |= 1u << (c % 32);
      if (p->cap_permitted & bit)
        data[c / 32].permitted |= 1u << (c % 32);
      if (p->cap_inheritable & bit)
        data[c / 32].inheritable |= 1u << (c % 32);
    }
  if (syscall (SYS_capset, &hdr, data) < 0)
    return sbx_error_make (err, errno, "process.capabilities: set them");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return sbx_error_make (err, errno, "process.capabilities.ambient: clear");
  for (int c = 0; c <= last; c++)
    if ((p->cap_ambient & ((uint64_t)1 << c))
        && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return sbx_error_make (err, errno, "process.capabilities.ambient: raise %s",
                             sbx_caps_name (c));
  return 0;
}

/* setgroups is refused in a user namespace whose creator wrote "deny"
   (one made without newgidmap): the groups are then the mapped gid's.  */
static bool
setgroups_allowed (void)
{
  char buf[16] = "";
  cleanup_close int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  return fd < 0 || read (fd, buf, sizeof buf - 1) <= 0 || strncmp (buf, "deny", 4) != 0;
}

static int
switch_user (const struct sbx_oci_process *p, sbx_error_t *err)
{
  /* Keep the permitted set across setuid to a non-zero uid: apply_caps
     then leaves the config's sets.  */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "PR_SET_KEEPCAPS");
  if (setgroups_allowed ())
    {
      gid_t *g = xmalloc0 ((p->n_additional_gids + 1) * sizeof *g);
      for (size_t i = 0; i < p->n_additional_gids; i++)
        g[i] = p->additional_gids[i];
      if (setgroups (p->n_additional_gids, g) < 0)
        {
          int e = errno;
          free (g);
          return sbx_error_make (err, e, "process.user.additionalGids");
        }
      free (g);
    }
  else if (p->n_additional_gids)
    return sbx_error_make (err, EPERM,
                           "process.user.additionalGids: the user namespace refuses setgroups");
  if (setresgid (p->gid, p->gid, p->gid) < 0)
    return sbx_error_make (err, errno, "process.user.gid %u (is it mapped?)", p->gid);
  if (setresuid (p->uid, p->uid, p->uid) < 0)
    return sbx_error_make (err, errno, "process.user.uid %u (is it mapped?)", p->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "PR_SET_KEEPCAPS");
  return 0;
}

bool
oci_apparmor_enabled (void)
{
  char c = 0;
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
}

/* process.apparmorProfile: the profile the kernel puts the program in at
   its execve ("exec NAME", as runc writes it), before no_new_privs and
   the filter, which would refuse the write.  */
static int
apply_apparmor (const struct sbx_oci_process *p, sbx_error_t *err)
{
  cleanup_free char *cmd = NULL;
  cleanup_close int fd = -1;

  if (p->apparmor_profile == NULL || p->apparmor_profile[0] == '\0')
    return 0;
  cmd = xasprintf ("exec %s", p->apparmor_profile);
  fd = open ("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    fd = open ("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, cmd, strlen (cmd)) != (ssize_t)strlen (cmd))
    return sbx_error_make (err, errno, "process.apparmorProfile `%s`", p->apparmor_profile);
  return 0;
}

int
oci_process_finish (const struct sbx_oci_process *p, const struct oci_filter *sc,
                    const struct oci_filter *profile, int preserve_fds, sbx_error_t *err)
{
  char buf[16];
  int n;

  if (chdir (p->cwd) < 0)
    return sbx_error_make (err, errno, "process.cwd `%s`", p->cwd);
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
      if (setrlimit (p->rlimits[i].resource, &rl) < 0)
        return sbx_error_make (err, errno, "process.rlimits[%zu]", i);
    }
  if (p->has_oom_score_adj)
    {
      n = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
      if (sbx_write_file ("/proc/self/oom_score_adj", buf, (size_t)n, err) < 0)
        return sbx_error_prefix (err, "process.oomScoreAdj");
    }
  if (p->has_umask)
    umask (p->umask);
  if (apply_apparmor (p, err) < 0)
    return -1;
  /* Without no_new_privs a filter loads only with CAP_SYS_ADMIN: before
     the capabilities go, as runc does.  */
  if (!p->no_new_privileges
      && (oci_filter_load (sc, err) < 0 || oci_filter_load (profile, err) < 0))
    return -1;
  if (apply_bounding (p, err) < 0 || switch_user (p, err) < 0 || apply_caps (p, err) < 0)
    return -1;
  if (p->no_new_privileges)
    {
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sbx_error_make (err, errno, "process.noNewPrivileges");
      if (oci_filter_load (sc, err) < 0 || oci_filter_load (profile, err) < 0)
        return -1;
    }
  /* Only stdio and the fds the engine passes (--preserve-fds) reach the
     program: an fd of the runtime's would lead out of the container
     (CVE-2024-21626).  */
  if (syscall (SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "close_range");
  return 0;
}
