/* sbx: the sandbox's PID 1.  It reaps every zombie (orphans are
   reparented to it), forwards the signals a user sends to the program, and
   exits with the program's status (128+N when it died of signal N), which
   ends every other process of the sandbox with it.  */
#ifndef SBX_INIT_H
#define SBX_INIT_H

#include <signal.h>
#include <sys/types.h>

#include "base/error.h"

/* The signals sbx forwards to the program.  */
void sbx_init_forwarded (sigset_t *set);

/* The parent's side of the relay (launch.c, exec.c): block the
   forwarded signals and SIGCHLD (the mask before in *old) and return a
   signalfd for them; blocked before any child exists, so nothing is lost
   between the fork and the loop.  */
int sbx_init_relay_signals (sigset_t *old, sbx_error_t *err);

/* Never returns.  `sigfd` is a signalfd for SIGCHLD and the forwarded
   set, all of them blocked.  `portsock`, when >= 0, is where the network
   helper asks for sockets to published ports (sbx_net_init_serve).  */
/* `layers`, when >= 0, is an ephemeral sandbox's state directory: once
   the program has exited, init stops every other process of the sandbox
   and removes the upper and work layers, which only a process with
   capabilities in this user namespace may delete.  (fuse-overlayfs is
   not in the sandbox's PID namespace: the launcher watches it.)  */
__attribute__ ((noreturn)) void sbx_init_run (pid_t program, int sigfd, int portsock, int layers);

/* Shell convention for a wait status.  */
int sbx_init_exit_code (int status);

#endif
