/* sbx unit test: the frame parser (netstack/frame.c) on its own, as the
 * network helper's guard for published UDP ports uses it
 * (sbx_frame_udp): IPv4 and IPv6 datagrams, their addresses, ports and
 * offsets, truncated frames, bad header lengths, fragments, and IPv6
 * extension headers, which the guard refuses.  Every frame is built in
 * memory and parsed from a heap buffer of exactly its length, so an
 * overread shows under valgrind or -fsanitize=address.  */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/frame.h"
#include "tap.h"
#include "frames.h"

#define FRAME_MAX 2048

/* ---- Frame building ---- */

/* A UDP (or TCP) header and `payload` bytes; returns their length.  */
static size_t
l4 (uint8_t *b, int proto, uint16_t sport, uint16_t dport, size_t payload)
{
  size_t n = proto == IPPROTO_TCP ? 20 : 8;

  memset (b, 0, n);
  put16 (b, sport);
  put16 (b + 2, dport);
  if (proto == IPPROTO_TCP)
    b[12] = 5 << 4;
  else
    put16 (b + 4, (uint16_t)(8 + payload));
  for (size_t i = 0; i < payload; i++)
    b[n + i] = (uint8_t)(i * 7 + 1);
  return n + payload;
}

/* IPv4 with `opts` bytes of options and the fragment field `frag`.  */
static size_t
v4 (uint8_t *f, int proto, const char *src, const char *dst, uint16_t sport, uint16_t dport,
    size_t payload, size_t opts, uint16_t frag)
{
  uint8_t *ip = f + eth (f, 0x0800);
  size_t hlen = 20 + opts, len;

  memset (ip, 0, hlen);
  ip[0] = (uint8_t)(0x40 | hlen / 4);
  put16 (ip + 6, frag);
  ip[8] = 64;
  ip[9] = (uint8_t)proto;
  inet_pton (AF_INET, src, ip + 12);
  inet_pton (AF_INET, dst, ip + 16);
  memset (ip + 20, 1, opts);
  len = hlen + l4 (ip + hlen, proto, sport, dport, payload);
  put16 (ip + 2, (uint16_t)len);
  return 14 + len;
}

/* IPv6 with the extension headers `ext` (8 bytes each; a fragment header
   gets `offlg`).  */
static size_t
v6 (uint8_t *f, int proto, const char *src, const char *dst, uint16_t sport, uint16_t dport,
    size_t payload, const int *ext, int n_ext, uint16_t offlg)
{
  uint8_t *ip = f + eth (f, 0x86dd);
  size_t off = 40;

  memset (ip, 0, 40);
  ip[0] = 0x60;
  ip[6] = (uint8_t)(n_ext ? ext[0] : proto);
  ip[7] = 64;
  inet_pton (AF_INET6, src, ip + 8);
  inet_pton (AF_INET6, dst, ip + 24);
  for (int i = 0; i < n_ext; i++, off += 8)
    {
      memset (ip + off, 0, 8);
      ip[off] = (uint8_t)(i + 1 < n_ext ? ext[i + 1] : proto);
      if (ext[i] == IPPROTO_FRAGMENT)
        put16 (ip + off + 2, offlg);
    }
  off += l4 (ip + off, proto, sport, dport, payload);
  put16 (ip + 4, (uint16_t)(off - 40));
  return 14 + off;
}

/* ---- Parsing from an exact heap copy ---- */

static uint8_t *
copy_of (const uint8_t *f, size_t len)
{
  uint8_t *c = malloc (len ? len : 1);

  if (c == NULL)
    abort ();
  memcpy (c, f, len);
  return c;
}

static enum sbx_frame_kind
parse (const uint8_t *f, size_t len, struct sbx_frame *p)
{
  uint8_t *c = copy_of (f, len);
  enum sbx_frame_kind k = sbx_frame_parse (c, len, p);

  /* The pointers into the copy must not outlive it.  */
  p->eth = p->ip = NULL;
  free (c);
  return k;
}

static bool
udp (const uint8_t *f, size_t len, struct sbx_frame *p)
{
  uint8_t *c = copy_of (f, len);
  bool r = sbx_frame_udp (c, len, p);

  p->eth = p->ip = NULL;
  free (c);
  return r;
}

static bool
addr_is (const uint8_t *got, int family, const char *want)
{
  uint8_t a[16] = { 0 };

  inet_pton (family, want, a);
  return memcmp (got, a, 16) == 0;
}

/* ---- Tests ---- */

static void
test_udp_v4 (void)
{
  uint8_t f[FRAME_MAX];
  struct sbx_frame p;
  size_t len = v4 (f, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 30, 0, 0);

  TAP_IS_INT (parse (f, len, &p), SBX_FRAME_IP, "IPv4 UDP: parsed as IP");
  TAP_OK (udp (f, len, &p), "IPv4 UDP: taken for UDP");
  TAP_IS_INT (p.family, AF_INET, "IPv4 UDP: the family");
  TAP_IS_INT (p.proto, IPPROTO_UDP, "IPv4 UDP: the protocol");
  TAP_OK (addr_is (p.src, AF_INET, "10.0.2.2"), "IPv4 UDP: the source, the rest zero");
  TAP_OK (addr_is (p.dst, AF_INET, "10.0.2.100"), "IPv4 UDP: the destination, the rest zero");
  TAP_IS_UINT (p.sport, 40001, "IPv4 UDP: the source port");
  TAP_IS_UINT (p.dport, 5353, "IPv4 UDP: the destination port");
  TAP_IS_UINT (p.ip_len, 20 + 8 + 30, "IPv4 UDP: the IP length");
  TAP_IS_UINT (p.ip_hlen, 20, "IPv4 UDP: the header length");
  TAP_IS_UINT (p.l4_off, 20, "IPv4 UDP: the UDP header's offset");
  TAP_OK (p.have_ports && !p.later_fragment && p.n_ext == 0, "IPv4 UDP: ports, no fragment");

  len = v4 (f, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 30, 8, 0);
  TAP_OK (udp (f, len, &p) && p.l4_off == 28 && p.sport == 40001 && p.dport == 5353,
          "IPv4 with 8 bytes of options: the ports after them");

  len = v4 (f, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 30, 0, 0x2000);
  TAP_OK (udp (f, len, &p) && p.dport == 5353,
          "an IPv4 first fragment (more fragments) carries its ports");
  len = v4 (f, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 30, 0, 185);
  TAP_OK (!udp (f, len, &p), "an IPv4 later fragment is not taken for UDP");
  TAP_OK (parse (f, len, &p) == SBX_FRAME_IP && p.later_fragment && !p.have_ports
              && p.proto == IPPROTO_UDP,
          "an IPv4 later fragment: the protocol, no ports");

  len = v4 (f, IPPROTO_TCP, "10.0.2.2", "10.0.2.100", 40001, 80, 0, 0, 0);
  TAP_OK (!udp (f, len, &p), "IPv4 TCP is not taken for UDP");
  TAP_OK (parse (f, len, &p) == SBX_FRAME_IP && p.proto == IPPROTO_TCP && p.dport == 80,
          "IPv4 TCP: parsed with its ports");
}

static void
test_udp_v6 (void)
{
  static const int hbh[] = { IPPROTO_HOPOPTS }, dst[] = { IPPROTO_DSTOPTS },
                   frag[] = { IPPROTO_FRAGMENT };
  uint8_t f[FRAME_MAX];
  struct sbx_frame p;
  size_t len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, NULL, 0, 0);

  TAP_IS_INT (parse (f, len, &p), SBX_FRAME_IP, "IPv6 UDP: parsed as IP");
  TAP_OK (udp (f, len, &p), "IPv6 UDP: taken for UDP");
  TAP_IS_INT (p.family, AF_INET6, "IPv6 UDP: the family");
  TAP_OK (addr_is (p.src, AF_INET6, "fd00::2"), "IPv6 UDP: the source");
  TAP_OK (addr_is (p.dst, AF_INET6, "fd00::100"), "IPv6 UDP: the destination");
  TAP_IS_UINT (p.sport, 40002, "IPv6 UDP: the source port");
  TAP_IS_UINT (p.dport, 53, "IPv6 UDP: the destination port");
  TAP_IS_UINT (p.ip_len, 40 + 8 + 20, "IPv6 UDP: the IP length");
  TAP_IS_UINT (p.l4_off, 40, "IPv6 UDP: the UDP header's offset");
  TAP_IS_INT (p.n_ext, 0, "IPv6 UDP: no extension header");

  len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, hbh, 1, 0);
  TAP_OK (parse (f, len, &p) == SBX_FRAME_IP && p.n_ext == 1 && p.l4_off == 48 && p.dport == 53,
          "IPv6 hop-by-hop then UDP: parsed past the header");
  TAP_OK (!udp (f, len, &p), "IPv6 hop-by-hop then UDP: refused for the published-UDP guard");
  len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, dst, 1, 0);
  TAP_OK (!udp (f, len, &p), "IPv6 destination options then UDP: refused");
  len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, frag, 1, 1);
  TAP_OK (!udp (f, len, &p), "IPv6 first fragment of UDP: refused (a fragment header)");
  len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, frag, 1, 1480);
  TAP_OK (parse (f, len, &p) == SBX_FRAME_IP && p.later_fragment && !p.have_ports && p.l4_off == 48,
          "IPv6 later fragment: no ports, its data after the fragment header");
  TAP_OK (!udp (f, len, &p), "IPv6 later fragment: refused");

  len = v6 (f, IPPROTO_UDP, "::ffff:10.0.2.2", "fd00::100", 1, 2, 0, NULL, 0, 0);
  TAP_OK (udp (f, len, &p), "IPv6 UDP from a v4-mapped address");
  TAP_OK (sbx_frame_v4_mapped (p.src) != NULL && p.src + 12 == sbx_frame_v4_mapped (p.src),
          "sbx_frame_v4_mapped finds the IPv4 address in ::ffff:10.0.2.2");
  TAP_OK (sbx_frame_v4_mapped (p.dst) == NULL, "sbx_frame_v4_mapped: fd00::100 is not v4-mapped");
}

/* Each shorter length is refused, from a buffer of exactly that length.  */
static void
test_truncated (const char *what, const uint8_t *f, size_t len, int family)
{
  struct sbx_frame p;
  size_t taken = 0, not_malformed = 0, wrong_family = 0;

  for (size_t n = 0; n < len; n++)
    {
      taken += udp (f, n, &p);
      not_malformed += parse (f, n, &p) != SBX_FRAME_MALFORMED;
      wrong_family += n >= 14 && p.family != family;
    }
  TAP_IS_UINT (taken, 0, "%s: no truncation of it (0 to %zu bytes) is taken for UDP", what,
               len - 1);
  TAP_IS_UINT (not_malformed, 0, "%s: every truncation is malformed", what);
  TAP_IS_UINT (wrong_family, 0, "%s: a truncation keeps the Ethernet type's family", what);
}

static void
test_bad_lengths (void)
{
  uint8_t f[FRAME_MAX], g[FRAME_MAX];
  struct sbx_frame p;
  size_t len = v4 (f, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 30, 0, 0);

  test_truncated ("IPv4 UDP", f, len, AF_INET);
  memcpy (g, f, len);
  memset (g + len, 0, 18);
  TAP_OK (udp (g, len + 18, &p) && p.ip_len == 20 + 8 + 30,
          "IPv4 UDP with Ethernet padding: taken, the padding left out");
  memcpy (g, f, len);
  put16 (g + 14 + 2, 20 + 4);
  TAP_OK (!udp (g, len, &p), "IPv4 whose total length cuts the UDP header: refused");
  memcpy (g, f, len);
  g[14] = 0x44;
  TAP_OK (!udp (g, len, &p) && parse (g, len, &p) == SBX_FRAME_MALFORMED,
          "IPv4 with a header length under 20: malformed");
  memcpy (g, f, len);
  g[14] = 0x65;
  TAP_OK (!udp (g, len, &p), "IPv4 Ethernet type with IP version 6: refused");
  memcpy (g, f, len);
  put16 (g + 14 + 2, (uint16_t)(len - 14 + 1));
  TAP_OK (!udp (g, len, &p), "IPv4 whose total length runs past the frame: refused");

  len = v6 (f, IPPROTO_UDP, "fd00::2", "fd00::100", 40002, 53, 20, NULL, 0, 0);
  test_truncated ("IPv6 UDP", f, len, AF_INET6);
  memcpy (g, f, len);
  put16 (g + 14 + 4, 4);
  TAP_OK (!udp (g, len, &p), "IPv6 whose payload length cuts the UDP header: refused");
  memcpy (g, f, len);
  put16 (g + 14 + 4, (uint16_t)(len - 14 - 40 + 1));
  TAP_OK (!udp (g, len, &p), "IPv6 whose payload length runs past the frame: refused");
}

static void
test_other (void)
{
  uint8_t f[FRAME_MAX] = { 0 };
  struct sbx_frame p;
  size_t len;

  eth (f, 0x0806);
  TAP_IS_INT (parse (f, 42, &p), SBX_FRAME_OTHER, "ARP: another Ethernet type");
  TAP_OK (!udp (f, 42, &p) && p.family == 0, "ARP: not UDP, no family");

  len = v6 (f, IPPROTO_ICMPV6, "fd00::100", "ff02::1:ff00:2", 0, 0, 16, NULL, 0, 0);
  f[14 + 40] = 135; /* neighbour solicitation */
  TAP_IS_INT (parse (f, len, &p), SBX_FRAME_NEIGHBOUR, "ICMPv6 neighbour solicitation");

  /* A frame at an odd address, as in the tap buffer.  */
  len = v4 (f + 1, IPPROTO_UDP, "10.0.2.2", "10.0.2.100", 40001, 5353, 3, 0, 0);
  TAP_OK (sbx_frame_udp (f + 1, len, &p) && p.dport == 5353, "a frame at an odd address");
}

int
main (void)
{
  test_udp_v4 ();
  test_udp_v6 ();
  test_bad_lengths ();
  test_other ();
  return tap_done ();
}
