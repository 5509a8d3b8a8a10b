/* sbx: PID 1; see init.h.  */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

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

void
sbx_init_run (pid_t program, int sigfd)
{
  prctl (PR_SET_NAME, "sbx-init", 0, 0, 0);
  /* Init never exec'd: its /proc/1/exe is sbx itself, and its memory is
     sbx's.  Not dumpable, so the program cannot open /proc/1/exe, /root,
     /fd, /mem or /environ, nor ptrace it (the CVE-2019-5736 class).  */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  for (;;)
    {
      struct signalfd_siginfo si;
      ssize_t r = read (sigfd, &si, sizeof si);

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
              _exit (sbx_init_exit_code (status));
          continue;
        }
      kill (program, si.ssi_signo);
    }
}
