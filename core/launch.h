/* sbx: the launcher.  Parent side: plan everything from the spec, clone
   the child into new user, mount, PID, IPC, UTS, cgroup and network
   namespaces, write its id maps, then relay signals, the terminal and
   errors until the sandbox ends.

   sbx is single-threaded, and must stay so: no pthread_create, and no
   library that starts threads behind its back.  That is what makes the
   code after fork and clone safe.  The child of a fork or of the raw
   SYS_clone in launch.c (which runs none of glibc's fork handlers) is a
   copy of the one thread that called it, so no lock of malloc, stdio or
   libc's own can be held by a thread that does not exist in the child:
   the child may malloc, format messages and run the whole plan, not just
   async-signal-safe calls.  Work that would want a thread runs in a
   process of its own instead: the network helper (libslirp's loop,
   netstack/helper.c), fuse-overlayfs (overlay-daemon.c) and
   xdg-dbus-proxy (dbus-proxy.c) are separate processes, all outside
   the sandbox's PID namespace, and the parent's relay is one poll loop.
   `make lint` (tests/check-layering) refuses a pthread_create in sbx's
   libraries.  */
#ifndef SBX_LAUNCH_H
#define SBX_LAUNCH_H

#include <sys/types.h>

#include "../netstack/netstack.h"
#include "cgroup.h"
#include "dbus-proxy.h"
#include "learnfs.h"
#include "monitor.h"
#include "mounts.h"
#include "overlay.h"
#include "overlay-daemon.h"
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
  struct sbx_cgroup cgroup;         /* no backend: no limits asked for, or best-effort without */
  int sock[2];                      /* [0] parent's end, [1] child's end */
  pid_t pid;                        /* the sandbox's init, as seen from the host */
  int pidfd;                        /* the same, as a pidfd: what helpers join (setns) */
  struct sbx_overlay_daemon daemon; /* fuse-overlayfs, outside the PID namespace */
  struct sbx_learnfs learnfs;       /* sbx learn: the recording layer over it */
  struct sbx_monitor mon;           /* the record, and a detached sandbox's log */
  struct sbx_dbus_proxy dbus;       /* xdg-dbus-proxy, outside the sandbox; pid -1: none */
};

/* Run the sandbox to its end.  *exit_code is the program's status, or an
   sbx exit code when an error is returned.  */
int sbx_launch_run (const struct sbx_spec *spec, int *exit_code, sbx_error_t *err);

#endif
