/* sbx: error objects that carry context up to the one place that prints them.
 *
 * A fallible function returns < 0 and fills the sbx_error_t passed last.
 * The error is made once, where the failure happens, naming the object and
 * keeping errno; callers may add context on the way up (sbx_error_prefix) or
 * drop an expected error (sbx_error_release).  Only cmd/ prints.  */
#ifndef SBX_ERROR_H
#define SBX_ERROR_H

#include <stdarg.h>

/* Exit statuses sbx itself uses; everything else is the program's own.
   These follow the convention of podman/docker run, so scripts can tell
   "the sandbox failed" from "the program failed".  */
enum
{
  SBX_EXIT_FAILURE = 125, /* sbx could not set the sandbox up */
  SBX_EXIT_CANNOT_EXEC = 126,
  SBX_EXIT_NOT_FOUND = 127,
};

struct sbx_error_s
{
  int status;    /* errno of the cause, 0 if none */
  int exit_code; /* what sbx should exit with */
  char *msg;
};
typedef struct sbx_error_s *sbx_error_t;

/* Fill *err with a message and errno; returns -1 so callers can write
   `return sbx_error_make (err, errno, "open `%s`", path);`.  If errno_ is
   non-zero, ": strerror" is appended.  */
int sbx_error_make (sbx_error_t *err, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int sbx_error_makev (sbx_error_t *err, int errno_, const char *fmt, va_list ap);

/* Like sbx_error_make, with an exit code other than SBX_EXIT_FAILURE.  */
int sbx_error_make_exit (sbx_error_t *err, int exit_code, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Prepend "context: " to an existing error; returns -1.  */
int sbx_error_prefix (sbx_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Append a hint ("; hint") to an existing error; returns -1.  */
int sbx_error_hint (sbx_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* The error is about this host (a sysctl, /etc/subuid, a device, a
   helper program): end it with "(run `sbx doctor`)", which checks the
   whole host and says how to fix each thing.  Call it last; returns -1.  */
int sbx_error_about_host (sbx_error_t *err);

void sbx_error_release (sbx_error_t *err);

/* Out of memory: say so and abort.  Allocation in sbx cannot fail.  */
__attribute__ ((noreturn)) void sbx_oom (void);

/* The errno-specific explanation for a confusing errno from an operation,
   or NULL.  Used by mounts and id mapping.  */
const char *sbx_error_explain_mount (int errno_);

#define cleanup_error __attribute__ ((cleanup (sbx_error_release)))

#endif
