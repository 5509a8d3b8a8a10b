/* sbx: notes and warnings; see log.h.  */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum sbx_log_level level = SBX_LOG_NOTE;
static int raw_terminal;
static sbx_log_sink *sink;

void
sbx_log_set_sink (sbx_log_sink *fn)
{
  sink = fn;
}

void
sbx_log_set_raw_terminal (int raw)
{
  raw_terminal = raw;
}

void
sbx_log_set_level (enum sbx_log_level l)
{
  level = l;
}

enum sbx_log_level
sbx_log_get_level (void)
{
  return level;
}

int
sbx_log_raw_terminal (void)
{
  return raw_terminal;
}

static void
emit (enum sbx_log_level at, const char *kind, const char *fmt, va_list ap)
{
  char buf[2048];
  int n;

  if (level < at)
    return;
  n = snprintf (buf, sizeof buf, "sbx: %s", kind);
  if (n < 0 || (size_t)n >= sizeof buf)
    return;
  vsnprintf (buf + n, sizeof buf - n - 2, fmt, ap);
  if (sink)
    sink (at, buf + n);
  n = strlen (buf);
  if (raw_terminal && isatty (STDERR_FILENO))
    buf[n++] = '\r';
  buf[n++] = '\n';
  /* One write, so lines from the parent and the child do not interleave.  */
  if (write (STDERR_FILENO, buf, n) < 0)
    return;
}

#define DEFINE_LOG(fn, lvl, kind)                                                                  \
  void fn (const char *fmt, ...)                                                                   \
  {                                                                                                \
    va_list ap;                                                                                    \
    va_start (ap, fmt);                                                                            \
    emit (lvl, kind, fmt, ap);                                                                     \
    va_end (ap);                                                                                   \
  }

DEFINE_LOG (sbx_log_warn, SBX_LOG_WARN, "warning: ")
DEFINE_LOG (sbx_log_note, SBX_LOG_NOTE, "note: ")
DEFINE_LOG (sbx_log_event, SBX_LOG_WARN, "")
DEFINE_LOG (sbx_log_debug, SBX_LOG_DEBUG, "debug: ")

void
sbx_log_mark (const char *what)
{
  struct timespec t;

  if (sbx_log_get_level () < SBX_LOG_DEBUG)
    return;
  clock_gettime (CLOCK_MONOTONIC, &t);
  sbx_log_debug ("%s (t=%.2f)", what, (double)(t.tv_sec % 1000) * 1e3 + (double)t.tv_nsec / 1e6);
}
