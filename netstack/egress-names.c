/* sbx netstack: the addresses allow:host rules have learnt from DNS
   answers; see egress.h.
 *
 * A table of (name asked, address, expiry), kept small by learning only
 * names some rule names.  Looked up linearly: it holds the addresses of
 * the few names a policy allows, and only frames that reach a host rule
 * in the rules' order look.  */
#define _GNU_SOURCE
#include "egress-names.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../core/base/util.h"
#include "dns.h"

#define NS_PER_S 1000000000ll

struct entry
{
  char *name; /* NULL: a free slot */
  int family;
  uint8_t addr[16];
  int64_t expires; /* ns of the clock */
};

struct sbx_egress_names
{
  int64_t (*clock) (void);
  struct entry *v;
  size_t n;   /* slots in use or used once: v[0..n) */
  size_t cap; /* grown as needed, up to SBX_EGRESS_NAMES_MAX */
};

bool
sbx_egress_has_names (const struct sbx_egress *e)
{
  for (size_t i = 0; e && i < e->n; i++)
    if (e->v[i].host)
      return true;
  return false;
}

struct sbx_egress_names *
sbx_egress_names_new (int64_t (*clock) (void))
{
  struct sbx_egress_names *n = xmalloc0 (sizeof *n);

  n->clock = clock ? clock : sbx_now_ns;
  return n;
}

void
sbx_egress_names_free (struct sbx_egress_names *n)
{
  if (n == NULL)
    return;
  for (size_t i = 0; i < n->n; i++)
    free (n->v[i].name);
  free (n->v);
  free (n);
}

bool
sbx_egress_name_matches (const char *host, const char *qname)
{
  size_t hl, ql;

  /* A backslash is an escape in presentation form: `a\.example.org` is
     one label `a.example` under org, whatever its text ends with.  Rule
     names have none, so such a name never matches.  */
  if (strchr (qname, '\\') != NULL)
    return false;
  if (host[0] != '*')
    return strcmp (host, qname) == 0;
  /* `*.example.org`: a name ending in `.example.org`, with a label at
     least before it.  */
  hl = strlen (host + 1);
  ql = strlen (qname);
  return ql > hl && strcmp (qname + ql - hl, host + 1) == 0;
}

static bool
same_addr (const struct entry *e, int family, const uint8_t *addr)
{
  return e->name && e->family == family && memcmp (e->addr, addr, family == AF_INET ? 4 : 16) == 0;
}

/* Remember `addr` for `name` until `expires`, in the slot that has it
   already, a free or expired one, or else the one expiring first.  */
static void
remember (struct sbx_egress_names *n, const char *name, int family, const uint8_t *addr,
          int64_t expires, int64_t now)
{
  struct entry *slot = NULL, *soonest = NULL;

  for (size_t i = 0; i < n->n; i++)
    {
      struct entry *e = &n->v[i];

      if (same_addr (e, family, addr) && strcmp (e->name, name) == 0)
        {
          if (expires > e->expires)
            e->expires = expires;
          return;
        }
      if (e->name == NULL || e->expires <= now)
        {
          if (slot == NULL)
            slot = e;
        }
      else if (soonest == NULL || e->expires < soonest->expires)
        soonest = e;
    }
  if (slot == NULL && n->n < SBX_EGRESS_NAMES_MAX)
    {
      if (n->n == n->cap)
        {
          n->cap = n->cap ? n->cap * 2 : 16;
          n->v = xrealloc (n->v, n->cap * sizeof *n->v);
        }
      slot = &n->v[n->n++];
      slot->name = NULL;
    }
  if (slot == NULL)
    slot = soonest;
  free (slot->name);
  slot->name = xstrdup (name);
  slot->family = family;
  memset (slot->addr, 0, sizeof slot->addr);
  memcpy (slot->addr, addr, family == AF_INET ? 4 : 16);
  slot->expires = expires;
}

void
sbx_egress_names_learn (struct sbx_egress_names *n, const struct sbx_egress *e,
                        const struct sbx_dns_answer *a)
{
  bool wanted = false;
  int64_t now;

  if (n == NULL || a->n == 0)
    return;
  for (size_t i = 0; i < e->n && !wanted; i++)
    wanted = e->v[i].host && sbx_egress_name_matches (e->v[i].host, a->qname);
  if (!wanted)
    return;
  now = n->clock ();
  for (size_t i = 0; i < a->n; i++)
    {
      int64_t ttl = a->addrs[i].ttl;

      if (ttl < SBX_EGRESS_NAME_TTL_MIN)
        ttl = SBX_EGRESS_NAME_TTL_MIN;
      if (ttl > SBX_EGRESS_NAME_TTL_MAX)
        ttl = SBX_EGRESS_NAME_TTL_MAX;
      remember (n, a->qname, a->addrs[i].family, a->addrs[i].addr, now + ttl * NS_PER_S, now);
    }
}

bool
sbx_egress_names_match (struct sbx_egress_names *names, const struct sbx_egress_rule *r,
                        const struct sbx_frame *p)
{
  const uint8_t *addr = p->dst;
  int family = p->family;
  int64_t now;

  /* A segment of a connection already open: its SYN was let through
     (while the address was learnt, or by another rule), and libslirp
     answers a segment of no connection it has with a RST, opening
     nothing.  Long downloads outlive a TTL.  */
  if (p->proto == IPPROTO_TCP && p->have_ports && !(p->tcp_flags & TH_SYN))
    return true;
  if (names == NULL)
    return false;
  /* ::ffff:a.b.c.d reaches a.b.c.d (libslirp's sockets are dual-stack).  */
  if (family == AF_INET6 && sbx_frame_v4_mapped (addr))
    {
      addr = sbx_frame_v4_mapped (addr);
      family = AF_INET;
    }
  now = names->clock ();
  for (size_t i = 0; i < names->n; i++)
    {
      struct entry *e = &names->v[i];

      if (!same_addr (e, family, addr) || e->expires <= now
          || !sbx_egress_name_matches (r->host, e->name))
        continue;
      /* UDP has no connection to go on with: a flow in use keeps its
         address, as a NAT keeps a mapping.  */
      if (p->proto == IPPROTO_UDP && e->expires < now + SBX_EGRESS_NAME_TTL_MIN * NS_PER_S)
        e->expires = now + SBX_EGRESS_NAME_TTL_MIN * NS_PER_S;
      return true;
    }
  return false;
}
