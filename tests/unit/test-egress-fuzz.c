/* sbx unit test: fuzz the egress frame path (netstack/egress.c, frame.c
 * and reply.c), the code that reads every frame the sandbox sends before
 * libslirp does.
 *
 * As a unit test (make check) it is a deterministic run: a fixed-seed
 * PRNG mutates a set of valid frames (bit flips, random and boundary
 * bytes, length fields, truncation, random tails) 200,000 times, and
 * each mutant goes through sbx_egress_check under several rule sets,
 * from a heap buffer of exactly its length and into a reply buffer of
 * exactly 1600 bytes, so that valgrind or -fsanitize=address sees any
 * read or write past either.  It checks that the verdict is one of the
 * two, a pass carries no reply, a reply fits the cap, has correct
 * checksums and goes back to the sender, nothing is written past it,
 * and the event formats; and that the frame parser alone (frame.h)
 * gives offsets inside the frame.  Then DNS answers from the sandbox's
 * resolver (dns.c, through libresolv) and TLS ClientHellos (tls.c) are
 * mutated the same way and go through the allow:host rules
 * (egress-names.c) and the recorder (record.c): an answer that does not
 * read allows nothing, one that reads allows only addresses it carries,
 * and a server name is always a plain name.
 *
 * Built with -DSBX_LIBFUZZER it is instead a libFuzzer target with the
 * same checks, for open-ended runs:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DSBX_LIBFUZZER -I. \
 *     tests/unit/test-egress-fuzz.c netstack/egress.c netstack/egress-names.c \
 *     netstack/frame.c netstack/reply.c core/base/error.c core/base/util.c \
 *     -o egress-fuzz
 *   ./egress-fuzz -max_len=2048 -max_total_time=600 CORPUS_DIR
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/dns.h"
#include "netstack/egress-names.h"
#include "netstack/egress.h"
#include "netstack/frame.h"
#include "netstack/record.h"
#include "netstack/tls.h"
#ifndef SBX_LIBFUZZER
#include "tap.h"
#include "frames.h"
#endif

#define REPLY_CAP 1600
#define FRAME_MAX 2048

/* ---- Rule sets ---- */

static const char *const rules_mixed[] = {
  "allow:10.0.2.3:53",
  "deny:10.0.2.0/24:1-1024/tcp",
  "deny:[fd00::/8]:22",
  "deny:172.16.0.0/12/udp",
  "allow:192.0.2.0/24:443/tcp",
  "deny:[2001:db8::/32]/tcp",
  "deny:10.0.0.0/8",
  "deny:all:25",
  NULL,
};
static const char *const rules_deny_all[] = { "deny:all", NULL };

struct rule_set
{
  const char *name;
  struct sbx_egress e;
};

static struct rule_set sets[4];
static size_t n_sets;

static void
add_set (const char *name, const char *const *rules, const char *preset)
{
  struct rule_set *s = &sets[n_sets++];
  sbx_error_t err = NULL;

  s->name = name;
  memset (&s->e, 0, sizeof s->e);
  for (; rules && *rules; rules++)
    if (sbx_egress_add (&s->e, *rules, &err) < 0)
      goto fail;
  if (preset && sbx_egress_add_preset (&s->e, preset, &err) < 0)
    goto fail;
  return;
fail:
  printf ("Bail out! %s\n", err->msg);
  exit (1);
}

static void
init_sets (void)
{
  if (n_sets)
    return;
  add_set ("no rules", NULL, NULL);
  add_set ("no-lan", NULL, "no-lan");
  add_set ("mixed", rules_mixed, NULL);
  add_set ("deny:all", rules_deny_all, NULL);
}

/* ---- Checking one frame ---- */

static uint16_t
get16 (const uint8_t *b)
{
  return (uint16_t)(b[0] << 8 | b[1]);
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

/* A reply is a plain IPv4 or IPv6 packet (no options, no extension
   headers) whose lengths agree with the frame and whose checksums hold,
   sent back to the frame's sender.  */
static bool
reply_ok (const uint8_t *frame, const uint8_t *f, size_t len)
{
  const uint8_t *ip = f + 14;

  if (len < 14 + 20 + 8 || memcmp (f, frame + 6, 6) != 0 || memcmp (f + 6, frame, 6) != 0)
    return false;
  if (get16 (f + 12) == 0x0800)
    {
      size_t total = get16 (ip + 2);
      uint32_t sum = 0;

      if (ip[0] != 0x45 || 14 + total != len || fold (sum16 (0, ip, 20)) != 0)
        return false;
      if (ip[9] == IPPROTO_TCP)
        sum = sum16 (0, ip + 12, 8) + IPPROTO_TCP + (uint32_t)(total - 20);
      else if (ip[9] != IPPROTO_ICMP)
        return false;
      return fold (sum16 (sum, ip + 20, total - 20)) == 0;
    }
  if (get16 (f + 12) == 0x86dd)
    {
      size_t plen;

      if (len < 14 + 40 + 8)
        return false;
      plen = get16 (ip + 4);
      if ((ip[0] >> 4) != 6 || 14 + 40 + plen != len || 40 + plen > 1280
          || (ip[6] != IPPROTO_TCP && ip[6] != IPPROTO_ICMPV6))
        return false;
      return fold (sum16 (sum16 (0, ip + 8, 32) + ip[6] + (uint32_t)plen, ip + 40, plen)) == 0;
    }
  return false;
}

enum
{
  BAD_VERDICT = 1,
  BAD_CAP = 2,
  BAD_PASS_REPLY = 4,
  BAD_REPLY = 8,
  BAD_SPILL = 16,
  BAD_EVENT = 32,
  BAD_PARSE = 64,
};

struct stats
{
  unsigned long checks, passes, replies, silent;
  unsigned long failures[7];
  uint64_t digest; /* of every verdict and reply, to see the run is the same */
};

/* Run one frame (a heap buffer of exactly `len` bytes) through one rule
   set; returns the BAD_* bits for what went wrong.  */
static int
check_one (const struct sbx_egress *e, const uint8_t *frame, size_t len, uint8_t *reply,
           struct stats *st)
{
  struct sbx_egress_event ev;
  size_t reply_len = 12345;
  enum sbx_egress_verdict v;
  int bad = 0;

  memset (reply, 0xa5, REPLY_CAP);
  v = sbx_egress_check (e, frame, len, reply, REPLY_CAP, &reply_len, &ev);
  if (v != SBX_EGRESS_PASS && v != SBX_EGRESS_REJECT)
    bad |= BAD_VERDICT;
  if (reply_len > REPLY_CAP)
    {
      bad |= BAD_CAP;
      reply_len = 0;
    }
  if (v == SBX_EGRESS_PASS && reply_len != 0)
    bad |= BAD_PASS_REPLY;
  if (reply_len > 0 && !reply_ok (frame, reply, reply_len))
    bad |= BAD_REPLY;
  for (size_t i = reply_len; i < REPLY_CAP; i++)
    if (reply[i] != 0xa5)
      {
        bad |= BAD_SPILL;
        break;
      }
  if (v == SBX_EGRESS_REJECT)
    {
      char line[80];

      memset (line, 0, sizeof line);
      sbx_egress_event_format (&ev, line, sizeof line);
      if (line[0] == '\0' || line[sizeof line - 1] != '\0')
        bad |= BAD_EVENT;
    }
  if (st)
    {
      st->checks++;
      if (v == SBX_EGRESS_PASS)
        st->passes++;
      else if (reply_len > 0)
        st->replies++;
      else
        st->silent++;
      st->digest = (st->digest ^ (uint64_t)v ^ (uint64_t)reply_len << 8) * 0x100000001b3ULL;
      if (reply_len > 0)
        st->digest ^= fold (sum16 (0, reply, reply_len));
      for (int b = 0; b < 7; b++)
        if (bad & (1 << b))
          st->failures[b]++;
    }
  return bad;
}

/* The parser on its own (frame.h): what it read lies inside the frame,
   and a frame taken for UDP has its whole UDP header inside the IP
   packet.  Returns BAD_PARSE, or 0; not part of the digest, which stays
   that of the policy's verdicts.  */
static int
check_parse (const uint8_t *frame, size_t len, struct stats *st)
{
  struct sbx_frame p;
  enum sbx_frame_kind k = sbx_frame_parse (frame, len, &p);
  int bad = 0;

  if (k == SBX_FRAME_IP
      && (p.ip != frame + 14 || p.ip_len > len - 14 || p.ip_hlen > p.ip_len || p.l4_off > p.ip_len
          || p.l4_off < p.ip_hlen))
    bad = BAD_PARSE;
  if (sbx_frame_udp (frame, len, &p) && (p.n_ext != 0 || p.l4_off + 8 > p.ip_len))
    bad = BAD_PARSE;
  if (st && bad)
    st->failures[6]++;
  return bad;
}

#ifdef SBX_LIBFUZZER

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t *reply;

  init_sets ();
  if (reply == NULL && (reply = malloc (REPLY_CAP)) == NULL)
    abort ();
  for (size_t i = 0; i < n_sets; i++)
    if (check_one (&sets[i].e, data, size, reply, NULL) != 0)
      __builtin_trap ();
  if (check_parse (data, size, NULL) != 0)
    __builtin_trap ();
  return 0;
}

#else

/* ---- Seed frames ---- */

/* Transport header and `payload` bytes; returns their length.  */
static size_t
l4 (uint8_t *b, int proto, uint16_t dport, uint8_t tcp_flags, size_t payload)
{
  size_t n = 0;

  if (proto == IPPROTO_TCP)
    {
      memset (b, 0, 20);
      put16 (b, 40000);
      put16 (b + 2, dport);
      put16 (b + 4, 0x1234);
      put16 (b + 8, 0x5678);
      b[12] = 5 << 4;
      b[13] = tcp_flags;
      n = 20;
    }
  else if (proto == IPPROTO_UDP)
    {
      put16 (b, 50000);
      put16 (b + 2, dport);
      put16 (b + 4, (uint16_t)(8 + payload));
      put16 (b + 6, 0);
      n = 8;
    }
  else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
    {
      memset (b, 0, 8);
      b[0] = (uint8_t)dport; /* the type */
      n = 8;
    }
  for (size_t i = 0; i < payload; i++)
    b[n + i] = (uint8_t)(i * 13);
  return n + payload;
}

static size_t
v4 (uint8_t *f, const char *dst, int proto, uint16_t dport, uint8_t flags, size_t payload,
    uint16_t frag, size_t opts)
{
  uint8_t *ip = f + eth (f, 0x0800);
  size_t hlen = 20 + opts, len;

  memset (ip, 0, hlen);
  ip[0] = (uint8_t)(0x40 | hlen / 4);
  put16 (ip + 6, frag);
  ip[8] = 64;
  ip[9] = (uint8_t)proto;
  inet_pton (AF_INET, "10.0.2.100", ip + 12);
  inet_pton (AF_INET, dst, ip + 16);
  memset (ip + 20, 1, opts);
  len = hlen + l4 (ip + hlen, proto, dport, flags, payload);
  put16 (ip + 2, (uint16_t)len);
  put16 (ip + 10, fold (sum16 (0, ip, hlen)));
  return 14 + len;
}

/* IPv6 with the extension headers `ext` (8 bytes each; a fragment
   header gets `offlg`).  */
static size_t
v6 (uint8_t *f, const char *dst, const int *ext, int n_ext, uint16_t offlg, int proto,
    uint16_t dport, uint8_t flags, size_t payload)
{
  uint8_t *ip = f + eth (f, 0x86dd);
  size_t off = 40;

  memset (ip, 0, 40);
  ip[0] = 0x60;
  ip[6] = (uint8_t)(n_ext ? ext[0] : proto);
  ip[7] = 64;
  inet_pton (AF_INET6, "fd00::100", ip + 8);
  inet_pton (AF_INET6, dst, ip + 24);
  for (int i = 0; i < n_ext; i++, off += 8)
    {
      memset (ip + off, 0, 8);
      ip[off] = (uint8_t)(i + 1 < n_ext ? ext[i + 1] : proto);
      if (ext[i] == 44)
        put16 (ip + off + 2, offlg);
      else if (ext[i] == 43)
        ip[off + 2] = 4;
      else
        {
          ip[off + 2] = 1;
          ip[off + 3] = 4;
        }
    }
  off += l4 (ip + off, proto, dport, flags, payload);
  put16 (ip + 4, (uint16_t)(off - 40));
  return 14 + off;
}

struct seed
{
  uint8_t b[FRAME_MAX];
  size_t len;
};

static struct seed seeds[16];
static size_t n_seeds;

static void
make_seeds (void)
{
  static const int hbh_dst[] = { 0, 60 }, frag[] = { 44 }, rh[] = { 0, 43, 60 };
  struct seed *s = seeds;
  uint8_t *f;

  s->len = v4 (s->b, "10.0.2.2", IPPROTO_TCP, 80, 0x02, 0, 0, 0), s++;
  s->len = v4 (s->b, "192.0.2.1", IPPROTO_TCP, 443, 0x18, 100, 0x4000, 8), s++;
  s->len = v4 (s->b, "10.0.2.3", IPPROTO_UDP, 53, 0, 30, 0, 0), s++;
  s->len = v4 (s->b, "8.8.8.8", IPPROTO_ICMP, 8, 0, 56, 0, 0), s++;
  s->len = v4 (s->b, "172.16.1.1", IPPROTO_UDP, 9999, 0, 1200, 0x2000, 0), s++;
  s->len = v4 (s->b, "10.1.1.1", IPPROTO_UDP, 53, 0, 600, 185, 0), s++;
  s->len = v6 (s->b, "fd00::2", hbh_dst, 2, 0, IPPROTO_TCP, 22, 0x02, 0), s++;
  s->len = v6 (s->b, "2001:db8::1", NULL, 0, 0, IPPROTO_UDP, 443, 0, 1400), s++;
  s->len = v6 (s->b, "ff02::1:ff00:2", NULL, 0, 0, IPPROTO_ICMPV6, 135, 0, 16), s++;
  s->len = v6 (s->b, "2001:db8::1", frag, 1, 1, IPPROTO_UDP, 53, 0, 100), s++;
  s->len = v6 (s->b, "2001:db8::1", frag, 1, 1480, IPPROTO_UDP, 53, 0, 100), s++;
  s->len = v6 (s->b, "::ffff:10.0.0.1", NULL, 0, 0, IPPROTO_ICMPV6, 128, 0, 56), s++;
  s->len = v6 (s->b, "2001:db8::5", rh, 3, 0, IPPROTO_TCP, 25, 0x11, 10), s++;
  s->len = v4 (s->b, "224.0.0.251", IPPROTO_UDP, 5353, 0, 40, 0, 0), s++;
  /* ARP request.  */
  f = s->b;
  memset (f, 0, 60);
  eth (f, 0x0806);
  memset (f, 0xff, 6);
  put16 (f + 14, 1);
  put16 (f + 16, 0x0800);
  f[18] = 6;
  f[19] = 4;
  put16 (f + 20, 1);
  s->len = 42, s++;
  n_seeds = (size_t)(s - seeds);
}

/* ---- Mutation ---- */

static uint64_t rng_state;

/* splitmix64: small, fast, and the same everywhere.  */
static uint64_t
rng (void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static size_t
below (size_t n)
{
  return n ? (size_t)(rng () % n) : 0;
}

static uint8_t
interesting8 (void)
{
  static const uint8_t v[]
      = { 0,    1,    2,    4,    5,    6,  8,  15, 16, 17, 0x3f, 0x40, 0x45, 0x4f,
          0x60, 0x7f, 0x80, 0xfe, 0xff, 43, 44, 51, 58, 59, 60,   128,  133,  135 };

  return v[below (sizeof v)];
}

static uint16_t
interesting16 (size_t len)
{
  switch (below (6))
    {
    case 0:
      return 0;
    case 1:
      return 0xffff;
    case 2:
      return (uint16_t)(len + below (5) - 2);
    case 3:
      return (uint16_t)below (64);
    case 4:
      return (uint16_t)(len - 14 + below (5) - 2);
    default:
      return (uint16_t)rng ();
    }
}

/* Offsets of the fields a parser trusts, wherever they may be.  */
static const size_t length_fields8[] = {
  14,               /* IPv4 version/IHL, IPv6 version */
  14 + 6,           /* IPv6 next header */
  14 + 9,           /* IPv4 protocol */
  14 + 20 + 12,     /* TCP data offset after IPv4 */
  14 + 40,          /* first IPv6 extension header: next header */
  14 + 40 + 1,      /* and its length */
  14 + 40 + 3,      /* routing header: segments left */
  14 + 40 + 8 + 1,  /* the second header's length */
  14 + 40 + 12,     /* TCP data offset after IPv6 */
  14 + 40 + 20 + 12 /* after two extension headers */
};
static const size_t length_fields16[] = {
  12,         /* ethertype */
  14 + 2,     /* IPv4 total length */
  14 + 4,     /* IPv6 payload length */
  14 + 6,     /* IPv4 fragment offset */
  14 + 40 + 2 /* IPv6 fragment offset */
};

static void
mutate (uint8_t *f, size_t *len)
{
  int rounds = 1 + (int)below (4);

  for (int i = 0; i < rounds; i++)
    switch (below (8))
      {
      case 0: /* flip a bit */
        if (*len)
          f[below (*len)] ^= (uint8_t)(1u << below (8));
        break;
      case 1: /* a random byte */
        if (*len)
          f[below (*len)] = (uint8_t)rng ();
        break;
      case 2: /* a boundary byte */
        if (*len)
          f[below (*len)] = interesting8 ();
        break;
      case 3: /* an 8-bit field a parser trusts */
        {
          size_t at = length_fields8[below (sizeof length_fields8 / sizeof length_fields8[0])];

          if (at < *len)
            f[at] = below (2) ? interesting8 () : (uint8_t)rng ();
          break;
        }
      case 4: /* a 16-bit length or offset */
        {
          size_t at = length_fields16[below (sizeof length_fields16 / sizeof length_fields16[0])];

          if (at + 1 < *len)
            put16 (f + at, interesting16 (*len));
          break;
        }
      case 5: /* truncate */
        *len = below (*len + 1);
        break;
      case 6: /* grow with random bytes, past the reply cap at times */
        {
          size_t to = *len + below (FRAME_MAX - *len + 1);

          for (size_t j = *len; j < to; j++)
            f[j] = (uint8_t)rng ();
          *len = to;
          break;
        }
      default: /* random bytes from some point on */
        for (size_t j = below (*len + 1); j < *len; j++)
          f[j] = (uint8_t)rng ();
        break;
      }
}

#define ITERATIONS 200000
#define SEED 0x5b5e9e55d00df00dULL

/* ---- DNS answers, allow:host rules, TLS server names ---- */

#define DNS_ITERATIONS 200000

static int64_t dns_now = 1000000000;

static int64_t
dns_clock (void)
{
  return dns_now;
}

struct dns_stats
{
  unsigned long answers, read, learnt, hellos, names;
  unsigned long bad_read, bad_allow, bad_consistent, bad_name;
};

static bool
in_bytes (const uint8_t *b, size_t len, const uint8_t *x, size_t n)
{
  return len >= n && memmem (b, len, x, n) != NULL;
}

static bool
syn_passes (const struct sbx_egress *e, struct sbx_egress_names *n, int family, const uint8_t *a)
{
  char dst[64];
  uint8_t f[FRAME_ROOM];

  inet_ntop (family, a, dst, sizeof dst);
  return sbx_egress_check_names (e, n, f,
                                 frame_tcp (f, family == AF_INET ? "10.0.2.100" : "fd00::100",
                                            40000, dst, 443, 0x02, NULL, 0),
                                 NULL, 0, NULL, NULL)
         == SBX_EGRESS_PASS;
}

/* One mutant answer `frame` (heap, exactly `len`): through the parser,
   the rules and the recorder.  */
static void
check_answer (const struct sbx_egress *e, struct sbx_egress_names *n, struct sbx_net_record *rec,
              const uint8_t *frame, size_t len, struct dns_stats *st)
{
  static struct sbx_dns_answer a;
  static const uint8_t probe4[4] = { 198, 51, 100, 77 };
  static const uint8_t probe6[16]
      = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77 };
  static const uint8_t seed4[4] = { 192, 0, 2, 10 };
  bool read = sbx_dns_resolver_answer (frame, len, &a), wanted = false;

  st->answers++;
  if (read)
    {
      st->read++;
      if (a.n > SBX_DNS_ADDRS_MAX || memchr (a.qname, '\0', sizeof a.qname) == NULL
          || strpbrk (a.qname, " \n\t") != NULL)
        st->bad_read++;
      for (size_t i = 0; i < a.n && i < SBX_DNS_ADDRS_MAX; i++)
        if (!in_bytes (frame, len, a.addrs[i].addr, a.addrs[i].family == AF_INET ? 4 : 16))
          st->bad_read++;
      sbx_egress_names_learn (n, e, &a);
      sbx_net_record_answer (rec, &a);
      for (size_t i = 0; i < e->n; i++)
        wanted |= e->v[i].host && sbx_egress_name_matches (e->v[i].host, a.qname);
    }
  if ((!in_bytes (frame, len, probe4, 4) && syn_passes (e, n, AF_INET, probe4))
      || (!in_bytes (frame, len, probe6, 16) && syn_passes (e, n, AF_INET6, probe6))
      || (!(read && wanted) && syn_passes (e, n, AF_INET, seed4)))
    st->bad_allow++;
  if (read && wanted)
    {
      st->learnt++;
      for (size_t i = 0; i < a.n; i++)
        if (!syn_passes (e, n, a.addrs[i].family, a.addrs[i].addr))
          st->bad_consistent++;
    }
}

static void
check_hello (struct sbx_net_record *rec, const uint8_t *data, size_t len, struct dns_stats *st)
{
  char name[SBX_TLS_NAME_MAX];
  uint8_t f[FRAME_ROOM];

  st->hellos++;
  memset (name, 0x55, sizeof name);
  if (sbx_tls_client_hello_sni (data, len, name))
    {
      size_t n = strnlen (name, sizeof name);

      st->names++;
      if (n == 0 || n == sizeof name
          || strspn (name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
        st->bad_name++;
    }
  if (len + 54 <= FRAME_ROOM)
    sbx_net_record_sent (rec, f,
                         frame_tcp (f, "10.0.2.100", 40000, "192.0.2.1", 443, 0x18, data, len));
}

static void
fuzz_dns (void)
{
  static const struct dns_rr plain[] = { { "", 1, 300, "192.0.2.10" } };
  static const struct dns_rr chain[] = { { "", 5, 300, "c.wild.test" },
                                         { "c.wild.test", 1, 30, "192.0.2.11" },
                                         { "c.wild.test", 28, 30, "2001:db8::11" } };
  static const struct dns_rr wild[] = { { "", 1, 5, "192.0.2.12" },
                                        { "", 28, 5, "2001:db8::12" },
                                        { "other.test", 1, 5, "192.0.2.13" } };
  static const char *const rules[]
      = { "allow:host:allowed.test:443/tcp", "allow:host:*.wild.test", "deny:all", NULL };
  struct
  {
    uint8_t b[FRAME_MAX];
    size_t len;
  } msgs[3], hello;
  struct sbx_egress e = { 0 };
  struct sbx_egress_names *n;
  struct sbx_net_record rec;
  struct dns_stats st = { 0 };
  sbx_error_t err = NULL;

  for (const char *const *r = rules; *r; r++)
    if (sbx_egress_add (&e, *r, &err) < 0)
      {
        printf ("Bail out! %s\n", err->msg);
        exit (1);
      }
  sbx_net_record_init (&rec, open ("/dev/null", O_WRONLY | O_CLOEXEC));
  msgs[0].len = dns_msg (msgs[0].b, "allowed.test", 0, plain, 1);
  msgs[1].len = dns_msg (msgs[1].b, "allowed.test", 0, chain, 3);
  msgs[2].len = dns_msg (msgs[2].b, "x.wild.test", 0, wild, 3);
  hello.len = tls_hello (hello.b, "allowed.test");

  for (unsigned long it = 0; it < DNS_ITERATIONS; it++)
    {
      uint8_t buf[FRAME_MAX], f[FRAME_ROOM], *copy;
      size_t len;

      if (it % 4 == 3)
        {
          memcpy (buf, hello.b, hello.len);
          len = hello.len;
          if (it >= 4)
            mutate (buf, &len);
          copy = malloc (len ? len : 1);
          memcpy (copy, buf, len);
          check_hello (&rec, copy, len, &st);
          free (copy);
          continue;
        }
      {
        size_t k = below (3);

        memcpy (buf, msgs[k].b, msgs[k].len);
        len = msgs[k].len;
      }
      /* The seeds first, whole; then mutants of the message, and at
         times of the frame around it.  */
      if (it >= 4)
        mutate (buf, &len);
      {
        bool v6 = below (2);

        len = frame_udp (f, v6 ? "fd00::3" : "10.0.2.3", 53, v6 ? "fd00::100" : "10.0.2.100", 40000,
                         buf, len);
      }
      /* mutate () grows a frame up to FRAME_MAX.  */
      if (it >= 4 && len <= FRAME_MAX && below (8) == 0)
        mutate (f, &len);
      copy = malloc (len ? len : 1);
      memcpy (copy, f, len);
      /* Each answer on a table of its own.  */
      n = sbx_egress_names_new (dns_clock);
      check_answer (&e, n, &rec, copy, len, &st);
      sbx_egress_names_free (n);
      free (copy);
    }
  tap_diag ("%lu DNS answers (%lu read, %lu for a rule's name), %lu TLS hellos (%lu named)",
            st.answers, st.read, st.learnt, st.hellos, st.names);
  TAP_IS_UINT (st.bad_read, 0, "an answer that reads has a plain name and addresses it carries");
  TAP_IS_UINT (st.bad_allow, 0,
               "no mutant answer allows an address it does not carry, nor one for another name");
  TAP_IS_UINT (st.bad_consistent, 0, "an answer for a rule's name allows what it carries");
  TAP_IS_UINT (st.bad_name, 0, "a server name read from a hello is a plain lowercase name");
  TAP_OK (st.read > st.answers / 10 && st.learnt > st.answers / 20 && st.names > st.hellos / 10,
          "the run reads answers and names often enough to mean something");
  sbx_net_record_free (&rec);
  sbx_egress_free (&e);
}

int
main (int argc, char **argv)
{
  static const char *const what[] = {
    "every verdict is PASS or REJECT",
    "no reply is longer than reply_cap (1600)",
    "a pass never carries a reply",
    "every reply is well formed: checksums hold, lengths agree, it goes back to the sender",
    "nothing is written past the reply",
    "every refusal's event formats",
    "the frame parser stays inside the frame, a UDP frame's header inside its packet",
  };
  unsigned long iterations = ITERATIONS;
  struct stats st;
  uint8_t *reply = malloc (REPLY_CAP);

  /* `test-egress-fuzz N` runs N iterations instead, for a longer run.  */
  if (argc > 1)
    iterations = strtoul (argv[1], NULL, 10);
  if (reply == NULL)
    abort ();
  init_sets ();
  make_seeds ();
  memset (&st, 0, sizeof st);
  rng_state = SEED;

  /* The seeds themselves first.  */
  for (size_t i = 0; i < n_seeds; i++)
    for (size_t s = 0; s < n_sets; s++)
      {
        uint8_t *copy = malloc (seeds[i].len);

        if (copy == NULL)
          abort ();
        memcpy (copy, seeds[i].b, seeds[i].len);
        check_one (&sets[s].e, copy, seeds[i].len, reply, &st);
        check_parse (copy, seeds[i].len, &st);
        free (copy);
      }

  for (unsigned long it = 0; it < iterations; it++)
    {
      const struct seed *seed = &seeds[below (n_seeds)];
      uint8_t buf[FRAME_MAX];
      size_t len = seed->len;
      uint8_t *copy;

      memcpy (buf, seed->b, len);
      mutate (buf, &len);
      /* Exactly `len` bytes on the heap, so an overread is caught.  */
      copy = malloc (len ? len : 1);
      if (copy == NULL)
        abort ();
      memcpy (copy, buf, len);
      for (size_t s = 0; s < n_sets; s++)
        check_one (&sets[s].e, copy, len, reply, &st);
      check_parse (copy, len, &st);
      free (copy);
    }

  tap_diag ("%lu frames (%zu seeds, then %lu mutants) through %zu rule sets: %lu checks",
            n_seeds + iterations, n_seeds, iterations, n_sets, st.checks);
  tap_diag ("%lu passed, %lu refused with a reply, %lu refused without; digest %016llx", st.passes,
            st.replies, st.silent, (unsigned long long)st.digest);
  for (int b = 0; b < 7; b++)
    TAP_IS_UINT (st.failures[b], 0, "%s", what[b]);
  /* A run that never reaches the interesting paths proves nothing.  */
  TAP_OK (st.passes > st.checks / 20 && st.replies > st.checks / 20 && st.silent > st.checks / 20,
          "the run reaches passes, replies and silent refusals (5%% each at least)");
  free (reply);
  for (size_t s = 0; s < n_sets; s++)
    sbx_egress_free (&sets[s].e);
  fuzz_dns ();
  return tap_done ();
}

#endif
