/* sbx: user namespace, parent side; see userns.h.  */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "helpers.h"
#include "base/sync.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"

static int
plan_one (const char *file, const char *helper, const char *name, unsigned long host_id,
          unsigned long inside_id, struct sbx_userns_map *m, sbx_error_t *err)
{
  struct sbx_idranges ranges;

  m->file = file;
  m->prog.fd = -1;
  if (sbx_subid_lookup (file, name, host_id, &ranges, err) < 0)
    return sbx_error_about_host (err);
  m->helper = ranges.n > 0;
  sbx_idmap_build (inside_id, host_id, &ranges, SBX_IDMAP_WANT, &m->map);
  sbx_idranges_free (&ranges);
  if (!m->helper)
    return 0;
  /* newuidmap runs with root's rights before the sandbox exists: only
     the system's own file will do, never one on PATH, where an empty or
     relative entry would pick a file of the current directory.  */
  if (sbx_helper_open_privileged (helper, "uidmap", &m->prog, err) < 0)
    return sbx_error_about_host (err);
  if (m->prog.fd < 0)
    {
      sbx_error_make (err, 0,
                      "%s has a range for you but no `%s` is installed in %s (sbx runs it "
                      "only from there, never from PATH); install the uidmap package "
                      "(apt-get install uidmap)",
                      file, helper, sbx_helper_privileged_dirs ());
      return sbx_error_about_host (err);
    }
  return 0;
}

int
sbx_userns_plan (const struct sbx_user *user, const struct sbx_ids *ids,
                 struct sbx_userns_plan *plan, sbx_error_t *err)
{
  memset (plan, 0, sizeof *plan);
  if (plan_one (SUBUID_FILE, "newuidmap", user->name, user->uid, ids->uid, &plan->uid, err) < 0)
    return -1;
  if (plan_one (SUBGID_FILE, "newgidmap", user->name, user->gid, ids->gid, &plan->gid, err) < 0)
    return -1;
  plan->setgroups_deny = !plan->gid.helper;
  if (!plan->uid.helper || !plan->gid.helper)
    sbx_log_note ("no range for %s in %s; mapping only your own %s (other ids show as nobody). "
                  "To map 65536 ids, an administrator runs: usermod --add-subuids "
                  "100000-165535 --add-subgids 100000-165535 %s",
                  user->name ? user->name : "your uid",
                  !plan->uid.helper ? SUBUID_FILE : SUBGID_FILE, !plan->uid.helper ? "uid" : "gid",
                  user->name ? user->name : "USER");
  return 0;
}

void
sbx_userns_plan_free (struct sbx_userns_plan *plan)
{
  /* A plan that was never made is all zeros: fd 0 is not ours.  */
  if (plan->uid.helper)
    sbx_helper_file_close (&plan->uid.prog);
  if (plan->gid.helper)
    sbx_helper_file_close (&plan->gid.prog);
  memset (plan, 0, sizeof *plan);
}

/* Start `helper PID inside outside count ...` with its stderr on a pipe.
   It runs from the open file that was judged (execveat), not from its
   path again, so no file put there since can run in its place.  */
static pid_t
spawn_helper (const struct sbx_helper_file *helper, pid_t pid, const struct sbx_idmap *map,
              int *errfd, sbx_error_t *err)
{
  char *argv[3 + 3 * SBX_IDMAP_MAX + 1];
  char nums[3 * SBX_IDMAP_MAX + 1][24];
  char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
  int pipefd[2];
  size_t a = 0, k = 0;
  sigset_t none;
  pid_t child;

  argv[a++] = helper->path;
  snprintf (nums[k], sizeof nums[k], "%d", (int)pid);
  argv[a++] = nums[k++];
  for (size_t i = 0; i < map->n; i++)
    {
      unsigned long v[3] = { map->v[i].inside, map->v[i].outside, map->v[i].count };
      for (int j = 0; j < 3; j++)
        {
          snprintf (nums[k], sizeof nums[k], "%lu", v[j]);
          argv[a++] = nums[k++];
        }
    }
  argv[a] = NULL;
  sigemptyset (&none);

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "pipe");
  /* vfork: the helpers are the largest part of a bare start, and a fork
     of sbx copies its page tables and leaves every page it writes next
     to fault (copy on write), twice a start.  The child only makes
     system calls until execveat or _exit, and sbx has no signal
     handlers that could run in it on the shared memory.  */
  child = vfork ();
  if (child < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return sbx_error_make (err, errno, "fork %s", helper->path);
    }
  if (child == 0)
    {
      sigprocmask (SIG_SETMASK, &none, NULL);
      dup2 (pipefd[1], STDERR_FILENO);
      dup2 (pipefd[1], STDOUT_FILENO);
      /* The fd stays close-on-exec: a #! script would then fail, but
         the kernel never runs one with privileges anyway.  (Before Linux
         6.14 the helper's comm shows as the fd's number.)  */
      syscall (SYS_execveat, helper->fd, "", argv, envp, AT_EMPTY_PATH);
      /* Why, without stdio or the locale's tables (the memory is the
         parent's): strerrordesc_np returns a constant string.  */
      {
        const char *why = strerrordesc_np (errno);
        if (write (STDERR_FILENO, "exec: ", 6) < 0 || write (STDERR_FILENO, why, strlen (why)) < 0)
          _exit (127);
      }
      _exit (127);
    }
  close (pipefd[1]);
  *errfd = pipefd[0];
  return child;
}

static int
finish_helper (const char *helper, pid_t child, int errfd, const struct sbx_userns_map *m,
               const struct sbx_user *user, sbx_error_t *err)
{
  char out[512] = "";
  int status;

  sbx_read_message (errfd, out, sizeof out);
  close (errfd);

  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "wait for %s", helper);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (err == NULL)
    return -1; /* reaped after another error, which is the one reported */
  sbx_error_make (err, 0,
                  "%s refused the id mapping (%s); check that %s gives %s a range "
                  "and that %s is setuid root (apt-get install --reinstall uidmap)",
                  helper, *out ? out : "no message", m->file, user->name ? user->name : "your uid",
                  helper);
  return sbx_error_about_host (err);
}

static int
write_direct (pid_t pid, const char *what, const struct sbx_idmap *map, sbx_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int)pid, what);
  cleanup_free char *text = sbx_idmap_format (map);
  if (sbx_write_file (path, text, strlen (text), err) < 0)
    return sbx_error_prefix (err, "write the single-id map");
  return 0;
}

int
sbx_userns_maps_start (pid_t pid, const struct sbx_userns_plan *plan, struct sbx_userns_writing *w,
                       sbx_error_t *err)
{
  *w = (struct sbx_userns_writing){ .upid = -1, .gpid = -1, .ufd = -1, .gfd = -1 };
  /* Both helpers run at once: each is an exec of a setuid binary, the
     largest part of sbx's start-up cost.  */
  if (plan->uid.helper
      && (w->upid = spawn_helper (&plan->uid.prog, pid, &plan->uid.map, &w->ufd, err)) < 0)
    return -1;
  if (plan->gid.helper
      && (w->gpid = spawn_helper (&plan->gid.prog, pid, &plan->gid.map, &w->gfd, err)) < 0)
    {
      sbx_userns_maps_abandon (w);
      return -1;
    }
  return 0;
}

void
sbx_userns_maps_abandon (struct sbx_userns_writing *w)
{
  if (w->upid > 0)
    finish_helper ("newuidmap", w->upid, w->ufd, NULL, NULL, NULL);
  if (w->gpid > 0)
    finish_helper ("newgidmap", w->gpid, w->gfd, NULL, NULL, NULL);
  w->upid = w->gpid = -1;
}

int
sbx_userns_maps_finish (pid_t pid, const struct sbx_userns_plan *plan, const struct sbx_user *user,
                        struct sbx_userns_writing *w, sbx_error_t *err)
{
  int ret = 0;

  if (!plan->gid.helper)
    {
      cleanup_free char *sg = xasprintf ("/proc/%d/setgroups", (int)pid);
      if (sbx_write_file (sg, "deny", 4, err) < 0
          || write_direct (pid, "gid_map", &plan->gid.map, err) < 0)
        ret = -1;
    }
  if (ret == 0 && !plan->uid.helper && write_direct (pid, "uid_map", &plan->uid.map, err) < 0)
    ret = -1;

  /* Always wait for both helpers; the first error is the one reported.  */
  if (w->upid > 0
      && finish_helper ("newuidmap", w->upid, w->ufd, &plan->uid, user, ret == 0 ? err : NULL) < 0)
    ret = -1;
  if (w->gpid > 0
      && finish_helper ("newgidmap", w->gpid, w->gfd, &plan->gid, user, ret == 0 ? err : NULL) < 0)
    ret = -1;
  w->upid = w->gpid = -1;
  return ret;
}

int
sbx_userns_write_maps (pid_t pid, const struct sbx_userns_plan *plan, const struct sbx_user *user,
                       sbx_error_t *err)
{
  struct sbx_userns_writing w;

  if (sbx_userns_maps_start (pid, plan, &w, err) < 0)
    return -1;
  return sbx_userns_maps_finish (pid, plan, user, &w, err);
}

bool
sbx_userns_apparmor_restricted (void)
{
  return sbx_read_long ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1;
}

static int
clone_error (int errno_, sbx_error_t *err)
{
  static const char *const limits[] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup", NULL };

  if (errno_ == EPERM)
    {
      if (sbx_read_long ("/proc/sys/kernel/unprivileged_userns_clone") == 0)
        return sbx_error_make (err, 0,
                               "cannot create a user namespace: the kernel disables them for "
                               "unprivileged users (sysctl kernel.unprivileged_userns_clone = "
                               "0); an administrator can enable them with "
                               "`sysctl -w kernel.unprivileged_userns_clone=1`");
      if (sbx_userns_apparmor_restricted ())
        return sbx_error_make (err, 0,
                               "cannot create a user namespace: AppArmor restricts them "
                               "(sysctl kernel.apparmor_restrict_unprivileged_userns = 1); "
                               "install an AppArmor profile that allows `userns` for sbx");
      return sbx_error_make (err, EPERM,
                             "cannot create the sandbox's namespaces (is sbx running inside a "
                             "container or under a seccomp policy that forbids them?)");
    }
  if (errno_ == ENOSPC || errno_ == EUSERS)
    {
      for (const char *const *l = limits; *l; l++)
        {
          cleanup_free char *path = xasprintf ("/proc/sys/user/max_%s_namespaces", *l);
          long v = sbx_read_long (path);
          if (v == 0)
            return sbx_error_make (err, 0,
                                   "cannot create the sandbox's namespaces: the limit "
                                   "user.max_%s_namespaces is 0 (%s); raise it with "
                                   "`sysctl -w user.max_%s_namespaces=15000`",
                                   *l, path, *l);
        }
      return sbx_error_make (err, 0,
                             "cannot create the sandbox's namespaces: a /proc/sys/user/max_*_"
                             "namespaces limit is reached (too many namespaces exist); raise "
                             "it with sysctl or end other sandboxes");
    }
  if (errno_ == EINVAL)
    return sbx_error_make (err, EINVAL,
                           "cannot create the sandbox's namespaces: this kernel lacks one of "
                           "user, mount, pid, ipc, uts, cgroup or network namespaces");
  return sbx_error_make (err, errno_, "create the sandbox's namespaces");
}

int
sbx_userns_clone_error (int errno_, sbx_error_t *err)
{
  clone_error (errno_, err);
  return sbx_error_about_host (err);
}

int
sbx_userns_call (const struct sbx_user *user, const struct sbx_ids *want,
                 int (*fn) (void *arg, sbx_error_t *err), void *arg, sbx_error_t *err)
{
  struct sbx_ids ids = want ? *want : (struct sbx_ids){ .uid = user->uid, .gid = user->gid };
  struct sbx_userns_plan plan;
  int go[2], sync[2], status, r;
  struct sbx_sync_msg m;
  pid_t pid;
  char c = 0;

  if (sbx_userns_plan (user, &ids, &plan, err) < 0)
    return -1;
  if (pipe2 (go, O_CLOEXEC) < 0)
    {
      sbx_userns_plan_free (&plan);
      return sbx_error_make (err, errno, "pipe");
    }
  /* fn's error comes back over this, as the sandbox's child's does.  */
  if (sbx_sync_socketpair (sync, err) < 0)
    {
      close (go[0]);
      close (go[1]);
      sbx_userns_plan_free (&plan);
      return -1;
    }
  /* Fork-like: the child continues here with fn and arg.  */
  pid = syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      int e = errno;
      close (go[0]);
      close (go[1]);
      close (sync[0]);
      close (sync[1]);
      sbx_userns_plan_free (&plan);
      return sbx_userns_clone_error (e, err);
    }
  if (pid == 0)
    {
      sbx_error_t e = NULL;
      close (go[1]);
      close (sync[0]);
      if (read (go[0], &c, 1) != 1 || c != 'g')
        _exit (SBX_EXIT_FAILURE);
      if (fn (arg, &e) == 0)
        _exit (0);
      if (e == NULL)
        sbx_error_make (&e, 0, "failed without saying why (a bug in sbx: please report it)");
      sbx_sync_send_error (sync[1], e);
      _exit (e->exit_code);
    }
  close (go[0]);
  close (sync[1]);
  if (sbx_userns_write_maps (pid, &plan, user, err) < 0)
    {
      close (go[1]);
      close (sync[0]);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      sbx_userns_plan_free (&plan);
      return -1;
    }
  if (write (go[1], "g", 1) != 1)
    c = 0;
  close (go[1]);
  sbx_userns_plan_free (&plan);
  /* An error message, or EOF when the child is done.  */
  r = sbx_sync_recv (sync[0], &m, NULL);
  close (sync[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "wait");
  if (r > 0 && m.type == SBX_SYNC_ERROR)
    {
      sbx_error_make_exit (err, m.exit_code, 0, "%s", m.text);
      (*err)->status = m.err_no;
      return -1;
    }
  if (WIFSIGNALED (status))
    return sbx_error_make (err, 0, "the process in the user namespace died of signal %d",
                           WTERMSIG (status));
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return sbx_error_make (err, 0, "the process in the user namespace failed (exit %d)",
                           WEXITSTATUS (status));
  return 0;
}
