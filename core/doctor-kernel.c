/* sbx: `sbx doctor`, the kernel and the namespaces.  The syscalls sbx
   needs are called (ENOSYS tells a kernel without them), and a
   throwaway child makes a user namespace and mounts in it the way a
   sandbox does, so a container's seccomp policy or an AppArmor
   restriction shows up as what it does, not as a guess from a file.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "doctor-checks.h"
#include "mountapi.h"

/* The numbers are the same on every architecture for syscalls this new;
   glibc's headers may predate them.  */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#define LANDLOCK_VERSION_FLAG 1U /* LANDLOCK_CREATE_RULESET_VERSION */

#define KERNEL_UPGRADE                                                                             \
  "install a newer kernel (Linux 5.12 or later; 6.7 or later for Landlock ABI 4)"

/* Called with arguments that are wrong on purpose: any answer but ENOSYS
   means the kernel has the syscall.  */
static bool
has_syscall (long nr, long a, long b, long c, long d, long e)
{
  long r = syscall (nr, a, b, c, d, e);
  if (r >= 0)
    close ((int)r);
  return !(r < 0 && errno == ENOSYS);
}

static void
append (char **list, const char *item)
{
  char *n = *list ? xasprintf ("%s, %s", *list, item) : xstrdup (item);
  free (*list);
  *list = n;
}

/* What every sandbox needs: false when something of it is missing.  */
static bool
kernel_needed (const struct utsname *u, char **have, char **lack)
{
  unsigned major = 0, minor = 0;
  struct stat st;
  bool ok = true;

  sscanf (u->release, "%u.%u", &major, &minor);
  if (major < 5 || (major == 5 && minor < 12))
    {
      ok = false;
      append (lack, "Linux 5.12 or later");
    }
  if (stat ("/proc/self/ns/user", &st) == 0)
    append (have, "user namespaces");
  else
    {
      ok = false;
      append (lack, "user namespaces (CONFIG_USER_NS)");
    }
  if (has_syscall (SYS_fsopen, 0, 0, 0, 0, 0) && has_syscall (SYS_open_tree, -1, 0, 0, 0, 0)
      && has_syscall (SYS_move_mount, -1, 0, -1, 0, 0)
      && has_syscall (SYS_mount_setattr, -1, 0, 0, 0, 0))
    append (have, "new mount API");
  else
    {
      ok = false;
      append (lack, "the new mount API (fsopen/open_tree/move_mount/mount_setattr)");
    }
  return ok;
}

/* What some options need (--seccomp-log, --net slirp's lock-down); the
   fix for a Landlock built in but not enabled, or NULL.  */
static const char *
kernel_optional (char **have, char **lack)
{
  unsigned act = SECCOMP_RET_USER_NOTIF;
  int pidfd;
  long abi;

  if (syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0)
    append (have, "seccomp user notification");
  else
    append (lack, "seccomp user notification");

  pidfd = syscall (SYS_pidfd_open, getpid (), 0);
  if (pidfd >= 0)
    {
      int fd = syscall (SYS_pidfd_getfd, pidfd, pidfd, 0);
      if (fd >= 0)
        {
          close (fd);
          append (have, "pidfd");
        }
      else
        append (lack, "pidfd_getfd");
      close (pidfd);
    }
  else
    append (lack, "pidfd_open");

  abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_VERSION_FLAG);
  if (abi > 0)
    {
      cleanup_free char *s = xasprintf ("Landlock ABI %ld", abi);
      append (have, s);
    }
  else if (errno == EOPNOTSUPP)
    {
      append (lack, "Landlock (built in, but not enabled at boot)");
      return "add landlock to the kernel's lsm= boot parameter (e.g. in "
             "GRUB_CMDLINE_LINUX in /etc/default/grub: lsm=landlock,lockdown,yama,"
             "integrity,apparmor), then update-grub and reboot";
    }
  else
    append (lack, "Landlock");
  return NULL;
}

void
sbx_doctor_check_kernel (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  struct utsname u;
  cleanup_free char *have = NULL, *lack = NULL;
  const char *landlock_fix;
  bool fatal;

  (void)c;
  uname (&u);
  fatal = !kernel_needed (&u, &have, &lack);
  landlock_fix = kernel_optional (&have, &lack);
  if (lack == NULL)
    {
      sbx_doctor_ok (r, "kernel %s: %s", u.release, have);
      return;
    }
  if (fatal)
    sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, KERNEL_UPGRADE,
                    "every sandbox is built in a user namespace with fd-based mounts, which no "
                    "symlink can redirect",
                    "kernel %s lacks %s", u.release, lack);
  else
    sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT,
                    landlock_fix ? landlock_fix : KERNEL_UPGRADE,
                    "--seccomp-log needs seccomp user notification and pidfd_getfd; the network "
                    "helper of --net slirp locks its files away with Landlock",
                    "kernel %s lacks %s (has %s)", u.release, lack, have ? have : "none of them");
}

void
sbx_doctor_check_ns_limits (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  /* Every namespace a sandbox makes has its own limit.  */
  static const char *const kinds[] = { "user", "mnt", "pid", "ipc", "uts", "cgroup", "net", NULL };
  long user = sbx_doctor_sysctl (c, "user.max_user_namespaces");

  for (const char *const *k = kinds; *k; k++)
    {
      cleanup_free char *name = xasprintf ("user.max_%s_namespaces", *k);
      cleanup_free char *fix = xasprintf ("sysctl -w %s=15000 && echo %s=15000 > "
                                          "/etc/sysctl.d/50-sbx-%s.conf",
                                          name, name, *k);
      if (sbx_doctor_sysctl (c, name) == 0)
        {
          sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, fix,
                          "each sandbox makes one of each namespace; a limit of 0 forbids them "
                          "to every user",
                          "%s = 0: no %s namespace can be made", name, *k);
          return;
        }
    }
  if (user > 0)
    sbx_doctor_ok (r, "user.max_user_namespaces = %ld; no namespace limit is 0", user);
  else
    sbx_doctor_ok (r, "no namespace limit is 0");
}

void
sbx_doctor_check_userns_clone (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  long v = sbx_doctor_sysctl (c, "kernel.unprivileged_userns_clone");

  if (v < 0)
    sbx_doctor_ok (r, "kernel.unprivileged_userns_clone: not on this kernel (no Debian patch)");
  else if (v == 0)
    sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT,
                    "sysctl -w kernel.unprivileged_userns_clone=1 && echo "
                    "kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/50-sbx-userns.conf",
                    "Debian's kernels can forbid user namespaces to users; sbx is built on them",
                    "kernel.unprivileged_userns_clone = 0: users may not make user namespaces");
  else
    sbx_doctor_ok (r, "kernel.unprivileged_userns_clone = %ld", v);
}

#define APPARMOR_PROFILE "/etc/apparmor.d/sbx"

void
sbx_doctor_check_apparmor (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  long v = sbx_doctor_sysctl (c, "kernel.apparmor_restrict_unprivileged_userns");

  if (v < 0)
    sbx_doctor_ok (r, "kernel.apparmor_restrict_unprivileged_userns: not on this kernel");
  else if (v == 0)
    sbx_doctor_ok (r, "kernel.apparmor_restrict_unprivileged_userns = 0");
  else if (access (APPARMOR_PROFILE, F_OK) == 0)
    sbx_doctor_ok (r,
                   "kernel.apparmor_restrict_unprivileged_userns = %ld; " APPARMOR_PROFILE
                   " is present (it allows sbx user namespaces)",
                   v);
  else
    sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT,
                    "install sbx's AppArmor profile (`make install` puts it in " APPARMOR_PROFILE
                    "), then apparmor_parser -r " APPARMOR_PROFILE,
                    "Ubuntu 23.10 and later take every capability from a user namespace made by "
                    "a program no AppArmor profile allows, so sbx could not mount its root",
                    "kernel.apparmor_restrict_unprivileged_userns = %ld and " APPARMOR_PROFILE
                    " is missing",
                    v);
}

/* --- the throwaway child ------------------------------------------------ */

static int step_failed (char *step, size_t size, int *errno_out, int e, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

/* Returns -1, for `return FAILED (...)`.  */
static int
step_failed (char *step, size_t size, int *errno_out, int e, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (step, size, fmt, ap);
  va_end (ap);
  *errno_out = e;
  return -1;
}

#define FAILED(field, e, ...)                                                                      \
  step_failed (p->field##_step, sizeof p->field##_step, &p->field##_errno, e, __VA_ARGS__)

static int
write_proc (const char *file, const char *text)
{
  cleanup_close int fd = open (file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  return sbx_write_all (fd, text, strlen (text)) < 0 ? -1 : 0;
}

/* Fill `p` with the first step that failed in each stage.  Runs in the
   forked child only: its namespaces and mounts die with it.  */
static int
probe_in_child (struct sbx_doctor_probe *p, uid_t uid, gid_t gid)
{
  cleanup_free char *umap = xasprintf ("0 %u 1\n", (unsigned)uid);
  cleanup_free char *gmap = xasprintf ("0 %u 1\n", (unsigned)gid);
  const char *const tmpfs_opts[] = { "mode=0700", NULL };
  const char *const ovl_opts[]
      = { "lowerdir=/tmp/l", "upperdir=/tmp/u", "workdir=/tmp/w", "userxattr", NULL };
  sbx_error_t err = NULL;
  int mfd, fd;

  if (unshare (CLONE_NEWUSER) < 0)
    return FAILED (userns, errno, "unshare(CLONE_NEWUSER): %s", strerror (errno));
  if (write_proc ("/proc/self/setgroups", "deny") < 0 || write_proc ("/proc/self/uid_map", umap) < 0
      || write_proc ("/proc/self/gid_map", gmap) < 0)
    return FAILED (userns, errno, "write its own id map: %s", strerror (errno));
  if (unshare (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
               | CLONE_NEWNET)
      < 0)
    return FAILED (userns, errno, "unshare the mount, pid, ipc, uts, cgroup and net namespaces: %s",
                   strerror (errno));
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return FAILED (userns, errno, "mount in the new namespace: %s", strerror (errno));

  /* The mount API, as sbx uses it: a new filesystem put in place, a
     copy of a tree, a flag set on it.  */
  mfd = sbx_mnt_new_fs ("tmpfs", tmpfs_opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, &err);
  if (mfd < 0 || sbx_mnt_attach_path (mfd, "/tmp", &err) < 0)
    goto mount_api_failed;
  close (mfd);
  mfd = sbx_mnt_clone (AT_FDCWD, "/tmp", false, &err);
  if (mfd < 0 || sbx_mnt_set_flags (mfd, SBX_MNT_RDONLY, false, &err) < 0)
    goto mount_api_failed;
  close (mfd);

  /* The kernel's overlayfs, unprivileged (Linux 5.11): a mount, a copy
     up and a whiteout.  */
  if (mkdir ("/tmp/l", 0700) < 0 || mkdir ("/tmp/u", 0700) < 0 || mkdir ("/tmp/w", 0700) < 0
      || mkdir ("/tmp/m", 0700) < 0 || (fd = creat ("/tmp/l/f", 0600)) < 0)
    return FAILED (overlay, errno, "make its layers on a tmpfs: %s", strerror (errno));
  close (fd);
  mfd = sbx_mnt_new_fs ("overlay", ovl_opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, &err);
  if (mfd < 0 || sbx_mnt_attach_path (mfd, "/tmp/m", &err) < 0)
    {
      FAILED (overlay, err->status, "%s", err->msg);
      sbx_error_release (&err);
      return -1;
    }
  fd = open ("/tmp/m/f", O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 || write (fd, "x", 1) != 1)
    return FAILED (overlay, errno, "copy a file up: %s", strerror (errno));
  close (fd);
  if (unlink ("/tmp/m/f") < 0)
    return FAILED (overlay, errno, "delete a lower file (a whiteout): %s", strerror (errno));
  return 0;

mount_api_failed:
  FAILED (mountapi, err->status, "%s", err->msg);
  sbx_error_release (&err);
  return -1;
}

static void
run_probe (struct sbx_doctor_ctx *c)
{
  struct sbx_doctor_probe *p = &c->probe;
  int fds[2];
  pid_t pid;
  struct pollfd pfd;
  ssize_t n = -1;

  if (p->done)
    return;
  p->done = true;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      FAILED (userns, errno, "pipe: %s", strerror (errno));
      return;
    }
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      FAILED (userns, errno, "fork: %s", strerror (errno));
      return;
    }
  if (pid == 0)
    {
      struct sbx_doctor_probe mine = { 0 };
      close (fds[0]);
      (void)probe_in_child (&mine, c->uid, c->gid);
      mine.done = true;
      (void)!write (fds[1], &mine, sizeof mine);
      _exit (0);
    }
  close (fds[1]);
  /* Nothing in the child waits on anything; 10 s is a hung kernel.  */
  pfd.fd = fds[0];
  pfd.events = POLLIN;
  if (poll (&pfd, 1, 10000) > 0)
    n = read (fds[0], p, sizeof *p);
  close (fds[0]);
  if (n != (ssize_t)sizeof *p)
    kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  if (n != (ssize_t)sizeof *p)
    {
      memset (p, 0, sizeof *p);
      p->done = true;
      FAILED (userns, 0, "the probe process died or hung");
    }
}

void
sbx_doctor_check_userns (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  struct sbx_doctor_probe *p = &c->probe;
  const char *fix = "run sbx on the host, or start its container with user namespaces allowed "
                    "(docker/podman: --security-opt seccomp=unconfined --security-opt "
                    "apparmor=unconfined)";

  run_probe (c);
  if (p->userns_step[0] == '\0')
    {
      sbx_doctor_ok (r, "user namespaces: made one with mount, pid, ipc, uts, cgroup and net "
                        "namespaces, and mounted in it");
      return;
    }
  if (p->userns_errno == EPERM
      && sbx_doctor_sysctl (c, "kernel.apparmor_restrict_unprivileged_userns") == 1)
    fix = "apparmor_parser -r " APPARMOR_PROFILE
          " (install sbx's profile there first if it is missing)";
  else if (p->userns_errno == ENOSPC || p->userns_errno == EUSERS)
    fix = "raise the limit named in the namespace-limits line, or end other sandboxes";
  else if (p->userns_errno == EINVAL)
    fix = "install a kernel built with CONFIG_USER_NS and the other namespaces";
  sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, fix,
                  "every sandbox is its own user namespace, where sbx may mount without being root",
                  "user namespaces do not work: %s", p->userns_step);
}

void
sbx_doctor_check_mountapi (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  struct sbx_doctor_probe *p = &c->probe;

  run_probe (c);
  if (p->userns_step[0] != '\0')
    sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, "fix the user namespace line above",
                    "sbx mounts only inside its user namespace",
                    "new mount API: not tried, no user namespace");
  else if (p->mountapi_step[0] != '\0')
    sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, KERNEL_UPGRADE,
                    "sbx builds every sandbox's root with fd-based mounts, which no symlink can "
                    "redirect",
                    "new mount API in a user namespace: %s", p->mountapi_step);
  else
    sbx_doctor_ok (r, "new mount API in a user namespace: fsopen, fsmount, move_mount, open_tree, "
                      "mount_setattr work");
}

void
sbx_doctor_check_kernel_overlay (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  struct sbx_doctor_probe *p = &c->probe;
  const char *why = "only --overlay kernel needs it (and --overlay auto prefers it); the "
                    "default, fuse-overlayfs, does not";

  run_probe (c);
  if (p->userns_step[0] != '\0' || p->mountapi_step[0] != '\0')
    sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, "fix the lines above", why,
                    "kernel overlayfs in a user namespace: not tried");
  else if (p->overlay_step[0] != '\0')
    sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT,
                    p->overlay_errno == ENODEV
                        ? "modprobe overlay"
                        : "install Linux 5.11 or later with CONFIG_OVERLAY_FS",
                    why, "kernel overlayfs in a user namespace: %s", p->overlay_step);
  else
    sbx_doctor_ok (r, "kernel overlayfs in a user namespace (userxattr): mounted, copied up, "
                      "deleted");
}
