/* sbx: the launcher.  Parent side: plan everything from the spec, clone
   the child into new user, mount, PID, IPC, UTS, cgroup and network
   namespaces, write its id maps, then relay signals, the terminal and
   errors until the sandbox ends.  */
#ifndef SBX_LAUNCH_H
#define SBX_LAUNCH_H

#include <sys/types.h>

#include "../netstack/netstack.h"
#include "mounts.h"
#include "overlay.h"
#include "pty.h"
#include "seccomp.h"
#include "spec.h"
#include "userns.h"

/* Everything the child needs, planned by the parent before clone so the
   child only executes.  */
struct sbx_launch
{
  const struct sbx_spec *spec;
  struct sbx_userns_plan userns;
  struct sbx_mount_plan mounts;
  struct sbx_tty tty;
  struct sbx_seccomp_prog seccomp;
  struct sbx_net_runtime net;
  struct sbx_rootfs_rt rootfs;
  int sock[2]; /* [0] parent's end, [1] child's end */
  pid_t pid;   /* the sandbox's init, as seen from the host */
};

/* Run the sandbox to its end.  *exit_code is the program's status, or an
   sbx exit code when an error is returned.  */
int sbx_launch_run (const struct sbx_spec *spec, int *exit_code, sbx_error_t *err);

#endif
