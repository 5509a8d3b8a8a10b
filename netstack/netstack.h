/* sbx netstack: the interface core calls, one function per phase, in
   the order a sandbox runs them (as nsjail's net.cc pairs its parent and
   child sides).  Everything else in netstack/ is its own business.

   The parent's side: before the sandbox exists, sbx binds the published
   TCP ports (so a port in use fails before anything runs) and makes the
   socket pair init serves published connections on; right after the
   clone it starts the network helper (a vfork that execs sbx-net, which
   loads libslirp and glib while the sandbox is built); once the child
   hands over the tap
   (before the id maps are written: a new network namespace needs none),
   sbx passes it on and, without blocking, waits until libslirp runs, so
   the program only starts with its network up.

   The sandbox's side: the child brings up loopback and, for slirp,
   creates tap0 and sends it to sbx; init, the sandbox's PID 1, answers
   the helper's requests for sockets to published ports.  */
#ifndef SBX_NETSTACK_H
#define SBX_NETSTACK_H

#include <stdint.h>
#include <sys/types.h>

#include "../core/base/error.h"
#include "netspec.h"

struct sbx_net_runtime
{
  int *listeners; /* per published port; -1 for UDP */
  size_t n_listeners;
  int portsock[2];           /* [0] the helper's, [1] init's */
  pid_t helper;              /* started after the clone, waiting for the tap */
  int tapsock;               /* sbx's end: the tap goes to the helper here */
  int status;                /* sbx's end: the helper's SBX_SYNC_NET_READY or error */
  int64_t ready_deadline_ns; /* once the tap is handed over: when to give up */
  int exe;                   /* sbx-net, opened and judged (core/base/libexec.h) */
  int record;                /* --net-record's file, for the helper; closed once it has it */
  char *exe_path;            /* where it was found: argv[0] */
};

void sbx_net_runtime_init (struct sbx_net_runtime *rt);
int sbx_net_prepare (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err);
/* After the clone, while the id maps are written: start the helper,
   which loads libslirp and waits for the tap (off the path to the
   clone, where its exec held up every --net slirp start).  */
int sbx_net_start_helper (const struct sbx_netspec *net, struct sbx_net_runtime *rt,
                          sbx_error_t *err);
/* Give the helper `tap`; it then starts libslirp while the sandbox is
   built, and says on rt->status when it runs (or why not).  */
void sbx_net_hand_tap (struct sbx_net_runtime *rt, int tap);
/* After the tap was handed over: 1 when the helper runs, 0 when it has
   not said yet (poll rt->status, for at most sbx_net_ready_wait_ms), -1
   with the error when it failed or took too long (it is then killed).  */
int sbx_net_ready (struct sbx_net_runtime *rt, sbx_error_t *err);
/* How long the helper may still take to say it runs, in ms; -1 when
   nothing is awaited.  */
int sbx_net_ready_wait_ms (const struct sbx_net_runtime *rt);
/* Ask the helper to go (SIGTERM: it drains published connections and
   prints its --net-log summary), without waiting, so that it exits
   while sbx stops the rest.  */
void sbx_net_stop_begin (struct sbx_net_runtime *rt);
/* Stop the helper (SIGTERM, if sbx_net_stop_begin did not), wait for it,
   and release all.  */
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
