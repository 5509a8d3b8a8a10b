/* sbx netstack: published ports; see publish.h.  */
#define _GNU_SOURCE
#include "publish.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/util.h"

static bool
parse_port (const char *s, uint16_t *out)
{
  unsigned long v;
  if (!sbx_parse_uint (s, 65535, &v) || v == 0)
    return false;
  *out = v;
  return true;
}

int
sbx_publish_parse (const char *arg, struct sbx_publish *out, sbx_error_t *err)
{
  cleanup_free char *s = xstrdup (arg);
  char *proto, *ports, *hostport, *sandboxport;
  const char *host = "127.0.0.1";

  memset (out, 0, sizeof *out);
  out->proto = IPPROTO_TCP;
  proto = strchr (s, '/');
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") == 0)
        out->proto = IPPROTO_UDP;
      else if (strcmp (proto, "tcp") != 0)
        return sbx_error_make (err, 0, "`%s`: the protocol must be tcp or udp, not `%s`", arg,
                               proto);
    }
  ports = s;
  if (s[0] == '[')
    {
      char *close = strchr (s, ']');
      if (close == NULL || close[1] != ':')
        return sbx_error_make (err, 0,
                               "`%s`: an IPv6 host address goes in brackets: "
                               "[::1]:8080:80",
                               arg);
      *close = '\0';
      host = s + 1;
      ports = close + 2;
    }
  else
    {
      /* HOSTIP:HOSTPORT:SANDBOXPORT or HOSTPORT:SANDBOXPORT.  */
      char *first = strchr (s, ':');
      char *second = first ? strchr (first + 1, ':') : NULL;
      if (first == NULL)
        return sbx_error_make (err, 0, "`%s`: expected [HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]",
                               arg);
      if (second)
        {
          *first = '\0';
          host = s;
          ports = first + 1;
        }
    }
  hostport = ports;
  sandboxport = strchr (ports, ':');
  if (sandboxport == NULL || strchr (sandboxport + 1, ':'))
    return sbx_error_make (err, 0, "`%s`: expected [HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]", arg);
  *sandboxport++ = '\0';
  if (!parse_port (hostport, &out->host_port))
    return sbx_error_make (err, 0, "`%s`: host port `%s` is not a number from 1 to 65535", arg,
                           hostport);
  if (!parse_port (sandboxport, &out->sandbox_port))
    return sbx_error_make (err, 0, "`%s`: sandbox port `%s` is not a number from 1 to 65535", arg,
                           sandboxport);
  if (inet_pton (AF_INET, host, out->host_addr) == 1)
    out->family = AF_INET;
  else if (inet_pton (AF_INET6, host, out->host_addr) == 1)
    out->family = AF_INET6;
  else
    return sbx_error_make (err, 0, "`%s`: `%s` is not an IP address", arg, host);
  out->text = xstrdup (arg);
  return 0;
}

void
sbx_publish_host_string (const struct sbx_publish *p, char *buf, size_t size)
{
  char a[INET6_ADDRSTRLEN];
  inet_ntop (p->family, p->host_addr, a, sizeof a);
  snprintf (buf, size, p->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, p->host_port);
}

int
sbx_publish_listen (const struct sbx_publish *p, sbx_error_t *err)
{
  cleanup_close int fd = socket (p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  union
  {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } sa;
  socklen_t len;
  int one = 1;
  char where[64];

  sbx_publish_host_string (p, where, sizeof where);
  if (fd < 0)
    return sbx_error_make (err, errno, "-p %s: socket", p->text);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset (&sa, 0, sizeof sa);
  if (p->family == AF_INET)
    {
      sa.v4.sin_family = AF_INET;
      sa.v4.sin_port = htons (p->host_port);
      memcpy (&sa.v4.sin_addr, p->host_addr, 4);
      len = sizeof sa.v4;
    }
  else
    {
      sa.v6.sin6_family = AF_INET6;
      sa.v6.sin6_port = htons (p->host_port);
      memcpy (&sa.v6.sin6_addr, p->host_addr, 16);
      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      len = sizeof sa.v6;
    }
  if (bind (fd, (struct sockaddr *)&sa, len) < 0)
    {
      int e = errno;
      sbx_error_make (err, e, "-p %s: cannot listen on %s", p->text, where);
      if (e == EADDRINUSE)
        sbx_error_hint (err, "another program uses that port; pick another host port");
      else if (e == EACCES)
        sbx_error_hint (err, "ports below 1024 need privilege on the host "
                             "(sysctl net.ipv4.ip_unprivileged_port_start)");
      else if (e == EADDRNOTAVAIL)
        sbx_error_hint (err, "no interface of this host has that address");
      return -1;
    }
  if (listen (fd, 128) < 0)
    return sbx_error_make (err, errno, "-p %s: listen on %s", p->text, where);
  return steal_fd (&fd);
}
