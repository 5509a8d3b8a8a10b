/* sbx: xdg-dbus-proxy, the one program that filters the sandbox's D-Bus
   messages (dbus.h), run outside the sandbox as the user, like
   fuse-overlayfs and sbx-net: it must reach the host's bus, which the
   sandbox must not.

   One proxy serves both buses.  It listens on `bus` and `system_bus` in
   the sandbox's record directory (record.h, 0700), which the launcher
   binds at the buses' places inside (dbus.h).  Its life is sbx's:
   - ready: its --fd pipe gets one byte once it listens (no sleeps); a
     proxy that fails first closes the pipe, and its words (kept in a
     memfd that is its stderr) make the error.  The launcher starts it,
     then clones the sandbox and writes its id maps while the proxy
     starts, and waits for the byte only before the sandbox goes on;
   - end: sbx holds the pipe's other end; when that closes, whether sbx
     ends, fails or is SIGKILLed, the proxy stops on its own; it also
     has PR_SET_PDEATHSIG, SIGKILL, for a proxy stuck elsewhere; sbx
     kills and reaps it on every path out of the launcher;
   - confinement: Landlock (the system's files to read, its sockets'
     directory) and the sandbox's cgroup, where limits are set.  */
#ifndef SBX_DBUS_PROXY_H
#define SBX_DBUS_PROXY_H

#include <sys/types.h>

#include "base/error.h"
#include "spec.h"

struct sbx_dbus_proxy
{
  pid_t pid; /* -1: none */
  int sync;  /* the read end of its --fd pipe; closing it stops the proxy */
  int dir;   /* the directory of its socket (a dup), -1 when none */
  int out;   /* its stdout and stderr (a memfd), read when it fails to start */
};

void sbx_dbus_proxy_init (struct sbx_dbus_proxy *p);

/* Start xdg-dbus-proxy for the buses of `d` that have an address,
   listening in `dir`, `dir_path` being the same directory, without
   waiting for it; socket_path[which] gets each bus's socket on the host
   (NULL for a bus not given; free them).  */
int sbx_dbus_proxy_start (struct sbx_dbus_proxy *p, const struct sbx_dbus *d, int dir,
                          const char *dir_path, char *socket_path[SBX_DBUS_N], sbx_error_t *err);

/* Return once it listens, or why it does not (then it is stopped).  */
int sbx_dbus_proxy_wait (struct sbx_dbus_proxy *p, sbx_error_t *err);

/* In the sandbox's child: close sbx's ends (init keeps no host
   directory, and the proxy hears sbx go even while init lives on).  */
void sbx_dbus_proxy_child_release (struct sbx_dbus_proxy *p);

/* Stop and reap it, and remove its sockets.  */
void sbx_dbus_proxy_stop (struct sbx_dbus_proxy *p);

#endif
