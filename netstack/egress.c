/* sbx netstack: the egress policy; see egress.h.
 *
 * Frames come from the sandbox, so every byte of them is hostile: each
 * header is copied into a local struct with memcpy once its length has
 * been checked against what is left (frames sit at any alignment in the
 * tap buffer), and nothing is read past the length the IP header gives,
 * which is itself checked against `len`.  */
#define _GNU_SOURCE
#include "egress.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../core/base/util.h"

/* IPv6 extension headers walked before giving up on a frame.  RFC 8200
   allows each at most once or twice, so 8 is generous; a longer chain
   exists only to make a parser spin.  */
#define MAX_EXT_HEADERS 8

/* The IPv6 minimum MTU: an ICMPv6 error quotes as much of the refused
   packet as fits in it (RFC 4443 2.4 (c)).  */
#define IPV6_MIN_MTU 1280

/* ---- Rules ---- */

static int rule_error (sbx_error_t *err, const char *rule, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* "`deny:10.0.0.0/33`: prefix 33 is longer than 32"; the caller adds
   "--egress" or the profile line in front.  */
static int
rule_error (sbx_error_t *err, const char *rule, const char *fmt, ...)
{
  cleanup_free char *what = NULL;
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&what, fmt, ap);
  va_end (ap);
  if (r < 0)
    sbx_oom ();
  return sbx_error_make (err, 0, "`%s`: %s", rule, what);
}

static bool
all_digits (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* The value of a string of digits, saturating well above any port or
   prefix so a long one cannot overflow.  */
static unsigned long
decimal (const char *s)
{
  unsigned long v = 0;

  for (; *s; s++)
    {
      v = v * 10 + (unsigned long)(*s - '0');
      if (v > 1000000)
        v = 1000000;
    }
  return v;
}

static bool
all_letters (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
      return false;
  return true;
}

static int
parse_port (const char *rule, const char *s, const char *after, unsigned long *out,
            sbx_error_t *err)
{
  if (*s == '\0')
    return rule_error (err, rule, "missing port after `%s`", after);
  if (!all_digits (s))
    return rule_error (err, rule, "port `%s` is not a number", s);
  *out = decimal (s);
  if (*out < 1 || *out > 65535)
    return rule_error (err, rule, "port %s is out of range (1-65535)", s);
  return 0;
}

/* PORT or PORT-PORT.  */
static int
parse_ports (const char *rule, char *s, struct sbx_egress_rule *r, sbx_error_t *err)
{
  char *dash = strchr (s, '-');
  unsigned long lo, hi;

  if (dash)
    *dash = '\0';
  if (parse_port (rule, s, ":", &lo, err) < 0)
    return -1;
  hi = lo;
  if (dash && parse_port (rule, dash + 1, "-", &hi, err) < 0)
    return -1;
  if (lo > hi)
    return rule_error (err, rule, "port range %lu-%lu is backwards (write %lu-%lu)", lo, hi, hi,
                       lo);
  r->port_lo = (uint16_t)lo;
  r->port_hi = (uint16_t)hi;
  return 0;
}

/* Clear the bits past `prefix`.  A rule such as deny:10.1.2.3/8 is
   accepted and means 10.0.0.0/8: refusing it would only make the user
   do the masking by hand, and the meaning is not in doubt.  */
static void
mask_host_bits (uint8_t *addr, int prefix, int bytes)
{
  for (int i = 0; i < bytes; i++)
    {
      int bits = prefix - 8 * i;

      if (bits >= 8)
        continue;
      addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
    }
}

/* ADDRESS[/PREFIX], IPv4 or IPv6.  `bare_v6` says the text had two
   colons or more without brackets, for the hint on a port there.  */
static int
parse_cidr (const char *rule, char *s, bool bare_v6, struct sbx_egress_rule *r, sbx_error_t *err)
{
  char *slash = strchr (s, '/');
  int max;

  if (slash)
    *slash = '\0';
  if (*s == '\0')
    return rule_error (err, rule, "missing address before `/`");
  if (inet_pton (AF_INET, s, r->addr) == 1)
    {
      r->family = AF_INET;
      max = 32;
    }
  else if (inet_pton (AF_INET6, s, r->addr) == 1)
    {
      r->family = AF_INET6;
      max = 128;
    }
  else if (bare_v6)
    return rule_error (err, rule,
                       "`%s` is not an IP address (an IPv6 address with a port is written in "
                       "brackets: `[fd00::1]:53`)",
                       s);
  else if (strpbrk (s, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != NULL)
    return rule_error (err, rule, "`%s` is not an IP address (names are not resolved)", s);
  else
    return rule_error (err, rule, "`%s` is not an IP address", s);

  r->prefix = max;
  if (slash)
    {
      const char *p = slash + 1;

      if (*p == '\0')
        return rule_error (err, rule, "missing prefix length after `/`");
      if (!all_digits (p))
        return rule_error (err, rule, "prefix `%s` is not a number", p);
      if (decimal (p) > (unsigned long)max)
        return rule_error (err, rule, "prefix %s is longer than %d", p, max);
      r->prefix = (int)decimal (p);
    }
  mask_host_bits (r->addr, r->prefix, max / 8);
  return 0;
}

/* allow|deny:all[:PORT[-PORT]][/tcp|/udp]
   allow|deny:CIDR[:PORT[-PORT]][/tcp|/udp]
   allow|deny:[CIDR6][:PORT[-PORT]][/tcp|/udp]
   allow|deny:CIDR6[/tcp|/udp]
   `all` with a port or protocol (deny:all:25/tcp) is the same rule for
   every address, which the rule struct holds as family 0.  */
static int
parse_rule (const char *text, struct sbx_egress_rule *r, sbx_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *addr, *ports = NULL, *slash;
  bool bracketed = false, bare_v6 = false;

  memset (r, 0, sizeof *r);
  if (strncmp (text, "allow:", 6) == 0)
    {
      r->allow = true;
      buf = xstrdup (text + 6);
    }
  else if (strncmp (text, "deny:", 5) == 0)
    buf = xstrdup (text + 5);
  else
    return rule_error (err, text, "a rule starts with `allow:` or `deny:`");
  if (*buf == '\0')
    return rule_error (err, text, "missing an address or `all`");

  /* The protocol is the last `/` part when it is a word; a prefix
     length is a number.  */
  slash = strrchr (buf, '/');
  if (slash && all_letters (slash + 1))
    {
      if (strcmp (slash + 1, "tcp") == 0)
        r->proto = IPPROTO_TCP;
      else if (strcmp (slash + 1, "udp") == 0)
        r->proto = IPPROTO_UDP;
      else
        return rule_error (err, text, "unknown protocol `%s` (tcp or udp)", slash + 1);
      *slash = '\0';
    }

  addr = buf;
  if (*addr == '[')
    {
      char *close = strchr (addr, ']');

      if (close == NULL)
        return rule_error (err, text, "missing `]`");
      *close = '\0';
      addr++;
      bracketed = true;
      if (close[1] == ':')
        ports = close + 2;
      else if (close[1] != '\0')
        return rule_error (err, text, "unexpected `%s` after `]`", close + 1);
    }
  else
    {
      char *colon = strchr (addr, ':');

      /* One colon separates a port; two or more make an IPv6 address,
         which takes a port only in brackets.  */
      if (colon && strchr (colon + 1, ':') == NULL)
        {
          *colon = '\0';
          ports = colon + 1;
        }
      else if (colon)
        bare_v6 = true;
    }

  if (!bracketed && strcmp (addr, "all") == 0)
    r->family = 0;
  else if (*addr == '\0')
    return rule_error (err, text, "missing an address or `all`");
  else if (parse_cidr (text, addr, bare_v6, r, err) < 0)
    return -1;
  if (ports && parse_ports (text, ports, r, err) < 0)
    return -1;
  return 0;
}

int
sbx_egress_add (struct sbx_egress *e, const char *rule, sbx_error_t *err)
{
  struct sbx_egress_rule r;

  if (parse_rule (rule, &r, err) < 0)
    return -1;
  r.text = xstrdup (rule);
  e->v = xrealloc (e->v, (e->n + 1) * sizeof *e->v);
  e->v[e->n++] = r;
  return 0;
}

/* no-lan: see egress.h.  DNS first, since it lives at one of the host's
   addresses; then the host itself, so a refusal there is logged as what
   it is; then the private and special ranges.  Frames no rule matches
   pass, so the set needs no allow:all.  */
static const char *const preset_no_lan[] = {
  "allow:10.0.2.3:53",
  "allow:[fd00::3]:53",
  /* slirp's aliases for the host.  */
  "deny:10.0.2.0/24",
  "deny:fd00::/64",
  /* The host's loopback and "this host": a tap frame never carries them
     by routing, but a crafted one can, and connect () to 0.0.0.0 reaches
     127.0.0.1 on Linux.  */
  "deny:127.0.0.0/8",
  "deny:0.0.0.0/8",
  "deny:[::1]",
  "deny:[::]",
  /* RFC 1918, CGNAT, link-local (cloud metadata at 169.254.169.254).  */
  "deny:10.0.0.0/8",
  "deny:172.16.0.0/12",
  "deny:192.168.0.0/16",
  "deny:100.64.0.0/10",
  "deny:169.254.0.0/16",
  "deny:fc00::/7",
  "deny:fe80::/10",
  /* Multicast and the limited broadcast.  */
  "deny:224.0.0.0/4",
  "deny:255.255.255.255",
  "deny:ff00::/8",
  NULL,
};

static const struct
{
  const char *name;
  const char *const *rules;
} presets[] = {
  { "no-lan", preset_no_lan },
};

int
sbx_egress_add_preset (struct sbx_egress *e, const char *name, sbx_error_t *err)
{
  for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
    {
      size_t n = e->n;

      if (strcmp (presets[i].name, name) != 0)
        continue;
      for (const char *const *r = presets[i].rules; *r; r++)
        if (sbx_egress_add (e, *r, err) < 0)
          {
            /* A bug in the table above; leave `e` as it was.  */
            while (e->n > n)
              free (e->v[--e->n].text);
            return sbx_error_prefix (err, "preset `%s`", name);
          }
      return 0;
    }
  {
    cleanup_free char *known = NULL;

    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
      {
        char *more = xasprintf ("%s%s%s", known ? known : "", known ? ", " : "", presets[i].name);

        free (known);
        known = more;
      }
    return sbx_error_make (err, 0, "`%s`: unknown preset; known presets: %s", name, known);
  }
}

void
sbx_egress_free (struct sbx_egress *e)
{
  for (size_t i = 0; i < e->n; i++)
    free (e->v[i].text);
  free (e->v);
  e->v = NULL;
  e->n = 0;
}

/* ---- Frames ---- */

/* What the policy needs from one frame.  */
struct packet
{
  int family;               /* AF_INET, AF_INET6 */
  const uint8_t *ip;        /* the IP packet */
  size_t ip_len;            /* its length, from its header (Ethernet padding excluded) */
  size_t ip_hlen;           /* the IPv4 header with options; 40 for IPv6 */
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

enum parse_result
{
  PARSE_OK,
  PARSE_ALWAYS_PASS, /* neighbour discovery */
  PARSE_MALFORMED,
};

static enum parse_result
parse_transport (struct packet *p, const uint8_t *l4, size_t l4_len)
{
  p->icmp_type = -1;
  switch (p->proto)
    {
    case IPPROTO_TCP:
      {
        struct tcphdr th;

        if (l4_len < sizeof th)
          return PARSE_MALFORMED;
        memcpy (&th, l4, sizeof th);
        if (th.th_off < 5 || th.th_off * 4u > l4_len)
          return PARSE_MALFORMED;
        p->have_ports = true;
        p->sport = ntohs (th.th_sport);
        p->dport = ntohs (th.th_dport);
        p->tcp_flags = th.th_flags;
        p->tcp_seq = ntohl (th.th_seq);
        p->tcp_ack = ntohl (th.th_ack);
        p->tcp_payload = l4_len - th.th_off * 4u;
        return PARSE_OK;
      }
    case IPPROTO_UDP:
      {
        struct udphdr uh;

        if (l4_len < sizeof uh)
          return PARSE_MALFORMED;
        memcpy (&uh, l4, sizeof uh);
        p->have_ports = true;
        p->sport = ntohs (uh.uh_sport);
        p->dport = ntohs (uh.uh_dport);
        return PARSE_OK;
      }
    case IPPROTO_ICMP:
      if (p->family != AF_INET)
        return PARSE_OK;
      if (l4_len < sizeof (struct icmphdr))
        return PARSE_MALFORMED;
      p->icmp_type = l4[0];
      return PARSE_OK;
    case IPPROTO_ICMPV6:
      if (p->family != AF_INET6)
        return PARSE_OK;
      if (l4_len < 4)
        return PARSE_MALFORMED;
      p->icmp_type = l4[0];
      /* Router and neighbour solicitations and advertisements, and
         redirects: slirp answers them itself, and without them the
         sandbox cannot even resolve the gateway's address.  */
      if (p->icmp_type >= ND_ROUTER_SOLICIT && p->icmp_type <= ND_REDIRECT)
        return PARSE_ALWAYS_PASS;
      return PARSE_OK;
    default:
      return PARSE_OK;
    }
}

static enum parse_result
parse_ipv4 (struct packet *p, const uint8_t *ip, size_t len)
{
  struct iphdr h;
  size_t hlen, total;

  if (len < sizeof h)
    return PARSE_MALFORMED;
  memcpy (&h, ip, sizeof h);
  hlen = h.ihl * 4u;
  total = ntohs (h.tot_len);
  if (h.version != 4 || h.ihl < 5 || total < hlen || total > len)
    return PARSE_MALFORMED;
  p->family = AF_INET;
  p->ip = ip;
  p->ip_len = total;
  p->ip_hlen = hlen;
  memcpy (p->src, &h.saddr, 4);
  memcpy (p->dst, &h.daddr, 4);
  p->proto = h.protocol;
  p->icmp_type = -1;
  if ((ntohs (h.frag_off) & IP_OFFMASK) != 0)
    {
      p->later_fragment = true;
      return PARSE_OK;
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

static enum parse_result
parse_ipv6 (struct packet *p, const uint8_t *ip, size_t len)
{
  struct ip6_hdr h;
  size_t off = sizeof h, end;
  int nh;

  if (len < sizeof h)
    return PARSE_MALFORMED;
  memcpy (&h, ip, sizeof h);
  end = sizeof h + ntohs (h.ip6_plen);
  if ((ip[0] >> 4) != 6 || end > len)
    return PARSE_MALFORMED;
  p->family = AF_INET6;
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
        return PARSE_MALFORMED;
      if (nh == IPPROTO_FRAGMENT)
        {
          struct ip6_frag f;

          if (end - off < sizeof f)
            return PARSE_MALFORMED;
          memcpy (&f, ip + off, sizeof f);
          off += sizeof f;
          nh = f.ip6f_nxt;
          if ((ntohs (f.ip6f_offlg) & 0xfff8) != 0)
            {
              /* What follows is data, not headers: the protocol is
                 known only if the next header is not another header.  */
              p->later_fragment = true;
              p->proto = ipv6_is_extension (nh) ? -1 : nh;
              return PARSE_OK;
            }
          continue;
        }
      if (end - off < 8)
        return PARSE_MALFORMED;
      hl = (ip[off + 1] + 1u) * 8;
      if (end - off < hl)
        return PARSE_MALFORMED;
      /* A routing header with segments left sends the packet on to an
         address the policy never sees; refuse rather than guess.  */
      if (nh == IPPROTO_ROUTING && ip[off + 3] != 0)
        return PARSE_MALFORMED;
      nh = ip[off];
      off += hl;
    }
  p->proto = nh;
  return parse_transport (p, ip + off, end - off);
}

/* ---- Matching ---- */

static bool
prefix_match (const uint8_t *a, const uint8_t *net, int prefix)
{
  int bytes = prefix / 8, bits = prefix % 8;

  if (memcmp (a, net, (size_t)bytes) != 0)
    return false;
  if (bits == 0)
    return true;
  return (a[bytes] & (uint8_t)(0xff << (8 - bits))) == net[bytes];
}

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The IPv4 address in ::ffff:a.b.c.d, which libslirp's dual-stack
   sockets would reach over IPv4; NULL for other IPv6 addresses.  */
static const uint8_t *
v4_mapped (const uint8_t *a6)
{
  return memcmp (a6, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0 ? a6 + 12 : NULL;
}

enum match
{
  MATCH_NO,
  MATCH_YES,
  MATCH_UNKNOWN, /* the address matches; a port or protocol cannot be known */
};

static enum match
rule_match (const struct sbx_egress_rule *r, const struct packet *p)
{
  bool unknown = false;

  if (r->family == AF_INET)
    {
      const uint8_t *a = p->family == AF_INET ? p->dst : v4_mapped (p->dst);

      if (a == NULL || !prefix_match (a, r->addr, r->prefix))
        return MATCH_NO;
    }
  else if (r->family == AF_INET6)
    {
      if (p->family != AF_INET6 || !prefix_match (p->dst, r->addr, r->prefix))
        return MATCH_NO;
    }

  if (r->proto != 0)
    {
      if (p->proto < 0)
        unknown = true;
      else if (p->proto != r->proto)
        return MATCH_NO;
    }
  if (r->port_lo != 0)
    {
      if (p->proto >= 0 && p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
        return MATCH_NO;
      if (!p->have_ports)
        unknown = true;
      else if (p->dport < r->port_lo || p->dport > r->port_hi)
        return MATCH_NO;
    }
  return unknown ? MATCH_UNKNOWN : MATCH_YES;
}

/* The first rule that decides the packet, NULL when none does (it
   passes).
 *
 * A later fragment has no transport header, and an IPv6 one may not even
 * say its protocol.  For it, a rule whose port (or protocol) cannot be
 * checked is given the benefit of the doubt: an allow rule lets it
 * through, a deny rule is skipped.  That is safe because the first
 * fragment carries the ports and is checked with them: if it is refused
 * the datagram is never reassembled, and a later fragment alone reaches
 * nobody.  Refusing instead would break fragmented traffic that an allow
 * list (allow:...:443, deny:all) means to let through.  Rules without
 * ports and protocol apply to later fragments as to anything else, and a
 * protocol restriction applies whenever the protocol is known (IPv4
 * carries it in every fragment).  */
static const struct sbx_egress_rule *
decide (const struct sbx_egress *e, const struct packet *p)
{
  for (size_t i = 0; e && i < e->n; i++)
    switch (rule_match (&e->v[i], p))
      {
      case MATCH_YES:
        return &e->v[i];
      case MATCH_UNKNOWN:
        if (e->v[i].allow)
          return &e->v[i];
        break;
      case MATCH_NO:
        break;
      }
  return NULL;
}

/* ---- Replies ---- */

/* An address of one host: not unspecified, multicast or broadcast.
   Errors go neither to nor from anything else (RFC 1122 3.2.2, RFC 4443
   2.4 (e)).  */
static bool
one_host (int family, const uint8_t *a)
{
  if (family == AF_INET6)
    {
      static const uint8_t unspecified[16];
      const uint8_t *a4 = v4_mapped (a);

      if (a4)
        return one_host (AF_INET, a4);
      return a[0] != 0xff && memcmp (a, unspecified, 16) != 0;
    }
  /* 0.0.0.0/8 "this network"; 224.0.0.0/4 multicast and everything
     above it, 255.255.255.255 included.  */
  return a[0] != 0 && a[0] < 224;
}

static bool
may_reply (const struct packet *p, const uint8_t *frame)
{
  if (p->later_fragment)
    return false;
  /* The group bit of the destination MAC: broadcast or multicast, which
     a subnet broadcast address such as 10.0.2.255 also travels as.  */
  if (frame[0] & 1)
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
pseudo_header_sum (const struct packet *p, int proto, size_t l4_len)
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
put_headers (uint8_t *out, const uint8_t *frame, const struct packet *p, int proto, size_t l4_len)
{
  memcpy (out, frame + 6, 6); /* to the sandbox's MAC */
  memcpy (out + 6, frame, 6); /* from the one it sent to */
  memcpy (out + 12, frame + 12, 2);
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
build_rst (const struct packet *p, const uint8_t *frame, uint8_t *out, size_t cap)
{
  size_t hdrs
      = ETHER_HDR_LEN + (p->family == AF_INET ? sizeof (struct iphdr) : sizeof (struct ip6_hdr));
  struct tcphdr th;

  if (hdrs + sizeof th > cap)
    return 0;
  hdrs = put_headers (out, frame, p, IPPROTO_TCP, sizeof th);
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
build_unreachable (const struct packet *p, const uint8_t *frame, uint8_t *out, size_t cap)
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
  hdrs = put_headers (out, frame, p, proto, l4_len);
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

enum sbx_egress_verdict
sbx_egress_check (const struct sbx_egress *e, const uint8_t *frame, size_t len, uint8_t *reply,
                  size_t reply_cap, size_t *reply_len, struct sbx_egress_event *ev)
{
  struct sbx_egress_event ev_unused;
  size_t reply_len_unused;
  const struct sbx_egress_rule *rule;
  struct packet p;
  enum parse_result r;
  uint16_t type;

  if (reply_len == NULL)
    reply_len = &reply_len_unused;
  if (ev == NULL)
    ev = &ev_unused;
  *reply_len = 0;
  memset (ev, 0, sizeof *ev);
  memset (&p, 0, sizeof p);

  /* A malformed frame is refused with ev->rule NULL; libslirp would drop
     most of them too, but its parsers are not to be trusted with them.  */
  if (len < ETHER_HDR_LEN)
    return SBX_EGRESS_REJECT;
  type = (uint16_t)(frame[12] << 8 | frame[13]);
  switch (type)
    {
    case ETHERTYPE_IP:
      ev->family = AF_INET;
      r = parse_ipv4 (&p, frame + ETHER_HDR_LEN, len - ETHER_HDR_LEN);
      break;
    case ETHERTYPE_IPV6:
      ev->family = AF_INET6;
      r = parse_ipv6 (&p, frame + ETHER_HDR_LEN, len - ETHER_HDR_LEN);
      break;
    default:
      /* ARP; libslirp drops every other type itself (VLAN tags
         included: it reads the type at offset 12 and nowhere else).  */
      return SBX_EGRESS_PASS;
    }
  if (r == PARSE_ALWAYS_PASS)
    return SBX_EGRESS_PASS;
  if (r == PARSE_MALFORMED)
    return SBX_EGRESS_REJECT;

  rule = decide (e, &p);
  if (rule == NULL || rule->allow)
    {
      memset (ev, 0, sizeof *ev);
      return SBX_EGRESS_PASS;
    }
  ev->proto = p.proto < 0 ? 0 : p.proto;
  memcpy (ev->dst, p.dst, p.family == AF_INET ? 4 : 16);
  ev->dport = p.have_ports ? p.dport : 0;
  ev->rule = rule;
  if (reply != NULL && may_reply (&p, frame))
    *reply_len = p.proto == IPPROTO_TCP ? build_rst (&p, frame, reply, reply_cap)
                                        : build_unreachable (&p, frame, reply, reply_cap);
  return SBX_EGRESS_REJECT;
}

void
sbx_egress_event_format (const struct sbx_egress_event *ev, char *buf, size_t size)
{
  char addr[INET6_ADDRSTRLEN] = "?";
  char proto[16];

  if (size == 0)
    return;
  if (ev->rule == NULL)
    {
      snprintf (buf, size, "malformed %sframe",
                ev->family == AF_INET    ? "ipv4 "
                : ev->family == AF_INET6 ? "ipv6 "
                                         : "");
      return;
    }
  if (ev->family == AF_INET || ev->family == AF_INET6)
    inet_ntop (ev->family, ev->dst, addr, sizeof addr);
  switch (ev->proto)
    {
    case IPPROTO_TCP:
      snprintf (proto, sizeof proto, "tcp");
      break;
    case IPPROTO_UDP:
      snprintf (proto, sizeof proto, "udp");
      break;
    case IPPROTO_ICMP:
      snprintf (proto, sizeof proto, "icmp");
      break;
    case IPPROTO_ICMPV6:
      snprintf (proto, sizeof proto, "icmpv6");
      break;
    case 0:
      snprintf (proto, sizeof proto, "ip");
      break;
    default:
      snprintf (proto, sizeof proto, "proto %d", ev->proto);
      break;
    }
  if (ev->dport == 0)
    snprintf (buf, size, "%s %s", proto, addr);
  else if (ev->family == AF_INET6)
    snprintf (buf, size, "%s [%s]:%u", proto, addr, ev->dport);
  else
    snprintf (buf, size, "%s %s:%u", proto, addr, ev->dport);
}
