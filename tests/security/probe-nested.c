/* sbx-probe nested-userns: what --nested-userns allows a program (a
 * browser's own sandbox) and what it still refuses.  Each check runs in
 * a child of its own:
 *   - unshare(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWIPC) works,
 *     and chroot(".") in that namespace (where it holds CAP_SYS_CHROOT);
 *   - in that namespace, with every capability of it, a mount, a UTS and
 *     a cgroup namespace are refused with EPERM: the kernel would allow
 *     them there, so the EPERM is the filter's;
 *   - unshare with CLONE_NEWNS beside CLONE_NEWUSER is refused;
 *   - setns() stays refused.
 * Without --nested-userns the first check fails with EPERM: the tests
 * run that too, so the allowance is shown to come from the option.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
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

static const struct probe_check nested_checks[] = {
  { "unshare(USER|PID|NET|IPC)", check_sandbox_ns, NULL },
  { "unshare(CLONE_NEWNS) inside", check_inner, &newns },
  { "unshare(CLONE_NEWUTS) inside", check_inner, &newuts },
  { "unshare(CLONE_NEWCGROUP) inside", check_inner, &newcgroup },
  { "unshare(CLONE_NEWUSER|CLONE_NEWNS)", check_with_newns, NULL },
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
