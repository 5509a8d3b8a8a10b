/* sbx: the launcher's side of --image: it runs sbx-image (cmd/sbx-image.c,
   which links libarchive and json-c so that the launcher does
   not) and reads its answer.  The answer is a stream of records on the
   helper's stdout, each one kind byte and a NUL-terminated string:
     L layer dir (bottom first)   E an Env entry   C a word of the command
     W WorkingDir   U User   . the end   ! an error: "ERRNO EXIT message"
   Writer and reader are both here, so the two cannot drift apart.  */
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

/* --- the wire --------------------------------------------------------- */

static int
put (int fd, char kind, const char *s)
{
  if (sbx_write_all (fd, &kind, 1) < 0 || sbx_write_all (fd, s, strlen (s) + 1) < 0)
    return -1;
  return 0;
}

int
sbx_image_send (int fd, const struct sbx_image *img, const sbx_error_t e)
{
  int r = 0;

  if (e)
    {
      cleanup_free char *s = xasprintf ("%d %d %s", e->status, e->exit_code, e->msg);
      return put (fd, '!', s);
    }
  for (size_t i = 0; i < img->n_layers; i++)
    r |= put (fd, 'L', img->layers[i]);
  for (char **p = img->env; p && *p; p++)
    r |= put (fd, 'E', *p);
  for (char **p = img->cmd; p && *p; p++)
    r |= put (fd, 'C', *p);
  if (img->workdir)
    r |= put (fd, 'W', img->workdir);
  if (img->user)
    r |= put (fd, 'U', img->user);
  return r | put (fd, '.', "");
}

static void
strv_add (char ***v, const char *s)
{
  size_t n = 0;
  while (*v && (*v)[n])
    n++;
  *v = xrealloc (*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

/* Read the records in `buf` (`len` bytes) into img: 1 at the end
   record, 0 when it is missing, -1 with the helper's error.  */
static int
parse_answer (const char *buf, size_t len, struct sbx_image *img, sbx_error_t *err)
{
  for (size_t off = 0; off < len;)
    {
      char kind = buf[off];
      const char *s = buf + off + 1;
      const char *nul = memchr (s, '\0', len - off - 1);
      int errno_, code, n = 0;
      if (nul == NULL)
        return 0;
      off = nul + 1 - buf;
      switch (kind)
        {
        case 'L':
          img->layers = xrealloc (img->layers, (img->n_layers + 1) * sizeof *img->layers);
          img->layers[img->n_layers++] = xstrdup (s);
          break;
        case 'E':
          strv_add (&img->env, s);
          break;
        case 'C':
          strv_add (&img->cmd, s);
          break;
        case 'W':
          free (img->workdir);
          img->workdir = xstrdup (s);
          break;
        case 'U':
          free (img->user);
          img->user = xstrdup (s);
          break;
        case '.':
          return 1;
        case '!':
          if (sscanf (s, "%d %d %n", &errno_, &code, &n) < 2 || n == 0)
            return 0;
          sbx_error_make_exit (err, code, 0, "%s", s + n);
          (*err)->status = errno_;
          return -1;
        default:
          return 0;
        }
    }
  return 0;
}

int
sbx_image_prepare (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                   sbx_error_t *err)
{
  extern char **environ;
  cleanup_free char *path = NULL, *buf = NULL;
  cleanup_close int exe = -1;
  cleanup_free char *uid = xasprintf ("--uid=%u", (unsigned)user->uid);
  cleanup_free char *gid = xasprintf ("--gid=%u", (unsigned)user->gid);
  cleanup_free char *name = xasprintf ("--name=%s", user->name ? user->name : "");
  cleanup_free char *home = xasprintf ("--home=%s", user->home ? user->home : "/");
  cleanup_free char *level = xasprintf ("--log-level=%d", (int)sbx_log_get_level ());
  size_t len = 0, cap = 0;
  int pipefd[2], status, r;
  pid_t pid;

  memset (img, 0, sizeof *img);
  exe = sbx_libexec_open ("sbx-image", &path, err);
  if (exe < 0)
    return sbx_error_prefix (err, "--image `%s`", ref);
  char *argv[]
      = { path, SBX_LIBEXEC_VERSION_ARG, uid, gid, name, home, level, "--", (char *)ref, NULL };
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
  for (;;)
    {
      ssize_t n;
      if (cap - len < 4096)
        buf = xrealloc (buf, cap = cap ? 2 * cap : 16384);
      n = read (pipefd[0], buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (pipefd[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "wait for `%s`", path);
  r = parse_answer (buf ? buf : "", len, img, err);
  if (r < 0)
    return -1;
  if (r == 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return sbx_error_make (err, 0, "--image `%s`: `%s` ended without an answer (%s %d)", ref, path,
                           WIFSIGNALED (status) ? "signal" : "exit status",
                           WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
  return 0;
}
