/* sbx netstack: the answers to a refused frame; see reply.h.  */
#define _GNU_SOURCE
#include "reply.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

/* The IPv6 minimum MTU: an ICMPv6 error quotes as much of the refused
   packet as fits in it (RFC 4443 2.4 (c)).  */
#define IPV6_MIN_MTU 1280

/* An address of one host: not unspecified, multicast or broadcast.
   Errors go neither to nor from anything else (RFC 1122 3.2.2, RFC 4443
   2.4 (e)).  */
static bool
one_host (int family, const uint8_t *a)
{
  if (family == AF_INET6)
    {
      static const uint8_t unspecified[16];
      const uint8_t *a4 = sbx_frame_v4_mapped (a);

      if (a4)
        return one_host (AF_INET, a4);
      return a[0] != 0xff && memcmp (a, unspecified, 16) != 0;
    }
  /* 0.0.0.0/8 "this network"; 224.0.0.0/4 multicast and everything
     above it, 255.255.255.255 included.  */
  return a[0] != 0 && a[0] < 224;
}

static bool
may_reply (const struct sbx_frame *p)
{
  if (p->later_fragment)
    return false;
  /* The group bit of the destination MAC: broadcast or multicast, which
     a subnet broadcast address such as 10.0.2.255 also travels as.  */
  if (p->eth[0] & 1)
    return false;
  if (!one_host (p->family, p->dst) || !one_host (p->family, p->src))
    return false;
  switch (p->proto)
    {
    case IPPROTO_TCP:
      return !(p->tcp_flags & TH_RST);
    case IPPROTO_ICMP:
      if (p->family != AF_INET)
        return true;
      switch (p->icmp_type)
        {
        case ICMP_DEST_UNREACH:
        case ICMP_SOURCE_QUENCH:
        case ICMP_REDIRECT:
        case ICMP_TIME_EXCEEDED:
        case ICMP_PARAMETERPROB:
          return false;
        default:
          return true;
        }
    case IPPROTO_ICMPV6:
      /* Types below 128 are errors.  */
      return p->family != AF_INET6 || p->icmp_type >= 128;
    default:
      return true;
    }
}

static uint64_t
checksum_add (uint64_t sum, const uint8_t *b, size_t n)
{
  size_t i;

  for (i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)b[i] << 8 | b[i + 1];
  if (i < n)
    sum += (uint32_t)b[i] << 8;
  return sum;
}

static uint16_t
checksum_fold (uint64_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void
put16 (uint8_t *b, uint16_t v)
{
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

/* The pseudo header of the reply (from the refused packet's destination
   to its source) for TCP and ICMPv6 checksums.  */
static uint64_t
pseudo_header_sum (const struct sbx_frame *p, int proto, size_t l4_len)
{
  size_t alen = p->family == AF_INET ? 4 : 16;
  uint64_t sum = 0;

  sum = checksum_add (sum, p->dst, alen);
  sum = checksum_add (sum, p->src, alen);
  return sum + (uint32_t)proto + (l4_len >> 16) + (l4_len & 0xffff);
}

/* The Ethernet and IP headers of a reply carrying `l4_len` bytes of
   `proto`; returns their length.  */
static size_t
put_headers (uint8_t *out, const struct sbx_frame *p, int proto, size_t l4_len)
{
  memcpy (out, p->eth + 6, 6); /* to the sandbox's MAC */
  memcpy (out + 6, p->eth, 6); /* from the one it sent to */
  memcpy (out + 12, p->eth + 12, 2);
  out += ETHER_HDR_LEN;

  if (p->family == AF_INET)
    {
      struct iphdr h;

      memset (&h, 0, sizeof h);
      h.version = 4;
      h.ihl = 5;
      h.tot_len = htons ((uint16_t)(sizeof h + l4_len));
      h.ttl = 64;
      h.protocol = (uint8_t)proto;
      memcpy (&h.saddr, p->dst, 4);
      memcpy (&h.daddr, p->src, 4);
      memcpy (out, &h, sizeof h);
      put16 (out + offsetof (struct iphdr, check), checksum_fold (checksum_add (0, out, sizeof h)));
      return ETHER_HDR_LEN + sizeof h;
    }
  else
    {
      struct ip6_hdr h;

      memset (&h, 0, sizeof h);
      h.ip6_flow = htonl (6u << 28);
      h.ip6_plen = htons ((uint16_t)l4_len);
      h.ip6_nxt = (uint8_t)proto;
      h.ip6_hlim = 64;
      memcpy (&h.ip6_src, p->dst, 16);
      memcpy (&h.ip6_dst, p->src, 16);
      memcpy (out, &h, sizeof h);
      return ETHER_HDR_LEN + sizeof h;
    }
}

/* RFC 9293 3.10.7.1, a segment to a closed port: if it had ACK, <SEQ=
   SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
   SEG.LEN counting SYN and FIN.  */
static size_t
build_rst (const struct sbx_frame *p, uint8_t *out, size_t cap)
{
  size_t hdrs
      = ETHER_HDR_LEN + (p->family == AF_INET ? sizeof (struct iphdr) : sizeof (struct ip6_hdr));
  struct tcphdr th;

  if (hdrs + sizeof th > cap)
    return 0;
  hdrs = put_headers (out, p, IPPROTO_TCP, sizeof th);
  memset (&th, 0, sizeof th);
  th.th_sport = htons (p->dport);
  th.th_dport = htons (p->sport);
  th.th_off = 5;
  if (p->tcp_flags & TH_ACK)
    {
      th.th_seq = htonl (p->tcp_ack);
      th.th_flags = TH_RST;
    }
  else
    {
      uint32_t seg_len
          = (uint32_t)p->tcp_payload + !!(p->tcp_flags & TH_SYN) + !!(p->tcp_flags & TH_FIN);

      th.th_ack = htonl (p->tcp_seq + seg_len);
      th.th_flags = TH_RST | TH_ACK;
    }
  memcpy (out + hdrs, &th, sizeof th);
  put16 (out + hdrs + offsetof (struct tcphdr, th_sum),
         checksum_fold (
             checksum_add (pseudo_header_sum (p, IPPROTO_TCP, sizeof th), out + hdrs, sizeof th)));
  return hdrs + sizeof th;
}

/* ICMP destination unreachable, "communication administratively
   prohibited", quoting the refused packet: its header and 8 bytes for
   IPv4 (RFC 792), as much as fits in 1280 bytes for IPv6 (RFC 4443).  */
static size_t
build_unreachable (const struct sbx_frame *p, uint8_t *out, size_t cap)
{
  size_t hdrs, quoted, l4_len;
  int proto;
  uint8_t *icmp;

  if (p->family == AF_INET)
    {
      size_t data = p->ip_len - p->ip_hlen;

      proto = IPPROTO_ICMP;
      quoted = p->ip_hlen + (data < 8 ? data : 8);
      l4_len = sizeof (struct icmphdr) + quoted;
      hdrs = ETHER_HDR_LEN + sizeof (struct iphdr);
    }
  else
    {
      size_t room = IPV6_MIN_MTU - sizeof (struct ip6_hdr) - sizeof (struct icmp6_hdr);

      proto = IPPROTO_ICMPV6;
      quoted = p->ip_len < room ? p->ip_len : room;
      l4_len = sizeof (struct icmp6_hdr) + quoted;
      hdrs = ETHER_HDR_LEN + sizeof (struct ip6_hdr);
    }
  if (hdrs + l4_len > cap)
    return 0;
  hdrs = put_headers (out, p, proto, l4_len);
  icmp = out + hdrs;
  /* Type, code, checksum and 4 unused bytes: the same layout in both.  */
  memset (icmp, 0, 8);
  if (p->family == AF_INET)
    {
      icmp[0] = ICMP_DEST_UNREACH;
      icmp[1] = ICMP_PKT_FILTERED;
    }
  else
    {
      icmp[0] = ICMP6_DST_UNREACH;
      icmp[1] = ICMP6_DST_UNREACH_ADMIN;
    }
  memcpy (icmp + 8, p->ip, quoted);
  put16 (icmp + 2,
         checksum_fold (checksum_add (
             p->family == AF_INET ? 0 : pseudo_header_sum (p, proto, l4_len), icmp, l4_len)));
  return hdrs + l4_len;
}

size_t
sbx_reply_build (const struct sbx_frame *p, uint8_t *out, size_t cap)
{
  if (!may_reply (p))
    return 0;
  return p->proto == IPPROTO_TCP ? build_rst (p, out, cap) : build_unreachable (p, out, cap);
}
