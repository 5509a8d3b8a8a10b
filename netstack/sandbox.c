/* sbx netstack: the sandbox's side, in the child and in init; see
   netstack.h.  */
#define _GNU_SOURCE
#include "netstack.h"

#include <errno.h>
#include <unistd.h>

#include "../core/base/sync.h"
#include "loopback.h"
#include "portfwd.h"
#include "tap.h"

void
sbx_net_child_release (struct sbx_net_runtime *rt)
{
  if (rt->portsock[0] >= 0)
    close (rt->portsock[0]);
  for (size_t i = 0; i < rt->n_listeners; i++)
    if (rt->listeners[i] >= 0)
      close (rt->listeners[i]);
  if (rt->exe >= 0)
    close (rt->exe);
  if (rt->tapsock >= 0)
    close (rt->tapsock);
  if (rt->status >= 0)
    close (rt->status);
}

int
sbx_net_child_setup (const struct sbx_netspec *net, int sync_sock, sbx_error_t *err)
{
  int tap;

  if (net->mode != SBX_NET_HOST && sbx_net_loopback_up (err) < 0)
    return -1;
  if (net->mode != SBX_NET_SLIRP)
    return 0;
  tap = sbx_net_tap_setup (net->mtu, !net->no_ipv6, err);
  if (tap < 0)
    return -1;
  if (sbx_sync_send (sync_sock, SBX_SYNC_TAP, tap) < 0)
    {
      sbx_error_make (err, errno, "pass the tap to sbx");
      close (tap);
      return -1;
    }
  /* Only the helper holds it now.  tap0 is persistent (tap.c): it goes
     with the sandbox's network namespace, not with the helper's fd.  */
  close (tap);
  return 0;
}

void
sbx_net_init_serve (int portsock)
{
  sbx_portfwd_serve (portsock);
}
