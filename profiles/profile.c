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

#include "../core/base/util.h"
#include "../core/settings.h"
#include "../core/trust.h"
#include "config.h"

/* Deep enough for any sane layering, shallow enough to stop a cycle.  */
#define MAX_INCLUDE_DEPTH 8

static int load (const char *name, struct sbx_spec *spec, int depth, sbx_error_t *err);

static bool
valid_name (const char *name)
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

static int
by_string (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

void
sbx_profile_list (FILE *out)
{
  cleanup_free char *searched = search_path ();
  char **names = NULL;
  size_t n = 0;

  for (char *dir = strtok (searched, ":"); dir; dir = strtok (NULL, ":"))
    {
      DIR *d = opendir (dir);
      struct dirent *de;
      if (d == NULL)
        continue;
      while ((de = readdir (d)) != NULL)
        {
          size_t len = strlen (de->d_name);
          if (len <= 8 || strcmp (de->d_name + len - 8, ".profile") != 0)
            continue;
          names = xrealloc (names, (n + 1) * sizeof *names);
          names[n] = strndup (de->d_name, len - 8);
          if (valid_name (names[n]))
            n++;
          else
            free (names[n]);
        }
      closedir (d);
    }
  if (n > 0)
    qsort (names, n, sizeof *names, by_string);
  for (size_t i = 0; i < n; i++)
    {
      /* A name in two directories is one profile: the first found.  */
      if (i == 0 || strcmp (names[i], names[i - 1]) != 0)
        fprintf (out, "%s\n", names[i]);
      free (names[i]);
    }
  free (names);
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
  if (!valid_name (name))
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

static int
parse (const char *text, const char *file, struct sbx_spec *spec, int depth, sbx_error_t *err)
{
  struct sbx_setting_ctx ctx = { .cwd = NULL, .home = getenv ("HOME") };
  const char *base = strrchr (file, '/') ? strrchr (file, '/') + 1 : file;
  const char *p = text;
  unsigned lineno = 0;

  while (*p)
    {
      const char *nl = strchrnul (p, '\n');
      cleanup_free char *line = strndup (p, nl - p);
      char *s, *arg;
      const struct sbx_setting *set;

      lineno++;
      p = *nl ? nl + 1 : nl;
      s = trim (line);
      if (*s == '\0' || *s == '#')
        continue;
      arg = s + strcspn (s, " \t");
      if (*arg)
        *arg++ = '\0';
      arg = trim (arg);

      if (strcmp (s, "include") == 0)
        {
          if (*arg == '\0')
            return sbx_error_make (err, 0, "profile %s:%u: include needs a profile name", base,
                                   lineno);
          if (load (arg, spec, depth + 1, err) < 0)
            return sbx_error_prefix (err, "profile %s:%u", base, lineno);
          continue;
        }
      set = sbx_setting_find (s);
      if (set == NULL)
        return sbx_error_make (err, 0,
                               "profile %s:%u: unknown directive '%s'; directives are sbx's long "
                               "options without the dashes (see sbx --help)",
                               base, lineno, s);
      if (set->has_arg && *arg == '\0')
        return sbx_error_make (err, 0, "profile %s:%u: %s needs a value (%s %s)", base, lineno, s,
                               s, set->arg_name);
      if (!set->has_arg && *arg != '\0')
        return sbx_error_make (err, 0, "profile %s:%u: %s takes no value", base, lineno, s);
      {
        cleanup_free char *origin = xasprintf ("profile %s:%u", base, lineno);
        ctx.origin = origin;
        int r = set->apply (spec, arg, &ctx, err);
        ctx.origin = NULL;
        if (r < 0)
          return sbx_error_prefix (err, "%s: %s", origin, s);
      }
    }
  return 0;
}

int
sbx_profile_parse (const char *text, const char *file, struct sbx_spec *spec, sbx_error_t *err)
{
  return parse (text, file, spec, 0, err);
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
  if (st.st_uid != geteuid () && st.st_uid != 0)
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

static int
load (const char *name, struct sbx_spec *spec, int depth, sbx_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  size_t len = 0;

  if (depth > MAX_INCLUDE_DEPTH)
    return sbx_error_make (err, 0, "profile `%s`: includes nest deeper than %d (a cycle?)", name,
                           MAX_INCLUDE_DEPTH);
  path = sbx_profile_find (name, err);
  if (path == NULL)
    return -1;
  if (check_owner (path, err) < 0 || sbx_read_file (path, &text, &len, err) < 0)
    return -1;
  if (memchr (text, '\0', len) != NULL)
    return sbx_error_make (err, 0, "profile `%s` is not a text file", path);
  return parse (text, path, spec, depth, err);
}

int
sbx_profile_load (const char *name, struct sbx_spec *spec, sbx_error_t *err)
{
  return load (name, spec, 0, err);
}
