/* sbx: error objects; see error.h.  */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
sbx_oom (void)
{
  static const char m[] = "sbx: out of memory\n";
  if (write (2, m, sizeof m - 1) < 0)
    abort ();
  abort ();
}

int
sbx_error_makev (sbx_error_t *err, int errno_, const char *fmt, va_list ap)
{
  char *text = NULL;

  if (err == NULL)
    return -1;
  if (vasprintf (&text, fmt, ap) < 0)
    sbx_oom ();
  if (*err != NULL)
    sbx_error_release (err);
  *err = calloc (1, sizeof **err);
  if (*err == NULL)
    sbx_oom ();
  (*err)->status = errno_;
  (*err)->exit_code = SBX_EXIT_FAILURE;
  if (errno_ != 0)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", text, strerror (errno_)) < 0)
        sbx_oom ();
      free (text);
      text = full;
    }
  (*err)->msg = text;
  return -1;
}

int
sbx_error_make (sbx_error_t *err, int errno_, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sbx_error_makev (err, errno_, fmt, ap);
  va_end (ap);
  return -1;
}

int
sbx_error_make_exit (sbx_error_t *err, int exit_code, int errno_, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sbx_error_makev (err, errno_, fmt, ap);
  va_end (ap);
  if (err && *err)
    (*err)->exit_code = exit_code;
  return -1;
}

/* Add `fmt` to the message before it (prefix) or after it, joined by
   `sep`.  */
static int
rewrite (sbx_error_t *err, bool prefix, const char *sep, const char *fmt, va_list ap)
{
  char *extra = NULL, *full = NULL;

  if (err == NULL)
    return -1;
  if (vasprintf (&extra, fmt, ap) < 0)
    sbx_oom ();
  if (*err == NULL)
    {
      /* Context added to an error nobody made: a failure must never turn
         into silence or "unknown error", so it becomes the message.  */
      sbx_error_make (err, 0, "%s: failed without saying why (a bug in sbx: please report it)",
                      extra);
      free (extra);
      return -1;
    }
  if (prefix ? asprintf (&full, "%s%s%s", extra, sep, (*err)->msg) < 0
             : asprintf (&full, "%s%s%s", (*err)->msg, sep, extra) < 0)
    sbx_oom ();
  free (extra);
  free ((*err)->msg);
  (*err)->msg = full;
  return -1;
}

int
sbx_error_prefix (sbx_error_t *err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  rewrite (err, true, ": ", fmt, ap);
  va_end (ap);
  return -1;
}

int
sbx_error_hint (sbx_error_t *err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  rewrite (err, false, "; ", fmt, ap);
  va_end (ap);
  return -1;
}

static int
append (sbx_error_t *err, const char *sep, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  rewrite (err, false, sep, fmt, ap);
  va_end (ap);
  return -1;
}

int
sbx_error_about_host (sbx_error_t *err)
{
  static const char doctor[] = " (run `sbx doctor`)";
  size_t n;

  if (err == NULL || *err == NULL)
    return -1;
  n = strlen ((*err)->msg);
  if (n >= sizeof doctor - 1 && strcmp ((*err)->msg + n - (sizeof doctor - 1), doctor) == 0)
    return -1;
  return append (err, "", "%s", doctor);
}

void
sbx_error_release (sbx_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

const char *
sbx_error_explain_mount (int errno_)
{
  switch (errno_)
    {
    case ENOSPC:
      /* The kernel says ENOSPC when a mount namespace holds more mounts
         than fs.mount-max allows, not when a disk is full.  */
      return "the mount table is full (sysctl fs.mount-max)";
    case EPERM:
      return "not permitted in this user namespace (a locked mount, or an AppArmor/SELinux "
             "policy forbids it)";
    case EINVAL:
      return "the kernel refused the mount options";
    default:
      return NULL;
    }
}
