/* sbx-image: unpacks an OCI image's layers into sbx's layer store, for
   sbx (--image), which read the image and found them missing; answers on
   stdout (core/image-call.c has the format).  Its own executable so that
   libarchive (which pulls libxml2 and ICU) loads only when a layer is
   new, not on every start of sbx.
 *
 *   sbx-image --sbx-version=V --uid=N --gid=N --name=NAME --home=DIR
 *             --log-level=N -- IMAGE-DIR sha256:HEX...  */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "config.h"

#include "core/base/libexec.h"
#include "core/base/log.h"
#include "core/base/util.h"
#include "core/image.h"

static int
number (const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  errno = 0;
  *out = strtoul (s, &end, 10);
  return errno || end == s || *end || *out > max ? -1 : 0;
}

static int
parse (int argc, char **argv, struct sbx_user *user, int *first, sbx_error_t *err)
{
  unsigned long v;
  const char *s;
  int i;

  if (argc < 2 || strcmp (argv[1], SBX_LIBEXEC_VERSION_ARG) != 0)
    return sbx_error_make (err, 0, "sbx-image is not the image helper of sbx %s; reinstall sbx",
                           PACKAGE_VERSION);
  for (i = 2; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if ((s = sbx_libexec_arg (argv[i], "--uid")) && number (s, UINT_MAX - 1, &v) == 0)
        user->uid = v;
      else if ((s = sbx_libexec_arg (argv[i], "--gid")) && number (s, UINT_MAX - 1, &v) == 0)
        user->gid = v;
      else if ((s = sbx_libexec_arg (argv[i], "--name")))
        user->name = *s ? xstrdup (s) : NULL;
      else if ((s = sbx_libexec_arg (argv[i], "--home")))
        user->home = xstrdup (s);
      else if ((s = sbx_libexec_arg (argv[i], "--log-level")) && number (s, SBX_LOG_DEBUG, &v) == 0)
        sbx_log_set_level ((enum sbx_log_level)v);
      else
        return sbx_error_make (err, 0, "sbx-image: bad argument `%s`", argv[i]);
    }
  if (i + 3 > argc)
    return sbx_error_make (err, 0, "sbx-image: give an image and its layers after `--`");
  *first = i + 1;
  return 0;
}

int
main (int argc, char **argv)
{
  struct sbx_user user = { .uid = getuid (), .gid = getgid () };
  sbx_error_t err = NULL;
  int first = 0, r;

  prctl (PR_SET_NAME, "sbx-image", 0, 0, 0);
  r = parse (argc, argv, &user, &first, &err);
  if (r == 0)
    r = sbx_image_unpack (argv[first], argv + first + 1, argc - first - 1, &user, &err);
  if (sbx_image_answer (STDOUT_FILENO, r < 0 ? err : NULL) < 0)
    {
      fprintf (stderr, "sbx-image: cannot answer: %s (sbx runs this helper itself)\n",
               strerror (errno));
      return SBX_EXIT_FAILURE;
    }
  free (user.name);
  free (user.home);
  return r < 0 ? SBX_EXIT_FAILURE : 0;
}
