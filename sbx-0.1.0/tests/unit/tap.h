/* sbx: a tiny header-only TAP producer for the unit tests.
 *
 * Each check prints "ok N - description" or "not ok N - description" on
 * stdout, a failure followed by "# " lines saying where and what was got
 * and expected; tap_done () prints the plan "1..N" last (TAP allows the
 * plan at the end) and returns the exit status: 0 only if every check
 * passed.  A check made between tap_todo_begin () and tap_todo_end () is
 * a known bug: it carries "# TODO reason" and does not fail the program,
 * so the expectation stays written down until the code is fixed.
 * tap_skip_all () exits 77, the automake code for "skipped", saying why.  */
#ifndef SBX_TESTS_TAP_H
#define SBX_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;
static const char *tap_todo_reason;

#define TAP_PRINTF(f, a) __attribute__ ((format (printf, f, a)))

static inline void tap_diag (const char *fmt, ...) TAP_PRINTF (1, 2);
static inline void
tap_diag (const char *fmt, ...)
{
  va_list ap;

  fputs ("# ", stdout);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  fputc ('\n', stdout);
  fflush (stdout);
}

/* Prints one result line; returns `ok` so callers can add diagnostics.  */
static inline bool tap_result (bool ok, const char *file, int line, const char *fmt, va_list ap)
    TAP_PRINTF (4, 0);
static inline bool
tap_result (bool ok, const char *file, int line, const char *fmt, va_list ap)
{
  tap_count++;
  printf ("%sok %d - ", ok ? "" : "not ", tap_count);
  vprintf (fmt, ap);
  if (tap_todo_reason)
    printf (" # TODO %s", tap_todo_reason);
  fputc ('\n', stdout);
  if (!ok)
    {
      if (tap_todo_reason == NULL)
        tap_failed++;
      printf ("#   %s at %s:%d\n", tap_todo_reason ? "Failed (TODO) test" : "Failed test", file,
              line);
    }
  fflush (stdout);
  return ok;
}

static inline bool tap_ok_ (bool ok, const char *file, int line, const char *fmt, ...)
    TAP_PRINTF (4, 5);
static inline bool
tap_ok_ (bool ok, const char *file, int line, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  tap_result (ok, file, line, fmt, ap);
  va_end (ap);
  return ok;
}

static inline bool tap_is_int_ (long long got, long long want, const char *expr, const char *file,
                                int line, const char *fmt, ...) TAP_PRINTF (6, 7);
static inline bool
tap_is_int_ (long long got, long long want, const char *expr, const char *file, int line,
             const char *fmt, ...)
{
  va_list ap;
  bool ok = got == want;

  va_start (ap, fmt);
  tap_result (ok, file, line, fmt, ap);
  va_end (ap);
  if (!ok)
    {
      tap_diag ("  %s", expr);
      tap_diag ("         got: %lld", got);
      tap_diag ("    expected: %lld", want);
    }
  return ok;
}

static inline bool tap_is_uint_ (unsigned long long got, unsigned long long want, const char *expr,
                                 const char *file, int line, const char *fmt, ...)
    TAP_PRINTF (6, 7);
static inline bool
tap_is_uint_ (unsigned long long got, unsigned long long want, const char *expr, const char *file,
              int line, const char *fmt, ...)
{
  va_list ap;
  bool ok = got == want;

  va_start (ap, fmt);
  tap_result (ok, file, line, fmt, ap);
  va_end (ap);
  if (!ok)
    {
      tap_diag ("  %s", expr);
      tap_diag ("         got: %llu (0x%llx)", got, got);
      tap_diag ("    expected: %llu (0x%llx)", want, want);
    }
  return ok;
}

/* Strings are shown quoted, so a trailing newline or space is visible;
   NULL is shown as NULL and equals only NULL.  */
static inline void
tap_diag_str (const char *label, const char *s)
{
  if (s == NULL)
    tap_diag ("%s NULL", label);
  else
    tap_diag ("%s '%s'", label, s);
}

static inline bool tap_is_str_ (const char *got, const char *want, const char *expr,
                                const char *file, int line, const char *fmt, ...) TAP_PRINTF (6, 7);
static inline bool
tap_is_str_ (const char *got, const char *want, const char *expr, const char *file, int line,
             const char *fmt, ...)
{
  va_list ap;
  bool ok = (got == NULL || want == NULL) ? got == want : strcmp (got, want) == 0;

  va_start (ap, fmt);
  tap_result (ok, file, line, fmt, ap);
  va_end (ap);
  if (!ok)
    {
      tap_diag ("  %s", expr);
      tap_diag_str ("        got:", got);
      tap_diag_str ("   expected:", want);
    }
  return ok;
}

static inline bool tap_has_str_ (const char *got, const char *needle, const char *expr,
                                 const char *file, int line, const char *fmt, ...)
    TAP_PRINTF (6, 7);
static inline bool
tap_has_str_ (const char *got, const char *needle, const char *expr, const char *file, int line,
              const char *fmt, ...)
{
  va_list ap;
  bool ok = got != NULL && strstr (got, needle) != NULL;

  va_start (ap, fmt);
  tap_result (ok, file, line, fmt, ap);
  va_end (ap);
  if (!ok)
    {
      tap_diag ("  %s", expr);
      tap_diag_str ("             got:", got);
      tap_diag_str ("   should contain:", needle);
    }
  return ok;
}

/* The description is a printf format with its arguments.  */
#define TAP_OK(cond, ...) tap_ok_ ((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define TAP_IS_INT(got, want, ...)                                                                 \
  tap_is_int_ ((long long)(got), (long long)(want), #got, __FILE__, __LINE__, __VA_ARGS__)
#define TAP_IS_UINT(got, want, ...)                                                                \
  tap_is_uint_ ((unsigned long long)(got), (unsigned long long)(want), #got, __FILE__, __LINE__,   \
                __VA_ARGS__)
#define TAP_IS_STR(got, want, ...)                                                                 \
  tap_is_str_ ((got), (want), #got, __FILE__, __LINE__, __VA_ARGS__)
/* `got` contains `needle` (error messages: the words that matter).  */
#define TAP_HAS_STR(got, needle, ...)                                                              \
  tap_has_str_ ((got), (needle), #got, __FILE__, __LINE__, __VA_ARGS__)

/* Checks made until tap_todo_end () document a known bug.  */
static inline void
tap_todo_begin (const char *reason)
{
  tap_todo_reason = reason;
}

static inline void
tap_todo_end (void)
{
  tap_todo_reason = NULL;
}

static inline void tap_skip_all (const char *fmt, ...) TAP_PRINTF (1, 2);
static inline void
tap_skip_all (const char *fmt, ...)
{
  va_list ap;

  fputs ("1..0 # SKIP ", stdout);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  fputc ('\n', stdout);
  fflush (stdout);
  exit (77);
}

/* Print the plan; the exit status for main.  */
static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_count);
  if (tap_failed)
    tap_diag ("Looks like you failed %d test%s of %d.", tap_failed, tap_failed == 1 ? "" : "s",
              tap_count);
  fflush (stdout);
  return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
