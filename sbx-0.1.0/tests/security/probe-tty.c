/* sbx-probe tiocsti: TIOCSTI and TIOCLINUX on the terminal the program
 * was given (CVE-2017-5226, CVE-2019-10063): the filter refuses both, the
 * request compared as the 32 bits the kernel reads, and nothing reaches
 * the terminal's input queue.  */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "probe.h"

#define PROBE_TIOCL_GETFGCONSOLE 12 /* <linux/tiocl.h> */

/* The tries, on fd 0.  Without the filter: TIOCSTI works on one's own
   controlling terminal when dev.tty.legacy_tiocsti is 1 (EIO when it is 0,
   Linux 6.2), TIOCLINUX gives ENOTTY on a pty.  */
static const struct tty_try
{
  const char *name;
  unsigned long req;
  const char *arg;
  int sti;
} tries[] = {
  { "ioctl(0, TIOCSTI)", TIOCSTI, "x", 1 },
  { "ioctl(0, TIOCSTI|1<<32)", (1UL << 32) | TIOCSTI, "x", 1 },
  { "ioctl(0, TIOCLINUX)", TIOCLINUX, (const char[]){ PROBE_TIOCL_GETFGCONSOLE }, 0 },
};

/* TIOCSTI and TIOCLINUX on the terminal itself, then a look at the input
   queue: nothing may have been pushed into it.  */
int
cmd_tiocsti (int argc, char **argv)
{
  struct termios saved, raw;
  struct selection sel;
  int legacy, ctty;
  unsigned flags;
  char buf[64];
  size_t i;
  ssize_t n;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  if (!isatty (0))
    {
      report_now ("tiocsti", V_SKIP, "fd 0 is not a terminal");
      return finish (&sel);
    }
  legacy = read_sysctl ("/proc/sys/dev/tty/legacy_tiocsti");
  ctty = tcgetpgrp (0) >= 0;
  if (tcgetattr (0, &saved) < 0)
    {
      report_now ("tiocsti", V_FAIL, "tcgetattr on fd 0: %s", errname (errno));
      return finish (&sel);
    }
  for (i = 0; i < ARRAY_SIZE (tries); i++)
    {
      long ret;
      int got;

      if (!selected (tries[i].name, &sel))
        continue;
      ret = syscall (SYS_ioctl, 0, tries[i].req, tries[i].arg);
      got = ret < 0 ? errno : 0;
      if (got == EPERM)
        report_now (tries[i].name, V_OK,
                    "EPERM (fd 0 is %sthe controlling terminal; without the "
                    "filter: %s)",
                    ctty ? "" : "not ",
                    !tries[i].sti ? "ENOTTY"
                    : !ctty       ? "EPERM"
                    : legacy == 0 ? "EIO"
                                  : "success, the character is injected");
      else
        report_now (tries[i].name, V_FAIL, "got %s want EPERM", answer (got, ret));
    }
  /* Read back whatever is queued, without waiting for a line.  */
  raw = saved;
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 3; /* 0.3 s */
  tcsetattr (0, TCSANOW, &raw);
  n = read (0, buf, sizeof buf - 1);
  tcsetattr (0, TCSANOW, &saved);
  if (!selected ("injected input", &sel))
    ;
  else if (n > 0 && memchr (buf, 'x', n))
    report_now ("injected input", V_FAIL, "an injected 'x' was waiting on fd 0");
  else if (n >= 0)
    report_now ("injected input", V_OK, "nothing injected (%zd bytes waiting)", n);
  else
    report_now ("injected input", V_FAIL, "read fd 0: %s", errname (errno));
  return finish (&sel);
}
