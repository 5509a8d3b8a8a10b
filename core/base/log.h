/* sbx: notes and warnings on stderr.  Errors are not logged here: they
   travel up in sbx_error_t to cmd/, which prints them once.  */
#ifndef SBX_LOG_H
#define SBX_LOG_H

enum sbx_log_level
{
  SBX_LOG_QUIET = 0, /* errors only (printed by cmd/) */
  SBX_LOG_WARN = 1,
  SBX_LOG_NOTE = 2,
  SBX_LOG_DEBUG = 3,
};

void sbx_log_set_level (enum sbx_log_level level);
/* For a helper executable (core/base/libexec.h), which takes both from
   its command line.  */
enum sbx_log_level sbx_log_get_level (void);
int sbx_log_raw_terminal (void);
void sbx_log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void sbx_log_note (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Something the user asked to see (--seccomp-log): "sbx: ..." unless
   --quiet.  */
void sbx_log_event (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* While sbx holds the user's terminal raw, lines need "\r\n".  */
void sbx_log_set_raw_terminal (int raw);
/* Also hand each line that is printed (without "sbx: kind: ") to `fn`:
   the OCI runtime's --log file, where engines read a runtime's words.  */
typedef void sbx_log_sink (enum sbx_log_level at, const char *msg);
void sbx_log_set_sink (sbx_log_sink *fn);
void sbx_log_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* -v: a step of the start-up or end, with the monotonic clock's ms
   (modulo 1000 s), so that the launcher's, the child's and init's lines
   can be put side by side.  */
void sbx_log_mark (const char *what);

#endif
