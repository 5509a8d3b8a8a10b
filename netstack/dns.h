/* sbx netstack: reading DNS answers.  The helper sees every datagram the
   sandbox's resolver (slirp's 10.0.2.3 and fd00::3, which forward to the
   host's) sends back to it; this reads one such message: the name that
   was asked, and the addresses the answer gives for it, following CNAME
   records from that name.  The helper reads each answer once, for the
   recorder (record.h: `dns` lines) and for the egress policy's
   `allow:host:NAME` rules (egress.h, egress-names.c); only sbx-net links
   this file, and with it libresolv.
 *
 * The message comes from outside and is handed on to the sandbox, so it
 * is hostile: glibc's libresolv (ns_initparse, ns_parserr) reads it, which
 * checks every length and compression pointer against the message's end,
 * and tests/unit/test-egress-fuzz mutates answers through it.  */
#ifndef SBX_NET_DNS_H
#define SBX_NET_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A name in presentation form, lowercase, without the final dot: at most
   1004 bytes (255 wire bytes, each at most 4 as \DDD) and a NUL.  */
#define SBX_DNS_NAME_MAX 1025
/* Addresses taken from one answer, and CNAME records followed.  */
#define SBX_DNS_ADDRS_MAX 32
#define SBX_DNS_CHAIN_MAX 16

struct sbx_dns_addr
{
  int family; /* AF_INET, AF_INET6 */
  uint8_t addr[16];
  uint32_t ttl; /* seconds: the least TTL of the records that led to it */
};

struct sbx_dns_answer
{
  char qname[SBX_DNS_NAME_MAX];
  struct sbx_dns_addr addrs[SBX_DNS_ADDRS_MAX];
  size_t n;
};

/* Read the DNS message `msg` (`len` bytes, a UDP payload).  Returns 0 and
   fills `a` when it is an answer without error (QR set, standard query,
   RCODE 0) to one question of class IN; the addresses are the A and AAAA
   records of class IN whose owner is the question's name or a name a
   CNAME chain from it leads to (at most SBX_DNS_CHAIN_MAX CNAMEs, no
   loops).  Returns -1 for anything else, malformed messages included.  */
int sbx_dns_answer_parse (const uint8_t *msg, size_t len, struct sbx_dns_answer *a);

/* Whether `frame`, an Ethernet frame for the sandbox, is a UDP datagram
   from the sandbox's resolver (10.0.2.3:53 or [fd00::3]:53) that
   sbx_dns_answer_parse reads into `a`.  */
bool sbx_dns_resolver_answer (const uint8_t *frame, size_t len, struct sbx_dns_answer *a);

#endif
