/* sbx netstack: what egress.c asks of the addresses allow:host rules
   have learnt (egress-names.c); the rest of the interface is in
   egress.h.  */
#ifndef SBX_NET_EGRESS_NAMES_H
#define SBX_NET_EGRESS_NAMES_H

#include <stdbool.h>

#include "egress.h"
#include "frame.h"

/* Whether `host`, an allow:host rule's name (`*.example.org` or
   `example.org`), names `qname`, a name asked in DNS.  */
bool sbx_egress_name_matches (const char *host, const char *qname);

/* Whether host rule `r` matches the address of `p` (or `p` is a segment
   of an open TCP connection); a UDP datagram that matches keeps its
   address learnt a while longer.  `names` may be NULL.  */
bool sbx_egress_names_match (struct sbx_egress_names *names, const struct sbx_egress_rule *r,
                             const struct sbx_frame *p);

#endif
