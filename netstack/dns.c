/* sbx netstack: reading DNS answers; see dns.h.  */
#define _GNU_SOURCE
#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"
#include "netspec.h"

/* Answer records looked at: a real answer has a handful; a message
   stuffed with thousands is read no further than this, so that the
   passes below stay cheap.  */
#define MAX_RECORDS 512

static void
lower (char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

static uint32_t
min_u32 (uint32_t a, uint32_t b)
{
  return a < b ? a : b;
}

/* The names a CNAME chain from the question reaches, with the least TTL
   along the way to each.  */
struct chain
{
  char name[SBX_DNS_CHAIN_MAX + 1][SBX_DNS_NAME_MAX];
  uint32_t ttl[SBX_DNS_CHAIN_MAX + 1];
  size_t n;
};

static int
chain_find (const struct chain *c, const char *name)
{
  for (size_t i = 0; i < c->n; i++)
    if (strcmp (c->name[i], name) == 0)
      return (int)i;
  return -1;
}

/* One pass over the answers: every CNAME whose owner is in the chain
   adds its target.  Returns how many names it added, or -1 for a record
   libresolv could not read.  Answers need not come in order (RFC 1034
   4.3.2 lists them so, but nothing enforces it), hence the passes.  */
static int
follow_cnames (ns_msg *h, size_t count, struct chain *c)
{
  int added = 0;

  for (size_t i = 0; i < count && c->n <= SBX_DNS_CHAIN_MAX; i++)
    {
      char target[SBX_DNS_NAME_MAX];
      ns_rr rr;
      int k;

      if (ns_parserr (h, ns_s_an, (int)i, &rr) < 0)
        return -1;
      if (ns_rr_class (rr) != ns_c_in || ns_rr_type (rr) != ns_t_cname)
        continue;
      lower (ns_rr_name (rr));
      if ((k = chain_find (c, ns_rr_name (rr))) < 0)
        continue;
      if (ns_name_uncompress (ns_msg_base (*h), ns_msg_end (*h), ns_rr_rdata (rr), target,
                              sizeof target)
          < 0)
        return -1;
      lower (target);
      if (chain_find (c, target) >= 0 || c->n > SBX_DNS_CHAIN_MAX)
        continue;
      strcpy (c->name[c->n], target);
      c->ttl[c->n++] = min_u32 (c->ttl[k], ns_rr_ttl (rr));
      added++;
    }
  return added;
}

static void
add_addr (struct sbx_dns_answer *a, int family, const uint8_t *addr, uint32_t ttl)
{
  size_t n = family == AF_INET ? 4 : 16;

  for (size_t i = 0; i < a->n; i++)
    if (a->addrs[i].family == family && memcmp (a->addrs[i].addr, addr, n) == 0)
      {
        a->addrs[i].ttl = min_u32 (a->addrs[i].ttl, ttl);
        return;
      }
  if (a->n == SBX_DNS_ADDRS_MAX)
    return;
  memset (&a->addrs[a->n], 0, sizeof a->addrs[a->n]);
  a->addrs[a->n].family = family;
  memcpy (a->addrs[a->n].addr, addr, n);
  a->addrs[a->n++].ttl = ttl;
}

int
sbx_dns_answer_parse (const uint8_t *msg, size_t len, struct sbx_dns_answer *a)
{
  static struct chain c; /* 17 KiB: off the stack (the helper has one thread) */
  ns_msg h;
  ns_rr rr;
  size_t count;

  memset (a, 0, sizeof *a);
  if (len > 65535 || ns_initparse (msg, (int)len, &h) < 0)
    return -1;
  if (!ns_msg_getflag (h, ns_f_qr) || ns_msg_getflag (h, ns_f_opcode) != ns_o_query
      || ns_msg_getflag (h, ns_f_rcode) != ns_r_noerror || ns_msg_count (h, ns_s_qd) != 1)
    return -1;
  if (ns_parserr (&h, ns_s_qd, 0, &rr) < 0 || ns_rr_class (rr) != ns_c_in)
    return -1;
  lower (ns_rr_name (rr));
  if (strlen (ns_rr_name (rr)) >= sizeof a->qname)
    return -1;
  strcpy (a->qname, ns_rr_name (rr));

  c.n = 1;
  strcpy (c.name[0], a->qname);
  c.ttl[0] = UINT32_MAX;
  count = ns_msg_count (h, ns_s_an);
  if (count > MAX_RECORDS)
    count = MAX_RECORDS;
  for (int pass = 0; pass < SBX_DNS_CHAIN_MAX; pass++)
    {
      int added = follow_cnames (&h, count, &c);

      if (added < 0)
        return -1;
      if (added == 0)
        break;
    }

  for (size_t i = 0; i < count; i++)
    {
      int k;

      if (ns_parserr (&h, ns_s_an, (int)i, &rr) < 0)
        return -1;
      if (ns_rr_class (rr) != ns_c_in)
        continue;
      if (!(ns_rr_type (rr) == ns_t_a && ns_rr_rdlen (rr) == 4)
          && !(ns_rr_type (rr) == ns_t_aaaa && ns_rr_rdlen (rr) == 16))
        continue;
      lower (ns_rr_name (rr));
      if ((k = chain_find (&c, ns_rr_name (rr))) < 0)
        continue;
      add_addr (a, ns_rr_type (rr) == ns_t_a ? AF_INET : AF_INET6, ns_rr_rdata (rr),
                min_u32 (c.ttl[k], ns_rr_ttl (rr)));
    }
  return 0;
}

static bool
from_resolver (const uint8_t *frame, size_t len, const uint8_t **msg, size_t *msg_len)
{
  uint8_t dns[16];
  struct sbx_frame p;
  const uint8_t *udp;
  size_t ulen;

  if (!sbx_frame_udp (frame, len, &p) || p.later_fragment || p.sport != 53)
    return false;
  if (inet_pton (p.family, p.family == AF_INET ? SBX_NET_DNS4 : SBX_NET_DNS6, dns) != 1
      || memcmp (p.src, dns, p.family == AF_INET ? 4 : 16) != 0)
    return false;
  /* sbx_frame_udp checked the 8 bytes of the UDP header; its length
     field may be less than the IP packet's room (libresolv refuses a
     message with bytes after its end), never more.  */
  udp = p.ip + p.l4_off;
  ulen = (size_t)(udp[4] << 8 | udp[5]);
  if (ulen < 8 || ulen > p.ip_len - p.l4_off)
    return false;
  *msg = udp + 8;
  *msg_len = ulen - 8;
  return true;
}

bool
sbx_dns_resolver_answer (const uint8_t *frame, size_t len, struct sbx_dns_answer *a)
{
  const uint8_t *msg;
  size_t msg_len;

  return from_resolver (frame, len, &msg, &msg_len) && sbx_dns_answer_parse (msg, msg_len, a) == 0;
}
