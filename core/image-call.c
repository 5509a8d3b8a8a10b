/* sbx: image references, and running sbx-image (cmd/sbx-image.c, which
   links libarchive so that the launcher does not) on the layers the store
   lacks.  Its answer on stdout is "." when it unpacked them all, or
   "!ERRNO EXIT message"; writer and reader are both here, so the two
   cannot drift apart.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "base/libexec.h"
#include "base/log.h"
#include "base/util.h"

/* The longest answer read: an error's message is one line.  */
#define ANSWER_MAX 4096

int
sbx_image_parse_ref (const char *ref, char **dir, char **tag, sbx_error_t *err)
{
  const char *rest, *colon;

  if (strncmp (ref, "oci:", 4) != 0)
    return sbx_error_make (err, 0,
                           "`%s`: only OCI image layouts are supported: "
                           "oci:DIR[:TAG]",
                           ref);
  rest = ref + 4;
  /* As containers/image reads it: the path ends at the first colon, and
     the rest is the reference, which may hold '/' and ':' itself
     (podman save writes "localhost/debian-min:12").  */
  colon = strchr (rest, ':');
  if (colon)
    {
      *dir = strndup (rest, colon - rest);
      *tag = colon[1] ? xstrdup (colon + 1) : NULL;
    }
  else
    {
      *dir = xstrdup (rest);
      *tag = NULL;
    }
  if (**dir == '\0')
    return sbx_error_make (err, 0, "`%s`: no directory", ref);
  return 0;
}

static void
free_strv (char **v)
{
  for (char **p = v; p && *p; p++)
    free (*p);
  free (v);
}

void
sbx_image_free (struct sbx_image *img)
{
  free (img->dir);
  free (img->tag);
  for (size_t i = 0; i < img->n_layers; i++)
    free (img->layers[i]);
  free (img->layers);
  free_strv (img->env);
  free_strv (img->cmd);
  free (img->workdir);
  free (img->user);
  memset (img, 0, sizeof *img);
}

/* --- sbx-image ------------------------------------------------------- */

int
sbx_image_answer (int fd, const sbx_error_t e)
{
  cleanup_free char *s
      = e ? xasprintf ("!%d %d %s", e->status, e->exit_code, e->msg) : xstrdup (".");
  return sbx_write_all (fd, s, strlen (s)) < 0 ? -1 : 0;
}

/* The answer in `buf`: 1 done, -1 with the helper's error, 0 none.  */
static int
parse_answer (const char *buf, sbx_error_t *err)
{
  int errno_, code, n = 0;

  if (strcmp (buf, ".") == 0)
    return 1;
  if (buf[0] != '!' || sscanf (buf + 1, "%d %d %n", &errno_, &code, &n) < 2 || n == 0)
    return 0;
  sbx_error_make_exit (err, code, 0, "%s", buf + 1 + n);
  (*err)->status = errno_;
  return -1;
}

int
sbx_image_run_unpacker (const char *ref, const char *dir, const char *const *digests, size_t n,
                        const struct sbx_user *user, sbx_error_t *err)
{
  extern char **environ;
  cleanup_free char *path = NULL;
  cleanup_close int exe = -1;
  cleanup_free char *uid = xasprintf ("--uid=%u", (unsigned)user->uid);
  cleanup_free char *gid = xasprintf ("--gid=%u", (unsigned)user->gid);
  cleanup_free char *name = xasprintf ("--name=%s", user->name ? user->name : "");
  cleanup_free char *home = xasprintf ("--home=%s", user->home ? user->home : "/");
  cleanup_free char *level = xasprintf ("--log-level=%d", (int)sbx_log_get_level ());
  cleanup_free char **argv = xmalloc0 ((n + 10) * sizeof *argv);
  char buf[ANSWER_MAX];
  size_t a = 0;
  int pipefd[2], status, r;
  pid_t pid;

  exe = sbx_libexec_open ("sbx-image", &path, err);
  if (exe < 0)
    return sbx_error_prefix (err, "--image `%s`", ref);
  sbx_log_debug ("image `%s`: %zu layers to unpack", ref, n);
  argv[a++] = path;
  argv[a++] = SBX_LIBEXEC_VERSION_ARG;
  argv[a++] = uid;
  argv[a++] = gid;
  argv[a++] = name;
  argv[a++] = home;
  argv[a++] = level;
  argv[a++] = "--";
  argv[a++] = (char *)dir;
  for (size_t i = 0; i < n; i++)
    argv[a++] = (char *)digests[i];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return sbx_error_make (err, errno, "fork `%s`", path);
    }
  if (pid == 0)
    {
      /* Its environment is the user's: the layer store follows
         $XDG_DATA_HOME and $HOME, as sbx's own state does.  */
      if (dup2 (pipefd[1], STDOUT_FILENO) >= 0)
        sbx_libexec_exec (exe, argv, environ);
      dprintf (STDERR_FILENO, "sbx: exec `%s`: %s\n", path, strerror (errno));
      _exit (SBX_EXIT_FAILURE);
    }
  close (pipefd[1]);
  sbx_read_message (pipefd[0], buf, sizeof buf);
  close (pipefd[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "wait for `%s`", path);
  r = parse_answer (buf, err);
  if (r < 0)
    return -1;
  if (r == 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return sbx_error_make (err, 0, "--image `%s`: `%s` ended without an answer (%s %d)", ref, path,
                           WIFSIGNALED (status) ? "signal" : "exit status",
                           WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
  return 0;
}
