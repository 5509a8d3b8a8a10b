/* sbx netstack: the network recorder; see record.h.  */
#define _GNU_SOURCE
#include "record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/log.h"
#include "../core/base/util.h"
#include "dns.h"
#include "frame.h"
#include "tls.h"

void
sbx_net_record_init (struct sbx_net_record *r, int fd)
{
  memset (r, 0, sizeof *r);
  r->fd = fd;
}

void
sbx_net_record_free (struct sbx_net_record *r)
{
  for (size_t i = 0; i < r->cap; i++)
    free (r->seen[i]);
  free (r->seen);
  if (r->fd >= 0)
    close (r->fd);
  memset (r, 0, sizeof *r);
  r->fd = -1;
}

/* FNV-1a: the keys are short lines.  */
static size_t
hash (const char *s)
{
  uint64_t h = 14695981039346656037ull;

  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return (size_t)h;
}

/* The slot holding `key`, or the empty one where it would go.  */
static char **
slot (char **v, size_t cap, const char *key)
{
  size_t i = hash (key) & (cap - 1);

  while (v[i] && strcmp (v[i], key) != 0)
    i = (i + 1) & (cap - 1);
  return &v[i];
}

/* Keep the set at most half full.  */
static void
grow (struct sbx_net_record *r)
{
  size_t cap = r->cap ? r->cap * 2 : 256;
  char **v = xmalloc0 (cap * sizeof *v);

  for (size_t i = 0; i < r->cap; i++)
    if (r->seen[i])
      *slot (v, cap, r->seen[i]) = r->seen[i];
  free (r->seen);
  r->seen = v;
  r->cap = cap;
}

static void
stop (struct sbx_net_record *r, const char *why)
{
  sbx_log_warn ("net-record: %s; nothing more is recorded", why);
  r->stopped = true;
}

/* Write `key` and `extra` (after a space, when not NULL) as one line,
   unless `key` was written before.  */
static void
emit (struct sbx_net_record *r, const char *key, const char *extra)
{
  char line[SBX_DNS_NAME_MAX + 128];
  char **s;
  int n;

  if (r->fd < 0 || r->stopped)
    return;
  if (r->n * 2 >= r->cap)
    grow (r);
  s = slot (r->seen, r->cap, key);
  if (*s)
    return;
  if (r->n == SBX_NET_RECORD_MAX || r->bytes + strlen (key) + 1 > SBX_NET_RECORD_MAX_BYTES)
    {
      char why[64];

      snprintf (why, sizeof why, "more than %d distinct lines or %u MiB of them",
                SBX_NET_RECORD_MAX, SBX_NET_RECORD_MAX_BYTES >> 20);
      stop (r, why);
      return;
    }
  n = snprintf (line, sizeof line, "%s%s%s\n", key, extra ? " " : "", extra ? extra : "");
  if (n < 0 || (size_t)n >= sizeof line)
    return;
  /* One write per line to an O_APPEND file: lines stay whole.  */
  if (write (r->fd, line, (size_t)n) != n)
    {
      char why[128];

      snprintf (why, sizeof why, "cannot write the file (%s)", strerror (errno));
      stop (r, why);
      return;
    }
  *s = xstrdup (key);
  r->n++;
  r->bytes += strlen (key) + 1;
}

static void
addr_text (int family, const uint8_t *addr, char buf[INET6_ADDRSTRLEN])
{
  if (inet_ntop (family, addr, buf, INET6_ADDRSTRLEN) == NULL)
    strcpy (buf, "?");
}

void
sbx_net_record_sent (struct sbx_net_record *r, const uint8_t *frame, size_t len)
{
  char addr[INET6_ADDRSTRLEN], name[SBX_TLS_NAME_MAX], key[SBX_TLS_NAME_MAX + 80];
  struct sbx_frame p;

  if (r->fd < 0 || r->stopped || sbx_frame_parse (frame, len, &p) != SBX_FRAME_IP || !p.have_ports)
    return;
  addr_text (p.family, p.dst, addr);
  if (p.proto == IPPROTO_UDP)
    {
      snprintf (key, sizeof key, "flow udp %s %u", addr, p.dport);
      emit (r, key, NULL);
      return;
    }
  if (p.proto != IPPROTO_TCP)
    return;
  if ((p.tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN)
    {
      snprintf (key, sizeof key, "flow tcp %s %u", addr, p.dport);
      emit (r, key, NULL);
    }
  /* The payload ends the IP packet.  A ClientHello starts with 0x16:
     one compare for the rest of a stream's segments.  */
  if (p.tcp_payload > 0 && p.ip[p.ip_len - p.tcp_payload] == 22
      && sbx_tls_client_hello_sni (p.ip + p.ip_len - p.tcp_payload, p.tcp_payload, name))
    {
      snprintf (key, sizeof key, "sni %s %s %u", name, addr, p.dport);
      emit (r, key, NULL);
    }
}

void
sbx_net_record_answer (struct sbx_net_record *r, const struct sbx_dns_answer *a)
{
  if (r->fd < 0 || r->stopped)
    return;
  for (size_t i = 0; i < a->n; i++)
    {
      char addr[INET6_ADDRSTRLEN], key[SBX_DNS_NAME_MAX + 64], ttl[16];

      addr_text (a->addrs[i].family, a->addrs[i].addr, addr);
      snprintf (key, sizeof key, "dns %s %s %s", a->qname,
                a->addrs[i].family == AF_INET ? "A" : "AAAA", addr);
      snprintf (ttl, sizeof ttl, "%u", a->addrs[i].ttl);
      emit (r, key, ttl);
    }
}
