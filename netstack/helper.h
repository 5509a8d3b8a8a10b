/* sbx netstack: the network helper, a process forked from sbx that stays
   in the host's network namespace and runs libslirp on the sandbox's
   tap: frames from the sandbox pass the egress policy into libslirp,
   libslirp's frames go back to the tap, published TCP ports are spliced
   around it.  It locks itself down before the first frame.  */
#ifndef SBX_NET_HELPER_H
#define SBX_NET_HELPER_H

#include <stddef.h>

#include "netspec.h"

struct sbx_net_helper_cfg
{
  const struct sbx_netspec *net;
  int tap;              /* the sandbox's tap0, once received on tap_socket */
  int tap_socket;       /* sbx sends the tap here (SBX_SYNC_TAP) when the sandbox has it */
  const int *listeners; /* one per published port, -1 for UDP ones */
  int portsock;         /* to the sandbox's init: sockets for published ports */
  int status;           /* a sync socket: SBX_SYNC_NET_READY or an error, then closed */
  int record;           /* --net-record's file, opened by sbx for appending; -1: none */
};

__attribute__ ((noreturn)) void sbx_net_helper_main (const struct sbx_net_helper_cfg *cfg);

#endif
