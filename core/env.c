/* sbx: environment; see env.h.  */
#define _GNU_SOURCE
#include "env.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Variables that describe the terminal, language and user, not the
   host's services; kept by default.  */
static bool
kept_by_default (const char *entry)
{
  static const char *const names[] = { "TERM", "LANG", "PATH", "TZ", "COLORTERM", NULL };
  for (const char *const *n = names; *n; n++)
    {
      size_t l = strlen (*n);
      if (strncmp (entry, *n, l) == 0 && entry[l] == '=')
        return true;
    }
  return strncmp (entry, "LC_", 3) == 0;
}

struct envbuf
{
  char **v;
  size_t n, cap;
};

static ssize_t
find (struct envbuf *b, const char *name)
{
  size_t l = strlen (name);
  for (size_t i = 0; i < b->n; i++)
    if (strncmp (b->v[i], name, l) == 0 && b->v[i][l] == '=')
      return i;
  return -1;
}

static void
unset (struct envbuf *b, const char *name)
{
  ssize_t i = find (b, name);
  if (i < 0)
    return;
  free (b->v[i]);
  /* Move the NULL terminator along too.  */
  memmove (&b->v[i], &b->v[i + 1], (b->n - i) * sizeof (char *));
  b->n--;
}

static void
set (struct envbuf *b, const char *name, const char *value)
{
  ssize_t i = find (b, name);
  char *entry = xasprintf ("%s=%s", name, value);
  if (i >= 0)
    {
      free (b->v[i]);
      b->v[i] = entry;
      return;
    }
  if (b->n + 2 > b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 32;
      b->v = xrealloc (b->v, b->cap * sizeof (char *));
    }
  b->v[b->n++] = entry;
  b->v[b->n] = NULL;
}

char **
sbx_env_build (char **host, const struct sbx_env *env, const struct sbx_user *user,
               const struct sbx_ids *ids)
{
  struct envbuf b = { 0 };

  for (char **e = host; e && *e; e++)
    {
      char *eq = strchr (*e, '=');
      if (eq == NULL || eq == *e)
        continue;
      if (env->keep_all || kept_by_default (*e))
        {
          cleanup_free char *name = strndup (*e, eq - *e);
          set (&b, name, eq + 1);
        }
    }

  /* Identity: HOME, USER and LOGNAME say who the program is inside.  */
  if (ids->uid == 0)
    {
      set (&b, "HOME", "/root");
      set (&b, "USER", "root");
      set (&b, "LOGNAME", "root");
    }
  else
    {
      set (&b, "HOME", ids->uid == user->uid && user->home ? user->home : "/");
      if (user->name && ids->uid == user->uid)
        {
          set (&b, "USER", user->name);
          set (&b, "LOGNAME", user->name);
        }
    }
  if (find (&b, "PATH") < 0)
    set (&b, "PATH", SBX_DEFAULT_PATH);
  /* What systemd and friends read to learn they run in a container.  */
  set (&b, "container", "sbx");

  for (size_t i = 0; i < env->n_ops; i++)
    if (env->ops[i].kind == SBX_ENV_SET)
      set (&b, env->ops[i].name, env->ops[i].value);
    else if (env->ops[i].kind == SBX_ENV_PASS)
      {
        const char *v = sbx_env_get (host, env->ops[i].name);
        if (v)
          set (&b, env->ops[i].name, v);
      }
    else
      unset (&b, env->ops[i].name);

  if (b.v == NULL)
    b.v = xmalloc0 (sizeof (char *));
  return b.v;
}

const char *
sbx_env_get (char **env, const char *name)
{
  size_t l = strlen (name);
  for (char **e = env; e && *e; e++)
    if (strncmp (*e, name, l) == 0 && (*e)[l] == '=')
      return *e + l + 1;
  return NULL;
}

void
sbx_env_free (char **env)
{
  for (char **e = env; e && *e; e++)
    free (*e);
  free (env);
}
