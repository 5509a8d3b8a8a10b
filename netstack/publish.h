/* sbx netstack: published ports, -p [HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp].
 *
 * TCP takes a fast path around libslirp: sbx listens on the host, and for
 * each connection the sandbox's init opens a socket inside the sandbox's
 * network namespace; the helper splices the two (as rootlesskit's builtin
 * port driver does).  UDP goes through libslirp's host forwarding.  The
 * host address defaults to 127.0.0.1: never every interface unless the
 * user writes 0.0.0.0.  */
#ifndef SBX_NET_PUBLISH_H
#define SBX_NET_PUBLISH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/base/error.h"

struct sbx_publish
{
  int family; /* AF_INET or AF_INET6, of the host address */
  uint8_t host_addr[16];
  uint16_t host_port, sandbox_port;
  int proto;  /* IPPROTO_TCP or IPPROTO_UDP */
  char *text; /* as written, for errors */
};

/* Parse one -p value.  Pure.  */
int sbx_publish_parse (const char *arg, struct sbx_publish *out, sbx_error_t *err);

/* "127.0.0.1:8080" or "[::1]:8080".  */
void sbx_publish_host_string (const struct sbx_publish *p, char *buf, size_t size);

/* Bind and listen on the host side of a TCP port (non-blocking,
   close-on-exec); a port in use is an error that says so.  */
int sbx_publish_listen (const struct sbx_publish *p, sbx_error_t *err);

#endif
