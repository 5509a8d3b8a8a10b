/* sbx unit test: the egress policy's allow:host:NAME rules
 * (netstack/egress.c, egress-names.c, dns.c) on recorded frames: DNS
 * answers from the sandbox's resolver followed by SYNs and datagrams,
 * with a clock the test moves.  The frames live in memory only; no name
 * is resolved.  */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/dns.h"
#include "netstack/egress.h"
#include "tap.h"
#include "frames.h"
#include "rules.h"

#define SYN 0x02
#define ACK 0x10
#define S 1000000000ll

static int64_t now_ns = 1000 * S;

static int64_t
clock_fake (void)
{
  return now_ns;
}

/* A frame for the sandbox, as the helper reads it (helper.c read_answer).  */
static void
learn (struct sbx_egress_names *n, const struct sbx_egress *e, const uint8_t *f, size_t len)
{
  static struct sbx_dns_answer a;

  if (sbx_dns_resolver_answer (f, len, &a))
    sbx_egress_names_learn (n, e, &a);
}

static void
answer (struct sbx_egress_names *n, const struct sbx_egress *e, const char *qname,
        const struct dns_rr *rr, size_t k)
{
  uint8_t f[FRAME_ROOM];

  learn (n, e, f, frame_dns (f, false, qname, rr, k));
}

/* Whether a frame the sandbox sends to DST:PORT passes: a TCP segment
   with `flags`, or a UDP datagram when `flags` is 0.  */
static bool
passes (const struct sbx_egress *e, struct sbx_egress_names *n, const char *dst, uint16_t port,
        uint8_t flags)
{
  uint8_t f[FRAME_ROOM], reply[1600];
  const char *src = strchr (dst, ':') ? "fd00::100" : "10.0.2.100";
  size_t len = flags ? frame_tcp (f, src, 40000, dst, port, flags, NULL, 0)
                     : frame_udp (f, src, 50000, dst, port, (const uint8_t *)"q", 1);
  size_t reply_len = 0;
  struct sbx_egress_event ev;
  enum sbx_egress_verdict v
      = sbx_egress_check_names (e, n, f, len, reply, sizeof reply, &reply_len, &ev);

  if (v == SBX_EGRESS_REJECT && (reply_len == 0 || ev.rule == NULL))
    tap_diag ("%s:%u refused without a reply or a rule", dst, port);
  return v == SBX_EGRESS_PASS;
}

static void
test_parse (void)
{
  static const struct
  {
    const char *rule, *host;
    uint16_t lo, hi;
    int proto;
  } good[] = {
    { "allow:host:Example.ORG", "example.org", 0, 0, 0 },
    { "allow:host:example.org.", "example.org", 0, 0, 0 },
    { "allow:host:example.org:443", "example.org", 443, 443, 0 },
    { "allow:host:*.example.org:8000-8080/tcp", "*.example.org", 8000, 8080, IPPROTO_TCP },
    { "allow:host:_sip._udp.example.org/udp", "_sip._udp.example.org", 0, 0, IPPROTO_UDP },
    { "allow:host:localhost", "localhost", 0, 0, 0 },
  };
  static const struct
  {
    const char *rule, *msg;
  } bad[] = {
    { "deny:host:example.org", "there is no deny:host" },
    { "allow:host:", "missing a name after `host:`" },
    { "allow:host:.", "missing a name after `host:`" },
    { "allow:host:*", "`*` stands only as the first label" },
    { "allow:host:*.", "`*` stands only as the first label" },
    { "allow:host:a.*.org", "`*` stands only as the first label" },
    { "allow:host:*example.org", "`*` stands only as the first label" },
    { "allow:host:a..org", "an empty label in `a..org`" },
    { "allow:host:.org", "an empty label in `.org`" },
    { "allow:host:ex ample.org", "` ` in `ex ample.org`" },
    { "allow:host:a\\.b.org", "`\\` in" },
    { "allow:host:192.0.2.1", "`192.0.2.1` is an address: write it without `host:`" },
    { "allow:host:192.0.2.1.", "`192.0.2.1` is an address: write it without `host:`" },
    { "allow:host:example.org:0", "port 0 is out of range" },
    { "allow:host:example.org:http", "port `http` is not a number" },
    { "allow:host:example.org/icmp", "unknown protocol `icmp`" },
    { "allow:host:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
      "longer than 63 characters" },
  };
  char longname[300];

  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      struct sbx_egress e = { 0 };
      sbx_error_t err = NULL;

      if (!TAP_IS_INT (sbx_egress_add (&e, good[i].rule, &err), 0, "`%s` parses", good[i].rule))
        {
          tap_diag ("%s", err ? err->msg : "?");
          sbx_error_release (&err);
          continue;
        }
      TAP_OK (e.v[0].allow && e.v[0].family == 0 && e.v[0].host
                  && strcmp (e.v[0].host, good[i].host) == 0 && e.v[0].port_lo == good[i].lo
                  && e.v[0].port_hi == good[i].hi && e.v[0].proto == good[i].proto
                  && strcmp (e.v[0].text, good[i].rule) == 0,
              "`%s`: host %s, ports %u-%u, protocol %d", good[i].rule, good[i].host, good[i].lo,
              good[i].hi, good[i].proto);
      TAP_OK (sbx_egress_has_names (&e), "`%s` needs the names learnt", good[i].rule);
      sbx_egress_free (&e);
    }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sbx_egress e = { 0 };
      sbx_error_t err = NULL;

      TAP_OK (sbx_egress_add (&e, bad[i].rule, &err) < 0 && e.n == 0, "`%s` is refused",
              bad[i].rule);
      TAP_HAS_STR (err ? err->msg : "", bad[i].msg, "... saying %s", bad[i].msg);
      sbx_error_release (&err);
      sbx_egress_free (&e);
    }
  memset (longname, 'a', sizeof longname);
  for (size_t i = 50; i < 260; i += 50)
    longname[i] = '.';
  memcpy (longname, "allow:host:", 11);
  longname[11 + 254] = '\0';
  {
    struct sbx_egress e = { 0 };
    sbx_error_t err = NULL;

    TAP_OK (sbx_egress_add (&e, longname, &err) < 0, "a 254-character name is refused");
    TAP_HAS_STR (err ? err->msg : "", "longer than 253 characters", "... saying so");
    sbx_error_release (&err);
  }
  {
    struct sbx_egress e;

    RULES (&e, "allow:10.0.0.0/8", "deny:all");
    TAP_OK (!sbx_egress_has_names (&e), "rules without host: need no names learnt");
    sbx_egress_free (&e);
  }
}

static void
test_answer_then_syn (void)
{
  struct sbx_egress e;
  struct sbx_egress_names *n = sbx_egress_names_new (clock_fake);
  static const struct dns_rr chain[] = {
    { "", 5, 300, "edge.cdn.test" },
    { "edge.cdn.test", 1, 10, "192.0.2.7" },
    { "edge.cdn.test", 28, 10, "2001:db8::7" },
  };

  RULES (&e, "deny:192.0.2.99", "allow:host:www.example.test:443/tcp", "deny:all");
  TAP_OK (!passes (&e, n, "192.0.2.7", 443, SYN), "before an answer: a SYN is refused");
  answer (n, &e, "www.example.test", chain, 3);
  TAP_OK (passes (&e, n, "192.0.2.7", 443, SYN),
          "after the answer: a SYN to its address (through a CNAME) passes");
  TAP_OK (passes (&e, n, "2001:db8::7", 443, SYN), "... and to its IPv6 address");
  TAP_OK (passes (&e, n, "::ffff:192.0.2.7", 443, SYN), "... and to the v4-mapped address");
  TAP_OK (!passes (&e, n, "192.0.2.7", 80, SYN), "another port of it is refused");
  TAP_OK (!passes (&e, n, "192.0.2.7", 443, 0), "UDP to it is refused (the rule says /tcp)");
  TAP_OK (!passes (&e, n, "192.0.2.8", 443, SYN), "a SYN to an address not answered is refused");
  TAP_OK (passes (&e, n, "198.51.100.1", 443, ACK),
          "a segment without SYN passes (libslirp opens nothing for it)");
  TAP_OK (!passes (&e, n, "198.51.100.1", 80, ACK), "... within the rule's port only");

  /* First match wins: an earlier deny stands.  */
  {
    static const struct dns_rr rr[] = { { "", 1, 300, "192.0.2.99" } };

    answer (n, &e, "www.example.test", rr, 1);
    TAP_OK (!passes (&e, n, "192.0.2.99", 443, SYN),
            "an answered address an earlier rule denies is refused");
  }

  /* Expiry: TTL 10 is raised to the floor.  */
  now_ns += (SBX_EGRESS_NAME_TTL_MIN - 1) * S;
  TAP_OK (passes (&e, n, "192.0.2.7", 443, SYN), "TTL 10: still allowed %d s later (the floor)",
          SBX_EGRESS_NAME_TTL_MIN - 1);
  now_ns += 2 * S;
  TAP_OK (!passes (&e, n, "192.0.2.7", 443, SYN), "... refused %d s later",
          SBX_EGRESS_NAME_TTL_MIN + 1);
  TAP_OK (passes (&e, n, "192.0.2.7", 443, ACK), "... while its open connections go on");

  /* A long TTL, and the cap.  */
  {
    static const struct dns_rr hour[] = { { "", 1, 3600, "192.0.2.30" } };
    static const struct dns_rr forever[] = { { "", 1, 0x7fffffff, "192.0.2.31" } };
    int64_t t0 = now_ns;

    answer (n, &e, "www.example.test", hour, 1);
    answer (n, &e, "www.example.test", forever, 1);
    now_ns = t0 + 3599 * S;
    TAP_OK (passes (&e, n, "192.0.2.30", 443, SYN), "TTL 3600: allowed 3599 s later");
    now_ns = t0 + 3601 * S;
    TAP_OK (!passes (&e, n, "192.0.2.30", 443, SYN), "... refused 3601 s later");
    now_ns = t0 + (SBX_EGRESS_NAME_TTL_MAX - 1) * S;
    TAP_OK (passes (&e, n, "192.0.2.31", 443, SYN), "TTL 2^31-1: allowed for %d s",
            SBX_EGRESS_NAME_TTL_MAX - 1);
    now_ns = t0 + (SBX_EGRESS_NAME_TTL_MAX + 1) * S;
    TAP_OK (!passes (&e, n, "192.0.2.31", 443, SYN), "... refused past the cap (%d s)",
            SBX_EGRESS_NAME_TTL_MAX);
  }
  sbx_egress_names_free (n);
  sbx_egress_free (&e);
}

/* Answers that must teach nothing.  */
static void
test_not_learnt (void)
{
  struct sbx_egress e;
  struct sbx_egress_names *n = sbx_egress_names_new (clock_fake);
  uint8_t f[FRAME_ROOM], msg[1024];
  size_t len;
  static const struct dns_rr a9[] = { { "", 1, 300, "192.0.2.9" } };
  static const struct dns_rr via[]
      = { { "", 5, 300, "www.example.test" }, { "www.example.test", 1, 300, "192.0.2.10" } };
  static const struct dns_rr stray[]
      = { { "other.test", 1, 300, "192.0.2.12" }, { "www.example.test", 1, 300, "192.0.2.13" } };

  RULES (&e, "allow:host:www.example.test", "deny:all");
  answer (n, &e, "other.example.test", a9, 1);
  TAP_OK (!passes (&e, n, "192.0.2.9", 443, SYN), "an answer for another name allows nothing");
  answer (n, &e, "evil.test", via, 2);
  TAP_OK (!passes (&e, n, "192.0.2.10", 443, SYN),
          "an answer for another name whose CNAME leads to the rule's allows nothing");
  answer (n, &e, "www.example.test", stray, 2);
  TAP_OK (!passes (&e, n, "192.0.2.12", 443, SYN),
          "a record for a name outside the answer's chain allows nothing");
  TAP_OK (passes (&e, n, "192.0.2.13", 443, SYN),
          "... while the name asked, spelt out after it rather than compressed, is learnt");

  len = dns_msg (msg, "www.example.test", 0, a9, 1);
  learn (n, &e, f, frame_udp (f, "192.0.2.53", 53, "10.0.2.100", 40000, msg, len));
  learn (n, &e, f, frame_udp (f, "10.0.2.2", 53, "10.0.2.100", 40000, msg, len));
  learn (n, &e, f, frame_udp (f, "10.0.2.3", 5353, "10.0.2.100", 40000, msg, len));
  TAP_OK (!passes (&e, n, "192.0.2.9", 443, SYN),
          "an answer from another server, or another port of the resolver's, allows nothing");
  len = dns_msg (msg, "www.example.test", 3, a9, 1);
  learn (n, &e, f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, len));
  len = dns_msg (msg, "www.example.test", 0, a9, 1);
  msg[2] &= 0x7f;
  learn (n, &e, f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, len));
  TAP_OK (!passes (&e, n, "192.0.2.9", 443, SYN), "an error answer or a query allows nothing");
  len = dns_msg (msg, "www.example.test", 0, a9, 1);
  learn (n, &e, f, frame_tcp (f, "10.0.2.3", 53, "10.0.2.100", 40000, 0x18, msg, len));
  TAP_OK (!passes (&e, n, "192.0.2.9", 443, SYN), "an answer over TCP allows nothing");
  {
    bool any = false;

    for (size_t cut = 0; cut < len; cut++)
      {
        learn (n, &e, f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, cut));
        any |= passes (&e, n, "192.0.2.9", 443, SYN);
      }
    TAP_OK (!any, "no truncation of the answer allows anything");
  }
  /* Without the names learnt, a host rule only lets open connections on.  */
  answer (n, &e, "www.example.test", a9, 1);
  TAP_OK (passes (&e, n, "192.0.2.9", 443, SYN), "the whole answer from 10.0.2.3 does");
  TAP_OK (!passes (&e, NULL, "192.0.2.9", 443, SYN), "with no names learnt, a SYN is refused");
  sbx_egress_names_free (n);
  sbx_egress_free (&e);
}

static void
test_wildcard (void)
{
  struct sbx_egress e;
  struct sbx_egress_names *n = sbx_egress_names_new (clock_fake);
  static const struct
  {
    const char *qname, *addr;
    bool allowed;
  } cases[] = {
    { "a.example.test", "192.0.2.20", true },     { "A.B.Example.Test", "192.0.2.21", true },
    { "example.test", "192.0.2.22", false },      { "badexample.test", "192.0.2.23", false },
    { "example.test.evil", "192.0.2.24", false },
  };

  RULES (&e, "allow:host:*.example.test", "deny:all");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct dns_rr rr = { "", 1, 300, cases[i].addr };

      answer (n, &e, cases[i].qname, &rr, 1);
      TAP_IS_INT (passes (&e, n, cases[i].addr, 443, SYN), cases[i].allowed,
                  "*.example.test: %s is %s", cases[i].qname, cases[i].allowed ? "allowed" : "not");
    }
  TAP_OK (passes (&e, n, "192.0.2.20", 53, 0), "a rule without port or protocol allows UDP too");
  /* A label holding a dot: \x01 'a' ... one label `a.example` under test,
     written a\.example.test.  */
  {
    uint8_t msg[512], f[FRAME_ROOM];
    static const uint8_t q[]
        = { 9, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0 };
    size_t off = 12;

    memset (msg, 0, 12);
    put16 (msg, 1);
    put16 (msg + 2, 0x8180);
    put16 (msg + 4, 1);
    put16 (msg + 6, 1);
    memcpy (msg + off, q, sizeof q);
    off += sizeof q;
    put16 (msg + off, 1), put16 (msg + off + 2, 1), off += 4;
    put16 (msg + off, 0xc00c), put16 (msg + off + 2, 1), put16 (msg + off + 4, 1);
    put16 (msg + off + 6, 0), put16 (msg + off + 8, 300), put16 (msg + off + 10, 4);
    off += 12;
    msg[off++] = 192, msg[off++] = 0, msg[off++] = 2, msg[off++] = 25;
    learn (n, &e, f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, off));
    TAP_OK (!passes (&e, n, "192.0.2.25", 443, SYN),
            "a name whose label holds a dot (a\\.example.test) is not under example.test");
  }
  sbx_egress_names_free (n);
  sbx_egress_free (&e);
}

/* UDP keeps a learnt address while it flows; the table has a bound.  */
static void
test_udp_and_bound (void)
{
  struct sbx_egress e;
  struct sbx_egress_names *n = sbx_egress_names_new (clock_fake);
  static const struct dns_rr rr[] = { { "", 1, 60, "192.0.2.40" } };
  static const struct dns_rr rr6[] = { { "", 28, 60, "2001:db8::40" } };
  int64_t t0 = now_ns;
  uint8_t f[FRAME_ROOM];

  RULES (&e, "allow:host:quic.example.test/udp", "allow:host:*.many.test:443/tcp", "deny:all");
  answer (n, &e, "quic.example.test", rr, 1);
  learn (n, &e, f, frame_dns (f, true, "quic.example.test", rr6, 1));
  TAP_OK (passes (&e, n, "2001:db8::40", 443, 0), "an answer over IPv6 (from fd00::3) teaches too");
  now_ns = t0 + 50 * S;
  TAP_OK (passes (&e, n, "192.0.2.40", 443, 0), "UDP 50 s after the answer passes");
  now_ns = t0 + 100 * S;
  TAP_OK (passes (&e, n, "192.0.2.40", 443, 0), "... and 100 s after, having flowed at 50 s");
  now_ns = t0 + 161 * S;
  TAP_OK (!passes (&e, n, "192.0.2.40", 443, 0), "... refused after %d s without a datagram",
          SBX_EGRESS_NAME_TTL_MIN + 1);

  /* More addresses than the table holds: the one to expire first goes.  */
  t0 = now_ns;
  for (unsigned i = 0; i <= SBX_EGRESS_NAMES_MAX; i++)
    {
      char name[64], addr[32];
      struct dns_rr one = { "", 1, 100 + (i == 7 ? 0 : 1000), addr };

      snprintf (name, sizeof name, "h%u.many.test", i);
      snprintf (addr, sizeof addr, "10.%u.%u.%u", i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff);
      answer (n, &e, name, &one, 1);
    }
  TAP_OK (!passes (&e, n, "10.0.0.7", 443, SYN) && passes (&e, n, "10.0.0.6", 443, SYN)
              && passes (&e, n, "10.0.16.0", 443, SYN),
          "past %d addresses, the one expiring first is forgotten, the newest kept",
          SBX_EGRESS_NAMES_MAX);
  sbx_egress_names_free (n);
  sbx_egress_free (&e);
}

int
main (void)
{
  test_parse ();
  test_answer_then_syn ();
  test_not_learnt ();
  test_wildcard ();
  test_udp_and_bound ();
  return tap_done ();
}
