/* sbx: PID 1; see init.h.  */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
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
sbx_init_exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

static void
init_mark (const char *what)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  sbx_log_debug ("%s (t=%.2f)", what, (t.tv_sec % 1000) * 1e3 + t.tv_nsec / 1e6);
}

/* Whether fuse-overlayfs is dead or dying.  A program killed by its death
   (SIGBUS on a file mapped from the overlay, an I/O error) can end before
   the daemon is reaped, so give it a moment to show up as a zombie.  */
static bool
daemon_died (pid_t daemon, int program_status)
{
  /* Only a death by SIGBUS or SIGSEGV is worth waiting for: a program
     that exits with an error must not pay for it.  */
  bool suspicious
      = WIFSIGNALED (program_status)
        && (WTERMSIG (program_status) == SIGBUS || WTERMSIG (program_status) == SIGSEGV);

  if (daemon <= 0)
    return false;
  for (int i = 0; i < (suspicious ? 40 : 1); i++)
    {
      char path[64], buf[256];
      int fd, n;
      const char *state;
      if (waitpid (daemon, NULL, WNOHANG) == daemon)
        return true;
      snprintf (path, sizeof path, "/proc/%d/stat", (int)daemon);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return true;
      n = read (fd, buf, sizeof buf - 1);
      close (fd);
      buf[n > 0 ? n : 0] = '\0';
      state = strrchr (buf, ')');
      if (state && (state[2] == 'Z' || state[2] == 'X'))
        return true;
      if (i + 1 < (suspicious ? 40 : 1))
        {
          struct timespec ts = { 0, 5 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
    }
  return false;
}

static __attribute__ ((noreturn)) void
finish (int status, int layers)
{
  init_mark ("init: the program ended");
  if (layers >= 0)
    {
      /* Everything else of the sandbox goes first, the overlay daemon
         too, so nothing writes to the layers while they are removed.  */
      kill (-1, SIGKILL);
      while (waitpid (-1, NULL, 0) > 0 || errno == EINTR)
        ;
      init_mark ("init: every process gone");
      sbx_state_remove_tree (layers, "upper");
      sbx_state_remove_tree (layers, "work");
      init_mark ("init: layers removed");
    }
  _exit (sbx_init_exit_code (status));
}

void
sbx_init_run (pid_t program, int sigfd, int portsock, int layers, pid_t overlay_daemon)
{
  /* Init is not dumpable already (sbx_child_run, before the fork).  */
  prctl (PR_SET_NAME, "sbx-init", 0, 0, 0);
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
            if (p == program && !daemon_died (overlay_daemon, status))
              finish (status, layers);
            else if (p == overlay_daemon || p == program)
              {
                /* The daemon died, or the program died of it (SIGBUS on a
                   mapped file) before we heard of the daemon.  */
                static const char m[]
                    = "sbx: fuse-overlayfs, which serves the sandbox's copy-on-write root, died; "
                      "the sandbox was stopped (its upper layer is intact)\n";
                if (write (STDERR_FILENO, m, sizeof m - 1) < 0)
                  {
                    /* nowhere to say it */
                  }
                if (p != program)
                  {
                    kill (program, SIGKILL);
                    while (waitpid (program, &status, 0) < 0 && errno == EINTR)
                      ;
                  }
                finish (125 << 8, layers);
              }
          continue;
        }
      kill (program, si.ssi_signo);
    }
}
