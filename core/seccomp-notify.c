/* sbx: --seccomp-log; see seccomp-notify.h.  */
#define _GNU_SOURCE
#include "seccomp-notify.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "seccomp-policy.h"
#include "seccomp-tables.h"
#include "seccomp.h"

void
sbx_seccomp_notify_init (struct sbx_seccomp_notify *n, int fd)
{
  memset (n, 0, sizeof *n);
  n->fd = fd;
  n->learn_fd = -1;
}

bool
sbx_seccomp_grantable (const char *name)
{
  for (const char *const *a = sbx_seccomp_always_refused; *a; a++)
    if (strcmp (*a, name) == 0)
      return false;
  return !sbx_seccomp_is_checked (name, false) && strcmp (name, "clone3") != 0;
}

/* The pid as the sandbox sees it: the last NSpid of /proc/PID/status.  */
static long
sandbox_pid (pid_t host)
{
  cleanup_free char *path = xasprintf ("/proc/%d/status", (int)host);
  cleanup_free char *text = NULL;
  sbx_error_t err = NULL;
  char *line;
  long pid = host;

  if (sbx_read_file (path, &text, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return pid;
    }
  line = strstr (text, "\nNSpid:");
  if (line)
    {
      char *end = strchrnul (line + 1, '\n');
      char *last = end;
      while (last > line && (last[-1] == ' ' || last[-1] == '\t'))
        last--;
      while (last > line && last[-1] >= '0' && last[-1] <= '9')
        last--;
      pid = strtol (last, NULL, 10);
    }
  return pid;
}

static void
comm_of (pid_t host, char *buf, size_t size)
{
  cleanup_free char *path = xasprintf ("/proc/%d/comm", (int)host);
  cleanup_free char *text = NULL;
  sbx_error_t err = NULL;

  snprintf (buf, size, "?");
  if (sbx_read_file (path, &text, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return;
    }
  text[strcspn (text, "\n")] = '\0';
  snprintf (buf, size, "%s", text);
}

static bool
seen (struct sbx_seccomp_notify *n, const char *name)
{
  for (size_t i = 0; i < n->n_seen; i++)
    if (strcmp (n->seen[i], name) == 0)
      return true;
  n->seen = xrealloc (n->seen, (n->n_seen + 1) * sizeof *n->seen);
  n->seen[n->n_seen++] = xstrdup (name);
  return false;
}

int
sbx_seccomp_notify_handle (struct sbx_seccomp_notify *n)
{
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  char *name;
  bool grant;
  int r;

  if (n->req == NULL
      && seccomp_notify_alloc ((struct seccomp_notif **)&n->req,
                               (struct seccomp_notif_resp **)&n->resp)
             < 0)
    return 0;
  req = n->req;
  resp = n->resp;
  /* The kernel refuses a receive buffer that is not zeroed (EINVAL).  */
  memset (req, 0, sizeof *req);
  r = seccomp_notify_receive (n->fd, req);
  if (r < 0)
    /* ENOENT: the caller died before we read it.  Anything else ends
       the listener (every filtered process is gone).  */
    return r == -ENOENT || r == -EINTR;

  name = seccomp_syscall_resolve_num_arch (req->data.arch, req->data.nr);
  grant = n->learn_fd >= 0 && name && sbx_seccomp_grantable (name);
  if (n->learn_fd >= 0 && !seen (n, name ? name : "?"))
    {
      char comm[64];
      comm_of (req->pid, comm, sizeof comm);
      dprintf (n->learn_fd, "seccomp-%s %s %s\n", grant ? "allow" : "never", name ? name : "?",
               comm);
    }
  else if (n->learn_fd < 0 && !seen (n, name ? name : "?"))
    {
      char comm[64];
      comm_of (req->pid, comm, sizeof comm);
      char args[32] = "";
      /* For socket and ioctl, the argument that decided is what a person
         needs to know.  */
      if (name && strcmp (name, "socket") == 0)
        snprintf (args, sizeof args, "family %llu", (unsigned long long)req->data.args[0]);
      else if (name && strcmp (name, "ioctl") == 0)
        snprintf (args, sizeof args, "request %#llx",
                  (unsigned long long)(req->data.args[1] & 0xffffffffu));
      sbx_log_event ("refused %s(%s) in pid %ld (%s)", name ? name : "?", args,
                     sandbox_pid (req->pid), comm);
    }
  free (name);

  memset (resp, 0, sizeof *resp);
  resp->id = req->id;
  resp->error = -sbx_seccomp_refusal_errno (req->data.arch, req->data.nr);
  resp->val = 0;
  resp->flags = 0;
  /* Learning: what a profile could grant runs, so the run goes on the
     way it would under that profile.  The kernel runs the call itself,
     with the caller's arguments as they are then: nothing is decided on
     what they were.  */
  if (grant && n->permissive)
    {
      resp->error = 0;
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    }
  /* ENOENT here too only means the caller is gone.  */
  seccomp_notify_respond (n->fd, resp);
  return 1;
}

void
sbx_seccomp_notify_free (struct sbx_seccomp_notify *n)
{
  for (size_t i = 0; i < n->n_seen; i++)
    free (n->seen[i]);
  free (n->seen);
  if (n->req)
    seccomp_notify_free (n->req, n->resp);
  if (n->fd >= 0)
    close (n->fd);
  memset (n, 0, sizeof *n);
  n->fd = -1;
}
