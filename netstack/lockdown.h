/* sbx netstack: the network helper locks itself down before it reads a
   single frame, because a memory bug in libslirp must not become a
   compromise of the user's session: no_new_privs, no files but the
   host's resolver configuration (Landlock), bounded memory and fds, and a
   seccomp filter that allows only what the slirp loop does.  */
#ifndef SBX_NET_LOCKDOWN_H
#define SBX_NET_LOCKDOWN_H

#include "../core/base/error.h"

/* The steps that need no file: call after every socket and file the
   helper will need is open.  */
int sbx_net_lockdown (sbx_error_t *err);

#endif
