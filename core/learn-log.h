/* sbx: the log sbx-learnfs writes while `sbx learn` runs a program, and
   its reader.  One line per distinct (operation, path), fields separated
   by tabs, with `\t`, `\n` and `\\` escaped in the name and path:

     OP<TAB>PID<TAB>COMM<TAB>PATH

   OP is one of sbx_learn_op_name's words; PID is the caller's in the
   host's PID namespace (not stable between runs: the profile writer does
   not print it); COMM its command name.  Pure: no I/O but the reader's.  */
#ifndef SBX_LEARN_LOG_H
#define SBX_LEARN_LOG_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum sbx_learn_op
{
  SBX_LEARN_FOUND,   /* looked up, exists */
  SBX_LEARN_MISSING, /* looked up, does not exist */
  SBX_LEARN_READ,    /* opened for reading */
  SBX_LEARN_WRITE,   /* opened for writing, truncated, its metadata changed */
  SBX_LEARN_EXEC,    /* opened by execve */
  SBX_LEARN_CREATE,  /* made: file, directory, link, a rename's target */
  SBX_LEARN_RENAME,  /* renamed away */
  SBX_LEARN_UNLINK,  /* removed */
  SBX_LEARN_READDIR, /* listed */
  SBX_LEARN_SECRET,  /* a hidden secret (~/.ssh...) it tried to reach */
  SBX_LEARN_N_OPS,
};

const char *sbx_learn_op_name (enum sbx_learn_op op);
/* -1 for a word that names none.  */
int sbx_learn_op_parse (const char *word);

/* The line for one event, malloc'ed, its length in *len.  */
char *sbx_learn_log_line (enum sbx_learn_op op, pid_t pid, const char *comm, const char *path,
                          size_t *len);

struct sbx_learn_event
{
  enum sbx_learn_op op;
  pid_t pid;
  char *comm;
  char *path;
};

/* Parse one line (without its newline) in place of `line`; 0, or -1 for
   a line that is not one of ours.  The strings point into `line`.  */
int sbx_learn_log_parse (char *line, struct sbx_learn_event *ev);

#endif
