/* Unit tests for core/base/error.c: an error carries one message up, context
   added on the way, and a failure never turns into silence or "unknown
   error", even when the step that failed made no error.  */
#include "../../core/base/error.h"

#include <errno.h>

#include "tap.h"

int
main (void)
{
  sbx_error_t err = NULL;

  TAP_IS_INT (sbx_error_make (&err, ENOENT, "open `%s`", "/x"), -1, "make returns -1");
  TAP_IS_STR (err->msg, "open `/x`: No such file or directory", "make appends strerror");
  TAP_IS_INT (err->status, ENOENT, "make keeps the errno");
  TAP_IS_INT (err->exit_code, SBX_EXIT_FAILURE, "make's exit code is 125");
  sbx_error_prefix (&err, "--bind %s", "a");
  TAP_IS_STR (err->msg, "--bind a: open `/x`: No such file or directory", "prefix adds context");
  sbx_error_hint (&err, "create it first");
  TAP_IS_STR (err->msg, "--bind a: open `/x`: No such file or directory; create it first",
              "hint appends a fix");
  TAP_IS_INT (err->status, ENOENT, "the errno survives the context");
  sbx_error_release (&err);
  TAP_OK (err == NULL, "release clears the pointer");

  /* The holes: context added to an error that was never made.  */
  TAP_IS_INT (sbx_error_prefix (&err, "make the lower layer"), -1, "prefix of nothing returns -1");
  TAP_OK (err != NULL, "prefix of nothing makes an error");
  TAP_HAS_STR (err ? err->msg : NULL, "make the lower layer: failed without saying why",
               "... naming the step that failed");
  sbx_error_release (&err);
  sbx_error_hint (&err, "use --overlay fuse");
  TAP_HAS_STR (err ? err->msg : NULL, "use --overlay fuse", "hint of nothing makes an error too");
  sbx_error_release (&err);

  sbx_error_make_exit (&err, SBX_EXIT_NOT_FOUND, 0, "%s: command not found in sandbox", "x");
  TAP_IS_STR (err->msg, "x: command not found in sandbox", "make_exit without errno");
  TAP_IS_INT (err->exit_code, SBX_EXIT_NOT_FOUND, "make_exit sets the exit code");
  sbx_error_make (&err, 0, "second");
  TAP_IS_STR (err->msg, "second", "a new error replaces the old one");
  sbx_error_release (&err);
  sbx_error_release (&err);
  TAP_OK (sbx_error_prefix (NULL, "x") == -1, "a NULL error pointer is ignored");
  sbx_error_make (&err, EACCES, "open /dev/fuse");
  sbx_error_about_host (&err);
  sbx_error_about_host (&err);
  TAP_IS_STR (err->msg, "open /dev/fuse: Permission denied (run `sbx doctor`)",
              "about_host ends the message with (run `sbx doctor`), once");
  sbx_error_release (&err);
  return tap_done ();
}
