/* sbx: the profile writer of `sbx learn`; see learn-profile.h.  */
#define _GNU_SOURCE
#include "learn-profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "layout.h"

enum unit_kind
{
  UNIT_HOME,  /* below the home: bind / ro-bind / bind-try */
  UNIT_HOST,  /* the host's tree: host-tree */
  UNIT_TMPFS, /* a temporary directory: tmpfs */
};

/* Where the writer groups what a run touched: one directive each.  */
struct unit
{
  enum unit_kind kind;
  char *path;   /* absolute */
  char **comms; /* who, sorted, without sbx's own (its start) */
  size_t n_comms;
  char **paths; /* the distinct paths below it that the run reached */
  size_t n_paths;
  bool written; /* written, made, renamed or removed below it */
  bool created; /* the unit itself was made by the run */
  bool secret;  /* a hidden secret: reported, never granted */
};

struct units
{
  struct unit *v;
  size_t n;
};

static bool
at_or_below (const char *a, const char *b)
{
  size_t n = strlen (b);
  return strncmp (a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* The first `depth` components of the absolute `path`, or NULL when it
   has fewer.  */
static char *
components (const char *path, int depth)
{
  const char *p = path;
  for (int i = 0; i < depth; i++)
    {
      if (*p != '/' || p[1] == '\0')
        return NULL;
      p = strchrnul (p + 1, '/');
    }
  return strndup (path, p - path);
}

/* The application directories of the XDG base directories: granted per
   application, not whole.  */
static const char *const app_dirs[] = { ".cache", ".config", ".local/share", ".local/state", NULL };

/* Directories collapsed to their top: the system's programs and
   libraries, the same on every host of a distribution.  */
static const char *const collapsed[]
    = { "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL };

static char *
unit_of (const char *path, const char *home, enum unit_kind *kind)
{
  size_t hl = home ? strlen (home) : 0;

  if (home && strcmp (home, "/") != 0 && at_or_below (path, home))
    {
      const char *rel = path + hl;
      *kind = UNIT_HOME;
      if (*rel == '\0')
        return NULL;
      for (const char *const *a = app_dirs; *a; a++)
        {
          size_t al = strlen (*a);
          if (strncmp (rel + 1, *a, al) == 0 && rel[al + 1] == '/' && rel[al + 2])
            {
              char *u = components (rel + al + 1, 1);
              char *out = xasprintf ("%s/%s%s", home, *a, u);
              free (u);
              return out;
            }
        }
      /* An application directory's base itself (~/.config on the way to
         ~/.config/git/config, which is missing) grants nothing: it holds
         every application's settings.  */
      for (const char *const *a = app_dirs; *a; a++)
        {
          size_t al = strlen (*a);
          if (strncmp (rel + 1, *a, al) == 0 && (rel[al + 1] == '\0' || rel[al + 1] == '/'))
            return NULL;
        }
      if (strcmp (rel, "/.local") == 0)
        return NULL;
      {
        char *u = components (rel, 1);
        char *out = u ? xasprintf ("%s%s", home, u) : NULL;
        free (u);
        return out;
      }
    }
  /* The sandbox's own: /proc, /sys, /dev, /tmp, /run, /home, and /root
     over a copy-on-write root (which learning and its profiles use).  */
  if (sbx_layout_replaced_top (path) || at_or_below (path, "/root"))
    return NULL;
  if (at_or_below (path, "/var/tmp"))
    {
      *kind = UNIT_TMPFS;
      return xstrdup ("/var/tmp");
    }
  *kind = UNIT_HOST;
  for (const char *const *c = collapsed; *c; c++)
    {
      size_t cl = strlen (*c);
      /* Only from a path below it: the top itself is a link (merged
         /usr) or a directory every host has, and sbx keeps the links.  */
      if (strncmp (path + 1, *c, cl) == 0 && path[cl + 1] == '/' && path[cl + 2])
        return xasprintf ("/%s", *c);
    }
  return components (path, at_or_below (path, "/var") ? 3 : 2);
}

static struct unit *
unit_get (struct units *us, const char *path, enum unit_kind kind)
{
  for (size_t i = 0; i < us->n; i++)
    if (strcmp (us->v[i].path, path) == 0)
      return &us->v[i];
  us->v = xrealloc (us->v, (us->n + 1) * sizeof *us->v);
  memset (&us->v[us->n], 0, sizeof us->v[us->n]);
  us->v[us->n].kind = kind;
  us->v[us->n].path = xstrdup (path);
  return &us->v[us->n++];
}

static void
add_string (char ***v, size_t *n, const char *s)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], s) == 0)
      return;
  *v = xrealloc (*v, (*n + 1) * sizeof **v);
  (*v)[(*n)++] = xstrdup (s);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
cmp_unit (const void *a, const void *b)
{
  const struct unit *x = a, *y = b;
  return strcmp (x->path, y->path);
}

static bool
is_write (enum sbx_learn_op op)
{
  return op == SBX_LEARN_WRITE || op == SBX_LEARN_CREATE || op == SBX_LEARN_RENAME
         || op == SBX_LEARN_UNLINK;
}

/* sbx's own processes (the child building the root, init, the program
   before its execve) carry sbx's name: what they reach is mount points
   and sbx's own directories, not the program's doing, but for the
   program's file, which execve opens under sbx's name.  */
static bool
from_sbx (const struct sbx_learn_event *ev)
{
  return strcmp (ev->comm, "sbx") == 0;
}

/* Whether a profile line can hold `path`: no control character (a
   newline would end the line, and start another directive), and no
   colon, which SRC:DST would split on.  */
static bool
sayable (const char *path)
{
  for (const unsigned char *c = (const unsigned char *)path; *c; c++)
    if (*c < 0x20 || *c == 0x7f || *c == ':')
      return false;
  return true;
}

static size_t
collect (const struct sbx_learn_input *in, struct units *us)
{
  size_t unsayable = 0;

  for (size_t i = 0; i < in->n_fs; i++)
    {
      const struct sbx_learn_event *ev = &in->fs[i];
      enum unit_kind kind;
      cleanup_free char *u = NULL;
      struct unit *unit;

      if (ev->op == SBX_LEARN_MISSING || (from_sbx (ev) && ev->op != SBX_LEARN_EXEC))
        continue;
      u = unit_of (ev->path, in->home, &kind);
      if (u == NULL)
        continue;
      if (!sayable (u))
        {
          unsayable++;
          continue;
        }
      if (kind == UNIT_TMPFS && !is_write (ev->op))
        continue;
      unit = unit_get (us, u, kind);
      if (ev->op == SBX_LEARN_SECRET)
        {
          unit->secret = true;
          continue;
        }
      if (!from_sbx (ev))
        add_string (&unit->comms, &unit->n_comms, ev->comm);
      add_string (&unit->paths, &unit->n_paths, ev->path);
      if (is_write (ev->op))
        unit->written = true;
      if (ev->op == SBX_LEARN_CREATE && strcmp (ev->path, u) == 0)
        unit->created = true;
    }
  for (size_t i = 0; i < us->n; i++)
    qsort (us->v[i].comms, us->v[i].n_comms, sizeof (char *), cmp_str);
  qsort (us->v, us->n, sizeof *us->v, cmp_unit);
  return unsayable;
}

/* `~/x` for a path below the home.  */
static char *
tilde (const char *path, const char *home)
{
  if (home && strcmp (home, "/") != 0 && at_or_below (path, home) && path[strlen (home)])
    return xasprintf ("~%s", path + strlen (home));
  return xstrdup (path);
}

static char *
directive (const struct unit *u, const char *home)
{
  cleanup_free char *p = tilde (u->path, home);
  switch (u->kind)
    {
    case UNIT_HOME:
      return xasprintf ("%s %s", u->created ? "bind-try" : u->written ? "bind" : "ro-bind", p);
    case UNIT_TMPFS:
      return xasprintf ("tmpfs %s", p);
    case UNIT_HOST:
      break;
    }
  return xasprintf ("host-tree %s", p);
}

char *
sbx_learn_directive_for (const char *path, const char *home, bool write)
{
  enum unit_kind kind;
  cleanup_free char *u = unit_of (path, home, &kind);
  struct unit unit = { .kind = kind, .path = u, .written = write };

  return u ? directive (&unit, home) : NULL;
}

static void
evidence (FILE *out, const struct unit *u)
{
  fprintf (out, "# %s by ", u->written ? "written" : "read");
  if (u->n_comms == 0)
    fprintf (out, "the program's start");
  for (size_t i = 0; i < u->n_comms; i++)
    fprintf (out, "%s%s", i ? ", " : "", u->comms[i]);
  fprintf (out, ": %zu path%s", u->n_paths, u->n_paths == 1 ? "" : "s");
  if (u->created)
    fprintf (out, "; made by the run, so granted once it exists");
  fputc ('\n', out);
}

static void
section (FILE *out, const struct units *us, enum unit_kind kind, const char *home,
         const char *title)
{
  bool said = false;
  for (size_t i = 0; i < us->n; i++)
    {
      const struct unit *u = &us->v[i];
      cleanup_free char *d = NULL;
      if (u->kind != kind || u->secret)
        continue;
      if (!said)
        fprintf (out, "\n# %s\n", title);
      said = true;
      d = directive (u, home);
      evidence (out, u);
      fprintf (out, "%s\n", d);
    }
}

/* The seccomp records, sorted: `seccomp-allow` directives, and the
   never-grantable ones for the header.  */
static void
seccomp_part (FILE *out, char *const *lines, size_t n, bool never)
{
  cleanup_free char **sorted = xmalloc0 ((n + 1) * sizeof *sorted);
  bool said = false;

  memcpy (sorted, lines, n * sizeof *sorted);
  qsort (sorted, n, sizeof *sorted, cmp_str);
  for (size_t i = 0; i < n; i++)
    {
      char name[128], comm[64];
      bool is_never = strncmp (sorted[i], "seccomp-never ", 14) == 0;
      if (is_never != never || sscanf (sorted[i], "%*s %127s %63s", name, comm) != 2)
        continue;
      if (never)
        fprintf (out, "# %s() called by %s: refused whatever a profile says\n", name, comm);
      else
        {
          if (!said)
            fprintf (out, "\n# syscalls the default policy refuses\n");
          said = true;
          fprintf (out, "# called by %s\nseccomp-allow %s\n", comm, name);
        }
    }
}

char *
sbx_learn_profile_write (const struct sbx_learn_input *in)
{
  struct units us = { NULL, 0 };
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);
  bool secrets = false;
  size_t unsayable = collect (in, &us);

  fprintf (out, "# Learnt by `sbx learn` from one run of: %s\n", in->command);
  fprintf (out, "# It grants what that run used and nothing more.  A run that takes another path\n"
                "# through the program (other arguments, other input, an error) may need more:\n"
                "# widen it with `sbx learn --profile-in THIS --profile-out THIS -- PROGRAM ...`.\n"
                "# /proc, /dev, /tmp and /run are the sandbox's own; the home is empty but for\n"
                "# what is bound below.\n");
  for (size_t i = 0; i < us.n; i++)
    if (us.v[i].secret)
      {
        cleanup_free char *p = tilde (us.v[i].path, in->home);
        if (!secrets)
          fprintf (out, "#\n# Secrets it tried to reach (hidden while learning, not granted):\n");
        secrets = true;
        fprintf (out, "#   %s\n", p);
      }
  if (unsayable)
    fprintf (out,
             "# %zu path%s it reached ha%s a name no profile line can hold (a control\n"
             "# character or a colon): bind %s by hand.\n",
             unsayable, unsayable == 1 ? "" : "s", unsayable == 1 ? "s" : "ve",
             unsayable == 1 ? "its directory" : "their directories");
  seccomp_part (out, in->seccomp, in->n_seccomp, true);
  fprintf (out, "\ninclude default\n");
  section (out, &us, UNIT_HOST, in->home, "the host's tree: only these paths are shown");
  section (out, &us, UNIT_TMPFS, in->home, "temporary directories");
  section (out, &us, UNIT_HOME, in->home, "the home");
  seccomp_part (out, in->seccomp, in->n_seccomp, false);
  fclose (out);
  text = sbx_learn_net_rules (text, in->net, in->n_net);
  for (size_t i = 0; i < us.n; i++)
    {
      for (size_t j = 0; j < us.v[i].n_comms; j++)
        free (us.v[i].comms[j]);
      for (size_t j = 0; j < us.v[i].n_paths; j++)
        free (us.v[i].paths[j]);
      free (us.v[i].comms);
      free (us.v[i].paths);
      free (us.v[i].path);
    }
  free (us.v);
  return text;
}
