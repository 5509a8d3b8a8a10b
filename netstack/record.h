/* sbx netstack: the network recorder (--net-record FILE, and what
   `sbx learn` reads to write a profile's network rules).  The helper
   appends one line per distinct event, space-separated:
 *
 *   flow tcp|udp DST_IP DST_PORT   a TCP connection (its SYN) or a UDP
 *                                  datagram the sandbox sent, which the
 *                                  egress policy let through
 *   dns NAME A|AAAA ADDR TTL       an address the sandbox's resolver
 *                                  (10.0.2.3, fd00::3) answered for NAME,
 *                                  the name asked, CNAMEs followed (dns.h)
 *   sni NAME DST_IP DST_PORT       the server name of a TLS ClientHello
 *                                  the sandbox sent on a TCP connection
 *
 * Addresses as inet_ntop writes them (IPv6 without brackets), names in
 * lowercase presentation form without the final dot, so no field holds a
 * space.  A `dns` line is distinct by everything but its TTL (the first
 * seen is written): a cache counting down would write a line a second.
 * Refused frames are --net-log's business and are not recorded.  DNS over
 * TCP is not read.
 *
 * The file is opened by sbx, as the user, before the helper starts, and
 * the helper only writes to the fd it inherits (its Landlock rules let it
 * open nothing for writing).  */
#ifndef SBX_NET_RECORD_H
#define SBX_NET_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct lines kept, and the bytes their keys may take (a sandbox
   picks the names it asks for, up to 1 KiB each); past either the
   recorder says so once and stops, rather than let a sandbox that sprays
   flows or names grow the helper.  */
#define SBX_NET_RECORD_MAX 100000
#define SBX_NET_RECORD_MAX_BYTES (16u << 20)

struct sbx_net_record
{
  int fd;      /* -1: not recording */
  char **seen; /* an open-addressing set of the lines written (keys) */
  size_t cap, n;
  size_t bytes; /* of the keys kept */
  bool stopped; /* full, or a write failed: said once, nothing more written */
};

/* Start recording to `fd`, which the recorder now owns.  */
void sbx_net_record_init (struct sbx_net_record *r, int fd);
void sbx_net_record_free (struct sbx_net_record *r);

/* A frame the sandbox sent that the egress policy let through.  */
void sbx_net_record_sent (struct sbx_net_record *r, const uint8_t *frame, size_t len);
/* A DNS answer from the sandbox's resolver on its way to the sandbox
   (dns.h: sbx_dns_resolver_answer; the helper reads it once for this and
   for the allow:host rules).  */
struct sbx_dns_answer;
void sbx_net_record_answer (struct sbx_net_record *r, const struct sbx_dns_answer *a);

#endif
