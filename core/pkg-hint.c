/* sbx: package installs over the host's root; see pkg-hint.h.
 *
 * Over the host's root the sandbox's root is the caller outside: the
 * host's root-only files (/var/lib/apt/lists/lock, /var/lib/dpkg/lock,
 * /var/cache/dnf) stay closed to it, so a package manager fails with
 * EACCES on its lock.  That is the design, not a bug to work around: an
 * image gives the sandbox a root whose files it owns.  Seeing the
 * attempt before the run lets sbx say so in one line, next to the package
 * manager's own error.  */
#define _GNU_SOURCE
#include "pkg-hint.h"

#include <ctype.h>
#include <string.h>

static const char *const managers[] = { "apt",      "apt-get", "aptitude", "dpkg",   "dnf", "yum",
                                        "microdnf", "apk",     "zypper",   "pacman", NULL };

/* Actions that write the package database.  */
static const char *const actions[]
    = { "install",   "update", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge",
        "reinstall", "add",    "del",     "-i",           "--install",    "-S",     "-Sy",
        "-Syu",      "-U",     NULL };

static bool
in (const char *const *list, const char *w, size_t len)
{
  for (; *list; list++)
    if (strlen (*list) == len && strncmp (*list, w, len) == 0)
      return true;
  return false;
}

/* The words of a command or a script: runs of letters, digits and
   `-_./+`; a path names its last component.  A manager counts once an
   action follows it, before the end of that command (`;`, `&`, `|`, a
   newline).  */
static bool
scan (const char *text, bool *manager_seen)
{
  const char *p = text;
  while (*p)
    {
      const char *w = p, *base;
      size_t len;
      if (strchr (";&|\n()", *p))
        *manager_seen = false;
      if (!(isalnum ((unsigned char)*p) || strchr ("-_./+", *p)))
        {
          p++;
          continue;
        }
      while (*p && (isalnum ((unsigned char)*p) || strchr ("-_./+", *p)))
        p++;
      len = p - w;
      base = memrchr (w, '/', len);
      if (base)
        {
          len -= base + 1 - w;
          w = base + 1;
        }
      if (in (managers, w, len))
        *manager_seen = true;
      else if (*manager_seen && in (actions, w, len))
        return true;
    }
  return false;
}

bool
sbx_pkg_installs (char *const *argv)
{
  bool seen = false;

  if (argv == NULL || argv[0] == NULL)
    return false;
  for (char *const *a = argv; *a; a++)
    {
      /* Each argument is a word of the command, or a whole script
         (`sh -c 'apt-get update && ...'`): scan both the same way, as
         one command line.  */
      if (scan (*a, &seen))
        return true;
    }
  return false;
}
