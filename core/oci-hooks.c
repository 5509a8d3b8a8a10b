/* sbx: config.json's hooks, each a program run with the container's state
   on its stdin, as the runtime spec says.  A hook that fails or outlives
   its timeout fails the operation it belongs to (create or start), except
   poststart and poststop, whose failure is only reported by the caller.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "oci-internal.h"

static int
run_one (const struct sbx_oci_hook *h, const char *what, const char *state, sbx_error_t *err)
{
  int in[2];
  pid_t pid;
  cleanup_close int pidfd = -1;
  int status;
  char *const argv0[] = { h->path, NULL };
  char *const env0[] = { NULL };

  if (pipe2 (in, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "%s: pipe", what);
  pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      return sbx_error_make (err, errno, "%s: fork", what);
    }
  if (pid == 0)
    {
      if (dup2 (in[0], 0) < 0)
        _exit (127);
      execve (h->path, h->args ? h->args : argv0, h->env ? h->env : env0);
      _exit (127);
    }
  close (in[0]);
  /* The hook may not read its stdin: a full pipe or EPIPE is not an
     error of ours.  */
  signal (SIGPIPE, SIG_IGN);
  (void)sbx_write_all (in[1], state, strlen (state));
  close (in[1]);
  pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (h->timeout > 0 && pidfd >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int r;
      while ((r = poll (&p, 1, h->timeout * 1000)) < 0 && errno == EINTR)
        ;
      if (r == 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return sbx_error_make (err, ETIMEDOUT, "%s `%s`: still running after %d s", what, h->path,
                                 h->timeout);
        }
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "%s: waitpid", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    return sbx_error_make (err, 0, "%s `%s`: exit status %d", what, h->path, WEXITSTATUS (status));
  return sbx_error_make (err, 0, "%s `%s`: killed by signal %d", what, h->path, WTERMSIG (status));
}

int
oci_hooks_run (const struct sbx_oci_config *cfg, enum sbx_oci_hook_kind kind, json_object *state,
               sbx_error_t *err)
{
  const char *text = json_object_to_json_string_ext (state, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE);

  for (size_t i = 0; i < cfg->n_hooks[kind]; i++)
    {
      char what[64];
      snprintf (what, sizeof what, "hooks.%s[%zu]", sbx_oci_hook_names[kind], i);
      if (run_one (&cfg->hooks[kind][i], what, text, err) < 0)
        return -1;
    }
  return 0;
}
