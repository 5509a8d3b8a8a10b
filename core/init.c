/* sbx: PID 1; see init.h.  */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../netstack/netstack.h"
#include "base/log.h"
#include "state.h"

void
sbx_init_forwarded (sigset_t *set)
{
  static const int sigs[]
      = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };
  sigemptyset (set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset (set, sigs[i]);
}

int
sbx_init_relay_signals (sigset_t *old, sbx_error_t *err)
{
  sigset_t mask;
  int fd;

  sbx_init_forwarded (&mask);
  sigaddset (&mask, SIGCHLD);
  sigprocmask (SIG_BLOCK, &mask, old);
  fd = signalfd (-1, &mask, SFD_CLOEXEC);
  if (fd < 0)
    return sbx_error_make (err, errno, "signalfd");
  return fd;
}

int
sbx_init_exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

static __attribute__ ((noreturn)) void
finish (int status, int layers)
{
  sbx_log_mark ("init: the program ended");
  if (layers >= 0)
    {
      /* Everything else of the sandbox goes first, so nothing writes to
         the layers while they are removed.  */
      kill (-1, SIGKILL);
      while (waitpid (-1, NULL, 0) > 0 || errno == EINTR)
        ;
      sbx_log_mark ("init: every process gone");
      sbx_state_remove_tree (layers, "upper");
      sbx_state_remove_tree (layers, "work");
      sbx_log_mark ("init: layers removed");
    }
  _exit (sbx_init_exit_code (status));
}

void
sbx_init_run (pid_t program, int sigfd, int portsock, int layers)
{
  /* Init is not dumpable and named sbx-init already (sbx_child_run,
     before the fork).  */
  for (;;)
    {
      struct signalfd_siginfo si;
      struct pollfd pfd[2]
          = { { .fd = sigfd, .events = POLLIN }, { .fd = portsock, .events = POLLIN } };
      ssize_t r;

      if (portsock >= 0)
        {
          if (poll (pfd, 2, -1) < 0 && errno != EINTR)
            _exit (255);
          if (pfd[1].revents & POLLIN)
            sbx_net_init_serve (portsock);
          else if (pfd[1].revents & (POLLHUP | POLLERR))
            portsock = -1; /* the helper is gone; sbx stops the sandbox */
          if (!(pfd[0].revents & POLLIN))
            continue;
        }
      r = read (sigfd, &si, sizeof si);

      if (r < 0 && errno == EINTR)
        continue;
      if (r != sizeof si)
        _exit (255);
      if (si.ssi_signo == SIGCHLD)
        {
          pid_t p;
          int status;
          /* One SIGCHLD may stand for many children: reap them all.  */
          while ((p = waitpid (-1, &status, WNOHANG)) > 0)
            if (p == program)
              finish (status, layers);
          continue;
        }
      kill (program, si.ssi_signo);
    }
}
