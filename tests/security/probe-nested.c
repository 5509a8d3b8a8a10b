/* sbx-probe nested-userns: what --nested-userns allows a program (a
 * browser's own sandbox) and what it still refuses.  Each check runs in
 * a child of its own:
 *   - unshare(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWIPC) works,
 *     and chroot(".") in that namespace (where it holds CAP_SYS_CHROOT);
 *   - in that namespace, with every capability of it, a mount, a UTS and
 *     a cgroup namespace are refused with EPERM: the kernel would allow
 *     them there, so the EPERM is the filter's;
 *   - unshare with CLONE_NEWNS beside CLONE_NEWUSER is refused;
 *   - the same through clone(): the browser's flags make a child, with
 *     CLONE_NEWNS they are refused; clone3, whose flags a filter cannot
 *     read, answers ENOSYS so that libc falls back to clone;
 *   - setns() stays refused.
 * Without --nested-userns the first check fails with EPERM: the tests
 * run that too, so the allowance is shown to come from the option.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#define SANDBOX_FLAGS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC)

static void
check_sandbox_ns (const void *arg, struct result *r)
{
  long ret = syscall (SYS_unshare, SANDBOX_FLAGS);
  if (ret < 0)
    {
      set_result (r, V_FAIL, "got %s want success", errname (errno));
      return;
    }
  ret = syscall (SYS_chroot, ".");
  if (ret < 0)
    set_result (r, V_FAIL, "unshare: success; chroot(.) in it: got %s want success",
                errname (errno));
  else
    set_result (r, V_OK, "success, and chroot(.) in it");
}

/* In a user namespace of its own, where the kernel would allow it.  */
static void
check_inner (const void *arg, struct result *r)
{
  int flag = *(const int *)arg;
  long ret;

  if (syscall (SYS_unshare, SANDBOX_FLAGS) < 0)
    {
      set_result (r, V_SKIP, "no user namespace to try it in: %s", errname (errno));
      return;
    }
  ret = syscall (SYS_unshare, flag);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, "the filter; the kernel allows it here");
}

static void
check_with_newns (const void *arg, struct result *r)
{
  long ret = syscall (SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, NULL);
}

/* A fork-like clone with `flags`: the child only exits.  */
static void
check_clone (const void *arg, struct result *r)
{
  unsigned long flags = *(const unsigned long *)arg;
  long ret = syscall (SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
  int status;

  if (ret == 0)
    _exit (0);
  if (ret > 0)
    waitpid ((pid_t)ret, &status, 0);
  expect_errno (r, ret < 0 ? errno : 0, ret > 0 ? 0 : ret, (flags & CLONE_NEWNS) ? EPERM : 0, NULL);
}

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* clone3 with the browser's flags: ENOSYS, the filter's answer.  */
static void
check_clone3 (const void *arg, struct result *r)
{
  struct
  {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  } args = { .flags = CLONE_NEWUSER | CLONE_NEWPID, .exit_signal = SIGCHLD };
  long ret = syscall (SYS_clone3, &args, sizeof args);
  int status;

  (void)arg;
  if (ret == 0)
    _exit (0);
  if (ret > 0)
    waitpid ((pid_t)ret, &status, 0);
  expect_errno (r, ret < 0 ? errno : 0, ret > 0 ? 0 : ret, ENOSYS,
                "its flags are out of a filter's reach: libc falls back to clone");
}

static void
check_setns (const void *arg, struct result *r)
{
  int fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  long ret;
  if (fd < 0)
    {
      set_result (r, V_SKIP, "open /proc/self/ns/net: %s", errname (errno));
      return;
    }
  ret = syscall (SYS_setns, fd, 0);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, NULL);
  close (fd);
}

static const int newns = CLONE_NEWNS, newuts = CLONE_NEWUTS, newcgroup = CLONE_NEWCGROUP;
static const unsigned long clone_sandbox = SANDBOX_FLAGS, clone_newns = CLONE_NEWUSER | CLONE_NEWNS;

static const struct probe_check nested_checks[] = {
  { "unshare(USER|PID|NET|IPC)", check_sandbox_ns, NULL },
  { "unshare(CLONE_NEWNS) inside", check_inner, &newns },
  { "unshare(CLONE_NEWUTS) inside", check_inner, &newuts },
  { "unshare(CLONE_NEWCGROUP) inside", check_inner, &newcgroup },
  { "unshare(CLONE_NEWUSER|CLONE_NEWNS)", check_with_newns, NULL },
  { "clone(USER|PID|NET|IPC)", check_clone, &clone_sandbox },
  { "clone(CLONE_NEWUSER|CLONE_NEWNS)", check_clone, &clone_newns },
  { "clone3(USER|PID)", check_clone3, NULL },
  { "setns", check_setns, NULL },
};

int
cmd_nested_userns (int argc, char **argv)
{
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  run_checks (nested_checks, ARRAY_SIZE (nested_checks), &sel);
  return finish (&sel);
}
