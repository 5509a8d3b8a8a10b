/* sbx: the launcher as the sandbox's monitor; see monitor.h.  */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/sync.h"
#include "base/util.h"
#include "launch.h"

const char *const sbx_monitor_ns_names[SBX_NS_N + 1]
    = { "user", "ipc", "uts", "net", "pid", "cgroup", "mnt", NULL };

void
sbx_monitor_init (struct sbx_monitor *m)
{
  memset (m, 0, sizeof *m);
  m->rec.root = m->rec.dir = m->rec.lock = -1;
  m->log_in = m->log = m->ready_fd = m->ctl = -1;
  for (int k = 0; k < SBX_NS_N; k++)
    m->ns[k] = -1;
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    m->conns[i] = -1;
}

void
sbx_monitor_take_ns (struct sbx_monitor *m, const char *name, int fd)
{
  for (int k = 0; k < SBX_NS_N; k++)
    if (strcmp (sbx_monitor_ns_names[k], name) == 0 && m->ns[k] < 0)
      {
        m->ns[k] = fd;
        return;
      }
  close (fd);
}

/* A path for bind and connect below a directory we hold: the record's
   own path may be longer than sun_path allows.  */
static void
ctl_addr (int dir, struct sockaddr_un *a)
{
  memset (a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf (a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/ctl", dir);
}

static int
listen_ctl (struct sbx_monitor *m, sbx_error_t *err)
{
  struct sockaddr_un a;

  m->ctl = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  ctl_addr (m->rec.dir, &a);
  if (m->ctl < 0 || bind (m->ctl, (struct sockaddr *)&a, sizeof a) < 0 || listen (m->ctl, 16) < 0)
    return sbx_error_make (err, errno, "listen for sbx exec in %s", m->rec.path);
  return 0;
}

void
sbx_monitor_serve (struct sbx_monitor *m)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  cleanup_close int c = accept4 (m->ctl, NULL, NULL, SOCK_CLOEXEC);

  if (c < 0)
    return;
  /* The directory is the user's alone; the peer's uid is checked all the
     same: these fds are the sandbox.  */
  if (getsockopt (c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != getuid ())
    return;
  for (int k = 0; k < SBX_NS_N; k++)
    if (m->ns[k] < 0)
      return; /* not all yet (init sends them as it starts): the end says so */
    else if (sbx_sync_send_text (c, SBX_SYNC_NS, sbx_monitor_ns_names[k], m->ns[k]) < 0)
      return;
  /* Kept only once it has all of them: the client reads until then.  */
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    if (m->conns[i] < 0)
      {
        fcntl (c, F_SETFL, O_NONBLOCK);
        m->conns[i] = c;
        c = -1;
        return;
      }
}

int
sbx_monitor_conn_read (struct sbx_monitor *m, int slot)
{
  struct sbx_sync_msg msg;
  int fd = -1;
  int got = sbx_sync_recv (m->conns[slot], &msg, &fd);

  if (got == -EAGAIN || got == -EINTR)
    return -1;
  if (got > 0 && msg.type == SBX_SYNC_SECCOMP && fd >= 0)
    return fd;
  /* The end, or anything else: exec says one thing, once.  */
  if (fd >= 0)
    close (fd);
  close (m->conns[slot]);
  m->conns[slot] = -1;
  return -1;
}

bool
sbx_monitor_hand_listener (int conn, int listener)
{
  return sbx_sync_send (conn, SBX_SYNC_SECCOMP, listener) == 0;
}

int
sbx_monitor_namespaces (const char *name, int fds[SBX_NS_N], int *conn, sbx_error_t *err)
{
  cleanup_close int root = sbx_record_root (false, err);
  cleanup_close int dir = -1, s = -1;
  struct sockaddr_un a;
  struct sbx_sync_msg msg;
  int fd, got = 0;

  for (int k = 0; k < SBX_NS_N; k++)
    fds[k] = -1;
  if (root < 0)
    return -1;
  dir = openat (root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  s = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (dir < 0 || s < 0)
    return sbx_error_make (err, errno, "sandbox `%s`", name);
  ctl_addr (dir, &a);
  if (connect (s, (struct sockaddr *)&a, sizeof a) < 0)
    return sbx_error_make (err, errno, "reach the monitor of sandbox `%s`", name);
  if (conn)
    *conn = -1;
  /* Until all of them came: the monitor may keep the connection open.  */
  while (got < SBX_NS_N && sbx_sync_recv (s, &msg, &fd) > 0)
    {
      for (int k = 0; k < SBX_NS_N && fd >= 0; k++)
        if (msg.type == SBX_SYNC_NS && strcmp (msg.text, sbx_monitor_ns_names[k]) == 0
            && fds[k] < 0)
          {
            fds[k] = fd;
            fd = -1;
            got++;
          }
      if (fd >= 0)
        close (fd);
    }
  if (got < SBX_NS_N)
    {
      for (int k = 0; k < SBX_NS_N; k++)
        if (fds[k] >= 0)
          close (fds[k]);
      return sbx_error_make (err, 0, "the monitor of sandbox `%s` gave %d of its %d namespaces",
                             name, got, SBX_NS_N);
    }
  if (conn)
    {
      *conn = s;
      s = -1;
    }
  return 0;
}

static json_object *
strings (char *const *v)
{
  json_object *a = json_object_new_array ();
  for (; v && *v; v++)
    json_object_array_add (a, json_object_new_string (*v));
  return a;
}

static void
add_str (json_object *o, const char *key, const char *value)
{
  json_object_object_add (o, key, value ? json_object_new_string (value) : NULL);
}

/* The layers as `docker inspect` names overlay2's: LowerDir (top first,
   ':'-separated), UpperDir, WorkDir; MergedDir is the sandbox's root as
   the host reaches it, /proc/PID/root (written once init exists).  */
static json_object *
layers (const struct sbx_launch *l)
{
  const struct sbx_spec *spec = l->spec;
  json_object *o = json_object_new_object ();
  cleanup_free char *lower = NULL;

  if (spec->root.n_image_layers > 0)
    {
      size_t len = 1;
      for (size_t i = 0; i < spec->root.n_image_layers; i++)
        len += strlen (spec->root.image_layers[i]) + 1;
      lower = xmalloc0 (len);
      for (size_t i = spec->root.n_image_layers; i-- > 0;)
        {
          strcat (lower, spec->root.image_layers[i]);
          if (i > 0)
            strcat (lower, ":");
        }
    }
  else
    lower = xstrdup (spec->root.dir ? spec->root.dir : "/");
  add_str (o, "LowerDir", lower);
  add_str (o, "UpperDir", l->rootfs.state.upper);
  add_str (o, "WorkDir", l->rootfs.state.work);
  add_str (o, "MergedDir", NULL);
  add_str (o, "Overlay",
           spec->root.overlay == SBX_OVERLAY_NONE     ? "none"
           : spec->root.overlay == SBX_OVERLAY_KERNEL ? "kernel"
           : spec->root.overlay == SBX_OVERLAY_AUTO   ? "auto"
                                                      : "fuse");
  add_str (o, "StateDir", l->rootfs.state.dir);
  return o;
}

static json_object *
network (const struct sbx_spec *spec)
{
  json_object *o = json_object_new_object ();
  json_object *ports = json_object_new_array ();
  json_object *addrs = json_object_new_array ();

  add_str (o, "Mode",
           spec->net.mode == SBX_NET_SLIRP  ? "slirp"
           : spec->net.mode == SBX_NET_HOST ? "host"
                                            : "none");
  for (size_t i = 0; i < spec->net.n_ports; i++)
    {
      char text[128];
      sbx_net_port_text (&spec->net, i, text, sizeof text);
      json_object_array_add (ports, json_object_new_string (text));
    }
  json_object_array_add (addrs, json_object_new_string ("127.0.0.1"));
  if (spec->net.mode == SBX_NET_SLIRP)
    {
      json_object_array_add (addrs, json_object_new_string (SBX_NET_GUEST4));
      if (!spec->net.no_ipv6)
        json_object_array_add (addrs, json_object_new_string (SBX_NET_GUEST6));
    }
  json_object_object_add (o, "Ports", ports);
  json_object_object_add (o, "Addresses", addrs);
  return o;
}

static json_object *
cgroups (const struct sbx_cgroup *cg)
{
  json_object *a = json_object_new_array ();
  for (int k = 0; k < SBX_CGROUP_MAX_DIRS; k++)
    if (cg->dirs[k])
      json_object_array_add (a, json_object_new_string (cg->dirs[k]));
  return a;
}

/* The same leaves with the backend and what each serves, for inspect's
   stats (sbx_cgroup_reopen).  */
static json_object *
cgroup_part (const struct sbx_cgroup *cg)
{
  json_object *o = json_object_new_object ();
  json_object *controls = json_object_new_array ();

  add_str (o, "backend", cg->backend ? cg->backend->name : NULL);
  for (int k = 0; k < SBX_CGROUP_MAX_DIRS; k++)
    if (cg->dirs[k])
      json_object_array_add (controls, json_object_new_int ((int)cg->controls[k]));
  json_object_object_add (o, "controls", controls);
  return o;
}

/* What `sbx exec` needs to give what it runs the program's own rules
   (program.h): environment, --chdir, identity, capabilities, seccomp
   policy.  The environment may hold secrets: the record is the user's
   alone (0600 in a 0700 directory).  */
static json_object *
exec_part (const struct sbx_spec *spec)
{
  json_object *o = json_object_new_object ();
  json_object *sc = json_object_new_object ();
  json_object *ops = json_object_new_array ();

  json_object_object_add (o, "env", strings (spec->env.resolved));
  add_str (o, "chdir", spec->process.cwd);
  add_str (o, "hostCwd", spec->process.host_cwd);
  json_object_object_add (o, "caps", json_object_new_int64 ((int64_t)spec->process.caps_keep));
  json_object_object_add (o, "uid", json_object_new_int64 (spec->ids.uid));
  json_object_object_add (o, "runUid", json_object_new_int64 (spec->process.run_uid));
  json_object_object_add (o, "runGid", json_object_new_int64 (spec->process.run_gid));
  add_str (sc, "mode", spec->seccomp.mode == SBX_SECCOMP_UNCONFINED ? "unconfined" : "default");
  json_object_object_add (sc, "log", json_object_new_boolean (spec->seccomp.log));
  for (size_t i = 0; i < spec->seccomp.n_ops; i++)
    {
      json_object *op = json_object_new_object ();
      json_object_object_add (op, "allow", json_object_new_boolean (spec->seccomp.ops[i].allow));
      add_str (op, "name", spec->seccomp.ops[i].name);
      json_object_array_add (ops, op);
    }
  json_object_object_add (sc, "ops", ops);
  json_object_object_add (o, "seccomp", sc);
  return o;
}

/* The buses given (dbus.h): inspect's DBus.  */
static json_object *
dbus_part (const struct sbx_spec *spec)
{
  static const char *const keys[SBX_DBUS_N] = { "Session", "System" };
  json_object *o = json_object_new_object ();

  for (int w = 0; w < SBX_DBUS_N; w++)
    {
      const struct sbx_dbus_bus *b = &spec->dbus.bus[w];
      json_object *bus = json_object_new_object ();
      add_str (bus, "Mode",
               b->address == NULL           ? "none"
               : b->mode == SBX_DBUS_FILTER ? "filter"
                                            : "open");
      add_str (bus, "HostAddress", b->address);
      add_str (bus, "Socket", b->inside);
      json_object_object_add (o, keys[w], bus);
    }
  json_object_object_add (o, "ProxyPid", json_object_new_int64 (0));
  return o;
}

void
sbx_monitor_dbus_proxy (struct sbx_monitor *m, pid_t proxy)
{
  json_object *sbx, *dbus;

  if (json_object_object_get_ex (m->rec.doc, "sbx", &sbx)
      && json_object_object_get_ex (sbx, "dbus", &dbus))
    json_object_object_add (dbus, "ProxyPid", json_object_new_int64 (proxy));
}

static json_object *
make_doc (const struct sbx_monitor *m, const struct sbx_launch *l, const char *log)
{
  const struct sbx_spec *spec = l->spec;
  json_object *doc = json_object_new_object ();
  json_object *sbx = json_object_new_object ();
  cleanup_free char *cwd = getcwd (NULL, 0);

  /* The OCI state's own fields; "bundle" is where the sandbox's state
     lies (an OCI bundle, once `sbx create` takes one).  */
  add_str (doc, "bundle", l->rootfs.state.dir ? l->rootfs.state.dir : cwd);
  json_object_object_add (doc, "annotations", json_object_new_object ());
  /* Room for the OCI hooks (prestart, poststart, poststop...).  */
  json_object_object_add (doc, "hooks", json_object_new_object ());
  json_object_object_add (doc, "sbx", sbx);
  json_object_object_add (sbx, "named", json_object_new_boolean (spec->life.named));
  json_object_object_add (sbx, "detached", json_object_new_boolean (spec->life.detach));
  json_object_object_add (sbx, "remove", json_object_new_boolean (spec->life.remove));
  json_object_object_add (sbx, "keep", json_object_new_int (m->keep));
  json_object_object_add (sbx, "command", strings (spec->process.argv));
  json_object_object_add (sbx, "options", strings (spec->life.options));
  json_object_object_add (sbx, "profiles", strings ((char *const *)spec->life.profiles));
  add_str (sbx, "hostname", spec->uts.hostname);
  json_object_object_add (sbx, "uid", json_object_new_int64 (spec->ids.uid));
  json_object_object_add (sbx, "gid", json_object_new_int64 (spec->ids.gid));
  json_object_object_add (sbx, "rootfs", layers (l));
  json_object_object_add (sbx, "network", network (spec));
  json_object_object_add (sbx, "dbus", dbus_part (spec));
  json_object_object_add (sbx, "cgroups", cgroups (&l->cgroup));
  json_object_object_add (sbx, "cgroup", cgroup_part (&l->cgroup));
  add_str (sbx, "log", log);
  json_object_object_add (sbx, "exec", exec_part (spec));
  return doc;
}

/* -d: the program's stdout and stderr (and ours) go into a pipe that we
   copy into the log.  */
static int
open_log (struct sbx_monitor *m, const char *path, sbx_error_t *err)
{
  int p[2];

  m->log = openat (m->rec.dir, "log", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (m->log < 0)
    return sbx_error_make (err, errno, "open the log %s", path);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "pipe for the log");
  if (dup2 (p[1], STDOUT_FILENO) < 0 || dup2 (p[1], STDERR_FILENO) < 0)
    {
      close (p[0]);
      close (p[1]);
      return sbx_error_make (err, errno, "redirect to the log");
    }
  close (p[1]);
  fcntl (p[0], F_SETFL, O_NONBLOCK);
  m->log_in = p[0];
  return 0;
}

int
sbx_monitor_begin (struct sbx_monitor *m, const struct sbx_launch *l, sbx_error_t *err)
{
  const struct sbx_spec *spec = l->spec;
  cleanup_free char *root = sbx_record_root_path ();
  cleanup_free char *log = xasprintf ("%s/%s/log", root, spec->life.name);

  m->keep = (spec->life.named || spec->life.detach) && !spec->life.remove;
  m->ready_fd = spec->life.ready_fd;
  if (sbx_record_create (spec->life.name, make_doc (m, l, spec->life.detach ? log : NULL), &m->rec,
                         err)
      < 0)
    return -1;
  if ((spec->life.detach && open_log (m, log, err) < 0) || listen_ctl (m, err) < 0)
    return -1;
  return 0;
}

int
sbx_monitor_created (struct sbx_monitor *m, pid_t pid, sbx_error_t *err)
{
  cleanup_free char *merged = xasprintf ("/proc/%d/root", (int)pid);
  json_object *sbx, *rootfs;

  if (json_object_object_get_ex (m->rec.doc, "sbx", &sbx)
      && json_object_object_get_ex (sbx, "rootfs", &rootfs))
    add_str (rootfs, "MergedDir", merged);
  return sbx_record_set_status (&m->rec, SBX_STATUS_CREATED, pid, err);
}

void
sbx_monitor_running (struct sbx_monitor *m)
{
  sbx_error_t e = NULL;

  if (m->running)
    return;
  m->running = true;
  if (m->rec.dir >= 0 && sbx_record_set_status (&m->rec, SBX_STATUS_RUNNING, 0, &e) < 0)
    sbx_error_release (&e);
  if (m->ready_fd >= 0)
    {
      /* Once: the fd is cmd/'s, which closes it.  */
      if (write (m->ready_fd, "ok\n", 3) != 3)
        {
          /* the waiting sbx is gone: nobody to tell */
        }
      m->ready_fd = -1;
    }
}

/* The log is full: what it holds becomes log.1, and a new one starts.  */
static void
rotate (struct sbx_monitor *m)
{
  int fd;

  if (renameat (m->rec.dir, "log", m->rec.dir, "log.1") < 0)
    return;
  fd = openat (m->rec.dir, "log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
               0600);
  if (fd < 0)
    return;
  dup2 (fd, m->log);
  close (fd);
  m->log_size = 0;
}

void
sbx_monitor_pump (struct sbx_monitor *m)
{
  char buf[16384];
  ssize_t n;

  while (m->log_in >= 0 && (n = read (m->log_in, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return; /* EAGAIN: all of it for now */
        }
      if (m->log_size + n > SBX_LOG_MAX)
        rotate (m);
      if (sbx_write_all (m->log, buf, n) == 0)
        m->log_size += n;
    }
}

void
sbx_monitor_end (struct sbx_monitor *m, int exit_code)
{
  for (int k = 0; k < SBX_NS_N; k++)
    if (m->ns[k] >= 0)
      close (m->ns[k]);
  if (m->ctl >= 0)
    {
      close (m->ctl);
      unlinkat (m->rec.dir, "ctl", 0);
    }
  m->ctl = -1;
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    if (m->conns[i] >= 0)
      {
        close (m->conns[i]);
        m->conns[i] = -1;
      }
  if (m->log_in >= 0)
    {
      sbx_monitor_pump (m);
      /* What sbx itself says from now on (an OOM kill, --stats) goes to
         the log too.  */
      dup2 (m->log, STDOUT_FILENO);
      dup2 (m->log, STDERR_FILENO);
      close (m->log_in);
      m->log_in = -1;
    }
  if (m->log >= 0)
    close (m->log);
  m->log = -1;
  m->ready_fd = -1;
  /* A sandbox whose program never ran leaves nothing: its error was
     said, to the waiting sbx too with -d.  */
  if (m->rec.dir >= 0)
    sbx_record_finish (&m->rec, m->keep && m->running, exit_code);
  else
    sbx_record_release (&m->rec);
}
