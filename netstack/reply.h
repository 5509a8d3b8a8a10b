/* sbx netstack: the answers to a refused frame.  A refused TCP segment is
   answered with a RST, a refused UDP datagram or ICMP echo with an ICMP
   (or ICMPv6) "administratively prohibited" unreachable, so that the
   sandbox's programs fail at once instead of timing out.  The reply goes
   from the refused destination back to the sender.  */
#ifndef SBX_NET_REPLY_H
#define SBX_NET_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* Build into `out` (at most `cap` bytes) the reply to the refused frame
   `p` (as sbx_frame_parse read it); returns its length, or 0 when it does
   not fit or no reply may be sent: to a later fragment, a broadcast or
   multicast, from or to an address that is not one host's, to a RST or
   an ICMP error.  */
size_t sbx_reply_build (const struct sbx_frame *p, uint8_t *out, size_t cap);

#endif
