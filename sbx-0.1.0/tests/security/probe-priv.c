/* sbx-probe priv: the program holds no privilege and can gain none.
 * Every capability set is empty and no_new_privs is set (also as uid 0
 * inside); another uid is refused; setgroups cannot drop the user's
 * supplementary groups (CVE-2018-7169: a group that denies access, as
 * mode 0705 does, stops denying once dropped).  Nested user namespaces
 * are rows of `refused`.
 *
 * sbx-probe setuid-exec: a setuid-root program run inside gains nothing.
 * It execs one that waits on its stdin with its privileges up (su or
 * passwd, asking for a password) and reads its ids and capabilities in
 * /proc/PID/status while it waits.  --host-check does the same outside a
 * sandbox and wants euid 0 there: proof that the check can fail.  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static void
check_caps (const void *arg, struct result *r)
{
  static const char *const sets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  char v[64];
  size_t i;

  (void)arg;
  for (i = 0; i < ARRAY_SIZE (sets); i++)
    {
      if (read_status (0, sets[i], v, sizeof v) < 0)
        {
          set_result (r, V_FAIL, "%s: %s", sets[i], errname (errno));
          return;
        }
      if (strspn (v, "0") != strlen (v))
        {
          set_result (r, V_FAIL, "%s: got %s want 0", sets[i], v);
          return;
        }
    }
  set_result (r, V_OK, "CapInh, CapPrm, CapEff, CapBnd, CapAmb all 0 (uid %d)", (int)getuid ());
}

static void
check_nnp (const void *arg, struct result *r)
{
  char v[16];

  (void)arg;
  if (read_status (0, "NoNewPrivs", v, sizeof v) < 0)
    set_result (r, V_FAIL, "NoNewPrivs: %s", errname (errno));
  else if (strcmp (v, "1") == 0)
    set_result (r, V_OK, "NoNewPrivs: 1");
  else
    set_result (r, V_FAIL, "NoNewPrivs: got %s want 1", v);
}

static void
check_setuid (const void *arg, struct result *r)
{
  uid_t other = getuid () == 0 ? 1 : 0;
  long ret;

  (void)arg;
  ret = syscall (SYS_setresuid, other, other, other);
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM, "no CAP_SETUID");
}

static void
check_setgroups (const void *arg, struct result *r)
{
  char before[256], after[256];
  long ret;
  int got;

  (void)arg;
  if (read_status (0, "Groups", before, sizeof before) < 0)
    {
      set_result (r, V_FAIL, "Groups: %s", errname (errno));
      return;
    }
  ret = syscall (SYS_setgroups, 0, NULL);
  got = ret < 0 ? errno : 0;
  if (read_status (0, "Groups", after, sizeof after) < 0)
    {
      set_result (r, V_FAIL, "Groups after: %s", errname (errno));
      return;
    }
  if (got == EPERM && strcmp (before, after) == 0)
    set_result (r, V_OK, "EPERM (no CAP_SETGID); Groups still '%s'", after);
  else
    set_result (r, V_FAIL, "got %s want EPERM; Groups '%s' before, '%s' after", answer (got, ret),
                before, after);
}

static const struct probe_check priv_checks[] = {
  { "capabilities", check_caps, NULL },
  { "no_new_privs", check_nnp, NULL },
  { "setresuid(other uid)", check_setuid, NULL },
  { "setgroups(0, NULL)", check_setgroups, NULL },
};

int
cmd_priv (int argc, char **argv)
{
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  run_checks (priv_checks, ARRAY_SIZE (priv_checks), &sel);
  return finish (&sel);
}

/* ------------------------------------------------------------ setuid-exec */

struct setuid_target
{
  const char *path;
  int host_check;
};

/* The comm a process gets at exec: the file name, cut to 15 bytes.  */
static int
is_comm (pid_t pid, const char *path)
{
  const char *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  char name[64];

  return read_status (pid, "Name", name, sizeof name) == 0 && strncmp (name, base, 15) == 0;
}

static void
check_setuid_exec (const void *arg, struct result *r)
{
  const struct setuid_target *t = arg;
  char uids[128], caps[64];
  struct timespec pause_ms = { 0, 10 * 1000 * 1000 };
  unsigned ruid, euid, suid, fsuid;
  struct stat st;
  int in[2], i;
  pid_t pid;

  if (stat (t->path, &st) < 0)
    {
      set_result (r, V_FAIL, "stat %s: %s", t->path, errname (errno));
      return;
    }
  if (!(st.st_mode & S_ISUID))
    {
      set_result (r, V_FAIL, "%s is not setuid (mode %o)", t->path, st.st_mode & 07777);
      return;
    }
  if (pipe2 (in, O_CLOEXEC) < 0)
    {
      set_result (r, V_FAIL, "pipe: %s", errname (errno));
      return;
    }
  pid = fork ();
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);
      char *argv[] = { (char *)t->path, NULL };
      char *envp[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
      dup2 (in[0], 0);
      dup2 (null, 1);
      dup2 (null, 2);
      execve (t->path, argv, envp);
      _exit (127);
    }
  close (in[0]);
  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: %s", errname (errno));
      return;
    }
  /* Wait for the exec, then for the ids to settle while it waits on us.  */
  for (i = 0; i < 300 && !is_comm (pid, t->path); i++)
    nanosleep (&pause_ms, NULL);
  for (i = 0; i < 10; i++)
    nanosleep (&pause_ms, NULL);
  if (!is_comm (pid, t->path) || read_status (pid, "Uid", uids, sizeof uids) < 0
      || read_status (pid, "CapEff", caps, sizeof caps) < 0
      || sscanf (uids, "%u %u %u %u", &ruid, &euid, &suid, &fsuid) != 4)
    {
      set_result (r, V_FAIL, "%s ended before its ids could be read (it must wait on stdin)",
                  t->path);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return;
    }
  kill (pid, SIGKILL);
  close (in[1]);
  waitpid (pid, NULL, 0);
  if (t->host_check)
    {
      if (euid == 0)
        set_result (r, V_OK, "outside a sandbox %s runs with euid 0 (Uid: %s): the check can fail",
                    t->path, uids);
      else
        set_result (r, V_FAIL, "outside a sandbox %s got euid %u, want 0 (is it setuid root?)",
                    t->path, euid);
    }
  else if (euid == getuid () && suid == getuid () && fsuid == getuid ()
           && strspn (caps, "0") == strlen (caps))
    set_result (r, V_OK, "%s (mode %o) runs as uid %u, no capabilities: nothing gained", t->path,
                st.st_mode & 07777, euid);
  else
    set_result (r, V_FAIL, "%s gained privilege: Uid %s, CapEff %s (the probe's uid %d)", t->path,
                uids, caps, (int)getuid ());
}

int
cmd_setuid_exec (int argc, char **argv)
{
  static const char *const defaults[] = { "/usr/bin/su", "/bin/su", "/usr/bin/passwd", NULL };
  struct setuid_target t = { NULL, 0 };
  struct selection sel = { 0, NULL, NULL };
  char name[160];
  int i;

  for (i = 1; i < argc; i++)
    if (strcmp (argv[i], "--host-check") == 0)
      t.host_check = 1;
    else if (argv[i][0] == '/' && t.path == NULL)
      t.path = argv[i];
    else
      {
        fprintf (stderr, "Usage: sbx-probe setuid-exec [--host-check] [PATH]\n");
        return 2;
      }
  for (i = 0; t.path == NULL && defaults[i]; i++)
    {
      struct stat st;
      if (stat (defaults[i], &st) == 0 && (st.st_mode & S_ISUID))
        t.path = defaults[i];
    }
  if (t.path == NULL)
    {
      report_now ("setuid exec", V_SKIP, "no setuid su or passwd here");
      return finish (&sel);
    }
  snprintf (name, sizeof name, "setuid exec(%s)", t.path);
  run_check (name, check_setuid_exec, &t);
  return finish (&sel);
}
