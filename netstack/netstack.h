/* sbx netstack: the interface core calls, one function per phase, in
   the order a sandbox runs them (as nsjail's net.cc pairs its parent and
   child sides).  Everything else in netstack/ is its own business.

   The parent's side: before the sandbox exists, sbx binds the published
   TCP ports (so a port in use fails before anything runs) and makes the
   socket pair init serves published connections on, and starts the
   network helper (a fork that execs sbx-net, which loads libslirp and
   glib while the sandbox is built); once the child hands over the tap,
   sbx passes it on and waits until libslirp runs, so the program only
   starts with its network up.

   The sandbox's side: the child brings up loopback and, for slirp,
   creates tap0 and sends it to sbx; init, the sandbox's PID 1, answers
   the helper's requests for sockets to published ports.  */
#ifndef SBX_NETSTACK_H
#define SBX_NETSTACK_H

#include <sys/types.h>

#include "../core/base/error.h"
#include "netspec.h"

struct sbx_net_runtime
{
  int *listeners; /* per published port; -1 for UDP */
  size_t n_listeners;
  int portsock[2]; /* [0] the helper's, [1] init's */
  pid_t helper;    /* started by prepare, waiting for the tap */
  int tapsock;     /* sbx's end: the tap goes to the helper here */
  int status;      /* sbx's end: the helper's SBX_SYNC_NET_READY or error */
  int exe;         /* sbx-net, opened and judged (core/base/libexec.h) */
  int record;      /* --net-record's file, for the helper; closed once it has it */
  char *exe_path;  /* where it was found: argv[0] */
};

void sbx_net_runtime_init (struct sbx_net_runtime *rt);
int sbx_net_prepare (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err);
/* Give the helper `tap` and wait until it runs (or says why not).  */
int sbx_net_start (const struct sbx_netspec *net, struct sbx_net_runtime *rt, int tap,
                   sbx_error_t *err);
/* Stop the helper (it prints its --net-log summary) and release all.  */
void sbx_net_stop (struct sbx_net_runtime *rt);
/* After the clone: init's end of the port socket is the child's now.  */
void sbx_net_parent_cloned (struct sbx_net_runtime *rt);

/* In the child, first: close its copies of what the parent keeps (the
   parent's end of the port socket; the host's listeners are the
   helper's business).  */
void sbx_net_child_release (struct sbx_net_runtime *rt);
/* In the child, in its new network namespace and while the host's
   /dev/net/tun is still in view: bring up loopback (unless the host's
   network is shared) and, for slirp, create and configure tap0 and send
   it to sbx over `sync_sock` (SBX_SYNC_TAP), keeping no copy.  */
int sbx_net_child_setup (const struct sbx_netspec *net, int sync_sock, sbx_error_t *err);

/* In init: `portsock` (rt->portsock[1]) is readable; answer one request
   of the helper's for a socket to a published port, never blocking on
   the program.  */
void sbx_net_init_serve (int portsock);

/* Published port i as `docker inspect` shows it:
   "127.0.0.1:8080->80/tcp" (inspect, ps).  */
void sbx_net_port_text (const struct sbx_netspec *net, size_t i, char *buf, size_t size);

#endif
