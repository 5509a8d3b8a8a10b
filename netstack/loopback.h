/* sbx netstack: the loopback interface of the sandbox's network
   namespace, which the kernel creates down.  */
#ifndef SBX_NET_LOOPBACK_H
#define SBX_NET_LOOPBACK_H

#include "../core/base/error.h"

int sbx_net_loopback_up (sbx_error_t *err);

#endif
