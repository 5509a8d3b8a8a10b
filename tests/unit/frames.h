/* sbx: building Ethernet frames for the netstack unit tests
   (test-egress, test-egress-fuzz, test-frame, test-netrecord,
   test-egress-host, test-dns-fuzz): the byte-order helpers, the Ethernet
   header every test frame starts with, plain TCP and UDP frames, and the
   DNS answers and TLS ClientHellos they carry.  Checksums are left 0:
   nothing under test reads them.  */
#ifndef SBX_TESTS_FRAMES_H
#define SBX_TESTS_FRAMES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static inline void
put16 (uint8_t *b, uint16_t v)
{
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

/* The sandbox's MAC to libslirp's gateway, EtherType `type`; 14 bytes.  */
static inline size_t
eth (uint8_t *f, uint16_t type)
{
  static const uint8_t gw[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
  static const uint8_t me[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

  memcpy (f, gw, 6);
  memcpy (f + 6, me, 6);
  put16 (f + 12, type);
  return 14;
}

/* The frames below: at most this long.  */
#define FRAME_ROOM 4096

/* An IPv4 or IPv6 packet (the family from `dst`: a colon makes IPv6)
   carrying `l4_len` bytes of protocol `proto`, in an Ethernet frame at
   `f` (FRAME_ROOM bytes); returns the frame's length.  */
static inline size_t
frame_ip (uint8_t *f, const char *src, const char *dst, int proto, const uint8_t *l4, size_t l4_len)
{
  bool v6 = strchr (dst, ':') != NULL;
  uint8_t *ip = f + eth (f, v6 ? 0x86dd : 0x0800);
  size_t hlen = v6 ? 40 : 20;

  if (14 + hlen + l4_len > FRAME_ROOM)
    abort ();
  memset (ip, 0, hlen);
  if (v6)
    {
      ip[0] = 0x60;
      put16 (ip + 4, (uint16_t)l4_len);
      ip[6] = (uint8_t)proto;
      ip[7] = 64;
      inet_pton (AF_INET6, src, ip + 8);
      inet_pton (AF_INET6, dst, ip + 24);
    }
  else
    {
      ip[0] = 0x45;
      put16 (ip + 2, (uint16_t)(hlen + l4_len));
      ip[8] = 64;
      ip[9] = (uint8_t)proto;
      inet_pton (AF_INET, src, ip + 12);
      inet_pton (AF_INET, dst, ip + 16);
    }
  if (l4_len)
    memcpy (ip + hlen, l4, l4_len);
  return 14 + hlen + l4_len;
}

static inline size_t
frame_udp (uint8_t *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
           const uint8_t *data, size_t n)
{
  uint8_t l4[FRAME_ROOM];

  if (n + 8 > sizeof l4)
    abort ();
  put16 (l4, sport);
  put16 (l4 + 2, dport);
  put16 (l4 + 4, (uint16_t)(8 + n));
  put16 (l4 + 6, 0);
  if (n)
    memcpy (l4 + 8, data, n);
  return frame_ip (f, src, dst, 17, l4, 8 + n);
}

/* `flags`: 0x02 SYN, 0x10 ACK, 0x18 PSH|ACK...  */
static inline size_t
frame_tcp (uint8_t *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
           uint8_t flags, const uint8_t *data, size_t n)
{
  uint8_t l4[FRAME_ROOM];

  if (n + 20 > sizeof l4)
    abort ();
  memset (l4, 0, 20);
  put16 (l4, sport);
  put16 (l4 + 2, dport);
  l4[12] = 5 << 4;
  l4[13] = flags;
  put16 (l4 + 14, 65535);
  if (n)
    memcpy (l4 + 20, data, n);
  return frame_ip (f, src, dst, 6, l4, 20 + n);
}

/* ---- DNS ---- */

/* One answer record: `data` is an address for A (1) and AAAA (28), a
   name for CNAME (5).  A name "" is the question's name, written as a
   compression pointer to it.  */
struct dns_rr
{
  const char *name;
  uint16_t type;
  uint32_t ttl;
  const char *data;
};

/* `name` in wire form; returns its length.  */
static inline size_t
dns_name (uint8_t *b, const char *name)
{
  size_t n = 0;

  if (*name == '\0')
    {
      put16 (b, 0xc00c); /* the question's name, right after the header */
      return 2;
    }
  while (*name)
    {
      const char *dot = strchr (name, '.');
      size_t l = dot ? (size_t)(dot - name) : strlen (name);

      b[n++] = (uint8_t)l;
      memcpy (b + n, name, l);
      n += l;
      name += l + (dot ? 1 : 0);
    }
  b[n++] = 0;
  return n;
}

/* A DNS response to a query for `qname` (type A) with `n` answer
   records; returns its length.  `rcode` 0: no error.  */
static inline size_t
dns_msg (uint8_t *b, const char *qname, int rcode, const struct dns_rr *rr, size_t n)
{
  size_t off = 12;

  memset (b, 0, 12);
  put16 (b, 0x1234);                         /* id */
  put16 (b + 2, (uint16_t)(0x8180 | rcode)); /* QR, RD, RA */
  put16 (b + 4, 1);
  put16 (b + 6, (uint16_t)n);
  off += dns_name (b + off, qname);
  put16 (b + off, 1);
  put16 (b + off + 2, 1);
  off += 4;
  for (size_t i = 0; i < n; i++)
    {
      uint8_t *len;

      off += dns_name (b + off, rr[i].name);
      put16 (b + off, rr[i].type);
      put16 (b + off + 2, 1);
      put16 (b + off + 4, (uint16_t)(rr[i].ttl >> 16));
      put16 (b + off + 6, (uint16_t)rr[i].ttl);
      len = b + off + 8;
      off += 10;
      if (rr[i].type == 1)
        {
          inet_pton (AF_INET, rr[i].data, b + off);
          put16 (len, 4);
          off += 4;
        }
      else if (rr[i].type == 28)
        {
          inet_pton (AF_INET6, rr[i].data, b + off);
          put16 (len, 16);
          off += 16;
        }
      else
        {
          size_t l = dns_name (b + off, rr[i].data);

          put16 (len, (uint16_t)l);
          off += l;
        }
    }
  return off;
}

/* That response as slirp's resolver sends it to the sandbox, over IPv4
   or IPv6 (`v6`); returns the frame's length.  */
static inline size_t
frame_dns (uint8_t *f, bool v6, const char *qname, const struct dns_rr *rr, size_t n)
{
  uint8_t msg[2048];
  size_t len = dns_msg (msg, qname, 0, rr, n);

  return v6 ? frame_udp (f, "fd00::3", 53, "fd00::100", 40000, msg, len)
            : frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, len);
}

/* ---- TLS ---- */

/* A TLS 1.2-style ClientHello record asking for `sni` (none when NULL),
   with an extension before server_name; returns its length.  */
static inline size_t
tls_hello (uint8_t *b, const char *sni)
{
  size_t off = 0, hs, exts;

  b[off++] = 22; /* handshake */
  b[off++] = 3;
  b[off++] = 1;
  off += 2; /* record length, below */
  hs = off;
  b[off++] = 1; /* ClientHello */
  off += 3;     /* its length, below */
  b[off++] = 3;
  b[off++] = 3;
  memset (b + off, 0x5a, 32); /* random */
  off += 32;
  b[off++] = 0; /* session id */
  put16 (b + off, 2);
  put16 (b + off + 2, 0x1301); /* one cipher suite */
  off += 4;
  b[off++] = 1;
  b[off++] = 0; /* null compression */
  off += 2;     /* extensions length, below */
  exts = off;
  put16 (b + off, 0x000b); /* ec_point_formats */
  put16 (b + off + 2, 2);
  b[off + 4] = 1;
  b[off + 5] = 0;
  off += 6;
  if (sni)
    {
      size_t l = strlen (sni);

      put16 (b + off, 0); /* server_name */
      put16 (b + off + 2, (uint16_t)(l + 5));
      put16 (b + off + 4, (uint16_t)(l + 3));
      b[off + 6] = 0; /* host_name */
      put16 (b + off + 7, (uint16_t)l);
      memcpy (b + off + 9, sni, l);
      off += 9 + l;
    }
  put16 (b + exts - 2, (uint16_t)(off - exts));
  b[hs + 1] = 0;
  put16 (b + hs + 2, (uint16_t)(off - hs - 4));
  put16 (b + 3, (uint16_t)(off - hs));
  return off;
}

#endif
