/* sbx netstack: the frame parser; see frame.h.
 *
 * Each header is copied into a local struct with memcpy once its length
 * has been checked against what is left (frames sit at any alignment in
 * the tap buffer).  */
#define _GNU_SOURCE
#include "frame.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

/* IPv6 extension headers walked before giving up on a frame.  RFC 8200
   allows each at most once or twice, so 8 is generous; a longer chain
   exists only to make a parser spin.  */
#define MAX_EXT_HEADERS 8

static enum sbx_frame_kind
parse_transport (struct sbx_frame *p, const uint8_t *l4, size_t l4_len)
{
  p->icmp_type = -1;
  switch (p->proto)
    {
    case IPPROTO_TCP:
      {
        struct tcphdr th;

        if (l4_len < sizeof th)
          return SBX_FRAME_MALFORMED;
        memcpy (&th, l4, sizeof th);
        if (th.th_off < 5 || th.th_off * 4u > l4_len)
          return SBX_FRAME_MALFORMED;
        p->have_ports = true;
        p->sport = ntohs (th.th_sport);
        p->dport = ntohs (th.th_dport);
        p->tcp_flags = th.th_flags;
        p->tcp_seq = ntohl (th.th_seq);
        p->tcp_ack = ntohl (th.th_ack);
        p->tcp_payload = l4_len - th.th_off * 4u;
        return SBX_FRAME_IP;
      }
    case IPPROTO_UDP:
      {
        struct udphdr uh;

        if (l4_len < sizeof uh)
          return SBX_FRAME_MALFORMED;
        memcpy (&uh, l4, sizeof uh);
        p->have_ports = true;
        p->sport = ntohs (uh.uh_sport);
        p->dport = ntohs (uh.uh_dport);
        return SBX_FRAME_IP;
      }
    case IPPROTO_ICMP:
      if (p->family != AF_INET)
        return SBX_FRAME_IP;
      if (l4_len < sizeof (struct icmphdr))
        return SBX_FRAME_MALFORMED;
      p->icmp_type = l4[0];
      return SBX_FRAME_IP;
    case IPPROTO_ICMPV6:
      if (p->family != AF_INET6)
        return SBX_FRAME_IP;
      if (l4_len < 4)
        return SBX_FRAME_MALFORMED;
      p->icmp_type = l4[0];
      /* Router and neighbour solicitations and advertisements, and
         redirects: slirp answers them itself, and without them the
         sandbox cannot even resolve the gateway's address.  */
      if (p->icmp_type >= ND_ROUTER_SOLICIT && p->icmp_type <= ND_REDIRECT)
        return SBX_FRAME_NEIGHBOUR;
      return SBX_FRAME_IP;
    default:
      return SBX_FRAME_IP;
    }
}

static enum sbx_frame_kind
parse_ipv4 (struct sbx_frame *p, const uint8_t *ip, size_t len)
{
  struct iphdr h;
  size_t hlen, total;

  if (len < sizeof h)
    return SBX_FRAME_MALFORMED;
  memcpy (&h, ip, sizeof h);
  hlen = h.ihl * 4u;
  total = ntohs (h.tot_len);
  if (h.version != 4 || h.ihl < 5 || total < hlen || total > len)
    return SBX_FRAME_MALFORMED;
  p->ip = ip;
  p->ip_len = total;
  p->ip_hlen = hlen;
  p->l4_off = hlen;
  memcpy (p->src, &h.saddr, 4);
  memcpy (p->dst, &h.daddr, 4);
  p->proto = h.protocol;
  p->icmp_type = -1;
  if ((ntohs (h.frag_off) & IP_OFFMASK) != 0)
    {
      p->later_fragment = true;
      return SBX_FRAME_IP;
    }
  /* The first fragment must carry the whole transport header (RFC 1858:
     tiny fragments exist only to hide the ports).  */
  return parse_transport (p, ip + hlen, total - hlen);
}

static bool
ipv6_is_extension (int nh)
{
  switch (nh)
    {
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_FRAGMENT:
    case IPPROTO_DSTOPTS:
    case IPPROTO_AH:
    case 135: /* mobility */
    case 139: /* HIP */
    case 140: /* shim6 */
      return true;
    default:
      return false;
    }
}

static enum sbx_frame_kind
parse_ipv6 (struct sbx_frame *p, const uint8_t *ip, size_t len)
{
  struct ip6_hdr h;
  size_t off = sizeof h, end;
  int nh;

  if (len < sizeof h)
    return SBX_FRAME_MALFORMED;
  memcpy (&h, ip, sizeof h);
  end = sizeof h + ntohs (h.ip6_plen);
  if ((ip[0] >> 4) != 6 || end > len)
    return SBX_FRAME_MALFORMED;
  p->ip = ip;
  p->ip_len = end;
  p->ip_hlen = sizeof h;
  memcpy (p->src, &h.ip6_src, 16);
  memcpy (p->dst, &h.ip6_dst, 16);
  p->icmp_type = -1;

  /* Walk to the upper-layer header.  AH and the rarer headers are left
     opaque: they become the protocol, which no port rule matches (and
     libslirp drops such packets anyway).  */
  nh = h.ip6_nxt;
  for (int count = 0;; count++)
    {
      size_t hl;

      if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS
          && nh != IPPROTO_FRAGMENT)
        break;
      if (count == MAX_EXT_HEADERS)
        return SBX_FRAME_MALFORMED;
      p->n_ext++;
      if (nh == IPPROTO_FRAGMENT)
        {
          struct ip6_frag f;

          if (end - off < sizeof f)
            return SBX_FRAME_MALFORMED;
          memcpy (&f, ip + off, sizeof f);
          off += sizeof f;
          nh = f.ip6f_nxt;
          if ((ntohs (f.ip6f_offlg) & 0xfff8) != 0)
            {
              /* What follows is data, not headers: the protocol is
                 known only if the next header is not another header.  */
              p->later_fragment = true;
              p->l4_off = off;
              p->proto = ipv6_is_extension (nh) ? -1 : nh;
              return SBX_FRAME_IP;
            }
          continue;
        }
      if (end - off < 8)
        return SBX_FRAME_MALFORMED;
      hl = (ip[off + 1] + 1u) * 8;
      if (end - off < hl)
        return SBX_FRAME_MALFORMED;
      /* A routing header with segments left sends the packet on to an
         address the policy never sees; refuse rather than guess.  */
      if (nh == IPPROTO_ROUTING && ip[off + 3] != 0)
        return SBX_FRAME_MALFORMED;
      nh = ip[off];
      off += hl;
    }
  p->proto = nh;
  p->l4_off = off;
  return parse_transport (p, ip + off, end - off);
}

enum sbx_frame_kind
sbx_frame_parse (const uint8_t *frame, size_t len, struct sbx_frame *p)
{
  memset (p, 0, sizeof *p);
  p->eth = frame;
  p->icmp_type = -1;
  if (len < ETHER_HDR_LEN)
    return SBX_FRAME_MALFORMED;
  switch (frame[12] << 8 | frame[13])
    {
    case ETHERTYPE_IP:
      p->family = AF_INET;
      return parse_ipv4 (p, frame + ETHER_HDR_LEN, len - ETHER_HDR_LEN);
    case ETHERTYPE_IPV6:
      p->family = AF_INET6;
      return parse_ipv6 (p, frame + ETHER_HDR_LEN, len - ETHER_HDR_LEN);
    default:
      /* ARP; libslirp drops every other type itself (VLAN tags
         included: it reads the type at offset 12 and nowhere else).  */
      return SBX_FRAME_OTHER;
    }
}

bool
sbx_frame_udp (const uint8_t *frame, size_t len, struct sbx_frame *p)
{
  return sbx_frame_parse (frame, len, p) == SBX_FRAME_IP && p->proto == IPPROTO_UDP && p->have_ports
         && p->n_ext == 0;
}

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

const uint8_t *
sbx_frame_v4_mapped (const uint8_t *a6)
{
  return memcmp (a6, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0 ? a6 + 12 : NULL;
}
