/* sbx unit test: the network recorder (netstack/record.c, with the DNS
 * and TLS readers it uses, dns.c and tls.c): the lines hand-built frames
 * give, over IPv4 and IPv6, each written once.  The frames live in memory
 * only; the recorder writes to a temporary file.  */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netstack/dns.h"
#include "netstack/record.h"
#include "netstack/tls.h"
#include "tap.h"
#include "frames.h"

#define SYN 0x02
#define ACK 0x10
#define PSH_ACK 0x18

static FILE *file;
static struct sbx_net_record rec;
static size_t read_to; /* what expect_lines has read of the file */

static void
start (void)
{
  if (file)
    fclose (file);
  file = tmpfile ();
  if (file == NULL)
    {
      printf ("Bail out! tmpfile: %m\n");
      exit (1);
    }
  sbx_net_record_free (&rec);
  sbx_net_record_init (&rec, dup (fileno (file)));
  read_to = 0;
}

/* The lines written since the last call are exactly `want`.  */
static void
expect_lines (const char *want, const char *what)
{
  char buf[1 << 16];
  ssize_t n = pread (fileno (file), buf, sizeof buf - 1, (off_t)read_to);

  if (n < 0)
    n = 0;
  buf[n] = '\0';
  read_to += (size_t)n;
  TAP_IS_STR (buf, want, "%s", what);
}

static void
sent (const uint8_t *f, size_t len)
{
  sbx_net_record_sent (&rec, f, len);
}

/* A frame for the sandbox, as the helper reads it.  */
static void
received (const uint8_t *f, size_t len)
{
  static struct sbx_dns_answer a;

  if (sbx_dns_resolver_answer (f, len, &a))
    sbx_net_record_answer (&rec, &a);
}

static void
test_flows (void)
{
  uint8_t f[FRAME_ROOM];
  static const uint8_t data[12] = "hello, world";

  start ();
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 8080, SYN, NULL, 0));
  sent (f, frame_tcp (f, "10.0.2.100", 40001, "10.0.2.2", 8080, SYN, NULL, 0));
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 8080, ACK, NULL, 0));
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 8080, PSH_ACK, data, sizeof data));
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 9090, SYN | ACK, NULL, 0));
  expect_lines ("flow tcp 10.0.2.2 8080\n",
                "a SYN is a flow, written once; ACKs, data and a SYN-ACK are not");

  sent (f, frame_udp (f, "10.0.2.100", 50000, "10.0.2.3", 53, data, sizeof data));
  sent (f, frame_udp (f, "10.0.2.100", 50001, "10.0.2.3", 53, data, sizeof data));
  sent (f, frame_udp (f, "10.0.2.100", 50000, "10.0.2.2", 5353, data, 0));
  expect_lines ("flow udp 10.0.2.3 53\nflow udp 10.0.2.2 5353\n",
                "each UDP destination once, whatever the source port");

  sent (f, frame_tcp (f, "fd00::100", 40000, "2001:db8::1", 443, SYN, NULL, 0));
  sent (f, frame_udp (f, "fd00::100", 40000, "fd00::3", 53, data, sizeof data));
  sent (f, frame_tcp (f, "fd00::100", 40000, "2001:db8::1", 443, SYN, NULL, 0));
  expect_lines ("flow tcp 2001:db8::1 443\nflow udp fd00::3 53\n",
                "IPv6 destinations, written as inet_ntop writes them");

  /* Not flows: ICMP, a truncated frame, ARP.  */
  {
    uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
    size_t n = frame_ip (f, "10.0.2.100", "10.0.2.2", 1, echo, sizeof echo);

    sent (f, n);
    n = frame_tcp (f, "10.0.2.100", 40000, "10.0.2.9", 80, SYN, NULL, 0);
    sent (f, n - 1);
    eth (f, 0x0806);
    sent (f, 60);
    expect_lines ("", "ICMP, a truncated SYN and ARP give no line");
  }
}

static void
test_sni (void)
{
  uint8_t f[FRAME_ROOM], hello[512];
  size_t n;
  char name[SBX_TLS_NAME_MAX];

  start ();
  n = tls_hello (hello, "Example.TEST");
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 4433, SYN, NULL, 0));
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 4433, PSH_ACK, hello, n));
  sent (f, frame_tcp (f, "10.0.2.100", 40001, "10.0.2.2", 4433, PSH_ACK, hello, n));
  expect_lines ("flow tcp 10.0.2.2 4433\nsni example.test 10.0.2.2 4433\n",
                "a ClientHello's server name, lowercase, once");
  sent (f, frame_tcp (f, "fd00::100", 40000, "2001:db8::5", 443, PSH_ACK, hello, n));
  expect_lines ("sni example.test 2001:db8::5 443\n", "over IPv6");

  n = tls_hello (hello, NULL);
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 4434, PSH_ACK, hello, n));
  n = tls_hello (hello, "bad name.test");
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 4435, PSH_ACK, hello, n));
  n = tls_hello (hello, "line\nbreak.test");
  sent (f, frame_tcp (f, "10.0.2.100", 40000, "10.0.2.2", 4436, PSH_ACK, hello, n));
  expect_lines ("", "no line for a hello without a name, or with a space or a newline in it");

  /* The parser alone: every truncation of a hello fails cleanly, and one
     cut inside the name fails rather than give a part of it.  */
  n = tls_hello (hello, "www.example.test");
  TAP_OK (sbx_tls_client_hello_sni (hello, n, name) && strcmp (name, "www.example.test") == 0,
          "the whole hello gives the name");
  {
    bool partial = false;

    for (size_t cut = 0; cut < n; cut++)
      {
        uint8_t *copy = malloc (cut ? cut : 1);

        memcpy (copy, hello, cut);
        if (sbx_tls_client_hello_sni (copy, cut, name) && strcmp (name, "www.example.test") != 0)
          partial = true;
        free (copy);
      }
    TAP_OK (!partial, "no truncation of a hello gives a part of its name");
  }
  n = tls_hello (hello, "trailing.dot.test.");
  TAP_OK (sbx_tls_client_hello_sni (hello, n, name) && strcmp (name, "trailing.dot.test") == 0,
          "a final dot is dropped");
}

static void
test_dns (void)
{
  uint8_t f[FRAME_ROOM];
  static const struct dns_rr chain[] = {
    { "", 5, 600, "cdn.example.net" },
    { "cdn.example.net", 1, 300, "192.0.2.7" },
    { "CDN.example.NET", 28, 3600, "2001:db8::7" },
    { "other.example", 1, 300, "198.51.100.1" },
  };
  static const struct dns_rr plain[] = { { "", 1, 20, "192.0.2.9" } };
  static const struct dns_rr later[]
      = { { "", 5, 599, "cdn.example.net" }, { "cdn.example.net", 1, 299, "192.0.2.7" } };

  start ();
  received (f, frame_dns (f, false, "WWW.Example.test", chain, 4));
  expect_lines ("dns www.example.test A 192.0.2.7 300\n"
                "dns www.example.test AAAA 2001:db8::7 600\n",
                "an answer's addresses for the name asked, through its CNAME, with the least TTL "
                "on the way; an unrelated record is not one");
  received (f, frame_dns (f, false, "www.example.test", later, 2));
  expect_lines ("", "the same answer again, its TTL counted down, gives no line");
  received (f, frame_dns (f, true, "plain.example.test", plain, 1));
  expect_lines ("dns plain.example.test A 192.0.2.9 20\n",
                "an answer from fd00::3 (over IPv6), the name compressed");

  /* Not the sandbox's resolver, not an answer, not a success.  */
  {
    uint8_t msg[1024];
    size_t n = dns_msg (msg, "x.example.test", 0, plain, 1);

    received (f, frame_udp (f, "192.0.2.53", 53, "10.0.2.100", 40000, msg, n));
    received (f, frame_udp (f, "10.0.2.3", 5353, "10.0.2.100", 40000, msg, n));
    received (f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, n - 1));
    msg[2] &= 0x7f; /* a query, not a response */
    received (f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, n));
    n = dns_msg (msg, "x.example.test", 3, plain, 1); /* NXDOMAIN */
    received (f, frame_udp (f, "10.0.2.3", 53, "10.0.2.100", 40000, msg, n));
    expect_lines ("", "no line for another server, another port, a truncated message, a query "
                      "or an error");
  }
  /* Sent by the sandbox, an answer is only a flow.  */
  {
    size_t n = frame_dns (f, false, "y.example.test", plain, 1);

    sent (f, n);
    expect_lines ("flow udp 10.0.2.100 40000\n", "frames the sandbox sends are not read as DNS");
  }
}

static void
test_chain_limits (void)
{
  uint8_t msg[4096];
  struct sbx_dns_answer a;
  struct dns_rr rr[SBX_DNS_CHAIN_MAX + 3];
  char names[SBX_DNS_CHAIN_MAX + 3][32];
  size_t n;

  /* A loop: a -> b -> a, and an address for a.  */
  {
    static const struct dns_rr loop[] = {
      { "a.test", 5, 60, "b.test" },
      { "b.test", 5, 60, "a.test" },
      { "b.test", 1, 60, "192.0.2.1" },
    };
    n = dns_msg (msg, "a.test", 0, loop, 3);
    TAP_OK (sbx_dns_answer_parse (msg, n, &a) == 0 && a.n == 1, "a CNAME loop ends");
  }
  /* A chain n0 -> n1 -> ... -> n18, listed last link first, and an
     address for n18: two links more than followed.  */
  for (size_t k = 0; k <= SBX_DNS_CHAIN_MAX + 2; k++)
    snprintf (names[k], sizeof names[k], "n%zu.test", k);
  for (size_t i = 0; i < SBX_DNS_CHAIN_MAX + 2; i++)
    {
      size_t k = SBX_DNS_CHAIN_MAX + 1 - i;

      rr[i] = (struct dns_rr){ names[k], 5, 60, names[k + 1] };
    }
  rr[SBX_DNS_CHAIN_MAX + 2] = (struct dns_rr){ names[SBX_DNS_CHAIN_MAX + 2], 1, 60, "192.0.2.2" };
  n = dns_msg (msg, "n0.test", 0, rr, SBX_DNS_CHAIN_MAX + 3);
  TAP_OK (sbx_dns_answer_parse (msg, n, &a) == 0 && a.n == 0,
          "a chain longer than %d CNAMEs gives no address", SBX_DNS_CHAIN_MAX);
  /* From n1, with n17's link (the first listed) made an address: the
     longest chain followed.  */
  rr[0] = (struct dns_rr){ names[SBX_DNS_CHAIN_MAX + 1], 1, 60, "192.0.2.3" };
  n = dns_msg (msg, "n1.test", 0, rr, SBX_DNS_CHAIN_MAX + 1);
  TAP_OK (sbx_dns_answer_parse (msg, n, &a) == 0 && a.n == 1,
          "a chain of %d CNAMEs, listed last to first, is followed", SBX_DNS_CHAIN_MAX);
}

/* The set of lines written is capped: past it, a warning and nothing.  */
static void
test_cap (void)
{
  uint8_t f[FRAME_ROOM];
  size_t lines = 0;
  char buf[4096];
  ssize_t n;
  off_t off = 0;

  start ();
  for (unsigned i = 0; i <= SBX_NET_RECORD_MAX; i++)
    {
      char dst[32];

      snprintf (dst, sizeof dst, "10.%u.%u.1", (i >> 16) & 0xff, (i >> 8) & 0xff);
      sent (f, frame_udp (f, "10.0.2.100", 1, dst, (uint16_t)(1 + (i & 0xff)), NULL, 0));
    }
  while ((n = pread (fileno (file), buf, sizeof buf, off)) > 0)
    {
      for (ssize_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
      off += n;
    }
  TAP_IS_UINT (lines, SBX_NET_RECORD_MAX, "at most %d lines", SBX_NET_RECORD_MAX);
  TAP_OK (rec.stopped, "and the recorder stopped");

  /* Long names the sandbox asked for: the bytes run out first.  */
  start ();
  {
    char label[61], name[256];
    struct dns_rr rr = { "", 1, 60, "192.0.2.1" };
    unsigned i;
    struct stat st;

    memset (label, 'x', 60);
    label[60] = '\0';
    for (i = 0; i <= SBX_NET_RECORD_MAX && !rec.stopped; i++)
      {
        snprintf (name, sizeof name, "%s.%s.%s.%s.n%u", label, label, label, label, i);
        received (f, frame_dns (f, false, name, &rr, 1));
      }
    TAP_OK (rec.stopped && i < SBX_NET_RECORD_MAX && fstat (fileno (file), &st) == 0
                && (unsigned long)st.st_size <= SBX_NET_RECORD_MAX_BYTES + 32ul * i,
            "long names: the recorder stops after %u MiB of them (%u lines)",
            SBX_NET_RECORD_MAX_BYTES >> 20, i);
  }
}

int
main (void)
{
  signal (SIGPIPE, SIG_IGN);
  sbx_net_record_init (&rec, -1);
  test_flows ();
  test_sni ();
  test_dns ();
  test_chain_limits ();
  test_cap ();
  sbx_net_record_free (&rec);
  if (file)
    fclose (file);
  return tap_done ();
}
