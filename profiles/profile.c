/* sbx: profiles; see profile.h.  */
#define _GNU_SOURCE
#include "profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/settings.h"
#include "../core/trust.h"
#include "config.h"
#include "profile-vars.h"

/* Deep enough for any sane layering, shallow enough to stop a cycle.  */
#define MAX_INCLUDE_DEPTH 8

struct loading;
static int load (const char *name, struct loading *ld, sbx_error_t *err);

bool
sbx_profile_name_valid (const char *name)
{
  if (*name == '\0' || strlen (name) > 128 || name[0] == '.')
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum ((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
      return false;
  return true;
}

static char *
try_dir (const char *dir, const char *name)
{
  char *p = xasprintf ("%s/%s.profile", dir, name);
  if (access (p, R_OK) == 0)
    return p;
  free (p);
  return NULL;
}

/* The directories searched, `:`-separated.  */
static char *
search_path (void)
{
  const char *env = getenv ("SBX_PROFILE_PATH");
  cleanup_free char *own = NULL, *user = NULL;

  if (env && *env)
    return xstrdup (env);
  own = sbx_own_dir (SBX_OWN_CONFIG);
  user = own ? xasprintf ("%s/profiles", own) : NULL;
  return xasprintf ("%s%s%s:%s", user ? user : "", user ? ":" : "", SBX_SYSCONF_PROFILES,
                    SBX_DATA_PROFILES);
}

struct found
{
  char *name;
  char *path;
  size_t dir; /* the search path's order: the first found wins */
};

static int
by_name_then_dir (const void *a, const void *b)
{
  const struct found *x = a, *y = b;
  int c = strcmp (x->name, y->name);
  return c ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

void
sbx_profile_list (FILE *out, bool paths)
{
  cleanup_free char *searched = search_path ();
  struct found *v = NULL;
  size_t n = 0, k = 0;
  char *save = NULL;

  for (char *dir = strtok_r (searched, ":", &save); dir; dir = strtok_r (NULL, ":", &save), k++)
    {
      DIR *d = opendir (dir);
      struct dirent *de;
      if (d == NULL)
        continue;
      while ((de = readdir (d)) != NULL)
        {
          size_t len = strlen (de->d_name);
          char *name;
          if (len <= 8 || strcmp (de->d_name + len - 8, ".profile") != 0)
            continue;
          name = strndup (de->d_name, len - 8);
          if (!sbx_profile_name_valid (name))
            {
              free (name);
              continue;
            }
          v = xrealloc (v, (n + 1) * sizeof *v);
          v[n++] = (struct found){ name, xasprintf ("%s/%s", dir, de->d_name), k };
        }
      closedir (d);
    }
  if (n > 0)
    qsort (v, n, sizeof *v, by_name_then_dir);
  for (size_t i = 0; i < n; i++)
    {
      /* A name in two directories is one profile: the first found.  */
      if (i == 0 || strcmp (v[i].name, v[i - 1].name) != 0)
        {
          if (paths)
            fprintf (out, "%-16s %s\n", v[i].name, v[i].path);
          else
            fprintf (out, "%s\n", v[i].name);
        }
      free (v[i].name);
      free (v[i].path);
    }
  free (v);
}

char *
sbx_profile_find (const char *name, sbx_error_t *err)
{
  cleanup_free char *searched = NULL;
  char *found;

  if (strchr (name, '/'))
    {
      if (access (name, R_OK) < 0)
        {
          sbx_error_make (err, errno, "profile `%s`", name);
          return NULL;
        }
      return xstrdup (name);
    }
  if (!sbx_profile_name_valid (name))
    {
      sbx_error_make (err, 0,
                      "invalid profile name `%s`: use letters, digits, `-`, `_` and `.`, "
                      "or give a path",
                      name);
      return NULL;
    }
  searched = search_path ();
  for (char *dir = searched, *next; dir && *dir; dir = next)
    {
      next = strchr (dir, ':');
      if (next)
        *next++ = '\0';
      if (*dir && (found = try_dir (dir, name)) != NULL)
        return found;
      if (next)
        next[-1] = ':';
    }
  sbx_error_make (err, 0,
                  "profile `%s` not found (searched %s); list profiles with `ls` there, "
                  "or give a path",
                  name, searched);
  return NULL;
}

static char *
trim (char *s)
{
  char *e;
  while (isspace ((unsigned char)*s))
    s++;
  e = s + strlen (s);
  while (e > s && isspace ((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

/* Edit distance with transpositions (optimal string alignment), for
   "did you mean": `bnid` is one step from `bind`.  Short words only.  */
static size_t
distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b), d[33][33];

  if (la > 32 || lb > 32)
    return 99;
  for (size_t i = 0; i <= la; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++)
      {
        size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
        if (d[i - 1][j] + 1 < best)
          best = d[i - 1][j] + 1;
        if (d[i][j - 1] + 1 < best)
          best = d[i][j - 1] + 1;
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
            && d[i - 2][j - 2] + 1 < best)
          best = d[i - 2][j - 2] + 1;
        d[i][j] = best;
      }
  return d[la][lb];
}

/* The directive closest to a misspelt one, if one is close.  */
static const char *
did_you_mean (const char *word)
{
  const char *best = NULL;
  size_t best_d = 3;

  if (distance (word, "include") < best_d)
    {
      best = "include";
      best_d = distance (word, "include");
    }
  for (const struct sbx_setting *s = sbx_settings; s->name; s++)
    {
      size_t d = distance (word, s->name);
      if (d < best_d)
        {
          best = s->name;
          best_d = d;
        }
    }
  return best;
}

/* What a load carries through its includes.  */
struct loading
{
  struct sbx_spec *spec;
  struct sbx_profile_trace *trace;          /* or NULL */
  const char *stack[MAX_INCLUDE_DEPTH + 2]; /* the real paths being read, outermost first */
  int depth;
  const char *unset_said[16]; /* variables whose -try lines were skipped, said once */
  size_t n_unset_said;
};

static bool
said_unset (struct loading *ld, const char *name)
{
  for (size_t i = 0; i < ld->n_unset_said; i++)
    if (strcmp (ld->unset_said[i], name) == 0)
      return true;
  if (ld->n_unset_said < sizeof ld->unset_said / sizeof ld->unset_said[0])
    ld->unset_said[ld->n_unset_said++] = name;
  return false;
}

static void
record (struct loading *ld, const struct sbx_setting *set, const char *arg, const char *origin)
{
  struct sbx_profile_trace *t = ld->trace;
  if (t == NULL)
    return;
  t->v = xrealloc (t->v, (t->n + 1) * sizeof *t->v);
  t->v[t->n++] = (struct sbx_profile_line){ set, xstrdup (arg), xstrdup (origin) };
}

/* The profile's name for ${PROFILE}: the file's, without `.profile`.  */
static char *
profile_name (const char *base)
{
  size_t len = strlen (base);
  if (len > 8 && strcmp (base + len - 8, ".profile") == 0)
    len -= 8;
  return strndup (base, len);
}

static int
parse (const char *text, const char *file, struct loading *ld, sbx_error_t *err)
{
  struct sbx_setting_ctx ctx = { .cwd = NULL, .home = getenv ("HOME") };
  const char *base = strrchr (file, '/') ? strrchr (file, '/') + 1 : file;
  cleanup_free char *name = profile_name (base);
  const char *p = text;
  unsigned lineno = 0;

  while (*p)
    {
      const char *nl = strchrnul (p, '\n');
      cleanup_free char *line = strndup (p, nl - p);
      cleanup_free char *origin = NULL, *value = NULL;
      const char *unset = NULL;
      char *s, *arg;
      const struct sbx_setting *set;
      bool optional;

      lineno++;
      p = *nl ? nl + 1 : nl;
      s = trim (line);
      if (*s == '\0' || *s == '#')
        continue;
      arg = s + strcspn (s, " \t");
      if (*arg)
        *arg++ = '\0';
      arg = trim (arg);
      origin = xasprintf ("profile %s:%u", base, lineno);

      set = sbx_setting_find (s);
      if (set == NULL && strcmp (s, "include") != 0)
        {
          const char *near = did_you_mean (s);
          sbx_error_make (err, 0, "%s: unknown directive '%s'", origin, s);
          if (near)
            return sbx_error_hint (err, "did you mean '%s'? (see sbx-profile(5))", near);
          return sbx_error_hint (err, "directives are sbx's long options without the dashes "
                                      "(see sbx --help)");
        }
      if ((set == NULL || set->has_arg) && *arg == '\0')
        {
          if (set == NULL)
            return sbx_error_make (err, 0, "%s: include needs a profile name", origin);
          return sbx_error_make (err, 0, "%s: %s needs a value (%s %s)", origin, s, s,
                                 set->arg_name);
        }
      if (set && !set->has_arg && *arg != '\0')
        return sbx_error_make (err, 0, "%s: %s takes no value", origin, s);

      optional = set && (set->flags & SBX_SETTING_TRY);
      value = sbx_profile_expand (arg, name, &unset, err);
      if (value == NULL && unset && optional)
        {
          /* Once per variable: Wayland's socket and its variable are two
             lines, and a host without Wayland is no news.  */
          if (!said_unset (ld, unset))
            sbx_log_note ("%s: ${%s} is not set here: the lines that use it are skipped", origin,
                          unset);
          continue;
        }
      if (value == NULL && unset)
        {
          cleanup_free char *try = xasprintf ("%s-try", s);
          sbx_error_make (err, 0, "%s: %s: ${%s} is not set here (%s)", origin, s, unset,
                          sbx_profile_var_about (unset));
          if (sbx_setting_find (try))
            return sbx_error_hint (err, "`%s` skips the line where it is not", try);
          return -1;
        }
      if (value == NULL)
        return sbx_error_prefix (err, "%s: %s", origin, s);

      if (set == NULL)
        {
          if (load (value, ld, err) < 0)
            return sbx_error_prefix (err, "%s", origin);
          continue;
        }
      ctx.origin = origin;
      if (set->apply (ld->spec, value, &ctx, err) < 0)
        return sbx_error_prefix (err, "%s: %s", origin, s);
      record (ld, set, value, origin);
    }
  return 0;
}

int
sbx_profile_parse (const char *text, const char *file, struct sbx_spec *spec, sbx_error_t *err)
{
  struct loading ld = { .spec = spec };
  return parse (text, file, &ld, err);
}

/* Is `dir` (resolved) one of the system's profile directories, owned by
   root or by `owner`, and closed to group and others?  */
static bool
system_dir (const char *dir, const char *system, uid_t owner)
{
  cleanup_free char *real = realpath (system, NULL);
  struct stat st;

  return real && strcmp (dir, real) == 0 && stat (real, &st) == 0
         && (st.st_uid == 0 || st.st_uid == owner) && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Inside a user namespace that does not map the host's root (an engine's,
   such as rootless podman's, where sbx runs as the OCI runtime), root's
   files show as the overflow uid, and so do every other unmapped user's:
   the owner alone cannot tell them apart.  A profile in the system's own
   profile directories (/etc/sbx/profiles, the installed ones), which only
   root can write to, is root's all the same; anywhere else, such as a
   path the user gave, an overflow owner stays refused.  */
static bool
system_profile_of_unmapped_root (const char *path, const struct stat *st)
{
  uid_t overflow = sbx_overflow_uid ();
  cleanup_free char *real = NULL;
  char *slash;

  if (st->st_uid != overflow || (real = realpath (path, NULL)) == NULL
      || (slash = strrchr (real, '/')) == NULL)
    return false;
  *slash = '\0';
  return system_dir (real, SBX_SYSCONF_PROFILES, overflow)
         || system_dir (real, SBX_DATA_PROFILES, overflow);
}

/* A profile decides what a sandbox may do: one that another user, or
   anybody, may rewrite is refused, as ssh refuses such a config.  The
   user's own profile directory is hidden in every sandbox (trust.h).  */
static int
check_owner (const char *path, sbx_error_t *err)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return sbx_error_make (err, errno, "profile `%s`", path);
  /* A fifo would block the open, a device never end.  */
  if (!S_ISREG (st.st_mode))
    return sbx_error_make (err, 0, "profile `%s` is not a regular file; give a profile file", path);
  if (st.st_uid != geteuid () && st.st_uid != 0 && !system_profile_of_unmapped_root (path, &st))
    return sbx_error_make (err, 0,
                           "profile `%s` belongs to uid %u, neither to you nor to root; a "
                           "profile decides what a sandbox may do: copy it and use your copy",
                           path, (unsigned)st.st_uid);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return sbx_error_make (err, 0,
                           "profile `%s` may be changed by other users (mode %04o); a profile "
                           "decides what a sandbox may do: chmod go-w %s",
                           path, (unsigned)(st.st_mode & 07777), path);
  return 0;
}

/* "a.profile -> b.profile -> a.profile", for a cycle's error.  */
static char *
chain (const struct loading *ld, const char *again)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  if (f == NULL)
    sbx_oom ();
  for (int i = 0; i < ld->depth; i++)
    fprintf (f, "%s -> ", ld->stack[i]);
  fputs (again, f);
  if (fclose (f) != 0)
    sbx_oom ();
  return out;
}

static int
load (const char *name, struct loading *ld, sbx_error_t *err)
{
  cleanup_free char *path = NULL, *real = NULL;
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r;

  path = sbx_profile_find (name, err);
  if (path == NULL)
    return -1;
  real = realpath (path, NULL);
  if (real == NULL)
    return sbx_error_make (err, errno, "profile `%s`", path);
  for (int i = 0; i < ld->depth; i++)
    if (strcmp (ld->stack[i], real) == 0)
      {
        cleanup_free char *c = chain (ld, real);
        return sbx_error_make (err, 0, "include cycle: %s; remove one of these includes", c);
      }
  if (ld->depth > MAX_INCLUDE_DEPTH)
    return sbx_error_make (err, 0,
                           "profile `%s`: includes nest deeper than %d; flatten them (sbx profile "
                           "show prints one profile without includes)",
                           name, MAX_INCLUDE_DEPTH);
  if (check_owner (path, err) < 0 || sbx_read_file (path, &text, &len, err) < 0)
    return -1;
  if (memchr (text, '\0', len) != NULL)
    return sbx_error_make (err, 0, "profile `%s` is not a text file", path);
  ld->stack[ld->depth++] = real;
  r = parse (text, path, ld, err);
  ld->depth--;
  return r;
}

int
sbx_profile_load (const char *name, struct sbx_spec *spec, sbx_error_t *err)
{
  struct loading ld = { .spec = spec };
  return load (name, &ld, err);
}

int
sbx_profile_load_traced (const char *name, struct sbx_spec *spec, struct sbx_profile_trace *trace,
                         sbx_error_t *err)
{
  struct loading ld = { .spec = spec, .trace = trace };
  return load (name, &ld, err);
}

void
sbx_profile_trace_free (struct sbx_profile_trace *trace)
{
  for (size_t i = 0; i < trace->n; i++)
    {
      free (trace->v[i].arg);
      free (trace->v[i].origin);
    }
  free (trace->v);
  memset (trace, 0, sizeof *trace);
}
