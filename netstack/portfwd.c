/* sbx netstack: published TCP ports; see portfwd.h.  */
#define _GNU_SOURCE
#include "portfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/util.h"

void
sbx_portfwd_serve (int sock)
{
  struct sbx_portfwd_request req;
  struct sbx_portfwd_reply rep = { 0 };
  union
  {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } sa;
  socklen_t len;
  int fd;

  if (recv (sock, &req, sizeof req, MSG_DONTWAIT) != sizeof req)
    return;
  memset (&sa, 0, sizeof sa);
  if (req.family == AF_INET6)
    {
      sa.v6.sin6_family = AF_INET6;
      sa.v6.sin6_port = htons (req.port);
      sa.v6.sin6_addr = in6addr_loopback;
      len = sizeof sa.v6;
    }
  else
    {
      sa.v4.sin_family = AF_INET;
      sa.v4.sin_port = htons (req.port);
      sa.v4.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      len = sizeof sa.v4;
    }
  /* Never a blocking connect: the program owns the listener, and one that
     never accepts fills its backlog, after which a blocking connect waits
     minutes for SYN retries while init forwards no signal and reaps no
     child.  The connect goes on in the background and the helper, which
     splices, learns its outcome (splice_connected).  */
  fd = socket (sa.v4.sin_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || (connect (fd, (struct sockaddr *)&sa, len) < 0 && errno != EINPROGRESS))
    {
      rep.err = errno;
      if (fd >= 0)
        close (fd);
      fd = -1;
    }
  /* The send may wait for the helper, never for the program: the helper
     reads every answer each round.  It matches answers to requests by
     their order, so one that cannot carry the socket (too many fds in
     flight) still answers.  */
  if (sbx_send_with_fd (sock, &rep, sizeof rep, fd) < 0 && fd >= 0)
    {
      rep.err = errno;
      sbx_send_with_fd (sock, &rep, sizeof rep, -1);
    }
  if (fd >= 0)
    close (fd);
}

/* One spliced connection: a (host) <-> b (sandbox).  */
struct dir
{
  int pipe[2];
  size_t buffered; /* bytes in the pipe */
  bool eof;        /* the source ended */
  bool shut;       /* the destination was told */
};

struct sbx_splice
{
  int a, b;
  struct dir ab, ba;
  bool connecting; /* b's connect inside is still in progress */
  bool dead;
};

static void
splice_free (struct sbx_splice *s)
{
  close (s->a);
  close (s->b);
  for (int i = 0; i < 2; i++)
    {
      if (s->ab.pipe[i] >= 0)
        close (s->ab.pipe[i]);
      if (s->ba.pipe[i] >= 0)
        close (s->ba.pipe[i]);
    }
  free (s);
}

/* Nothing listens inside, or the sandbox ended: the client sees its
   connection reset, as it would connecting to a closed port.  */
static void
refuse (int conn)
{
  struct linger lg = { 1, 0 };
  setsockopt (conn, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

static void
reset (int conn)
{
  refuse (conn);
  close (conn);
}

static void
splice_refuse (struct sbx_splice *s)
{
  refuse (s->a);
  s->dead = true;
}

/* The pipes come once b is connected: a connect that a program's full
   backlog holds up for minutes costs two fds, not six.  */
static struct sbx_splice *
splice_new (int a, int b)
{
  struct sbx_splice *s = xmalloc0 (sizeof *s);
  s->a = a;
  s->b = b;
  s->connecting = true;
  s->ab.pipe[0] = s->ab.pipe[1] = s->ba.pipe[0] = s->ba.pipe[1] = -1;
  fcntl (a, F_SETFL, fcntl (a, F_GETFL) | O_NONBLOCK);
  fcntl (b, F_SETFL, fcntl (b, F_GETFL) | O_NONBLOCK);
  return s;
}

/* b became writable or failed: its connect is over.  */
static void
splice_connected (struct sbx_splice *s)
{
  int e = 0;
  socklen_t len = sizeof e;

  s->connecting = false;
  if (getsockopt (s->b, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
    {
      splice_refuse (s);
      return;
    }
  if (pipe2 (s->ab.pipe, O_NONBLOCK | O_CLOEXEC) < 0
      || pipe2 (s->ba.pipe, O_NONBLOCK | O_CLOEXEC) < 0)
    {
      s->dead = true;
      return;
    }
  /* Bigger pipes, fewer wake-ups on bulk transfers; the default (64 KiB)
     serves if the system's limit is lower.  */
  fcntl (s->ab.pipe[1], F_SETPIPE_SZ, 1 << 20);
  fcntl (s->ba.pipe[1], F_SETPIPE_SZ, 1 << 20);
}

void
sbx_portfwd_accepted (struct sbx_portfwd *pf, int conn, uint16_t port, int family)
{
  struct sbx_portfwd_request req = { port, family };

  if (pf->n_conns + pf->n_waiting >= SBX_PORTFWD_MAX_CONNS
      || send (pf->sock, &req, sizeof req, MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof req)
    {
      close (conn);
      return;
    }
  pf->waiting = xrealloc (pf->waiting, (pf->n_waiting + 1) * sizeof *pf->waiting);
  pf->waiting[pf->n_waiting++] = conn;
}

/* One answer of init's; false when none is there now.  */
static bool
reply_one (struct sbx_portfwd *pf)
{
  struct sbx_portfwd_reply rep;
  int fd = -1, conn;
  ssize_t r = sbx_recv_with_fd (pf->sock, &rep, sizeof rep, &fd);

  if (r <= 0 || pf->n_waiting == 0)
    {
      if (fd >= 0)
        close (fd);
      return r > 0;
    }
  /* Init answers in the order it was asked.  */
  conn = pf->waiting[0];
  memmove (pf->waiting, pf->waiting + 1, (pf->n_waiting - 1) * sizeof *pf->waiting);
  pf->n_waiting--;
  if (fd < 0)
    {
      reset (conn);
      return true;
    }
  pf->conns = xrealloc (pf->conns, (pf->n_conns + 1) * sizeof *pf->conns);
  pf->conns[pf->n_conns++] = splice_new (conn, fd);
  return true;
}

void
sbx_portfwd_reply (struct sbx_portfwd *pf)
{
  /* Every answer waiting, not one a round: init's send to a full socket
     would wait for the next.  */
  for (int i = 0; i < 64 && reply_one (pf); i++)
    ;
}

size_t
sbx_portfwd_fill (struct sbx_portfwd *pf, struct pollfd *fds, size_t room)
{
  size_t n = 0;
  for (size_t i = 0; i < pf->n_conns && n + 2 <= room; i++)
    {
      struct sbx_splice *s = pf->conns[i];
      short ea = 0, eb = 0;
      if (s->connecting)
        {
          /* POLLOUT ends the connect, either way; the client's data waits
             in its socket meanwhile.  */
          fds[n++] = (struct pollfd){ .fd = s->a, .events = 0 };
          fds[n++] = (struct pollfd){ .fd = s->b, .events = POLLOUT };
          continue;
        }
      if (!s->ab.eof && s->ab.buffered == 0)
        ea |= POLLIN;
      if (!s->ba.eof && s->ba.buffered == 0)
        eb |= POLLIN;
      if (s->ab.buffered)
        eb |= POLLOUT;
      if (s->ba.buffered)
        ea |= POLLOUT;
      fds[n++] = (struct pollfd){ .fd = s->a, .events = ea };
      fds[n++] = (struct pollfd){ .fd = s->b, .events = eb };
    }
  return n;
}

/* Move what can be moved from src to dst through d's pipe.  */
static void
pump_dir (int src, int dst, struct dir *d, bool *dead)
{
  const unsigned flags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
  for (int rounds = 0; rounds < 16; rounds++)
    {
      bool progress = false;
      if (!d->eof && d->buffered == 0)
        {
          ssize_t n = splice (src, NULL, d->pipe[1], NULL, 1 << 20, flags);
          if (n > 0)
            {
              d->buffered += n;
              progress = true;
            }
          else if (n == 0)
            d->eof = true;
          else if (errno != EAGAIN && errno != EINTR)
            d->eof = true; /* reset by the peer: treat as the end */
        }
      if (d->buffered > 0)
        {
          ssize_t n = splice (d->pipe[0], NULL, dst, NULL, d->buffered, flags);
          if (n > 0)
            {
              d->buffered -= n;
              progress = true;
            }
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            {
              *dead = true;
              return;
            }
        }
      if (!progress)
        break;
    }
  if (d->eof && d->buffered == 0 && !d->shut)
    {
      shutdown (dst, SHUT_WR);
      d->shut = true;
    }
}

/* Close the finished and the failed connections.  */
static void
sweep (struct sbx_portfwd *pf)
{
  for (size_t i = 0; i < pf->n_conns;)
    {
      struct sbx_splice *s = pf->conns[i];
      if (s->dead || (s->ab.shut && s->ba.shut))
        {
          splice_free (s);
          pf->conns[i] = pf->conns[--pf->n_conns];
          continue;
        }
      i++;
    }
}

void
sbx_portfwd_pump (struct sbx_portfwd *pf, const struct pollfd *fds, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < pf->n_conns && k + 2 <= n; i++, k += 2)
    {
      struct sbx_splice *s = pf->conns[i];
      if (s->connecting)
        {
          if (fds[k + 1].revents)
            splice_connected (s);
          else if (fds[k].revents & (POLLERR | POLLHUP | POLLNVAL))
            s->dead = true; /* the client gave up first */
          continue;
        }
      if (fds[k].revents || fds[k + 1].revents)
        {
          pump_dir (s->a, s->b, &s->ab, &s->dead);
          pump_dir (s->b, s->a, &s->ba, &s->dead);
        }
      if ((fds[k].revents | fds[k + 1].revents) & (POLLERR | POLLNVAL))
        s->dead = true;
    }
  sweep (pf);
}

void
sbx_portfwd_drop_connecting (struct sbx_portfwd *pf)
{
  for (size_t i = 0; i < pf->n_conns; i++)
    {
      struct sbx_splice *s = pf->conns[i];
      struct pollfd p = { .fd = s->b, .events = POLLOUT };
      if (!s->connecting)
        continue;
      /* One connected before the end that the loop has not seen yet
         holds what the program sent: it drains like the others.  */
      if (poll (&p, 1, 0) == 1)
        splice_connected (s);
      else
        splice_refuse (s);
    }
  sweep (pf);
}

void
sbx_portfwd_free (struct sbx_portfwd *pf)
{
  for (size_t i = 0; i < pf->n_conns; i++)
    splice_free (pf->conns[i]);
  for (size_t i = 0; i < pf->n_waiting; i++)
    close (pf->waiting[i]);
  free (pf->conns);
  free (pf->waiting);
  memset (pf, 0, sizeof *pf);
}
