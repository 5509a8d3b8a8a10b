/* sbx netstack: the sandbox's side of slirp networking.  Init creates
   tap0 inside the sandbox's network namespace (before the filesystem is
   built, while the host's /dev/net/tun is still in view), configures it,
   and hands the tap fd to sbx, whose helper runs libslirp on it.  */
#ifndef SBX_NET_TAP_H
#define SBX_NET_TAP_H

#include <stdbool.h>

#include "../core/base/error.h"

/* Create tap0, set its MTU, addresses (10.0.2.100/24, fd00::100/64 unless
   no_ipv6) and default routes, bring it up.  Returns the tap fd.  */
int sbx_net_tap_setup (unsigned mtu, bool ipv6, sbx_error_t *err);

#endif
