/* sbx netstack: the egress policy; see egress.h.  The rules are parsed
 * and matched here; frames are read by frame.c and answered by reply.c.  */
#define _GNU_SOURCE
#include "egress.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../core/base/util.h"
#include "egress-names.h"
#include "frame.h"
#include "reply.h"

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

/* NAME of allow:host:NAME: DNS labels of letters, digits, `-` and `_`
   (which real names use, SRV-style), `*` alone as the first label; one
   final dot is dropped.  Lowercase into `out` (at least as long).  */
static int
parse_host_name (const char *rule, const char *name, char *out, sbx_error_t *err)
{
  size_t len = strlen (name), label = 0;
  unsigned char a[16];

  if (len > 0 && name[len - 1] == '.')
    len--;
  if (len == 0)
    return rule_error (err, rule, "missing a name after `host:`");
  if (len > 253)
    return rule_error (err, rule, "the name is longer than 253 characters");
  for (size_t i = 0; i < len; i++)
    {
      char ch = name[i];

      if (ch == '*' && i == 0 && (len == 1 || name[1] == '.') && len > 2)
        {
          out[i] = ch;
          label = 1;
          continue;
        }
      if (ch == '*')
        return rule_error (err, rule,
                           "`*` stands only as the first label, before a name: "
                           "`*.example.org`");
      if (ch == '.')
        {
          if (label == 0)
            return rule_error (err, rule, "an empty label in `%s`", name);
          label = 0;
          out[i] = ch;
          continue;
        }
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
            || ch == '-' || ch == '_'))
        return rule_error (err, rule, "`%c` in `%s`: a name has letters, digits, `-` and `_`", ch,
                           name);
      if (++label > 63)
        return rule_error (err, rule, "a label of `%s` is longer than 63 characters", name);
      out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
  if (label == 0)
    return rule_error (err, rule, "an empty label in `%s`", name);
  out[len] = '\0';
  if (inet_pton (AF_INET, out, a) == 1)
    return rule_error (err, rule, "`%s` is an address: write it without `host:`", out);
  return 0;
}

/* host:NAME[:PORT[-PORT]], the protocol already taken off.  */
static int
parse_host (const char *rule, char *s, struct sbx_egress_rule *r, sbx_error_t *err)
{
  char *colon = strchr (s, ':');
  cleanup_free char *name = xmalloc0 (strlen (s) + 1);

  if (!r->allow)
    return rule_error (err, rule,
                       "a name's addresses can be reached without asking for the name: "
                       "there is no deny:host (deny its addresses, or allow the names wanted "
                       "and end with deny:all)");
  if (colon)
    *colon = '\0';
  if (parse_host_name (rule, s, name, err) < 0)
    return -1;
  if (colon && parse_ports (rule, colon + 1, r, err) < 0)
    return -1;
  r->family = 0;
  r->host = name;
  name = NULL;
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
  if (strncmp (buf, "host:", 5) == 0)
    return parse_host (text, buf + 5, r, err);

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
    {
      free (e->v[i].text);
      free (e->v[i].host);
    }
  free (e->v);
  e->v = NULL;
  e->n = 0;
  e->n_cli = 0;
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

enum match
{
  MATCH_NO,
  MATCH_YES,
  MATCH_UNKNOWN, /* the address matches; a port or protocol cannot be known */
};

static enum match
rule_match (const struct sbx_egress_rule *r, struct sbx_egress_names *names,
            const struct sbx_frame *p)
{
  bool unknown = false;

  if (r->family == AF_INET)
    {
      const uint8_t *a = p->family == AF_INET ? p->dst : sbx_frame_v4_mapped (p->dst);

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
  if (r->host && !sbx_egress_names_match (names, r, p))
    return MATCH_NO;
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
decide (const struct sbx_egress *e, struct sbx_egress_names *names, const struct sbx_frame *p)
{
  for (size_t i = 0; e && i < e->n; i++)
    switch (rule_match (&e->v[i], names, p))
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

enum sbx_egress_verdict
sbx_egress_check (const struct sbx_egress *e, const uint8_t *frame, size_t len, uint8_t *reply,
                  size_t reply_cap, size_t *reply_len, struct sbx_egress_event *ev)
{
  return sbx_egress_check_names (e, NULL, frame, len, reply, reply_cap, reply_len, ev);
}

enum sbx_egress_verdict
sbx_egress_check_names (const struct sbx_egress *e, struct sbx_egress_names *names,
                        const uint8_t *frame, size_t len, uint8_t *reply, size_t reply_cap,
                        size_t *reply_len, struct sbx_egress_event *ev)
{
  struct sbx_egress_event ev_unused;
  size_t reply_len_unused;
  const struct sbx_egress_rule *rule;
  struct sbx_frame p;
  enum sbx_frame_kind kind;

  if (reply_len == NULL)
    reply_len = &reply_len_unused;
  if (ev == NULL)
    ev = &ev_unused;
  *reply_len = 0;
  memset (ev, 0, sizeof *ev);

  kind = sbx_frame_parse (frame, len, &p);
  if (kind == SBX_FRAME_OTHER)
    return SBX_EGRESS_PASS;
  ev->family = p.family;
  if (kind == SBX_FRAME_NEIGHBOUR)
    return SBX_EGRESS_PASS;
  /* A malformed frame is refused with ev->rule NULL; libslirp would drop
     most of them too, but its parsers are not to be trusted with them.  */
  if (kind == SBX_FRAME_MALFORMED)
    return SBX_EGRESS_REJECT;

  rule = decide (e, names, &p);
  if (rule == NULL || rule->allow)
    {
      memset (ev, 0, sizeof *ev);
      return SBX_EGRESS_PASS;
    }
  ev->proto = p.proto < 0 ? 0 : p.proto;
  memcpy (ev->dst, p.dst, p.family == AF_INET ? 4 : 16);
  ev->dport = p.have_ports ? p.dport : 0;
  ev->rule = rule;
  if (reply != NULL)
    *reply_len = sbx_reply_build (&p, reply, reply_cap);
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
