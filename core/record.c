/* sbx: the record of a running sandbox; see record.h.  */
#define _GNU_SOURCE
#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "state.h"
#include "trust.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* ENOENT for the callers to tell, not in the message.  */
int
sbx_record_not_found (const char *name, sbx_error_t *err)
{
  sbx_error_make (err, 0, "no sandbox named `%s` (see sbx ps --all)", name);
  (*err)->status = ENOENT;
  return -1;
}

static const char *const status_names[] = { [SBX_STATUS_CREATING] = "creating",
                                            [SBX_STATUS_CREATED] = "created",
                                            [SBX_STATUS_RUNNING] = "running",
                                            [SBX_STATUS_STOPPED] = "stopped" };

const char *
sbx_record_status_name (enum sbx_record_status s)
{
  return status_names[s];
}

static enum sbx_record_status
status_of (json_object *doc)
{
  json_object *o;
  const char *s = json_object_object_get_ex (doc, "status", &o) ? json_object_get_string (o) : "";
  for (int i = 0; i <= SBX_STATUS_STOPPED; i++)
    if (strcmp (s, status_names[i]) == 0)
      return i;
  return SBX_STATUS_STOPPED;
}

static json_object *
sbx_part (json_object *doc)
{
  json_object *o = NULL;
  if (!json_object_object_get_ex (doc, "sbx", &o))
    {
      o = json_object_new_object ();
      json_object_object_add (doc, "sbx", o);
    }
  return o;
}

const char *
sbx_record_str (json_object *doc, const char *key)
{
  json_object *o;
  return json_object_object_get_ex (sbx_part (doc), key, &o) ? json_object_get_string (o) : NULL;
}

long long
sbx_record_int (json_object *doc, const char *key)
{
  json_object *o;
  return json_object_object_get_ex (sbx_part (doc), key, &o) ? json_object_get_int64 (o) : 0;
}

/* /proc/PID/stat from field 3 on, after the command's name (which may
   hold anything) into buf; NULL if the process is gone.  */
static const char *
proc_stat (pid_t pid, char *buf, size_t size)
{
  char path[64];
  cleanup_close int fd = -1;
  const char *p;
  ssize_t n;

  if (pid <= 0)
    return NULL;
  snprintf (path, sizeof path, "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (n = read (fd, buf, size - 1)) <= 0)
    return NULL;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  return p && p[1] == ' ' ? p + 2 : NULL;
}

unsigned long long
sbx_proc_start_time (pid_t pid)
{
  char buf[1024];
  unsigned long long start = 0;
  const char *p = proc_stat (pid, buf, sizeof buf);

  /* Field 3 is the state, field 22 the start time.  A zombie has exited.  */
  if (p == NULL || p[0] == 'Z' || p[0] == 'X'
      || sscanf (p,
                 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
                 "%*d %llu",
                 &start)
             != 1)
    return 0;
  return start;
}

pid_t
sbx_proc_parent (pid_t pid)
{
  char buf[1024];
  const char *p = proc_stat (pid, buf, sizeof buf);
  int ppid = 0;

  /* Field 4.  */
  if (p == NULL || sscanf (p, "%*c %d", &ppid) != 1)
    return 0;
  return (pid_t)ppid;
}

int
sbx_pidfd_checked (pid_t pid, unsigned long long start, sbx_error_t *err)
{
  int fd;

  if (pid <= 0 || start == 0)
    return sbx_error_make (err, ESRCH, "no process");
  fd = syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return sbx_error_make (err, errno, "pidfd_open %d", (int)pid);
  /* Checked after the pidfd exists: from here it names that process, or
     none, never a later one with the same pid.  */
  if (sbx_proc_start_time (pid) != start)
    {
      close (fd);
      return sbx_error_make (err, ESRCH, "process %d is gone", (int)pid);
    }
  return fd;
}

/* $XDG_RUNTIME_DIR when it is one of ours (absolute, a directory we
   own: `su` without `-` keeps another user's), else NULL.  */
static const char *
runtime_base (void)
{
  const char *rt = getenv ("XDG_RUNTIME_DIR");
  struct stat st;

  if (rt && rt[0] == '/' && stat (rt, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == getuid ())
    return rt;
  return NULL;
}

char *
sbx_record_root_path (void)
{
  const char *rt = runtime_base ();
  cleanup_free char *data = NULL;

  if (rt)
    return xasprintf ("%s/sbx", rt);
  data = sbx_state_data_dir ();
  return xasprintf ("%s/runtime", data);
}

int
sbx_record_root (bool create, sbx_error_t *err)
{
  const char *rt = runtime_base ();
  int fd;

  if (rt)
    fd = sbx_trust_open_dir (rt, "sbx", create, err);
  else
    fd = sbx_own_open (SBX_OWN_DATA, "runtime", create, err);
  if (fd < 0)
    {
      cleanup_free char *path = sbx_record_root_path ();
      if (!create && (*err)->status == ENOENT)
        {
          sbx_error_release (err);
          return sbx_error_make (err, ENOENT, "no sandbox runs (nothing at %s)", path);
        }
      return sbx_error_prefix (err, "sbx's runtime directory %s", path);
    }
  return fd;
}

static int
write_doc (int dir, json_object *doc, sbx_error_t *err)
{
  cleanup_free char *text
      = xasprintf ("%s\n", json_object_to_json_string_ext (doc, JSON_C_TO_STRING_PRETTY));

  if (sbx_replace_file_at (dir, "state.json", text, strlen (text)) < 0)
    return sbx_error_make (err, errno, "write the sandbox's state.json");
  return 0;
}

static json_object *
read_doc (int root, const char *name, sbx_error_t *err)
{
  cleanup_free char *rel = xasprintf ("%s/state.json", name);
  cleanup_close int dir = -1, fd = -1;
  json_object *doc;

  dir = sbx_trust_openat (root, name, O_RDONLY | O_DIRECTORY, 0, err);
  if (dir < 0)
    return NULL;
  fd = sbx_trust_openat (dir, "state.json", O_RDONLY, 0, err);
  if (fd < 0)
    return NULL;
  doc = json_object_from_fd (fd);
  if (doc == NULL || !json_object_is_type (doc, json_type_object))
    {
      json_object_put (doc);
      sbx_error_make (err, EINVAL, "the record of sandbox `%s` is damaged (%s)", name,
                      json_util_get_last_err () ? json_util_get_last_err () : "not an object");
      return NULL;
    }
  return doc;
}

static void
set_int (json_object *o, const char *key, long long v)
{
  json_object_object_add (o, key, json_object_new_int64 (v));
}

int
sbx_record_set_status (struct sbx_record *rec, enum sbx_record_status status, pid_t pid,
                       sbx_error_t *err)
{
  json_object_object_add (rec->doc, "status", json_object_new_string (status_names[status]));
  if (pid > 0)
    {
      set_int (rec->doc, "pid", pid);
      set_int (sbx_part (rec->doc), "pidStart", (long long)sbx_proc_start_time (pid));
    }
  if (status == SBX_STATUS_RUNNING)
    set_int (sbx_part (rec->doc), "started", time (NULL));
  return write_doc (rec->dir, rec->doc, err);
}

static void
record_init (struct sbx_record *rec)
{
  memset (rec, 0, sizeof *rec);
  rec->root = rec->dir = rec->lock = -1;
}

void
sbx_record_release (struct sbx_record *rec)
{
  if (rec->dir >= 0)
    close (rec->dir);
  if (rec->lock >= 0)
    close (rec->lock); /* releases the flock */
  if (rec->root >= 0)
    close (rec->root);
  json_object_put (rec->doc);
  free (rec->name);
  free (rec->path);
  record_init (rec);
}

void
sbx_record_remove (struct sbx_record *rec)
{
  cleanup_free char *gone = xasprintf (".gone-%s-%d", rec->name, (int)getpid ());

  /* Out of sight at once, then emptied: a reader finds the whole record
     or none; one waiting on the lock sees it unlinked.  */
  if (renameat (rec->root, rec->name, rec->root, gone) == 0)
    sbx_state_remove_tree (rec->root, gone);
  sbx_record_release (rec);
}

/* Whether the launcher that wrote `doc` still runs.  */
static bool
launcher_alive (json_object *doc)
{
  pid_t pid = (pid_t)sbx_record_int (doc, "monitor");
  unsigned long long start = (unsigned long long)sbx_record_int (doc, "monitorStart");
  return pid > 0 && start != 0 && sbx_proc_start_time (pid) == start;
}

int
sbx_record_take (const char *name, int timeout_ms, struct sbx_record *rec, sbx_error_t *err)
{
  cleanup_free char *lockrel = NULL;
  struct stat st;
  int waited = 0;

  record_init (rec);
  if (sbx_name_check (name, err) < 0)
    return -1;
  rec->root = sbx_record_root (false, err);
  if (rec->root < 0)
    return -1;
  rec->dir = openat (rec->root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rec->dir < 0)
    {
      int e = errno;
      sbx_record_release (rec);
      if (e == ENOENT)
        return sbx_record_not_found (name, err);
      return sbx_error_make (err, e, "sandbox `%s`", name);
    }
  rec->lock = sbx_trust_openat (rec->dir, "lock", O_RDWR, 0, err);
  if (rec->lock < 0)
    {
      sbx_record_release (rec);
      return -1;
    }
  while (flock (rec->lock, LOCK_EX | LOCK_NB) < 0)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (errno != EWOULDBLOCK || waited >= timeout_ms)
        {
          sbx_record_release (rec);
          return sbx_error_make (err, EBUSY, "sandbox `%s` is busy (another sbx holds it)", name);
        }
      nanosleep (&ts, NULL);
      waited += 10;
    }
  /* Another command removed it while we waited.  */
  if (fstat (rec->lock, &st) < 0 || st.st_nlink == 0)
    {
      sbx_record_release (rec);
      return sbx_record_not_found (name, err);
    }
  rec->doc = read_doc (rec->root, name, err);
  if (rec->doc == NULL)
    {
      sbx_record_release (rec);
      return -1;
    }
  rec->name = xstrdup (name);
  return 0;
}

/* A record whose launcher is gone, taken: kept as stopped or removed.  */
static void
clean_dead (struct sbx_record *rec)
{
  json_object *sbx = sbx_part (rec->doc);
  sbx_error_t e = NULL;

  if (launcher_alive (rec->doc) || status_of (rec->doc) == SBX_STATUS_STOPPED)
    return;
  if (sbx_record_int (rec->doc, "keep"))
    {
      json_object_object_add (rec->doc, "status", json_object_new_string ("stopped"));
      set_int (sbx, "finished", time (NULL));
      json_object_object_add (sbx, "exitCode", NULL);
      json_object_object_add (sbx, "killed", json_object_new_boolean (1));
      if (write_doc (rec->dir, rec->doc, &e) < 0)
        sbx_error_release (&e);
      return;
    }
  sbx_record_remove (rec);
}

int
sbx_record_create (const char *name, json_object *doc, struct sbx_record *rec, sbx_error_t *err)
{
  json_object *sbx = sbx_part (doc);
  cleanup_free char *tmp = xasprintf (".new-%s-%d", name, (int)getpid ());
  cleanup_free char *root_path = sbx_record_root_path ();

  record_init (rec);
  rec->doc = doc;
  rec->name = xstrdup (name);
  rec->path = xasprintf ("%s/%s", root_path, name);
  json_object_object_add (doc, "ociVersion", json_object_new_string (SBX_OCI_VERSION));
  json_object_object_add (doc, "id", json_object_new_string (name));
  json_object_object_add (doc, "status", json_object_new_string ("creating"));
  set_int (sbx, "monitor", getpid ());
  set_int (sbx, "monitorStart", (long long)sbx_proc_start_time (getpid ()));
  set_int (sbx, "created", time (NULL));
  rec->root = sbx_record_root (true, err);
  if (rec->root < 0)
    return -1;
  for (int attempt = 0;; attempt++)
    {
      struct sbx_record old;

      /* What a killed run of the same pid may have left.  */
      sbx_state_remove_tree (rec->root, tmp);
      if (mkdirat (rec->root, tmp, 0700) < 0
          || (rec->dir = openat (rec->root, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
                 < 0
          || (rec->lock = openat (rec->dir, "lock", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600))
                 < 0
          || flock (rec->lock, LOCK_EX | LOCK_NB) < 0)
        return sbx_error_make (err, errno, "make the record of sandbox `%s` in %s", name,
                               root_path);
      if (write_doc (rec->dir, doc, err) < 0)
        return -1;
      if (syscall (SYS_renameat2, rec->root, tmp, rec->root, name, RENAME_NOREPLACE) == 0)
        return 0;
      if (errno != EEXIST || attempt > 0)
        return sbx_error_make (err, errno, "make the record of sandbox `%s` in %s", name,
                               root_path);
      sbx_state_remove_tree (rec->root, tmp);
      close (rec->dir);
      close (rec->lock);
      rec->dir = rec->lock = -1;
      /* NAME is taken: by a live sandbox, or by a stopped one or what a
         killed one left, which the new run replaces.  */
      {
        json_object *was = read_doc (rec->root, name, err);
        bool alive = was && launcher_alive (was);
        json_object_put (was);
        if (*err)
          sbx_error_release (err);
        if (alive)
          return sbx_error_make (err, EEXIST,
                                 "a sandbox named `%s` is running already (see sbx ps)", name);
      }
      if (sbx_record_take (name, 2000, &old, err) < 0)
        {
          if ((*err)->status != ENOENT)
            return -1;
          sbx_error_release (err);
          continue;
        }
      if (launcher_alive (old.doc))
        {
          sbx_record_release (&old);
          return sbx_error_make (err, EEXIST,
                                 "a sandbox named `%s` is running already (see sbx ps)", name);
        }
      sbx_record_remove (&old);
    }
}

void
sbx_record_finish (struct sbx_record *rec, bool keep, int exit_code)
{
  sbx_error_t e = NULL;

  if (rec->dir < 0)
    return;
  if (!keep)
    {
      sbx_record_remove (rec);
      return;
    }
  json_object_object_add (rec->doc, "status", json_object_new_string ("stopped"));
  set_int (sbx_part (rec->doc), "finished", time (NULL));
  set_int (sbx_part (rec->doc), "exitCode", exit_code);
  if (write_doc (rec->dir, rec->doc, &e) < 0)
    sbx_error_release (&e);
  sbx_record_release (rec);
}

int
sbx_record_read (const char *name, struct sbx_record_view *v, sbx_error_t *err)
{
  cleanup_close int root = -1;

  memset (v, 0, sizeof *v);
  if (sbx_name_check (name, err) < 0)
    return -1;
  root = sbx_record_root (false, err);
  if (root < 0)
    {
      if ((*err)->status == ENOENT)
        {
          sbx_error_release (err);
          return sbx_record_not_found (name, err);
        }
      return -1;
    }
  v->doc = read_doc (root, name, err);
  if (v->doc == NULL)
    {
      if ((*err)->status == ENOENT)
        {
          sbx_error_release (err);
          return sbx_record_not_found (name, err);
        }
      return -1;
    }
  v->alive = launcher_alive (v->doc);
  if (!v->alive && status_of (v->doc) != SBX_STATUS_STOPPED)
    {
      /* What a killed launcher left: the first reader cleans it up.  */
      struct sbx_record rec;
      sbx_error_t e = NULL;
      json_object_put (v->doc);
      v->doc = NULL;
      if (sbx_record_take (name, 2000, &rec, &e) == 0)
        {
          clean_dead (&rec);
          if (rec.doc)
            v->doc = json_object_get (rec.doc);
          sbx_record_release (&rec);
        }
      else
        sbx_error_release (&e);
      if (v->doc == NULL)
        return sbx_record_not_found (name, err);
      v->alive = launcher_alive (v->doc);
    }
  v->name = xstrdup (name);
  v->status = status_of (v->doc);
  if (!v->alive)
    v->status = SBX_STATUS_STOPPED;
  {
    json_object *o;
    v->pid = json_object_object_get_ex (v->doc, "pid", &o) ? json_object_get_int (o) : 0;
  }
  v->monitor = (pid_t)sbx_record_int (v->doc, "monitor");
  return 0;
}

void
sbx_record_view_free (struct sbx_record_view *v)
{
  json_object_put (v->doc);
  free (v->name);
  memset (v, 0, sizeof *v);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

char **
sbx_record_list (sbx_error_t *err)
{
  int root = sbx_record_root (false, err);
  size_t n = 0, cap = 16;
  char **names = xmalloc0 (cap * sizeof *names);
  DIR *d;
  struct dirent *de;

  if (root < 0)
    {
      if ((*err)->status == ENOENT)
        sbx_error_release (err);
      return names;
    }
  d = fdopendir (root);
  if (d == NULL)
    {
      close (root);
      return names;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        {
          /* A record half made or half removed by a command that was
             killed (.new-NAME-PID, .gone-NAME-PID): its pid is gone.  */
          const char *dash = strrchr (de->d_name, '-');
          pid_t pid = dash ? (pid_t)atoi (dash + 1) : 0;
          if ((strncmp (de->d_name, ".new-", 5) == 0 || strncmp (de->d_name, ".gone-", 6) == 0)
              && pid > 0 && kill (pid, 0) < 0 && errno == ESRCH)
            sbx_state_remove_tree (dirfd (d), de->d_name);
          continue;
        }
      if (n + 2 > cap)
        {
          cap *= 2;
          names = realloc (names, cap * sizeof *names);
          if (names == NULL)
            abort ();
        }
      names[n++] = xstrdup (de->d_name);
      names[n] = NULL;
    }
  closedir (d);
  qsort (names, n, sizeof *names, cmp_str);
  return names;
}
