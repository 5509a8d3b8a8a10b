/* sbx: the network part of `sbx learn`'s profile: the network helper's
   records (one event a line, in the order seen) become egress rules.  A
   destination a DNS answer or a TLS SNI named gets the name-based rule
   `egress allow:host:NAME:PORT`, which the helper enforces by reading the
   DNS answers; one nothing named gets its address.  Everything else is
   refused (`egress deny:all`).  Pure, like learn-profile.c.  */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "learn-profile.h"

/* The sandbox's DNS server (libslirp's), which the rules must let
   through when names are looked up.  */
#define DNS4 "10.0.2.3"
#define DNS6 "fd00::3"
/* The host's loopback, as the sandbox reaches it: only with
   allow-host-loopback.  */
#define HOST4 "10.0.2.2"
#define HOST6 "fd00::2"

struct rule
{
  char *text; /* the directive */
  char *why;  /* its evidence */
};

static int
cmp_rule (const void *a, const void *b)
{
  return strcmp (((const struct rule *)a)->text, ((const struct rule *)b)->text);
}

/* The records come from the network: a name a DNS answer carried goes
   into the profile only if it is a host name (letters, digits, `-`,
   `_`, `.`), an address only if it is one.  */
static bool
host_name (const char *s)
{
  if (*s == '\0' || strlen (s) > 253)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
          || *s == '-' || *s == '_' || *s == '.'))
      return false;
  return true;
}

static bool
address (const char *s)
{
  unsigned char buf[16];
  return inet_pton (AF_INET, s, buf) == 1 || inet_pton (AF_INET6, s, buf) == 1;
}

/* The name that led to `ip` (and `port`): an SNI first, else the
   smallest DNS name that answered it, so that two runs agree.  */
static const char *
name_for (char *const *lines, size_t n, const char *ip, const char *port, char *buf, size_t size)
{
  char name[256], a[64], b[64], c[64];
  bool found = false;

  for (size_t i = 0; i < n; i++)
    if (sscanf (lines[i], "sni %255s %63s %63s", name, a, b) == 3 && strcmp (a, ip) == 0
        && strcmp (b, port) == 0 && host_name (name))
      {
        snprintf (buf, size, "%s", name);
        return buf;
      }
  for (size_t i = 0; i < n; i++)
    if (sscanf (lines[i], "dns %255s %63s %63s %63s", name, a, b, c) == 4 && strcmp (b, ip) == 0
        && host_name (name) && (!found || strcmp (name, buf) < 0))
      {
        snprintf (buf, size, "%s", name);
        found = true;
      }
  return found ? buf : NULL;
}

char *
sbx_learn_net_rules (char *out, char *const *lines, size_t n)
{
  struct rule *rules = NULL;
  size_t n_rules = 0;
  bool dns = false, host = false;
  char *text = NULL;
  size_t len = 0;
  FILE *f;

  for (size_t i = 0; i < n; i++)
    {
      char proto[8], ip[64], port[16], namebuf[256];
      const char *name;
      char *r;

      if (strncmp (lines[i], "dns ", 4) == 0)
        dns = true;
      if (sscanf (lines[i], "flow %7s %63s %15s", proto, ip, port) != 3 || !address (ip)
          || (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0)
          || strspn (port, "0123456789") != strlen (port))
        continue;
      if ((strcmp (ip, DNS4) == 0 || strcmp (ip, DNS6) == 0) && strcmp (port, "53") == 0)
        {
          dns = true;
          continue;
        }
      host |= strcmp (ip, HOST4) == 0 || strcmp (ip, HOST6) == 0;
      name = name_for (lines, n, ip, port, namebuf, sizeof namebuf);
      r = name               ? xasprintf ("egress allow:host:%s:%s", name, port)
          : strchr (ip, ':') ? xasprintf ("egress allow:[%s]:%s/%s", ip, port, proto)
                             : xasprintf ("egress allow:%s:%s/%s", ip, port, proto);
      for (size_t j = 0; j < n_rules && r; j++)
        if (strcmp (rules[j].text, r) == 0)
          {
            free (r);
            r = NULL;
          }
      if (r == NULL)
        continue;
      rules = xrealloc (rules, (n_rules + 1) * sizeof *rules);
      rules[n_rules].text = r;
      rules[n_rules++].why = name ? xasprintf ("%s %s:%s, named %s", proto, ip, port, name)
                                  : xasprintf ("%s %s:%s", proto, ip, port);
    }
  if (n_rules == 0 && !dns)
    return out;
  qsort (rules, n_rules, sizeof *rules, cmp_rule);
  f = open_memstream (&text, &len);
  fprintf (f, "%s\n# the network: only what the run reached\nnet slirp\n", out ? out : "");
  if (host)
    fprintf (f, "# it reached the host's loopback (%s)\nallow-host-loopback\n", HOST4);
  if (dns)
    fprintf (f, "# names were looked up\negress allow:%s:53\n", DNS4);
  for (size_t i = 0; i < n_rules; i++)
    {
      fprintf (f, "# connected: %s\n%s\n", rules[i].why, rules[i].text);
      free (rules[i].text);
      free (rules[i].why);
    }
  fprintf (f, "egress deny:all\n");
  fclose (f);
  free (rules);
  free (out);
  return text;
}
