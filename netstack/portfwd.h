/* sbx netstack: the TCP fast path of published ports.  The helper, in the
   host's network namespace, accepts a connection on the host and asks
   the sandbox's init (over a socket pair) for a socket connecting to the
   port inside the sandbox's namespace; init starts a non-blocking connect
   and passes the socket back at once, and the helper waits for the
   connect to end, then splices the two with splice(2) through pipes,
   never copying through user space or libslirp.  */
#ifndef SBX_NET_PORTFWD_H
#define SBX_NET_PORTFWD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_portfwd_request
{
  uint16_t port;
  uint8_t family; /* AF_INET or AF_INET6 */
};

struct sbx_portfwd_reply
{
  int32_t err; /* 0 with the socket (its connect may be in progress), or the
                  errno of the socket or connect inside */
};

/* Init's side: answer one request read from `sock`, never blocking on
   the program: the socket it passes back may still be connecting.  */
void sbx_portfwd_serve (int sock);

/* The helper's side.  */
struct sbx_splice;

struct sbx_portfwd
{
  int sock; /* to init */
  struct sbx_splice **conns;
  size_t n_conns;
  int *waiting; /* host connections waiting for init's socket, in order */
  size_t n_waiting;
};

#define SBX_PORTFWD_MAX_CONNS 512

/* An accepted host connection for sandbox port `port`.  */
void sbx_portfwd_accepted (struct sbx_portfwd *pf, int conn, uint16_t port, int family);
/* Init answered.  */
void sbx_portfwd_reply (struct sbx_portfwd *pf);

/* Add the connections' fds to a poll set; returns how many were added
   (at most `room`).  */
size_t sbx_portfwd_fill (struct sbx_portfwd *pf, struct pollfd *fds, size_t room);
/* Move data for every connection whose fds are ready, close finished
   ones.  `fds` is what sbx_portfwd_fill filled.  */
void sbx_portfwd_pump (struct sbx_portfwd *pf, const struct pollfd *fds, size_t n);
/* The sandbox ended: reset the host connections whose connect inside
   never completed (a program that never accepted); they have nothing to
   drain.  */
void sbx_portfwd_drop_connecting (struct sbx_portfwd *pf);
void sbx_portfwd_free (struct sbx_portfwd *pf);

#endif
