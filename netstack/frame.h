/* sbx netstack: the frame parser.  Every Ethernet frame the sandbox sends
   is read here, before libslirp reads it: by the egress policy
   (egress.c) and by the helper's guard for published UDP ports
   (helper.c).  One parser, so that what the policy saw is what the guard
   saw.
 *
 * Frames come from the sandbox, so every byte of them is hostile: the
 * parser never reads past `len`, nor past the length the IP header gives
 * (itself checked against `len`), and it is fuzzed
 * (tests/unit/test-egress-fuzz) and tested on its own
 * (tests/unit/test-frame).  */
#ifndef SBX_NET_FRAME_H
#define SBX_NET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one frame carries, as far as it was read.  */
struct sbx_frame
{
  const uint8_t *eth;       /* the frame: destination MAC, source MAC, type */
  int family;               /* AF_INET, AF_INET6, from the Ethernet type (set even when the
                               IP packet is malformed); 0 for other types */
  const uint8_t *ip;        /* the IP packet */
  size_t ip_len;            /* its length, from its header (Ethernet padding excluded) */
  size_t ip_hlen;           /* the IPv4 header with options; 40 for IPv6 */
  size_t l4_off;            /* where, in `ip`, the upper-layer header starts (a later
                               fragment's data, for one), past any extension headers */
  int n_ext;                /* IPv6 extension headers walked, a fragment header included */
  uint8_t src[16], dst[16]; /* 4 bytes used for IPv4 */
  int proto;                /* the upper-layer protocol; -1 when not known (an IPv6
                               later fragment whose next header is another header) */
  bool later_fragment;      /* a fragment other than the first: no transport header */
  bool have_ports;          /* TCP or UDP, with its header present */
  uint16_t sport, dport;
  int icmp_type; /* ICMP/ICMPv6 type, -1 for other protocols */
  uint8_t tcp_flags;
  uint32_t tcp_seq, tcp_ack;
  size_t tcp_payload;
};

enum sbx_frame_kind
{
  SBX_FRAME_IP,        /* an IPv4 or IPv6 packet, parsed */
  SBX_FRAME_OTHER,     /* another Ethernet type (ARP): nothing more was read */
  SBX_FRAME_NEIGHBOUR, /* ICMPv6 neighbour discovery, which must always pass */
  SBX_FRAME_MALFORMED, /* truncated, or header lengths that do not agree */
};

/* Parse the `len` bytes of `frame` into `p`.  Fields the frame does not
   carry are 0 (icmp_type -1).  */
enum sbx_frame_kind sbx_frame_parse (const uint8_t *frame, size_t len, struct sbx_frame *p);

/* Whether `frame` is a UDP datagram with its ports, over IPv4 or over IPv6
   without extension headers: the only shape in which libslirp hands a
   datagram to a published UDP port, and the only shape in which the
   sandbox's answer is let back to the host.  `p` is filled as by
   sbx_frame_parse.  */
bool sbx_frame_udp (const uint8_t *frame, size_t len, struct sbx_frame *p);

/* The IPv4 address in ::ffff:a.b.c.d, which libslirp's dual-stack
   sockets would reach over IPv4; NULL for other IPv6 addresses.  */
const uint8_t *sbx_frame_v4_mapped (const uint8_t *a6);

#endif
