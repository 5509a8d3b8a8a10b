/* sbx netstack: the parent's side.  Before the sandbox exists, sbx binds
   the published TCP ports (so a port in use fails before anything runs)
   and makes the socket pair init serves published connections on; once
   init hands over the tap, sbx forks the network helper and waits until
   libslirp runs, so the program only starts with its network up.  */
#ifndef SBX_NETSTACK_H
#define SBX_NETSTACK_H

#include <sys/types.h>

#include "../core/spec.h"

struct sbx_net_runtime
{
  int *listeners; /* per published port; -1 for UDP */
  size_t n_listeners;
  int portsock[2]; /* [0] the helper's, [1] init's */
  pid_t helper;
};

void sbx_net_runtime_init (struct sbx_net_runtime *rt);
int sbx_net_prepare (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err);
/* Fork the helper on `tap` and wait until it runs (or says why not).  */
int sbx_net_start (const struct sbx_netspec *net, struct sbx_net_runtime *rt, int tap,
                   sbx_error_t *err);
/* Stop the helper (it prints its --net-log summary) and release all.  */
void sbx_net_stop (struct sbx_net_runtime *rt);

#endif
