/* sbx: the learning log's format; see learn-log.h.  */
#define _GNU_SOURCE
#include "learn-log.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[SBX_LEARN_N_OPS] = {
  [SBX_LEARN_FOUND] = "found",   [SBX_LEARN_MISSING] = "missing", [SBX_LEARN_READ] = "read",
  [SBX_LEARN_WRITE] = "write",   [SBX_LEARN_EXEC] = "exec",       [SBX_LEARN_CREATE] = "create",
  [SBX_LEARN_RENAME] = "rename", [SBX_LEARN_UNLINK] = "unlink",   [SBX_LEARN_READDIR] = "readdir",
  [SBX_LEARN_SECRET] = "secret",
};

const char *
sbx_learn_op_name (enum sbx_learn_op op)
{
  return op < SBX_LEARN_N_OPS ? names[op] : "?";
}

int
sbx_learn_op_parse (const char *word)
{
  for (int i = 0; i < SBX_LEARN_N_OPS; i++)
    if (strcmp (word, names[i]) == 0)
      return i;
  return -1;
}

/* Append `s` escaped at *o; `out` is big enough (twice the input).  */
static char *
escape (char *o, const char *s)
{
  for (; *s; s++)
    {
      if (*s == '\t' || *s == '\n' || *s == '\\')
        {
          *o++ = '\\';
          *o++ = *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\';
        }
      else
        *o++ = *s;
    }
  return o;
}

char *
sbx_learn_log_line (enum sbx_learn_op op, pid_t pid, const char *comm, const char *path,
                    size_t *len)
{
  size_t max = strlen (comm) * 2 + strlen (path) * 2 + 48;
  char *out = malloc (max), *o;

  if (out == NULL)
    return NULL;
  o = out + snprintf (out, max, "%s\t%d\t", sbx_learn_op_name (op), (int)pid);
  o = escape (o, comm);
  *o++ = '\t';
  o = escape (o, path);
  *o++ = '\n';
  *o = '\0';
  *len = o - out;
  return out;
}

/* Undo escape() in place.  */
static void
unescape (char *s)
{
  char *o = s;
  for (; *s; s++)
    {
      if (*s == '\\' && s[1])
        {
          s++;
          *o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        }
      else
        *o++ = *s;
    }
  *o = '\0';
}

int
sbx_learn_log_parse (char *line, struct sbx_learn_event *ev)
{
  char *f[4];
  char *end;
  int op;

  f[0] = line;
  for (int i = 1; i < 4; i++)
    {
      char *tab = strchr (f[i - 1], '\t');
      if (tab == NULL)
        return -1;
      *tab = '\0';
      f[i] = tab + 1;
    }
  op = sbx_learn_op_parse (f[0]);
  ev->pid = (pid_t)strtol (f[1], &end, 10);
  if (op < 0 || *end || f[3][0] != '/')
    return -1;
  unescape (f[2]);
  unescape (f[3]);
  ev->op = (enum sbx_learn_op)op;
  ev->comm = f[2];
  ev->path = f[3];
  return 0;
}
