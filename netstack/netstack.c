/* sbx netstack: the parent's side; see netstack.h.  */
#define _GNU_SOURCE
#include "netstack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/libexec.h"
#include "../core/base/sync.h"
#include "../core/base/util.h"
#include "helper-args.h"

/* How long libslirp may take to start before sbx gives up.  */
#define START_TIMEOUT_MS 10000

void
sbx_net_runtime_init (struct sbx_net_runtime *rt)
{
  memset (rt, 0, sizeof *rt);
  rt->portsock[0] = rt->portsock[1] = -1;
  rt->helper = -1;
  rt->tapsock = rt->status = -1;
  rt->exe = -1;
  rt->record = -1;
}

static int spawn (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err);

int
sbx_net_prepare (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err)
{
  if ((rt->exe = sbx_libexec_open ("sbx-net", &rt->exe_path, err)) < 0)
    return -1;
  rt->listeners = xmalloc0 ((net->n_ports + 1) * sizeof *rt->listeners);
  rt->n_listeners = net->n_ports;
  for (size_t i = 0; i < net->n_ports; i++)
    rt->listeners[i] = -1;
  for (size_t i = 0; i < net->n_ports; i++)
    if (net->ports[i].proto == IPPROTO_TCP
        && (rt->listeners[i] = sbx_publish_listen (&net->ports[i], err)) < 0)
      return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rt->portsock) < 0)
    return sbx_error_make (err, errno, "socketpair for published ports");
  /* Opened here, as the user and before the sandbox exists, so that a
     path that cannot be written fails the start with its name, and the
     helper needs no right to open files.  Appended to, never truncated:
     it may be the user's own file.  Non-blocking: a FIFO nobody reads
     fails here (ENXIO) instead of hanging the start, and a full pipe
     stops the recording (record.c says so) instead of the network.  */
  if (net->record_path)
    {
      rt->record = open (net->record_path,
                         O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666);
      if (rt->record < 0)
        return sbx_error_make (err, errno, "net-record: open `%s` for writing", net->record_path);
    }
  return spawn (net, rt, err);
}

/* In the helper: close every fd it does not need, before libslirp runs
   (it must hold nothing of sbx's: the sync socket, the pty).  */
static void
keep_only (const int *keep, size_t n)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  int dfd;

  if (d == NULL)
    return;
  dfd = dirfd (d);
  while ((de = readdir (d)) != NULL)
    {
      int fd = atoi (de->d_name);
      bool needed = fd <= 2 || fd == dfd || de->d_name[0] == '.';
      for (size_t i = 0; i < n && !needed; i++)
        needed = keep[i] == fd;
      if (!needed)
        close (fd);
    }
  closedir (d);
}

/* Fork the helper, which execs sbx-net and waits for the tap.  */
static int
spawn (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err)
{
  int status[2], tapsock[2];
  pid_t pid;

  if (sbx_sync_socketpair (status, err) < 0)
    return -1;
  if (sbx_sync_socketpair (tapsock, err) < 0)
    {
      close (status[0]);
      close (status[1]);
      return -1;
    }
  pid = fork ();
  if (pid < 0)
    {
      for (int i = 0; i < 2; i++)
        {
          close (status[i]);
          close (tapsock[i]);
        }
      return sbx_error_make (err, errno, "fork the network helper");
    }
  if (pid == 0)
    {
      size_t nk = 0;
      int *keep = xmalloc0 ((rt->n_listeners + 6) * sizeof *keep);
      struct sbx_net_helper_cfg cfg = { .net = net,
                                        .tap = -1,
                                        .tap_socket = tapsock[1],
                                        .listeners = rt->listeners,
                                        .portsock = rt->portsock[0],
                                        .status = status[1],
                                        .record = rt->record };
      char **argv = sbx_net_helper_argv (rt->exe_path, &cfg);
      char *const envp[] = { "LC_ALL=C", NULL };
      sbx_error_t e = NULL;
      keep[nk++] = tapsock[1];
      keep[nk++] = rt->portsock[0];
      keep[nk++] = status[1];
      if (rt->record >= 0)
        keep[nk++] = rt->record;
      for (size_t i = 0; i < rt->n_listeners; i++)
        if (rt->listeners[i] >= 0)
          keep[nk++] = rt->listeners[i];
      /* These pass through the exec of sbx-net; its own executable's fd
         stays close-on-exec.  */
      for (size_t i = 0; i < nk; i++)
        fcntl (keep[i], F_SETFD, 0);
      keep[nk++] = rt->exe;
      keep_only (keep, nk);
      sbx_libexec_exec (rt->exe, argv, envp);
      sbx_error_make (&e, errno, "run the network helper `%s`", rt->exe_path);
      sbx_sync_write (status[1], SBX_SYNC_ERROR, e);
      _exit (SBX_EXIT_FAILURE);
    }
  rt->helper = pid;
  close (status[1]);
  close (tapsock[1]);
  /* The helper's now; sbx keeps no copy.  */
  if (rt->record >= 0)
    {
      close (rt->record);
      rt->record = -1;
    }
  rt->status = status[0];
  rt->tapsock = tapsock[0];
  return 0;
}

int
sbx_net_start (const struct sbx_netspec *net, struct sbx_net_runtime *rt, int tap, sbx_error_t *err)
{
  struct sbx_sync_msg m;
  struct pollfd p;
  int r;

  (void)net;
  /* A helper that already failed says why on the status socket; a send
     to it may then fail (EPIPE): read the status either way.  */
  sbx_sync_send (rt->tapsock, SBX_SYNC_TAP, tap);
  close (rt->tapsock);
  rt->tapsock = -1;

  /* The helper runs, or why not: the one error channel (sync.h).  */
  p = (struct pollfd){ .fd = rt->status, .events = POLLIN };
  do
    r = poll (&p, 1, START_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r > 0)
    r = sbx_sync_recv (rt->status, &m, NULL);
  close (rt->status);
  rt->status = -1;
  if (r > 0 && m.type == SBX_SYNC_NET_READY)
    return 0;
  if (r > 0 && m.type == SBX_SYNC_ERROR)
    {
      sbx_error_make_exit (err, m.exit_code, 0, "%s", m.text);
      (*err)->status = m.err_no;
    }
  else
    sbx_error_make (err, 0, "the network helper did not start");
  kill (rt->helper, SIGKILL);
  waitpid (rt->helper, NULL, 0);
  rt->helper = -1;
  return -1;
}

void
sbx_net_stop (struct sbx_net_runtime *rt)
{
  /* A helper still waiting for the tap sees EOF and goes.  */
  if (rt->tapsock >= 0)
    close (rt->tapsock);
  if (rt->status >= 0)
    close (rt->status);
  rt->tapsock = rt->status = -1;
  if (rt->helper > 0)
    {
      /* SIGTERM: it lets published connections drain to their host
         readers (10 s at most) and prints its --net-log summary.  Its
         pidfd says at once when it is gone (polling every 10 ms cost the
         end of every --net slirp run up to 10 ms).  */
      int pidfd = (int)syscall (SYS_pidfd_open, rt->helper, 0);
      kill (rt->helper, SIGTERM);
      if (pidfd >= 0)
        {
          struct pollfd p = { .fd = pidfd, .events = POLLIN };
          while (poll (&p, 1, 11000) < 0 && errno == EINTR)
            ;
          close (pidfd);
        }
      for (int i = 0; i < 1100; i++)
        {
          if (waitpid (rt->helper, NULL, WNOHANG) == rt->helper)
            {
              rt->helper = -1;
              break;
            }
          struct timespec ts = { 0, 10 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
      if (rt->helper > 0)
        {
          kill (rt->helper, SIGKILL);
          waitpid (rt->helper, NULL, 0);
          rt->helper = -1;
        }
    }
  for (size_t i = 0; i < rt->n_listeners; i++)
    if (rt->listeners[i] >= 0)
      close (rt->listeners[i]);
  free (rt->listeners);
  for (int i = 0; i < 2; i++)
    if (rt->portsock[i] >= 0)
      close (rt->portsock[i]);
  if (rt->exe >= 0)
    close (rt->exe);
  if (rt->record >= 0)
    close (rt->record);
  free (rt->exe_path);
  sbx_net_runtime_init (rt);
}

void
sbx_net_parent_cloned (struct sbx_net_runtime *rt)
{
  if (rt->portsock[1] >= 0)
    {
      close (rt->portsock[1]);
      rt->portsock[1] = -1;
    }
}

void
sbx_net_port_text (const struct sbx_netspec *net, size_t i, char *buf, size_t size)
{
  const struct sbx_publish *p = &net->ports[i];
  char host[80];

  sbx_publish_host_string (p, host, sizeof host);
  snprintf (buf, size, "%s->%u/%s", host, p->sandbox_port, p->proto == IPPROTO_UDP ? "udp" : "tcp");
}
