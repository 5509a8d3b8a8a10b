/* sbx netstack: the egress policy.  Every frame the sandbox sends is
   checked here before it reaches libslirp; a refused TCP segment is
   answered with a RST and a refused UDP datagram or ICMP echo with an
   ICMP "administratively prohibited" unreachable, written back to the
   sandbox so programs fail at once instead of timing out.
 *
 * Rules, first match wins (--egress, repeatable; `egress` in profiles):
 *   allow|deny:all
 *   allow|deny:CIDR[:PORT[-PORT]][/tcp|/udp]
 *   allow:host:NAME[:PORT[-PORT]][/tcp|/udp]
 * CIDR is an IPv4 or IPv6 address with an optional /prefix; an IPv6
 * address followed by a port is written in brackets: deny:[fd00::/8]:53.
 * A bare address means /32 or /128; host bits past the prefix are masked.
 * `all` takes a port and protocol too (deny:all:25/tcp).  Rules with a port
 * match only TCP and UDP; a rule without a protocol matches every
 * protocol.  IPv4-mapped IPv6 addresses are matched by IPv4 rules.  A
 * later fragment carries no ports: a deny rule whose port cannot be
 * checked is skipped and an allow rule matches (the first fragment was
 * checked with its ports, and without it nothing is reassembled).  With
 * no rule, or when no rule matches, the frame passes (append deny:all for
 * an allow list).
 *
 * allow:host:NAME matches what goes to an address the sandbox's resolver
 * (slirp's 10.0.2.3 and fd00::3, which forward to the host's) answered for
 * NAME, CNAME records followed (dns.h), for the answer's TTL but at least
 * SBX_EGRESS_NAME_TTL_MIN and at most SBX_EGRESS_NAME_TTL_MAX seconds; the
 * helper reads every answer on its way to the sandbox, before the
 * sandbox can use it (egress-names.c).  NAME `*.example.org` matches
 * every name under example.org, not example.org itself.  Only the name
 * asked counts: an answer for another name whose CNAME leads to NAME
 * allows nothing.  Once an address has expired, new connections to it are
 * refused; those already open go on: a TCP segment without SYN matches
 * (libslirp opens no connection for one), and a UDP datagram to a learnt
 * address keeps it learnt for SBX_EGRESS_NAME_TTL_MIN more seconds.
 * Answers from any other server, and over TCP, teach nothing.  There is
 * no deny:host: the sandbox can reach a denied name's addresses without
 * asking for the name.
 *
 * The frames are untrusted: they are read by one parser (frame.h), which
 * never reads past `len` and is fuzzed (tests/unit/test-egress-fuzz), and
 * the replies are built by reply.h.  */
#ifndef SBX_NET_EGRESS_H
#define SBX_NET_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/error.h"

struct sbx_egress_rule
{
  bool allow;
  int family;                /* 0 for `all` and for host rules, AF_INET or AF_INET6 */
  uint8_t addr[16];          /* network address, in network byte order */
  int prefix;                /* prefix length in bits */
  uint16_t port_lo, port_hi; /* 0, 0: any port */
  int proto;                 /* 0 any, IPPROTO_TCP, IPPROTO_UDP */
  char *text;                /* the rule as written, for logs */
  char *host;                /* allow:host:NAME: NAME, lowercase, no final dot; else NULL */
};

struct sbx_egress
{
  struct sbx_egress_rule *v;
  size_t n;
  size_t n_cli; /* the first n_cli came from the command line (core/settings.c) */
};

/* Parse one rule and append it.  Errors name the rule and say what is
   wrong ("`deny:10.0.0.0/33`: prefix 33 is longer than 32"); the caller
   says where it came from.  */
int sbx_egress_add (struct sbx_egress *e, const char *rule, sbx_error_t *err);

/* Append a named set of rules: `no-lan` denies what a CI runner or a
   browser never needs to reach: RFC 1918, link-local (cloud metadata at
   169.254.169.254 included), CGNAT 100.64.0.0/10, IPv6 ULA fc00::/7 and
   link-local fe80::/10, multicast (224.0.0.0/4, ff00::/8), loopback and
   unspecified addresses (127/8, 0/8, ::1, ::), broadcast, and the host
   (10.0.2.0/24 and fd00::/64, slirp's aliases for it), while keeping DNS
   to 10.0.2.3:53 and [fd00::3]:53 allowed.  */
int sbx_egress_add_preset (struct sbx_egress *e, const char *name, sbx_error_t *err);

void sbx_egress_free (struct sbx_egress *e);

enum sbx_egress_verdict
{
  SBX_EGRESS_PASS = 0,
  SBX_EGRESS_REJECT, /* refused; *reply_len > 0 when a reply frame was built */
};

/* What a refusal concerned, for counting and --net-log.  */
/* `rule` is NULL when the frame was refused as malformed.  */
struct sbx_egress_event
{
  int family; /* AF_INET, AF_INET6 */
  int proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6... */
  uint8_t dst[16];
  uint16_t dport; /* 0 when none */
  const struct sbx_egress_rule *rule;
};

/* allow:host rules: the addresses learnt from DNS answers, and for how
   long.  The helper's state, not the spec's: the rules say which names,
   this says which addresses they have now.  */
#define SBX_EGRESS_NAME_TTL_MIN 60
#define SBX_EGRESS_NAME_TTL_MAX 86400
/* Addresses remembered at once; past it the one that expires first
   goes.  */
#define SBX_EGRESS_NAMES_MAX 4096

struct sbx_egress_names;

/* Whether `e` has an allow:host rule (and the helper must learn).  */
bool sbx_egress_has_names (const struct sbx_egress *e);
/* `clock` gives nanoseconds of a monotonic clock; NULL: the system's
   (tests pass their own).  */
struct sbx_egress_names *sbx_egress_names_new (int64_t (*clock) (void));
void sbx_egress_names_free (struct sbx_egress_names *n);
/* A DNS answer from the sandbox's resolver, on its way to the sandbox
   (sbx_dns_resolver_answer read it from the frame): when an allow:host
   rule of `e` names the name asked, remember its addresses.  The frame is
   read by the helper, not here, so that sbx itself never links the DNS
   parser (libresolv).  */
struct sbx_dns_answer;
void sbx_egress_names_learn (struct sbx_egress_names *n, const struct sbx_egress *e,
                             const struct sbx_dns_answer *a);

/* Decide on one Ethernet frame the sandbox sent.  Frames that are not
   IPv4/IPv6 (ARP), and ICMPv6 neighbour discovery, always pass.  On a
   refusal, a reply frame (at most `reply_cap` bytes, which must be at
   least 1600) is built into `reply` for the sandbox, addressed from the
   refused destination, and `ev` is filled.  Malformed frames (truncated,
   bad header lengths) are refused without a reply.  */
enum sbx_egress_verdict sbx_egress_check (const struct sbx_egress *e, const uint8_t *frame,
                                          size_t len, uint8_t *reply, size_t reply_cap,
                                          size_t *reply_len, struct sbx_egress_event *ev);

/* The same, with allow:host rules matching what `names` has learnt (with
   `names` NULL they match only segments of open TCP connections).  */
enum sbx_egress_verdict sbx_egress_check_names (const struct sbx_egress *e,
                                                struct sbx_egress_names *names,
                                                const uint8_t *frame, size_t len, uint8_t *reply,
                                                size_t reply_cap, size_t *reply_len,
                                                struct sbx_egress_event *ev);

/* "tcp 10.0.2.2:8080" / "udp [fd00::2]:53" / "icmp 1.2.3.4", for logs.  */
void sbx_egress_event_format (const struct sbx_egress_event *ev, char *buf, size_t size);

#endif
