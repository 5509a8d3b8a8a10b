/* sbx: the verbs about kept state: `sbx diff NAME` and `sbx rm NAME...`.
   Both work in a user namespace with the caller's subordinate ids
   mapped, since a sandbox's upper layer holds files of those ids.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/diff.h"
#include "../core/spec.h"
#include "../core/state.h"
#include "../core/userns.h"
#include "commands.h"

struct job
{
  const char *dir; /* the sandbox's state directory */
  const char *name;
  char *lower;
  bool json;
};

static int
diff_inside (void *arg, sbx_error_t *err)
{
  struct job *j = arg;
  cleanup_free char *upper = xasprintf ("%s/upper", j->dir);
  cleanup_close int fd = open (upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r;

  if (fd < 0)
    return sbx_error_make (err, errno, "diff %s: open `%s`", j->name, upper);
  r = sbx_diff_print (fd, j->lower, j->json, stdout);
  if (r < 0)
    return sbx_error_make (err, -r, "diff %s", j->name);
  return 0;
}

static int
rm_inside (void *arg, sbx_error_t *err)
{
  struct job *j = arg;
  cleanup_free char *parent = xstrdup (j->dir);
  cleanup_close int fd = -1;
  char *slash = strrchr (parent, '/');
  int r;

  *slash = '\0';
  fd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  r = fd < 0 ? -errno : sbx_state_remove_tree (fd, slash + 1);
  if (r < 0)
    return sbx_error_make (err, -r, "rm %s: remove `%s`", j->name, j->dir);
  return 0;
}

static int
with_sandbox (const char *verb, const char *name, bool refuse_running, bool json,
              int (*fn) (void *, sbx_error_t *))
{
  struct sbx_spec spec;
  cleanup_free char *dir = NULL;
  sbx_error_t err = NULL;
  bool running = false;
  struct job j = { NULL, name, NULL, json };
  int code = 0, r;

  sbx_spec_init (&spec);
  if (sbx_state_named (name, &dir, &running, &err) < 0)
    goto fail;
  if (refuse_running && running)
    {
      sbx_error_make (&err, 0, "sandbox `%s` is running; stop it before `sbx %s`", name, verb);
      goto fail;
    }
  if (sbx_spec_resolve_user (&spec, &err) < 0)
    goto fail;
  j.dir = dir;
  j.lower = sbx_state_lower (dir);
  r = sbx_userns_call (&spec.user, NULL, fn, &j, &err);
  free (j.lower);
  if (r < 0)
    goto fail;
  sbx_spec_free (&spec);
  return 0;

fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
  sbx_spec_free (&spec);
  return code;
}

int
sbx_cmd_diff (int argc, char **argv)
{
  const char *name = NULL;
  bool json = false;

  /* --json before or after the name.  */
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = true;
      else if (argv[i][0] == '-' || name != NULL)
        {
          name = NULL;
          break;
        }
      else
        name = argv[i];
    }
  if (name == NULL)
    {
      fprintf (stderr, "sbx: usage: sbx diff [--json] NAME (a sandbox run with --name NAME)\n");
      return SBX_EXIT_FAILURE;
    }
  return with_sandbox ("diff", name, false, json, diff_inside);
}

int
sbx_cmd_rm (int argc, char **argv)
{
  int code = 0;
  if (argc < 2 || argv[1][0] == '-')
    {
      fprintf (stderr, "sbx: usage: sbx rm NAME... (sandboxes run with --name NAME)\n");
      return SBX_EXIT_FAILURE;
    }
  for (int i = 1; i < argc; i++)
    {
      int r = with_sandbox ("rm", argv[i], true, false, rm_inside);
      if (r != 0 && code == 0)
        code = r;
    }
  return code;
}
