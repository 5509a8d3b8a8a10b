/* sbx netstack: the parent's side; see netstack.h.  */
#define _GNU_SOURCE
#include "netstack.h"

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
  return 0;
}

/* vfork, and exec sbx-net in the child, which never returns here: the
   fds in `pass` survive the exec; every other fd but 0-2 and `sorted`
   (pass and the executable's fd) is closed.  */
static pid_t
vfork_helper (const int *pass, size_t n_pass, const int *sorted, size_t n, int exe, char **argv,
              volatile int *exec_errno)
{
  char *const envp[] = { "LC_ALL=C", NULL };
  pid_t pid = vfork ();

  if (pid != 0)
    return pid;
  for (size_t i = 0; i < n_pass; i++)
    fcntl (pass[i], F_SETFD, 0);
  sbx_close_all_but (sorted, n);
  sbx_libexec_exec (exe, argv, envp);
  *exec_errno = errno ? errno : ENOEXEC; /* the parent reads it once we are gone */
  _exit (SBX_EXIT_FAILURE);
}

/* vfork the helper, which execs sbx-net and waits for the tap.
   Everything the child needs is made before: it shares sbx's memory
   until its exec, and makes system calls only (a fork copied sbx's page
   tables, and left every page sbx wrote next to fault, on the critical
   path of every --net slirp start).  */
int
sbx_net_start_helper (const struct sbx_netspec *net, struct sbx_net_runtime *rt, sbx_error_t *err)
{
  int status[2], tapsock[2];
  char **argv;
  cleanup_free int *pass = NULL, *sorted = NULL;
  size_t n = 0;
  volatile int exec_errno = 0;
  pid_t pid;

  if (sbx_sync_socketpair (status, err) < 0)
    return -1;
  if (sbx_sync_socketpair (tapsock, err) < 0)
    {
      close (status[0]);
      close (status[1]);
      return -1;
    }
  {
    struct sbx_net_helper_cfg cfg = { .net = net,
                                      .tap = -1,
                                      .tap_socket = tapsock[1],
                                      .listeners = rt->listeners,
                                      .portsock = rt->portsock[0],
                                      .status = status[1],
                                      .record = rt->record };
    argv = sbx_net_helper_argv (rt->exe_path, &cfg);
  }
  /* These pass through the exec of sbx-net; its own executable's fd
     stays close-on-exec, and open until then.  */
  pass = xmalloc0 ((rt->n_listeners + 5) * sizeof *pass);
  pass[n++] = tapsock[1];
  pass[n++] = rt->portsock[0];
  pass[n++] = status[1];
  if (rt->record >= 0)
    pass[n++] = rt->record;
  for (size_t i = 0; i < rt->n_listeners; i++)
    if (rt->listeners[i] >= 0)
      pass[n++] = rt->listeners[i];
  sorted = xmalloc0 ((n + 1) * sizeof *sorted);
  memcpy (sorted, pass, n * sizeof *pass);
  sorted[n] = rt->exe;
  sbx_sort_fds (sorted, n + 1);
  pid = vfork_helper (pass, n, sorted, n + 1, rt->exe, argv, &exec_errno);
  sbx_net_helper_argv_free (argv);
  if (pid < 0 || exec_errno)
    {
      int e = pid < 0 ? errno : exec_errno;
      if (pid > 0)
        waitpid (pid, NULL, 0);
      for (int i = 0; i < 2; i++)
        {
          close (status[i]);
          close (tapsock[i]);
        }
      return pid < 0 ? sbx_error_make (err, e, "fork the network helper")
                     : sbx_error_make (err, e, "run the network helper `%s`", rt->exe_path);
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

void
sbx_net_hand_tap (struct sbx_net_runtime *rt, int tap)
{
  /* A helper that already failed says why on the status socket; a send
     to it may then fail (EPIPE): sbx_net_ready reads the status either
     way.  */
  sbx_sync_send (rt->tapsock, SBX_SYNC_TAP, tap);
  close (rt->tapsock);
  rt->tapsock = -1;
  rt->ready_deadline_ns = sbx_now_ns () + (int64_t)START_TIMEOUT_MS * 1000000;
}

int
sbx_net_ready_wait_ms (const struct sbx_net_runtime *rt)
{
  int64_t left;

  if (rt->status < 0 || rt->ready_deadline_ns == 0)
    return -1;
  left = rt->ready_deadline_ns - sbx_now_ns ();
  return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

int
sbx_net_ready (struct sbx_net_runtime *rt, sbx_error_t *err)
{
  struct sbx_sync_msg m;
  struct pollfd p = { .fd = rt->status, .events = POLLIN };
  int r;

  /* The helper runs, or why not: the one error channel (sync.h).  */
  do
    r = poll (&p, 1, 0);
  while (r < 0 && errno == EINTR);
  if (r == 0 && sbx_net_ready_wait_ms (rt) > 0)
    return 0;
  if (r > 0)
    r = sbx_sync_recv (rt->status, &m, NULL);
  close (rt->status);
  rt->status = -1;
  rt->ready_deadline_ns = 0;
  if (r > 0 && m.type == SBX_SYNC_NET_READY)
    return 1;
  if (r > 0 && m.type == SBX_SYNC_ERROR)
    {
      sbx_error_make_exit (err, m.exit_code, 0, "%s", m.text);
      (*err)->status = m.err_no;
    }
  else if (r == 0)
    sbx_error_make (err, ETIMEDOUT, "the network helper did not start within %d s",
                    START_TIMEOUT_MS / 1000);
  else
    sbx_error_make (err, 0, "the network helper did not start");
  kill (rt->helper, SIGKILL);
  waitpid (rt->helper, NULL, 0);
  rt->helper = -1;
  return -1;
}

void
sbx_net_stop_begin (struct sbx_net_runtime *rt)
{
  if (rt->helper > 0)
    kill (rt->helper, SIGTERM);
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
