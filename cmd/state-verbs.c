/* sbx: the verbs about kept state: `sbx diff NAME` and `sbx rm NAME...`.
   Both work in a user namespace with the caller's subordinate ids
   mapped, since a sandbox's upper layer holds files of those ids.  rm
   also removes a stopped sandbox's record (core/record.h), and holds the
   locks while it removes, so that of two rm racing on one name one
   removes and the other finds nothing.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/diff.h"
#include "../core/record.h"
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

/* The named layers' lock, held across the removal; ENOENT when another
   rm removed them while we waited.  */
static int
lock_layers (const char *name, int *fd, sbx_error_t *err)
{
  cleanup_free char *data = sbx_state_data_dir ();
  cleanup_free char *path = xasprintf ("%s/sandboxes/%s/lock", data, name);
  struct stat st;

  *fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (*fd < 0)
    return errno == ENOENT ? 0 : sbx_error_make (err, errno, "rm %s: open `%s`", name, path);
  for (int waited = 0; flock (*fd, LOCK_EX | LOCK_NB) < 0; waited += 10)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (errno != EWOULDBLOCK || waited >= 5000)
        return sbx_error_make (err, 0, "sandbox `%s` is running; stop it before `sbx rm`", name);
      nanosleep (&ts, NULL);
    }
  if (fstat (*fd, &st) == 0 && st.st_nlink == 0)
    return sbx_record_not_found (name, err);
  return 0;
}

static int
rm_one (const char *name)
{
  struct sbx_record_view v;
  struct sbx_record rec = { .root = -1, .dir = -1, .lock = -1 };
  cleanup_close int layers = -1;
  sbx_error_t err = NULL;
  bool had_record = false;
  int code;

  if (sbx_name_check (name, &err) < 0)
    goto fail;
  if (sbx_record_read (name, &v, &err) == 0)
    {
      bool alive = v.alive;
      sbx_record_view_free (&v);
      if (alive)
        {
          sbx_error_make (&err, 0, "sandbox `%s` is running; stop it before `sbx rm`", name);
          goto fail;
        }
      /* Held until the layers are gone too.  */
      if (sbx_record_take (name, 5000, &rec, &err) == 0)
        had_record = true;
      else if (err->status == ENOENT)
        sbx_error_release (&err);
      else
        goto fail;
    }
  else
    sbx_error_release (&err);
  if (lock_layers (name, &layers, &err) < 0)
    goto fail;
  if (layers >= 0)
    {
      /* with_sandbox reports its own error.  */
      code = with_sandbox ("rm", name, false, false, rm_inside);
      if (code != 0)
        {
          sbx_record_release (&rec);
          return code;
        }
    }
  else if (!had_record)
    {
      sbx_record_not_found (name, &err);
      goto fail;
    }
  if (had_record)
    sbx_record_remove (&rec);
  return 0;

fail:
  sbx_record_release (&rec);
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
  return code;
}

int
sbx_cmd_rm (int argc, char **argv)
{
  int code = 0;
  if (argc < 2 || argv[1][0] == '-')
    {
      fprintf (stderr, "sbx: usage: sbx rm NAME... (stopped sandboxes: their record, and the "
                       "layers of a --name)\n");
      return SBX_EXIT_FAILURE;
    }
  for (int i = 1; i < argc; i++)
    {
      int r = rm_one (argv[i]);
      if (r != 0 && code == 0)
        code = r;
    }
  return code;
}
