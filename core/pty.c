/* sbx: terminals; see pty.h.  */
#define _GNU_SOURCE
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

void
sbx_tty_detect (struct sbx_tty *t)
{
  memset (t, 0, sizeof *t);
  t->use_pty
      = isatty (STDIN_FILENO) && isatty (STDOUT_FILENO) && tcgetattr (STDIN_FILENO, &t->saved) == 0;
  if (!t->use_pty)
    return;
  t->stderr_tty = isatty (STDERR_FILENO);
  t->have_ws = ioctl (STDOUT_FILENO, TIOCGWINSZ, &t->ws) == 0;
}

int
sbx_tty_make_raw (struct sbx_tty *t, sbx_error_t *err)
{
  struct termios raw = t->saved;

  cfmakeraw (&raw);
  /* Keep output post-processing off too: the pty inside already did it.  */
  if (tcsetattr (STDIN_FILENO, TCSADRAIN, &raw) < 0)
    return sbx_error_make (err, errno, "set the terminal to raw mode");
  t->raw = true;
  return 0;
}

void
sbx_tty_restore (struct sbx_tty *t)
{
  if (t->raw)
    {
      tcsetattr (STDIN_FILENO, TCSADRAIN, &t->saved);
      t->raw = false;
    }
}

void
sbx_tty_resize (int master)
{
  struct winsize ws;
  if (master >= 0 && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

int
sbx_tty_open (const struct sbx_tty *t, int *master, int *slave, sbx_error_t *err)
{
  cleanup_close int m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  cleanup_close int s = -1;
  char name[64];

  if (m < 0)
    return sbx_error_make (err, errno, "open the sandbox's /dev/ptmx");
  if (unlockpt (m) < 0 || ptsname_r (m, name, sizeof name) != 0)
    return sbx_error_make (err, errno, "set up the sandbox's pty");
  s = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    return sbx_error_make (err, errno, "open `%s`", name);
  /* The pty starts as the user's terminal was: same line discipline
     settings (erase, intr...) and size.  */
  tcsetattr (s, TCSANOW, &t->saved);
  if (t->have_ws)
    ioctl (s, TIOCSWINSZ, &t->ws);
  *slave = steal_fd (&s);
  *master = steal_fd (&m);
  return 0;
}

int
sbx_tty_attach (const struct sbx_tty *t, int s, sbx_error_t *err)
{
  if (setsid () < 0)
    return sbx_error_make (err, errno, "setsid");
  if (ioctl (s, TIOCSCTTY, 0) < 0)
    return sbx_error_make (err, errno, "make the sandbox's pty the controlling terminal");
  if (dup2 (s, STDIN_FILENO) < 0 || dup2 (s, STDOUT_FILENO) < 0
      || (t->stderr_tty && dup2 (s, STDERR_FILENO) < 0))
    return sbx_error_make (err, errno, "dup2 the pty");
  return 0;
}
