/* sbx unit test: the egress policy (netstack/egress.c): rule parsing,
 * matching on hand-built Ethernet frames, the reject replies, and
 * malformed frames.  Every frame here lives in memory only: nothing is
 * sent anywhere, and the addresses are just bytes.  */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/egress.h"
#include "tap.h"
#include "frames.h"
#include "rules.h"

/* The frame macros below (TCP, UDP, PING) give defaults that a test
   overrides by naming the field again: that is the point of them.  */
#pragma GCC diagnostic ignored "-Woverride-init"

/* ---- Frame building ---- */

/* slirp's gateway and a guest MAC.  */
static const uint8_t mac_gw[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t mac_sbx[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* One frame the sandbox might send.  The family follows from `dst`.  */
struct pkt
{
  const char *src, *dst; /* src defaults to the sandbox's address */
  int proto;
  uint16_t sport, dport;
  uint8_t flags; /* TCP */
  uint32_t seq, ack;
  size_t payload; /* bytes after the transport header */
  int icmp_type;  /* for ICMP and ICMPv6 */
  uint16_t frag;  /* IPv4: the frag_off field, host order */
  size_t ip_opts; /* IPv4 option bytes, a multiple of 4 */
  int ext[12];    /* IPv6 extension headers, in order */
  int n_ext;
  uint16_t frag_offlg; /* IPv6 fragment header: offset and M flag, host order */
  uint8_t segleft;     /* IPv6 routing header: segments left */
  bool eth_bcast;      /* sent to ff:ff:ff:ff:ff:ff */
  size_t eth_pad;      /* bytes after the IP packet */
};

#define TCP(d, p, ...)                                                                             \
  (&(struct pkt){ .dst = (d),                                                                      \
                  .proto = IPPROTO_TCP,                                                            \
                  .dport = (p),                                                                    \
                  .sport = 40000,                                                                  \
                  .flags = TH_SYN,                                                                 \
                  .seq = 1000,                                                                     \
                  __VA_ARGS__ })
#define UDP(d, p, ...)                                                                             \
  (&(struct pkt){ .dst = (d),                                                                      \
                  .proto = IPPROTO_UDP,                                                            \
                  .dport = (p),                                                                    \
                  .sport = 50000,                                                                  \
                  .payload = 12,                                                                   \
                  __VA_ARGS__ })
#define PING(d, ...)                                                                               \
  (&(struct pkt){ .dst = (d),                                                                      \
                  .proto = strchr ((d), ':') ? IPPROTO_ICMPV6 : IPPROTO_ICMP,                      \
                  .icmp_type = strchr ((d), ':') ? 128 : 8,                                        \
                  .payload = 56,                                                                   \
                  __VA_ARGS__ })

static void
put32 (uint8_t *b, uint32_t v)
{
  put16 (b, (uint16_t)(v >> 16));
  put16 (b + 2, (uint16_t)v);
}

static uint16_t
get16 (const uint8_t *b)
{
  return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
get32 (const uint8_t *b)
{
  return (uint32_t)get16 (b) << 16 | get16 (b + 2);
}

static uint32_t
sum16 (uint32_t sum, const uint8_t *b, size_t n)
{
  size_t i;

  for (i = 0; i + 1 < n; i += 2)
    sum += get16 (b + i);
  if (i < n)
    sum += (uint32_t)b[i] << 8;
  return sum;
}

static uint16_t
fold (uint32_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static bool
is_v6 (const char *a)
{
  return strchr (a, ':') != NULL;
}

/* Writes the transport header and payload; returns their length.  */
static size_t
build_l4 (uint8_t *b, const struct pkt *k, bool v6)
{
  size_t n = 0;

  switch (k->proto)
    {
    case IPPROTO_TCP:
      put16 (b, k->sport);
      put16 (b + 2, k->dport);
      put32 (b + 4, k->seq);
      put32 (b + 8, k->ack);
      b[12] = 5 << 4;
      b[13] = k->flags;
      put16 (b + 14, 65535);
      put16 (b + 16, 0);
      put16 (b + 18, 0);
      n = 20;
      break;
    case IPPROTO_UDP:
      put16 (b, k->sport);
      put16 (b + 2, k->dport);
      put16 (b + 4, (uint16_t)(8 + k->payload));
      put16 (b + 6, 0);
      n = 8;
      break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      if ((k->proto == IPPROTO_ICMPV6) == v6)
        {
          memset (b, 0, 8);
          b[0] = (uint8_t)k->icmp_type;
          put16 (b + 4, 0x1234);
          put16 (b + 6, 1);
          n = 8;
        }
      break;
    }
  for (size_t i = 0; i < k->payload; i++)
    b[n + i] = (uint8_t)(i * 7 + 1);
  return n + k->payload;
}

/* Build the frame into f (room for 2048 bytes); returns its length.  */
static size_t
build (uint8_t *f, const struct pkt *k)
{
  bool v6 = is_v6 (k->dst);
  const char *src = k->src ? k->src : v6 ? "fd00::100" : "10.0.2.100";
  uint8_t *ip = f + 14;
  size_t len;

  memset (f, 0, 2048);
  if (k->eth_bcast)
    memset (f, 0xff, 6);
  else
    memcpy (f, mac_gw, 6);
  memcpy (f + 6, mac_sbx, 6);
  put16 (f + 12, v6 ? 0x86dd : 0x0800);

  if (!v6)
    {
      size_t hlen = 20 + k->ip_opts;

      ip[0] = (uint8_t)(0x40 | hlen / 4);
      put16 (ip + 4, 0x4242);
      put16 (ip + 6, k->frag);
      ip[8] = 64;
      ip[9] = (uint8_t)k->proto;
      inet_pton (AF_INET, src, ip + 12);
      inet_pton (AF_INET, k->dst, ip + 16);
      for (size_t i = 20; i < hlen; i++)
        ip[i] = 1; /* NOP */
      if ((k->frag & 0x1fff) != 0)
        {
          for (size_t i = 0; i < k->payload; i++)
            ip[hlen + i] = (uint8_t)i;
          len = hlen + k->payload;
        }
      else
        len = hlen + build_l4 (ip + hlen, k, false);
      put16 (ip + 2, (uint16_t)len);
      put16 (ip + 10, fold (sum16 (0, ip, hlen)));
    }
  else
    {
      size_t off = 40;
      bool data_only = false;

      ip[0] = 0x60;
      ip[7] = 64;
      inet_pton (AF_INET6, src, ip + 8);
      inet_pton (AF_INET6, k->dst, ip + 24);
      ip[6] = (uint8_t)(k->n_ext > 0 ? k->ext[0] : k->proto);
      for (int i = 0; i < k->n_ext && !data_only; i++)
        {
          uint8_t *h = ip + off;
          int next = i + 1 < k->n_ext ? k->ext[i + 1] : k->proto;

          memset (h, 0, 8);
          h[0] = (uint8_t)next;
          switch (k->ext[i])
            {
            case 44: /* fragment */
              put16 (h + 2, k->frag_offlg);
              put32 (h + 4, 0xabcd);
              data_only = (k->frag_offlg & 0xfff8) != 0;
              off += 8;
              break;
            case 43: /* routing, segment routing type */
              h[1] = 0;
              h[2] = 4;
              h[3] = k->segleft;
              off += 8;
              break;
            case 51: /* AH: (1 + 2) * 4 bytes */
              h[1] = 1;
              memset (h + 8, 0, 4);
              off += 12;
              break;
            default: /* hop-by-hop, destination options: one PadN */
              h[2] = 1;
              h[3] = 4;
              off += 8;
              break;
            }
        }
      if (data_only)
        {
          for (size_t i = 0; i < k->payload; i++)
            ip[off + i] = (uint8_t)i;
          len = off + k->payload;
        }
      else
        len = off + build_l4 (ip + off, k, true);
      put16 (ip + 4, (uint16_t)(len - 40));
    }
  memset (ip + len, 0, k->eth_pad);
  return 14 + len + k->eth_pad;
}

/* ---- Running frames through the policy ---- */

struct res
{
  enum sbx_egress_verdict v;
  uint8_t frame[2048];
  size_t len;
  uint8_t reply[1600];
  size_t reply_len;
  struct sbx_egress_event ev;
};

/* Check `len` bytes of `frame` from a heap copy of exactly that size, so
   the address sanitizer or valgrind sees any read past the end.  */
static enum sbx_egress_verdict
check_bytes (const struct sbx_egress *e, const uint8_t *frame, size_t len, struct res *r)
{
  uint8_t *copy = malloc (len ? len : 1);

  if (copy == NULL)
    abort ();
  memcpy (copy, frame, len);
  memset (r->reply, 0xaa, sizeof r->reply);
  r->v = sbx_egress_check (e, copy, len, r->reply, sizeof r->reply, &r->reply_len, &r->ev);
  free (copy);
  return r->v;
}

static enum sbx_egress_verdict
run (const struct sbx_egress *e, const struct pkt *k, struct res *r)
{
  r->len = build (r->frame, k);
  return check_bytes (e, r->frame, r->len, r);
}

static const char *
pkt_name (const struct pkt *k, char *buf, size_t size)
{
  const char *proto = k->proto == IPPROTO_TCP      ? "tcp"
                      : k->proto == IPPROTO_UDP    ? "udp"
                      : k->proto == IPPROTO_ICMP   ? "icmp"
                      : k->proto == IPPROTO_ICMPV6 ? "icmpv6"
                                                   : "proto";
  snprintf (buf, size, "%s %s%s%s:%u", proto, is_v6 (k->dst) ? "[" : "", k->dst,
            is_v6 (k->dst) ? "]" : "", k->dport);
  return buf;
}

/* `k` passes (refused == false) or is refused.  */
static void
expect (const struct sbx_egress *e, const char *set, const struct pkt *k, bool refused,
        const char *what)
{
  struct res r;
  char name[128];

  run (e, k, &r);
  TAP_IS_INT (r.v, refused ? SBX_EGRESS_REJECT : SBX_EGRESS_PASS, "%s: %s%s%s is %s", set,
              pkt_name (k, name, sizeof name), what ? " " : "", what ? what : "",
              refused ? "refused" : "passed");
}

/* ---- Parsing ---- */

static void
test_parse_good (void)
{
  static const struct
  {
    const char *rule;
    bool allow;
    int family;
    const char *addr;
    int prefix;
    uint16_t lo, hi;
    int proto;
  } cases[] = {
    { "allow:all", true, 0, NULL, 0, 0, 0, 0 },
    { "deny:all", false, 0, NULL, 0, 0, 0, 0 },
    { "deny:all:25/tcp", false, 0, NULL, 0, 25, 25, IPPROTO_TCP },
    { "deny:10.0.0.0/8", false, AF_INET, "10.0.0.0", 8, 0, 0, 0 },
    { "deny:10.1.2.3/8", false, AF_INET, "10.0.0.0", 8, 0, 0, 0 },
    { "deny:172.31.255.255/12", false, AF_INET, "172.16.0.0", 12, 0, 0, 0 },
    { "deny:10.0.0.0/0", false, AF_INET, "0.0.0.0", 0, 0, 0, 0 },
    { "deny:169.254.169.254", false, AF_INET, "169.254.169.254", 32, 0, 0, 0 },
    { "allow:10.0.2.2:8080", true, AF_INET, "10.0.2.2", 32, 8080, 8080, 0 },
    { "allow:10.0.2.2:8000-8080/tcp", true, AF_INET, "10.0.2.2", 32, 8000, 8080, IPPROTO_TCP },
    { "deny:0.0.0.0/0:53/udp", false, AF_INET, "0.0.0.0", 0, 53, 53, IPPROTO_UDP },
    { "deny:10.0.0.0/8/tcp", false, AF_INET, "10.0.0.0", 8, 0, 0, IPPROTO_TCP },
    { "deny:1.2.3.4:1", false, AF_INET, "1.2.3.4", 32, 1, 1, 0 },
    { "deny:1.2.3.4:65535", false, AF_INET, "1.2.3.4", 32, 65535, 65535, 0 },
    { "deny:1.2.3.4:1-65535", false, AF_INET, "1.2.3.4", 32, 1, 65535, 0 },
    { "deny:1.2.3.4:007", false, AF_INET, "1.2.3.4", 32, 7, 7, 0 },
    { "deny:[fd00::/8]:53/udp", false, AF_INET6, "fd00::", 8, 53, 53, IPPROTO_UDP },
    { "deny:[fd00::3]:53", false, AF_INET6, "fd00::3", 128, 53, 53, 0 },
    { "deny:[fd00::3]", false, AF_INET6, "fd00::3", 128, 0, 0, 0 },
    { "deny:[fd00::/8]/tcp", false, AF_INET6, "fd00::", 8, 0, 0, IPPROTO_TCP },
    { "deny:fd00::/8", false, AF_INET6, "fd00::", 8, 0, 0, 0 },
    { "deny:fd00::/8/udp", false, AF_INET6, "fd00::", 8, 0, 0, IPPROTO_UDP },
    { "deny:fe80::1/10", false, AF_INET6, "fe80::", 10, 0, 0, 0 },
    { "deny:::1", false, AF_INET6, "::1", 128, 0, 0, 0 },
    { "deny:::/0", false, AF_INET6, "::", 0, 0, 0, 0 },
    { "allow:2001:db8::1/128", true, AF_INET6, "2001:db8::1", 128, 0, 0, 0 },
    { "deny:[::ffff:10.0.0.0/104]", false, AF_INET6, "::ffff:10.0.0.0", 104, 0, 0, 0 },
    { "deny:[10.0.0.1]:80", false, AF_INET, "10.0.0.1", 32, 80, 80, 0 },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct sbx_egress e = { 0 };
      sbx_error_t err = NULL;
      uint8_t want[16] = { 0 };
      const char *rule = cases[i].rule;

      if (!TAP_IS_INT (sbx_egress_add (&e, rule, &err), 0, "`%s` parses", rule))
        {
          tap_diag ("error: %s", err ? err->msg : "(none)");
          sbx_error_release (&err);
          continue;
        }
      if (cases[i].addr)
        inet_pton (cases[i].family, cases[i].addr, want);
      TAP_OK (e.n == 1 && e.v[0].allow == cases[i].allow && e.v[0].family == cases[i].family
                  && memcmp (e.v[0].addr, want, sizeof want) == 0
                  && e.v[0].prefix == cases[i].prefix && e.v[0].port_lo == cases[i].lo
                  && e.v[0].port_hi == cases[i].hi && e.v[0].proto == cases[i].proto,
              "`%s`: %s family %d %s/%d ports %u-%u proto %d", rule,
              cases[i].allow ? "allow" : "deny", cases[i].family,
              cases[i].addr ? cases[i].addr : "-", cases[i].prefix, cases[i].lo, cases[i].hi,
              cases[i].proto);
      TAP_IS_STR (e.v[0].text, rule, "`%s`: the text is kept", rule);
      sbx_egress_free (&e);
    }
}

static void
test_parse_bad (void)
{
  static const struct
  {
    const char *rule, *msg;
  } cases[] = {
    { "deny:10.0.0.0/33", "prefix 33 is longer than 32" },
    { "deny:[fd00::/129]:53", "prefix 129 is longer than 128" },
    { "deny:fd00::/129", "prefix 129 is longer than 128" },
    { "deny:10.0.0.0/99999999999999999999", "prefix 99999999999999999999 is longer than 32" },
    { "deny:10.0.0.0/", "missing prefix length after `/`" },
    { "deny:10.0.0.0/8a", "prefix `8a` is not a number" },
    { "deny:10.0.0.0/-1", "prefix `-1` is not a number" },
    { "deny:/8", "missing address before `/`" },
    { "block:10.0.0.0/8", "a rule starts with `allow:` or `deny:`" },
    { "Deny:10.0.0.0/8", "a rule starts with `allow:` or `deny:`" },
    { "", "a rule starts with `allow:` or `deny:`" },
    { "deny", "a rule starts with `allow:` or `deny:`" },
    { "deny:", "missing an address or `all`" },
    { "allow::80", "missing an address or `all`" },
    { "deny:10.0.0.1:0", "port 0 is out of range (1-65535)" },
    { "deny:10.0.0.1:65536", "port 65536 is out of range (1-65535)" },
    { "deny:10.0.0.1:99999999999999999999", "port 99999999999999999999 is out of range (1-65535)" },
    { "deny:10.0.0.1:", "missing port after `:`" },
    { "deny:10.0.0.1:-80", "missing port after `:`" },
    { "deny:10.0.0.1:80-", "missing port after `-`" },
    { "deny:10.0.0.1:90-80", "port range 90-80 is backwards (write 80-90)" },
    { "deny:10.0.0.1:80-90-100", "port `90-100` is not a number" },
    { "deny:10.0.0.1:http", "port `http` is not a number" },
    { "deny:10.0.0.1: 80", "port ` 80` is not a number" },
    { "deny:10.0.0.1:80/icmp", "unknown protocol `icmp` (tcp or udp)" },
    { "deny:10.0.0.1:80/TCP", "unknown protocol `TCP` (tcp or udp)" },
    { "deny:10.0.0.256", "`10.0.0.256` is not an IP address" },
    { "deny:10.0.0", "`10.0.0` is not an IP address" },
    { "deny:example.com", "`example.com` is not an IP address (names are not resolved)" },
    { "deny:example.com:443", "`example.com` is not an IP address (names are not resolved)" },
    { "deny:fd00::1::2", "`fd00::1::2` is not an IP address (an IPv6 address with a port is "
                         "written in brackets: `[fd00::1]:53`)" },
    { "deny:10.0.0.1:80:90", "`10.0.0.1:80:90` is not an IP address (an IPv6 address with a "
                             "port is written in brackets: `[fd00::1]:53`)" },
    { "deny:[fd00::1", "missing `]`" },
    { "deny:[fd00::1]x", "unexpected `x` after `]`" },
    { "deny:[fd00::1]53", "unexpected `53` after `]`" },
    { "deny:[fd00::1]:", "missing port after `:`" },
    { "deny:[]:53", "missing an address or `all`" },
    { "deny:[all]", "`all` is not an IP address (names are not resolved)" },
    { "deny:all:0", "port 0 is out of range (1-65535)" },
  };
  struct sbx_egress e = { 0 };

  RULES (&e, "deny:10.0.0.0/8");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      sbx_error_t err = NULL;
      char *want;

      if (asprintf (&want, "`%s`: %s", cases[i].rule, cases[i].msg) < 0)
        abort ();
      TAP_IS_INT (sbx_egress_add (&e, cases[i].rule, &err), -1, "`%s` is refused", cases[i].rule);
      TAP_IS_STR (err ? err->msg : NULL, want, "`%s`: the error says what is wrong", cases[i].rule);
      sbx_error_release (&err);
      free (want);
    }
  TAP_IS_UINT (e.n, 1, "refused rules are not appended");
  sbx_egress_free (&e);
  TAP_OK (e.v == NULL && e.n == 0, "free leaves an empty policy");
  sbx_egress_free (&e);
  TAP_OK (e.v == NULL && e.n == 0, "free twice is harmless");
}

static void
test_preset (void)
{
  struct sbx_egress e = { 0 };
  sbx_error_t err = NULL;

  TAP_IS_INT (sbx_egress_add_preset (&e, "no-lan", &err), 0, "preset no-lan is known");
  TAP_IS_UINT (e.n, 18, "no-lan has 18 rules");
  if (e.n >= 2)
    {
      TAP_IS_STR (e.v[0].text, "allow:10.0.2.3:53", "no-lan allows DNS first");
      TAP_IS_STR (e.v[1].text, "allow:[fd00::3]:53", "no-lan allows DNS over IPv6 second");
    }
  for (size_t i = 2; i < e.n; i++)
    if (e.v[i].allow)
      TAP_OK (false, "no-lan rule %zu `%s` is a deny", i, e.v[i].text);
  TAP_OK (e.n > 0 && !e.v[e.n - 1].allow && e.v[e.n - 1].family != 0,
          "no-lan ends without allow:all or deny:all");

  TAP_IS_INT (sbx_egress_add_preset (&e, "lan", &err), -1, "an unknown preset is refused");
  TAP_IS_STR (err ? err->msg : NULL, "`lan`: unknown preset; known presets: no-lan",
              "the error lists the known presets");
  sbx_error_release (&err);
  TAP_IS_UINT (e.n, 18, "a refused preset appends nothing");
  sbx_egress_free (&e);
}

/* ---- Matching ---- */

static void
test_prefixes (void)
{
  struct sbx_egress e;

  RULES (&e, "deny:0.0.0.0/0");
  expect (&e, "deny:0.0.0.0/0", TCP ("1.2.3.4", 80), true, NULL);
  expect (&e, "deny:0.0.0.0/0", TCP ("255.255.255.254", 80), true, NULL);
  expect (&e, "deny:0.0.0.0/0", TCP ("2001:db8::1", 80), false, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:10.0.0.0/8");
  expect (&e, "deny:10.0.0.0/8", TCP ("10.0.0.0", 80), true, NULL);
  expect (&e, "deny:10.0.0.0/8", TCP ("10.255.255.255", 80), true, NULL);
  expect (&e, "deny:10.0.0.0/8", TCP ("9.255.255.255", 80), false, NULL);
  expect (&e, "deny:10.0.0.0/8", TCP ("11.0.0.0", 80), false, NULL);
  expect (&e, "deny:10.0.0.0/8", PING ("10.1.2.3"), true, NULL);
  expect (&e, "deny:10.0.0.0/8", UDP ("10.1.2.3", 53), true, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:172.16.0.0/12");
  expect (&e, "deny:172.16.0.0/12", TCP ("172.16.0.0", 80), true, NULL);
  expect (&e, "deny:172.16.0.0/12", TCP ("172.31.255.255", 80), true, NULL);
  expect (&e, "deny:172.16.0.0/12", TCP ("172.15.255.255", 80), false, NULL);
  expect (&e, "deny:172.16.0.0/12", TCP ("172.32.0.0", 80), false, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:192.0.2.1");
  expect (&e, "deny:192.0.2.1", TCP ("192.0.2.1", 80), true, NULL);
  expect (&e, "deny:192.0.2.1", TCP ("192.0.2.0", 80), false, NULL);
  expect (&e, "deny:192.0.2.1", TCP ("192.0.2.2", 80), false, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:fd00::3");
  expect (&e, "deny:fd00::3", TCP ("fd00::3", 80), true, NULL);
  expect (&e, "deny:fd00::3", TCP ("fd00::2", 80), false, NULL);
  expect (&e, "deny:fd00::3", TCP ("fd00::3:0", 80), false, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:::/0");
  expect (&e, "deny:::/0", TCP ("2001:db8::1", 80), true, NULL);
  expect (&e, "deny:::/0", PING ("ff02::1"), true, NULL);
  expect (&e, "deny:::/0", TCP ("1.2.3.4", 80), false, NULL);
  sbx_egress_free (&e);

  RULES (&e, "deny:fe80::/10");
  expect (&e, "deny:fe80::/10", UDP ("fe80::1", 53), true, NULL);
  expect (&e, "deny:fe80::/10", UDP ("febf:ffff::1", 53), true, NULL);
  expect (&e, "deny:fe80::/10", UDP ("fec0::1", 53), false, NULL);
  expect (&e, "deny:fe80::/10", UDP ("fe7f::1", 53), false, NULL);
  sbx_egress_free (&e);

  /* IPv4 rules see through IPv4-mapped IPv6 addresses, which libslirp's
     dual-stack sockets would reach over IPv4.  */
  RULES (&e, "deny:10.0.0.0/8");
  expect (&e, "deny:10.0.0.0/8", TCP ("::ffff:10.1.2.3", 80), true, "(IPv4-mapped)");
  expect (&e, "deny:10.0.0.0/8", TCP ("::ffff:11.1.2.3", 80), false, "(IPv4-mapped)");
  expect (&e, "deny:10.0.0.0/8", TCP ("::10.1.2.3", 80), false, "(IPv4-compatible)");
  sbx_egress_free (&e);
}

static void
test_ports (void)
{
  struct sbx_egress e;
  const char *set = "deny:10.0.2.2:8000-8080/tcp";

  RULES (&e, set);
  expect (&e, set, TCP ("10.0.2.2", 7999), false, NULL);
  expect (&e, set, TCP ("10.0.2.2", 8000), true, NULL);
  expect (&e, set, TCP ("10.0.2.2", 8042), true, NULL);
  expect (&e, set, TCP ("10.0.2.2", 8080), true, NULL);
  expect (&e, set, TCP ("10.0.2.2", 8081), false, NULL);
  expect (&e, set, UDP ("10.0.2.2", 8000), false, NULL);
  expect (&e, set, TCP ("10.0.2.3", 8000), false, NULL);
  expect (&e, set, PING ("10.0.2.2"), false, NULL);
  sbx_egress_free (&e);

  set = "deny:10.0.2.2:53";
  RULES (&e, set);
  expect (&e, set, TCP ("10.0.2.2", 53), true, NULL);
  expect (&e, set, UDP ("10.0.2.2", 53), true, NULL);
  expect (&e, set, UDP ("10.0.2.2", 54), false, NULL);
  expect (&e, set, PING ("10.0.2.2"), false, "(a port rule is TCP and UDP only)");
  expect (&e, set, (&(struct pkt){ .dst = "10.0.2.2", .proto = 132, .payload = 16 }), false,
          "(SCTP)");
  sbx_egress_free (&e);

  set = "deny:10.0.0.0/8/udp";
  RULES (&e, set);
  expect (&e, set, UDP ("10.9.9.9", 1), true, NULL);
  expect (&e, set, UDP ("10.9.9.9", 65535), true, NULL);
  expect (&e, set, TCP ("10.9.9.9", 1), false, NULL);
  expect (&e, set, PING ("10.9.9.9"), false, NULL);
  sbx_egress_free (&e);

  set = "deny:all:25/tcp";
  RULES (&e, set);
  expect (&e, set, TCP ("192.0.2.1", 25), true, NULL);
  expect (&e, set, TCP ("2001:db8::1", 25), true, NULL);
  expect (&e, set, UDP ("192.0.2.1", 25), false, NULL);
  expect (&e, set, TCP ("192.0.2.1", 26), false, NULL);
  sbx_egress_free (&e);

  set = "deny:[fd00::/8]:53/udp";
  RULES (&e, set);
  expect (&e, set, UDP ("fd00::3", 53), true, NULL);
  expect (&e, set, UDP ("fdff::3", 53), true, NULL);
  expect (&e, set, UDP ("fe00::3", 53), false, NULL);
  expect (&e, set, TCP ("fd00::3", 53), false, NULL);
  expect (&e, set, UDP ("10.0.2.3", 53), false, NULL);
  sbx_egress_free (&e);
}

static void
test_order (void)
{
  struct sbx_egress e;
  struct res r;
  const char *set;

  set = "allow:10.0.2.2:80, deny:10.0.2.0/24";
  RULES (&e, "allow:10.0.2.2:80", "deny:10.0.2.0/24");
  expect (&e, set, TCP ("10.0.2.2", 80), false, NULL);
  expect (&e, set, TCP ("10.0.2.2", 81), true, NULL);
  run (&e, TCP ("10.0.2.2", 81), &r);
  TAP_OK (r.ev.rule == &e.v[1], "%s: the refusal names the deny rule", set);
  sbx_egress_free (&e);

  set = "deny:10.0.2.0/24, allow:10.0.2.2:80";
  RULES (&e, "deny:10.0.2.0/24", "allow:10.0.2.2:80");
  expect (&e, set, TCP ("10.0.2.2", 80), true, "(the first match wins)");
  sbx_egress_free (&e);

  set = "allow:192.0.2.0/24:443/tcp, deny:all";
  RULES (&e, "allow:192.0.2.0/24:443/tcp", "deny:all");
  expect (&e, set, TCP ("192.0.2.5", 443), false, NULL);
  expect (&e, set, TCP ("192.0.2.5", 80), true, NULL);
  expect (&e, set, UDP ("192.0.2.5", 443), true, NULL);
  expect (&e, set, TCP ("198.51.100.1", 443), true, NULL);
  expect (&e, set, TCP ("2001:db8::1", 443), true, NULL);
  expect (&e, set, PING ("192.0.2.5"), true, NULL);
  run (&e, PING ("192.0.2.5"), &r);
  TAP_OK (r.ev.rule == &e.v[1], "%s: the refusal names deny:all", set);
  sbx_egress_free (&e);

  memset (&e, 0, sizeof e);
  expect (&e, "no rules", TCP ("10.0.2.2", 22), false, NULL);
  expect (&e, "no rules", PING ("fd00::2"), false, NULL);
  TAP_IS_INT (sbx_egress_check (NULL, r.frame, r.len, r.reply, sizeof r.reply, &r.reply_len, &r.ev),
              SBX_EGRESS_PASS, "a NULL policy passes everything");

  RULES (&e, "deny:10.0.2.0/24");
  expect (&e, "deny:10.0.2.0/24", TCP ("10.0.3.1", 22), false, "(no rule matches)");
  sbx_egress_free (&e);
}

static void
test_non_ip (void)
{
  struct sbx_egress e;
  struct res r;
  uint8_t f[64];

  RULES (&e, "deny:all");
  memset (f, 0, sizeof f);
  memset (f, 0xff, 6);
  memcpy (f + 6, mac_sbx, 6);
  put16 (f + 12, 0x0806); /* ARP request */
  put16 (f + 14, 1);
  put16 (f + 16, 0x0800);
  f[18] = 6;
  f[19] = 4;
  put16 (f + 20, 1);
  TAP_IS_INT (check_bytes (&e, f, 42, &r), SBX_EGRESS_PASS, "deny:all: ARP passes");
  TAP_IS_UINT (r.reply_len, 0, "deny:all: no reply to ARP");
  put16 (f + 12, 0x8100); /* VLAN tag: libslirp drops it itself */
  TAP_IS_INT (check_bytes (&e, f, 60, &r), SBX_EGRESS_PASS, "deny:all: a VLAN frame passes");
  put16 (f + 12, 0x88cc);
  TAP_IS_INT (check_bytes (&e, f, 60, &r), SBX_EGRESS_PASS, "deny:all: LLDP passes");
  put16 (f + 12, 0x0800);
  TAP_IS_INT (check_bytes (&e, f, 14, &r), SBX_EGRESS_REJECT,
              "deny:all: an IPv4 frame with no IP header is refused");

  for (int type = 133; type <= 137; type++)
    {
      char what[64];

      snprintf (what, sizeof what, "(neighbour discovery type %d)", type);
      expect (&e, "deny:all", PING ("ff02::1:ff00:2", .icmp_type = type, .payload = 16), false,
              what);
    }
  expect (&e, "deny:all", PING ("fe80::2", .icmp_type = 135, .n_ext = 1, .ext = { 0 }), false,
          "(neighbour solicitation behind hop-by-hop)");
  expect (&e, "deny:all", PING ("fd00::2"), true, "(echo)");
  expect (&e, "deny:all", PING ("ff02::16", .icmp_type = 143), true, "(MLDv2 report)");
  expect (&e, "deny:all", PING ("fd00::2", .icmp_type = 138), true, "(router renumbering)");
  /* 135 as an IPv4 ICMP type means nothing.  */
  expect (&e, "deny:all", PING ("10.0.2.2", .icmp_type = 135), true, "(IPv4 ICMP type 135)");
  sbx_egress_free (&e);
}

static void
test_fragments (void)
{
  struct sbx_egress e;
  struct res r;
  const char *set;

  set = "deny:10.0.0.0/8";
  RULES (&e, set);
  run (&e, TCP ("10.1.1.1", 80, .frag = 185, .payload = 100), &r);
  TAP_IS_INT (r.v, SBX_EGRESS_REJECT, "%s: a later fragment to 10.1.1.1 is refused", set);
  TAP_IS_UINT (r.reply_len, 0, "%s: no reply to a later fragment", set);
  TAP_IS_UINT (r.ev.dport, 0, "%s: a later fragment has no port", set);
  expect (&e, set, TCP ("11.1.1.1", 80, .frag = 185, .payload = 100), false, "(later fragment)");
  sbx_egress_free (&e);

  /* A later fragment is given the benefit of the doubt on ports: its
     first fragment is checked with them.  */
  set = "allow:192.0.2.1:443/tcp, deny:all";
  RULES (&e, "allow:192.0.2.1:443/tcp", "deny:all");
  expect (&e, set, TCP ("192.0.2.1", 443, .frag = 0x2000, .payload = 100), false,
          "(first fragment)");
  expect (&e, set, TCP ("192.0.2.1", 22, .frag = 0x2000, .payload = 100), true, "(first fragment)");
  expect (&e, set, TCP ("192.0.2.1", 0, .frag = 0x2000 | 185, .payload = 100), false,
          "(later fragment)");
  expect (&e, set, TCP ("192.0.2.1", 0, .frag = 185, .payload = 100), false, "(last fragment)");
  expect (&e, set, UDP ("192.0.2.1", 0, .frag = 185, .payload = 100), true,
          "(later fragment, the protocol is known)");
  expect (&e, set, TCP ("192.0.2.2", 0, .frag = 185, .payload = 100), true,
          "(later fragment, another address)");
  sbx_egress_free (&e);

  set = "deny:192.0.2.1:22/tcp";
  RULES (&e, set);
  expect (&e, set, TCP ("192.0.2.1", 0, .frag = 185, .payload = 100), false,
          "(later fragment: the deny rule with a port is skipped)");
  run (&e, TCP ("192.0.2.1", 22, .frag = 0x2000, .payload = 100), &r);
  TAP_IS_INT (r.v, SBX_EGRESS_REJECT, "%s: the first fragment to port 22 is refused", set);
  TAP_IS_UINT (r.reply_len, 54, "%s: and answered with a RST", set);
  sbx_egress_free (&e);

  set = "deny:192.0.2.0/24/udp";
  RULES (&e, set);
  expect (&e, set, UDP ("192.0.2.1", 0, .frag = 185, .payload = 100), true,
          "(later fragment, the protocol rule applies)");
  expect (&e, set, TCP ("192.0.2.1", 0, .frag = 185, .payload = 100), false, "(later fragment)");
  sbx_egress_free (&e);

  /* IPv6: the fragment header says where the ports are.  */
  set = "allow:[2001:db8::1]:53/udp, deny:all";
  RULES (&e, "allow:[2001:db8::1]:53/udp", "deny:all");
  expect (&e, set, UDP ("2001:db8::1", 53, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1), false,
          "(first IPv6 fragment)");
  expect (&e, set, UDP ("2001:db8::1", 54, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1), true,
          "(first IPv6 fragment)");
  expect (&e, set, UDP ("2001:db8::1", 0, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1480), false,
          "(later IPv6 fragment)");
  expect (&e, set, TCP ("2001:db8::1", 0, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1480), true,
          "(later IPv6 fragment, the protocol is known)");
  expect (&e, set,
          UDP ("2001:db8::1", 0, .n_ext = 2, .ext = { 44, 60 }, .frag_offlg = 1480, .payload = 40),
          false, "(later IPv6 fragment, the protocol is not known)");
  expect (&e, set, UDP ("2001:db8::2", 0, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1480), true,
          "(later IPv6 fragment, another address)");
  run (&e, UDP ("2001:db8::2", 0, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1480), &r);
  TAP_IS_UINT (r.reply_len, 0, "%s: no reply to a later IPv6 fragment", set);
  sbx_egress_free (&e);

  set = "deny:[2001:db8::1]/udp";
  RULES (&e, set);
  expect (&e, set,
          UDP ("2001:db8::1", 0, .n_ext = 2, .ext = { 44, 60 }, .frag_offlg = 1480, .payload = 40),
          false, "(later IPv6 fragment, the protocol is not known)");
  expect (&e, set, UDP ("2001:db8::1", 0, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1480), true,
          "(later IPv6 fragment)");
  sbx_egress_free (&e);
}

static void
test_ext_headers (void)
{
  struct sbx_egress e;
  struct res r;
  const char *set = "deny:[fd00::3]:53";

  RULES (&e, set);
  expect (&e, set, UDP ("fd00::3", 53, .n_ext = 2, .ext = { 0, 60 }), true,
          "(hop-by-hop, destination options)");
  expect (&e, set, TCP ("fd00::3", 53, .n_ext = 3, .ext = { 0, 43, 60 }), true,
          "(hop-by-hop, routing, destination options)");
  expect (&e, set, UDP ("fd00::3", 54, .n_ext = 2, .ext = { 0, 60 }), false, "(two headers)");
  expect (&e, set, UDP ("fd00::3", 53, .n_ext = 8, .ext = { 0, 60, 60, 60, 60, 60, 60, 60 }), true,
          "(eight headers)");
  run (&e, UDP ("fd00::3", 54, .n_ext = 9, .ext = { 0, 60, 60, 60, 60, 60, 60, 60, 60 }), &r);
  TAP_IS_INT (r.v, SBX_EGRESS_REJECT, "%s: nine extension headers are refused", set);
  TAP_OK (r.ev.rule == NULL && r.reply_len == 0, "%s: as malformed, without a reply", set);
  run (&e, UDP ("fd00::3", 54, .n_ext = 1, .ext = { 43 }, .segleft = 1), &r);
  TAP_IS_INT (r.v, SBX_EGRESS_REJECT, "%s: a routing header with segments left is refused", set);
  TAP_OK (r.ev.rule == NULL, "%s: as malformed", set);
  expect (&e, set, UDP ("fd00::3", 54, .n_ext = 1, .ext = { 43 }, .segleft = 0), false,
          "(routing header, no segments left)");
  /* AH is opaque: its contents are not looked into, so no port rule
     matches; libslirp drops it anyway.  */
  expect (&e, set, UDP ("fd00::3", 53, .n_ext = 1, .ext = { 51 }), false, "(behind AH)");
  sbx_egress_free (&e);

  set = "deny:fd00::/64";
  RULES (&e, set);
  run (&e, UDP ("fd00::3", 53, .n_ext = 1, .ext = { 51 }), &r);
  TAP_IS_INT (r.v, SBX_EGRESS_REJECT, "%s: a packet behind AH is refused", set);
  TAP_IS_INT (r.ev.proto, 51, "%s: its protocol is AH", set);
  sbx_egress_free (&e);
}

static void
test_no_lan (void)
{
  struct sbx_egress e = { 0 };
  sbx_error_t err = NULL;
  struct res r;
  const char *set = "no-lan";

  if (sbx_egress_add_preset (&e, "no-lan", &err) < 0)
    {
      printf ("Bail out! %s\n", err->msg);
      exit (1);
    }
  expect (&e, set, UDP ("10.0.2.3", 53), false, "(DNS)");
  expect (&e, set, TCP ("10.0.2.3", 53), false, "(DNS over TCP)");
  expect (&e, set, UDP ("fd00::3", 53), false, "(DNS)");
  expect (&e, set, UDP ("10.0.2.3", 54), true, NULL);
  expect (&e, set, TCP ("10.0.2.2", 80), true, "(the host)");
  run (&e, TCP ("10.0.2.2", 80), &r);
  TAP_IS_STR (r.ev.rule ? r.ev.rule->text : NULL, "deny:10.0.2.0/24",
              "no-lan: 10.0.2.2 is refused as the host");
  expect (&e, set, TCP ("fd00::2", 80), true, "(the host)");
  expect (&e, set, TCP ("169.254.169.254", 80), true, "(cloud metadata)");
  expect (&e, set, TCP ("::ffff:169.254.169.254", 80), true, "(cloud metadata, IPv4-mapped)");
  expect (&e, set, TCP ("fd00:ec2::254", 80), true, "(cloud metadata over IPv6)");
  expect (&e, set, TCP ("192.168.1.1", 80), true, NULL);
  expect (&e, set, TCP ("172.16.0.1", 80), true, NULL);
  expect (&e, set, TCP ("10.10.10.10", 80), true, NULL);
  expect (&e, set, TCP ("100.64.0.1", 80), true, "(CGNAT)");
  expect (&e, set, TCP ("127.0.0.1", 80), true, "(loopback)");
  expect (&e, set, TCP ("0.0.0.0", 80), true, NULL);
  expect (&e, set, TCP ("::1", 80), true, "(loopback)");
  expect (&e, set, TCP ("fe80::1", 80), true, "(link-local)");
  expect (&e, set, UDP ("224.0.0.251", 5353), true, "(mDNS)");
  expect (&e, set, UDP ("ff02::fb", 5353), true, "(mDNS)");
  expect (&e, set, UDP ("255.255.255.255", 67), true, "(broadcast)");
  expect (&e, set, TCP ("8.8.8.8", 443), false, NULL);
  expect (&e, set, UDP ("1.1.1.1", 53), false, NULL);
  expect (&e, set, PING ("1.1.1.1"), false, NULL);
  expect (&e, set, TCP ("2001:4860:4860::8888", 443), false, NULL);
  expect (&e, set, TCP ("172.32.0.1", 443), false, NULL);
  expect (&e, set, TCP ("100.128.0.1", 443), false, NULL);
  expect (&e, set, PING ("fd00::2", .icmp_type = 135), false, "(neighbour solicitation)");
  sbx_egress_free (&e);
}

/* ---- Events ---- */

static void
check_event (const struct sbx_egress *e, const struct pkt *k, const char *want)
{
  struct res r;
  char buf[128];

  run (e, k, &r);
  sbx_egress_event_format (&r.ev, buf, sizeof buf);
  TAP_IS_STR (buf, want, "event: %s", want);
}

static void
test_events (void)
{
  struct sbx_egress e;
  struct res r;
  uint8_t addr[16];
  char buf[8];

  RULES (&e, "deny:all");
  check_event (&e, TCP ("10.0.2.2", 8080), "tcp 10.0.2.2:8080");
  check_event (&e, UDP ("fd00::3", 53), "udp [fd00::3]:53");
  check_event (&e, PING ("192.0.2.1"), "icmp 192.0.2.1");
  check_event (&e, PING ("fd00::1"), "icmpv6 fd00::1");
  check_event (&e, UDP ("10.1.1.1", 0, .frag = 185), "udp 10.1.1.1");
  check_event (&e, (&(struct pkt){ .dst = "192.0.2.9", .proto = 47, .payload = 8 }),
               "proto 47 192.0.2.9");
  check_event (&e, UDP ("2001:db8::1", 0, .n_ext = 2, .ext = { 44, 60 }, .frag_offlg = 8),
               "ip 2001:db8::1");

  run (&e, UDP ("fd00::3", 53), &r);
  inet_pton (AF_INET6, "fd00::3", addr);
  TAP_OK (r.ev.family == AF_INET6 && r.ev.proto == IPPROTO_UDP && r.ev.dport == 53
              && memcmp (r.ev.dst, addr, 16) == 0 && r.ev.rule == &e.v[0],
          "event fields for udp [fd00::3]:53");
  run (&e, TCP ("10.0.2.2", 8080), &r);
  inet_pton (AF_INET, "10.0.2.2", addr);
  TAP_OK (r.ev.family == AF_INET && r.ev.proto == IPPROTO_TCP && r.ev.dport == 8080
              && memcmp (r.ev.dst, addr, 4) == 0,
          "event fields for tcp 10.0.2.2:8080");

  sbx_egress_event_format (&r.ev, buf, sizeof buf);
  TAP_IS_STR (buf, "tcp 10.", "a short buffer is cut and terminated");
  memset (buf, 'x', sizeof buf);
  sbx_egress_event_format (&r.ev, buf, 0);
  TAP_OK (buf[0] == 'x', "a zero-size buffer is left alone");

  r.len = build (r.frame, TCP ("10.0.2.2", 80));
  check_bytes (&e, r.frame, r.len - 1, &r);
  {
    char line[64];
    sbx_egress_event_format (&r.ev, line, sizeof line);
    TAP_IS_STR (line, "malformed ipv4 frame", "event: malformed ipv4 frame");
  }
  run (&e, TCP ("10.0.2.2", 80), &r);
  check_bytes (&e, r.frame, 10, &r);
  {
    char line[64];
    sbx_egress_event_format (&r.ev, line, sizeof line);
    TAP_IS_STR (line, "malformed frame", "event: malformed frame (a short Ethernet header)");
  }
  sbx_egress_free (&e);
}

/* ---- Replies ---- */

/* The IPv4 header checksum, then the transport checksum (with its pseudo
   header, except for ICMPv4), both recomputed: true when they hold.  */
static bool
checksums_ok (const uint8_t *f, size_t len)
{
  const uint8_t *ip = f + 14;

  if (len < 14 + 20)
    return false;
  if (get16 (f + 12) == 0x0800)
    {
      size_t hlen = (ip[0] & 15) * 4u, total = get16 (ip + 2);
      uint32_t sum = 0;

      if (fold (sum16 (0, ip, hlen)) != 0 || 14 + total != len)
        return false;
      if (ip[9] != IPPROTO_ICMP)
        sum = sum16 (sum16 (0, ip + 12, 8), (const uint8_t[]){ 0, ip[9] }, 2)
              + (uint32_t)(total - hlen);
      return fold (sum16 (sum, ip + hlen, total - hlen)) == 0;
    }
  else
    {
      size_t plen;
      uint32_t sum;

      if (len < 14 + 40)
        return false;
      plen = get16 (ip + 4);
      if (14 + 40 + plen != len)
        return false;
      sum = sum16 (0, ip + 8, 32) + ip[6] + (uint32_t)plen;
      return fold (sum16 (sum, ip + 40, plen)) == 0;
    }
}

static void
test_reply_tcp (void)
{
  struct sbx_egress e;
  struct res r;
  const uint8_t *ip, *tcp;

  RULES (&e, "deny:all");

  /* A SYN: RST|ACK acknowledging it.  */
  run (&e, TCP ("192.0.2.7", 443, .sport = 40001, .seq = 1000), &r);
  TAP_IS_UINT (r.reply_len, 14 + 20 + 20, "RST to a SYN: length");
  TAP_OK (memcmp (r.reply, r.frame + 6, 6) == 0 && memcmp (r.reply + 6, r.frame, 6) == 0
              && get16 (r.reply + 12) == 0x0800,
          "RST to a SYN: Ethernet addresses swapped");
  ip = r.reply + 14;
  tcp = ip + 20;
  TAP_OK (ip[0] == 0x45 && get16 (ip + 2) == 40 && ip[8] == 64 && ip[9] == IPPROTO_TCP,
          "RST to a SYN: IPv4 header, TTL 64");
  TAP_OK (memcmp (ip + 12, r.frame + 14 + 16, 4) == 0
              && memcmp (ip + 16, r.frame + 14 + 12, 4) == 0,
          "RST to a SYN: from the refused destination to the sandbox");
  TAP_OK (get16 (tcp) == 443 && get16 (tcp + 2) == 40001, "RST to a SYN: ports swapped");
  TAP_IS_UINT (tcp[13], TH_RST | TH_ACK, "RST to a SYN: flags RST|ACK");
  TAP_IS_UINT (get32 (tcp + 4), 0, "RST to a SYN: seq 0");
  TAP_IS_UINT (get32 (tcp + 8), 1001, "RST to a SYN: ack = seq + 1");
  TAP_IS_UINT (tcp[12], 5 << 4, "RST to a SYN: no options");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "RST to a SYN: checksums hold");
  TAP_OK (r.reply[r.reply_len] == 0xaa, "RST to a SYN: nothing written past the reply");

  /* SYN with data and FIN: both count.  */
  run (&e, TCP ("192.0.2.7", 443, .flags = TH_SYN | TH_FIN, .seq = 0xfffffff0, .payload = 10), &r);
  TAP_IS_UINT (get32 (r.reply + 14 + 20 + 8), 0xfffffff0u + 10 + 2,
               "RST to SYN+FIN with 10 bytes: ack counts them, wrapping");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "RST to SYN+FIN: checksums hold");

  /* An ACK segment: RST with seq = its ack.  */
  run (&e, TCP ("192.0.2.7", 443, .flags = TH_ACK | TH_PUSH, .seq = 5, .ack = 777, .payload = 100),
       &r);
  tcp = r.reply + 14 + 20;
  TAP_IS_UINT (tcp[13], TH_RST, "RST to an ACK: flags RST");
  TAP_IS_UINT (get32 (tcp + 4), 777, "RST to an ACK: seq = its ack");
  TAP_IS_UINT (get32 (tcp + 8), 0, "RST to an ACK: ack 0");
  TAP_IS_UINT (r.reply_len, 54, "RST to an ACK: no payload");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "RST to an ACK: checksums hold");

  run (&e, TCP ("192.0.2.7", 443, .flags = TH_RST, .seq = 5), &r);
  TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0, "a refused RST is not answered");
  run (&e, TCP ("192.0.2.7", 443, .flags = TH_RST | TH_ACK, .seq = 5, .ack = 9), &r);
  TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0, "a refused RST|ACK is not answered");

  /* IPv4 options are not copied.  */
  run (&e, TCP ("192.0.2.7", 443, .ip_opts = 8), &r);
  TAP_OK (r.reply_len == 54 && r.reply[14] == 0x45 && checksums_ok (r.reply, r.reply_len),
          "RST to a SYN with IP options: a plain header");

  /* IPv6.  */
  run (&e, TCP ("2001:db8::7", 443, .sport = 40002, .seq = 7), &r);
  ip = r.reply + 14;
  tcp = ip + 40;
  TAP_IS_UINT (r.reply_len, 14 + 40 + 20, "IPv6 RST to a SYN: length");
  TAP_OK (get16 (r.reply + 12) == 0x86dd && (ip[0] >> 4) == 6 && get16 (ip + 4) == 20
              && ip[6] == IPPROTO_TCP && ip[7] == 64,
          "IPv6 RST to a SYN: IPv6 header, hop limit 64");
  TAP_OK (memcmp (ip + 8, r.frame + 14 + 24, 16) == 0
              && memcmp (ip + 24, r.frame + 14 + 8, 16) == 0,
          "IPv6 RST to a SYN: from the refused destination to the sandbox");
  TAP_OK (get16 (tcp) == 443 && get16 (tcp + 2) == 40002 && tcp[13] == (TH_RST | TH_ACK)
              && get32 (tcp + 4) == 0 && get32 (tcp + 8) == 8,
          "IPv6 RST to a SYN: ports, flags, seq, ack");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "IPv6 RST to a SYN: checksums hold");

  run (&e, TCP ("2001:db8::7", 443, .n_ext = 2, .ext = { 0, 60 }, .flags = TH_ACK, .ack = 99), &r);
  tcp = r.reply + 14 + 40;
  TAP_OK (r.reply_len == 74 && tcp[13] == TH_RST && get32 (tcp + 4) == 99
              && r.reply[14 + 6] == IPPROTO_TCP && checksums_ok (r.reply, r.reply_len),
          "IPv6 RST behind extension headers: a plain header, seq = its ack");

  run (&e, TCP ("::ffff:192.0.2.7", 443), &r);
  TAP_OK (r.reply_len == 74 && checksums_ok (r.reply, r.reply_len),
          "IPv6 RST from an IPv4-mapped address");
  sbx_egress_free (&e);
}

static void
test_reply_icmp (void)
{
  struct sbx_egress e;
  struct res r;
  const uint8_t *ip, *icmp;

  RULES (&e, "deny:all");

  run (&e, UDP ("192.0.2.7", 53, .payload = 30), &r);
  ip = r.reply + 14;
  icmp = ip + 20;
  TAP_IS_UINT (r.reply_len, 14 + 20 + 8 + 20 + 8, "ICMP for UDP: length");
  TAP_OK (memcmp (r.reply, r.frame + 6, 6) == 0 && memcmp (r.reply + 6, r.frame, 6) == 0,
          "ICMP for UDP: Ethernet addresses swapped");
  TAP_OK (ip[0] == 0x45 && ip[8] == 64 && ip[9] == IPPROTO_ICMP
              && memcmp (ip + 12, r.frame + 14 + 16, 4) == 0
              && memcmp (ip + 16, r.frame + 14 + 12, 4) == 0,
          "ICMP for UDP: IPv4 header from the refused destination, TTL 64");
  TAP_OK (icmp[0] == 3 && icmp[1] == 13, "ICMP for UDP: type 3 code 13");
  TAP_OK (get32 (icmp + 4) == 0, "ICMP for UDP: unused word is 0");
  TAP_OK (memcmp (icmp + 8, r.frame + 14, 28) == 0,
          "ICMP for UDP: quotes the IP header and 8 bytes");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "ICMP for UDP: checksums hold");

  run (&e, UDP ("192.0.2.7", 53, .ip_opts = 12), &r);
  TAP_IS_UINT (r.reply_len, 14 + 20 + 8 + 32 + 8, "ICMP for UDP with IP options: length");
  TAP_OK (memcmp (r.reply + 14 + 28, r.frame + 14, 40) == 0 && checksums_ok (r.reply, r.reply_len),
          "ICMP for UDP with IP options: quotes them");

  run (&e, PING ("192.0.2.1"), &r);
  icmp = r.reply + 14 + 20;
  TAP_OK (r.reply_len == 70 && icmp[0] == 3 && icmp[1] == 13
              && memcmp (icmp + 8, r.frame + 14, 28) == 0 && checksums_ok (r.reply, r.reply_len),
          "ICMP for an echo request: type 3 code 13, quoting it");

  run (&e, UDP ("192.0.2.7", 53, .payload = 30, .eth_pad = 20), &r);
  TAP_OK (r.reply_len == 70 && checksums_ok (r.reply, r.reply_len),
          "ICMP for UDP in a padded frame: the padding is not the packet");

  run (&e, UDP ("2001:db8::7", 53, .payload = 30), &r);
  ip = r.reply + 14;
  icmp = ip + 40;
  TAP_IS_UINT (r.reply_len, 14 + 40 + 8 + 40 + 8 + 30, "ICMPv6 for UDP: quotes all of it");
  TAP_OK (get16 (r.reply + 12) == 0x86dd && ip[6] == IPPROTO_ICMPV6 && ip[7] == 64
              && memcmp (ip + 8, r.frame + 14 + 24, 16) == 0
              && memcmp (ip + 24, r.frame + 14 + 8, 16) == 0,
          "ICMPv6 for UDP: IPv6 header from the refused destination, hop limit 64");
  TAP_OK (icmp[0] == 1 && icmp[1] == 1 && get32 (icmp + 4) == 0, "ICMPv6 for UDP: type 1 code 1");
  TAP_OK (memcmp (icmp + 8, r.frame + 14, 78) == 0, "ICMPv6 for UDP: the quote is the packet");
  TAP_OK (checksums_ok (r.reply, r.reply_len), "ICMPv6 for UDP: checksums hold");

  run (&e, UDP ("2001:db8::7", 53, .payload = 1400), &r);
  TAP_IS_UINT (r.reply_len, 14 + 1280, "ICMPv6 for a big datagram: 1280 bytes of IPv6");
  TAP_OK (memcmp (r.reply + 14 + 48, r.frame + 14, 1232) == 0
              && checksums_ok (r.reply, r.reply_len),
          "ICMPv6 for a big datagram: quotes its start");
  TAP_OK (r.reply[r.reply_len] == 0xaa, "ICMPv6 for a big datagram: nothing written past it");

  run (&e, PING ("2001:db8::7"), &r);
  icmp = r.reply + 14 + 40;
  TAP_OK (r.reply_len == 14 + 40 + 8 + 40 + 8 + 56 && icmp[0] == 1 && icmp[1] == 1
              && checksums_ok (r.reply, r.reply_len),
          "ICMPv6 for an echo request");

  run (&e, (&(struct pkt){ .dst = "192.0.2.9", .proto = 47, .payload = 30 }), &r);
  TAP_OK (r.reply_len == 70 && checksums_ok (r.reply, r.reply_len),
          "ICMP for another protocol (GRE)");

  /* A reply that does not fit is not built: the caller promises 1600
     bytes, but a short buffer must not be overrun.  */
  {
    uint8_t small[100];

    r.len = build (r.frame, UDP ("2001:db8::7", 53, .payload = 1400));
    r.v = sbx_egress_check (&e, r.frame, r.len, small, sizeof small, &r.reply_len, &r.ev);
    TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0,
            "a reply larger than the cap is not built");
    r.v = sbx_egress_check (&e, r.frame, r.len, NULL, 0, &r.reply_len, &r.ev);
    TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0, "no reply buffer: no reply");
    r.v = sbx_egress_check (&e, r.frame, r.len, NULL, 0, NULL, NULL);
    TAP_OK (r.v == SBX_EGRESS_REJECT, "no reply length or event pointer: still a verdict");
  }
  sbx_egress_free (&e);
}

/* Refusals that must not be answered.  */
static void
test_no_reply (void)
{
  static const struct
  {
    const char *what;
    struct pkt k;
  } cases[] = {
    { "ICMP destination unreachable",
      { .dst = "192.0.2.1", .proto = IPPROTO_ICMP, .icmp_type = 3 } },
    { "ICMP time exceeded", { .dst = "192.0.2.1", .proto = IPPROTO_ICMP, .icmp_type = 11 } },
    { "ICMP redirect", { .dst = "192.0.2.1", .proto = IPPROTO_ICMP, .icmp_type = 5 } },
    { "ICMP parameter problem", { .dst = "192.0.2.1", .proto = IPPROTO_ICMP, .icmp_type = 12 } },
    { "ICMPv6 destination unreachable",
      { .dst = "2001:db8::1", .proto = IPPROTO_ICMPV6, .icmp_type = 1 } },
    { "ICMPv6 packet too big", { .dst = "2001:db8::1", .proto = IPPROTO_ICMPV6, .icmp_type = 2 } },
    { "ICMPv6 time exceeded", { .dst = "2001:db8::1", .proto = IPPROTO_ICMPV6, .icmp_type = 3 } },
    { "UDP to multicast 224.0.0.251",
      { .dst = "224.0.0.251", .proto = IPPROTO_UDP, .dport = 5353 } },
    { "UDP to 255.255.255.255", { .dst = "255.255.255.255", .proto = IPPROTO_UDP, .dport = 67 } },
    { "UDP to ff02::fb", { .dst = "ff02::fb", .proto = IPPROTO_UDP, .dport = 5353 } },
    { "UDP to the broadcast MAC",
      { .dst = "10.0.2.255", .proto = IPPROTO_UDP, .dport = 137, .eth_bcast = true } },
    { "UDP from 0.0.0.0",
      { .src = "0.0.0.0", .dst = "192.0.2.1", .proto = IPPROTO_UDP, .dport = 67 } },
    { "UDP from ::", { .src = "::", .dst = "2001:db8::1", .proto = IPPROTO_UDP, .dport = 547 } },
    { "UDP from a multicast source",
      { .src = "224.0.0.1", .dst = "192.0.2.1", .proto = IPPROTO_UDP, .dport = 53 } },
    { "TCP SYN to ::ffff:224.0.0.1",
      { .dst = "::ffff:224.0.0.1", .proto = IPPROTO_TCP, .dport = 80, .flags = TH_SYN } },
    { "a later UDP fragment",
      { .dst = "192.0.2.1", .proto = IPPROTO_UDP, .frag = 185, .payload = 8 } },
  };
  struct sbx_egress e;

  RULES (&e, "deny:all");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct res r;

      run (&e, &cases[i].k, &r);
      TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0 && r.ev.rule == &e.v[0],
              "deny:all: %s is refused without a reply", cases[i].what);
    }
  sbx_egress_free (&e);
}

/* ---- Malformed frames ---- */

/* Every truncation of a valid frame is refused as malformed, with no
   rule at all (so only the frame's shape can refuse it), and the whole
   frame passes.  */
static void
truncations (const char *what, const struct pkt *k)
{
  struct sbx_egress none = { 0 };
  struct res r;
  uint8_t frame[2048];
  size_t len = build (frame, k), bad = 0, first_bad = 0;

  for (size_t l = 0; l < len; l++)
    {
      check_bytes (&none, frame, l, &r);
      if (r.v != SBX_EGRESS_REJECT || r.reply_len != 0 || r.ev.rule != NULL)
        {
          if (bad++ == 0)
            first_bad = l;
        }
    }
  if (!TAP_IS_UINT (bad, 0, "%s: each of its %zu truncations is refused as malformed", what, len))
    tap_diag ("first wrong at length %zu", first_bad);
  TAP_IS_INT (check_bytes (&none, frame, len, &r), SBX_EGRESS_PASS, "%s: whole, it passes", what);
}

static void
test_truncated (void)
{
  truncations ("IPv4 TCP SYN with 5 bytes", TCP ("192.0.2.1", 80, .payload = 5));
  truncations ("IPv4 TCP with IP options", TCP ("192.0.2.1", 80, .ip_opts = 12));
  truncations ("IPv4 UDP", UDP ("192.0.2.1", 53));
  truncations ("IPv4 echo request", PING ("192.0.2.1", .payload = 0));
  truncations ("IPv6 TCP behind two headers",
               TCP ("2001:db8::1", 80, .n_ext = 2, .ext = { 0, 60 }));
  truncations ("IPv6 UDP in a first fragment",
               UDP ("2001:db8::1", 53, .n_ext = 1, .ext = { 44 }, .frag_offlg = 1));
  truncations ("IPv6 neighbour solicitation", PING ("fe80::1", .icmp_type = 135, .payload = 16));
}

static void
test_malformed (void)
{
  struct sbx_egress e;
  struct res r;
  uint8_t f[2048];
  size_t len;

  RULES (&e, "allow:all");

#define MALFORMED(k, edit, what)                                                                   \
  do                                                                                               \
    {                                                                                              \
      len = build (f, (k));                                                                        \
      edit;                                                                                        \
      check_bytes (&e, f, len, &r);                                                                \
      TAP_OK (r.v == SBX_EGRESS_REJECT && r.reply_len == 0 && r.ev.rule == NULL,                   \
              "allow:all: %s is refused as malformed", what);                                      \
    }                                                                                              \
  while (0)

  MALFORMED (TCP ("192.0.2.1", 80), f[14] = 0x55, "IPv4 with version 5");
  MALFORMED (TCP ("192.0.2.1", 80), f[14] = 0x65, "IPv6 in an IPv4 ethertype");
  MALFORMED (TCP ("192.0.2.1", 80), f[14] = 0x44, "IPv4 with IHL 4");
  MALFORMED (TCP ("192.0.2.1", 80), f[14] = 0x40, "IPv4 with IHL 0");
  MALFORMED (TCP ("192.0.2.1", 80), f[14] = 0x4f, "IPv4 with IHL 15 past its length");
  MALFORMED (TCP ("192.0.2.1", 80), put16 (f + 16, 19), "IPv4 with total length 19");
  MALFORMED (TCP ("192.0.2.1", 80), put16 (f + 16, 0), "IPv4 with total length 0");
  MALFORMED (TCP ("192.0.2.1", 80), put16 (f + 16, (uint16_t)(len - 14 + 1)),
             "IPv4 with total length past the frame");
  MALFORMED (TCP ("192.0.2.1", 80), put16 (f + 16, 0xffff), "IPv4 with total length 65535");
  MALFORMED (TCP ("192.0.2.1", 80), f[14 + 20 + 12] = 0x40, "TCP with data offset 4");
  MALFORMED (TCP ("192.0.2.1", 80), f[14 + 20 + 12] = 0x00, "TCP with data offset 0");
  MALFORMED (TCP ("192.0.2.1", 80), f[14 + 20 + 12] = 0xf0, "TCP with data offset past the end");
  MALFORMED (TCP ("192.0.2.1", 80, .frag = 0x2000), (put16 (f + 16, 28), len = 14 + 28),
             "a tiny first fragment (8 bytes of TCP)");
  MALFORMED (UDP ("192.0.2.1", 53, .payload = 0), (put16 (f + 16, 24), len = 14 + 24),
             "UDP with 4 bytes");
  MALFORMED (PING ("192.0.2.1", .payload = 0), (put16 (f + 16, 24), len = 14 + 24),
             "ICMP with 4 bytes");
  MALFORMED (TCP ("2001:db8::1", 80), f[14] = 0x40, "IPv4 in an IPv6 ethertype");
  MALFORMED (TCP ("2001:db8::1", 80), put16 (f + 14 + 4, (uint16_t)(len - 54 + 1)),
             "IPv6 with payload length past the frame");
  MALFORMED (TCP ("2001:db8::1", 80), put16 (f + 14 + 4, 10), "IPv6 TCP cut by payload length");
  MALFORMED (TCP ("2001:db8::1", 80, .n_ext = 1, .ext = { 0 }), f[14 + 40 + 1] = 200,
             "IPv6 hop-by-hop longer than the packet");
  MALFORMED (TCP ("2001:db8::1", 80, .n_ext = 1, .ext = { 60 }), f[14 + 40 + 1] = 3,
             "IPv6 destination options covering the TCP header");
  MALFORMED (TCP ("2001:db8::1", 80, .n_ext = 9, .ext = { 0, 60, 60, 60, 60, 60, 60, 60, 60 }),
             (void)0, "IPv6 with nine extension headers");
  MALFORMED (TCP ("2001:db8::1", 80, .n_ext = 9, .ext = { 44, 44, 44, 44, 44, 44, 44, 44, 44 }),
             (void)0, "IPv6 with nine fragment headers");
  MALFORMED (PING ("fe80::1", .icmp_type = 135, .payload = 0),
             (put16 (f + 14 + 4, 2), len = 14 + 42), "IPv6 neighbour solicitation with 2 bytes");
#undef MALFORMED

  /* Padding after the IP packet is not part of it.  */
  len = build (f, TCP ("192.0.2.1", 80, .eth_pad = 30));
  TAP_IS_INT (check_bytes (&e, f, len, &r), SBX_EGRESS_PASS,
              "allow:all: a frame with Ethernet padding passes");
  len = build (f, UDP ("2001:db8::1", 53, .eth_pad = 30));
  TAP_IS_INT (check_bytes (&e, f, len, &r), SBX_EGRESS_PASS,
              "allow:all: an IPv6 frame with Ethernet padding passes");
  sbx_egress_free (&e);
}

int
main (void)
{
  test_parse_good ();
  test_parse_bad ();
  test_preset ();
  test_prefixes ();
  test_ports ();
  test_order ();
  test_non_ip ();
  test_fragments ();
  test_ext_headers ();
  test_no_lan ();
  test_events ();
  test_reply_tcp ();
  test_reply_icmp ();
  test_no_reply ();
  test_truncated ();
  test_malformed ();
  return tap_done ();
}
