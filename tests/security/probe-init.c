/* sbx-probe listen-noaccept, connect-flood: helpers for init-backlog.sh,
 * which shows that the sandbox's init never waits on the program.
 *
 * sbx-probe listen-noaccept PORT: the hostile program.  It listens on
 * 127.0.0.1:PORT with a backlog of one and never accepts, so that once two
 * connections wait in its queue every further connect to it waits for
 * SYN retries (minutes).  It prints "listening PORT", then "backlog full
 * Q/B" once its accept queue overflows (TCP_INFO on a listener gives the
 * queue's length and its limit), and meanwhile makes an orphan every 10 ms
 * (a child that forks and exits at once: the grandchild is reparented to
 * init, which alone can reap it), printing "orphans N" after each.  It
 * runs until a signal ends it.
 *
 * sbx-probe connect-flood PORT N: on the host, start N non-blocking
 * connects to 127.0.0.1:PORT without waiting for any, print "opened N"
 * (how many sockets started connecting), and hold them until killed.  */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static int
parse_port (const char *s)
{
  char *end;
  long v = strtol (s, &end, 10);
  return *s && *end == '\0' && v > 0 && v < 65536 ? (int)v : -1;
}

static void
loopback (struct sockaddr_in *sa, int port)
{
  memset (sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons (port);
  sa->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
}

/* A grandchild that init must reap: 0, or -1 with errno.  */
static int
make_orphan (void)
{
  int status;
  pid_t child = fork ();

  if (child < 0)
    return -1;
  if (child == 0)
    {
      if (fork () < 0)
        _exit (1);
      _exit (0);
    }
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

int
cmd_listen_noaccept (int argc, char **argv)
{
  struct sockaddr_in sa;
  int one = 1, fd, port;
  int full = 0;
  long orphans = 0;

  if (argc != 2 || (port = parse_port (argv[1])) < 0)
    {
      fprintf (stderr, "Usage: sbx-probe listen-noaccept PORT\n");
      return 2;
    }
  loopback (&sa, port);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
      || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 1) < 0)
    {
      fprintf (stderr, "sbx-probe listen-noaccept %d: %s\n", port, strerror (errno));
      return 1;
    }
  printf ("listening %d\n", port);
  fflush (stdout);
  for (;;)
    {
      struct timespec pace = { 0, 10 * 1000 * 1000 };
      struct tcp_info ti;
      socklen_t len = sizeof ti;

      /* A listener's tcpi_unacked is its accept queue, tcpi_sacked the
         backlog; the kernel drops SYNs once the queue is past it.  */
      if (!full && getsockopt (fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0
          && ti.tcpi_unacked > ti.tcpi_sacked)
        {
          full = 1;
          printf ("backlog full %u/%u\n", ti.tcpi_unacked, ti.tcpi_sacked);
        }
      if (make_orphan () < 0)
        {
          fprintf (stderr, "sbx-probe listen-noaccept: fork: %s\n", strerror (errno));
          return 1;
        }
      printf ("orphans %ld\n", ++orphans);
      fflush (stdout);
      nanosleep (&pace, NULL);
    }
}

int
cmd_connect_flood (int argc, char **argv)
{
  struct sockaddr_in sa;
  int port, n, opened = 0;

  if (argc != 3 || (port = parse_port (argv[1])) < 0 || (n = atoi (argv[2])) <= 0)
    {
      fprintf (stderr, "Usage: sbx-probe connect-flood PORT N\n");
      return 2;
    }
  loopback (&sa, port);
  for (int i = 0; i < n; i++)
    {
      /* Kept open on purpose: they hold their place until the probe is
         killed.  */
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0)
        break;
      if (connect (fd, (struct sockaddr *)&sa, sizeof sa) == 0 || errno == EINPROGRESS)
        opened++;
      else
        close (fd);
    }
  printf ("opened %d\n", opened);
  fflush (stdout);
  for (;;)
    pause ();
}
