/* sbx: terminals.  When sbx runs on a terminal, the program gets a pty of
   the sandbox's own devpts as its controlling terminal, and sbx copies
   bytes between it and the user's terminal (set raw).  Job control, Ctrl-C
   and Ctrl-Z then work inside exactly as on a terminal, and nothing in the
   sandbox holds the user's real terminal: TIOCSTI/TIOCLINUX from inside
   cannot reach it (CVE-2017-5226).  */
#ifndef SBX_PTY_H
#define SBX_PTY_H

#include <stdbool.h>
#include <termios.h>
#include <sys/ioctl.h>

#include "base/error.h"

struct sbx_tty
{
  bool use_pty;    /* stdin and stdout are a terminal */
  bool stderr_tty; /* stderr too goes to the pty */
  bool have_ws;
  struct termios saved; /* the user's terminal, restored on exit */
  struct winsize ws;
  bool raw;
};

/* Parent, before the sandbox starts.  */
void sbx_tty_detect (struct sbx_tty *t);
int sbx_tty_make_raw (struct sbx_tty *t, sbx_error_t *err);
void sbx_tty_restore (struct sbx_tty *t);
/* Copy the user's terminal size to the pty (SIGWINCH).  */
void sbx_tty_resize (int master);

/* Init, inside the new root: open a pty of the sandbox's devpts with the
   user's terminal settings and size.  Init must hold the slave open until
   the program has it: a pty whose slave nobody holds reads EIO on the
   master, and sbx takes that as the end of the sandbox's output.  */
int sbx_tty_open (const struct sbx_tty *t, int *master, int *slave, sbx_error_t *err);

/* The program: a new session with the pty as its controlling terminal
   on the fds that were terminals outside.  */
int sbx_tty_attach (const struct sbx_tty *t, int slave, sbx_error_t *err);

#endif
