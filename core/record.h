/* sbx: the record of a sandbox that runs (or ran), for the lifecycle
   verbs (ps, stop, kill, logs, inspect, exec, rm) and, later, an OCI
   runtime's create/start/state/delete.  No daemon keeps it: the launcher
   writes it, the kernel tells whether its writer still lives.

     $XDG_RUNTIME_DIR/sbx/NAME/        (0700; when XDG_RUNTIME_DIR is unset,
                                        not absolute or not the user's own
                                        directory: DATA/runtime/NAME, DATA
                                        as state.h says)
       lock        flock()ed by whoever changes the record: the launcher
                   for the sandbox's whole life, then `rm` or the clean-up
       state.json  the OCI runtime spec's `state` (ociVersion, id, status
                   creating|created|running|stopped, pid, bundle,
                   annotations) and, under "sbx", what ps and inspect show,
                   the launcher's pid and start time, and "hooks" for the
                   OCI hooks to come; replaced whole (write, rename)
       log         a detached sandbox's stdout and stderr, capped (log.1
                   holds the part before)

   Liveness is the launcher's pid and its start time in /proc (a pid
   alone may be reused); a record that says it runs while its launcher is
   gone is what a SIGKILL left, and the next command that reads it cleans
   it up (the record of a named or detached sandbox is kept as stopped,
   any other removed).  */
#ifndef SBX_RECORD_H
#define SBX_RECORD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

#define SBX_OCI_VERSION "1.0.2"

enum sbx_record_status
{
  SBX_STATUS_CREATING,
  SBX_STATUS_CREATED, /* namespaces made, the program not started */
  SBX_STATUS_RUNNING,
  SBX_STATUS_STOPPED,
};

/* A record held by its writer (the launcher, or rm).  */
struct sbx_record
{
  int root; /* the runtime directory */
  int dir;  /* NAME/ */
  int lock; /* NAME/lock, flock()ed */
  char *name;
  char *path; /* NAME/, for messages and inspect */
  json_object *doc;
};

/* The runtime directory, opened as trust.h says; made with `create`.  */
int sbx_record_root (bool create, sbx_error_t *err);
char *sbx_record_root_path (void);

/* Reserve NAME: a new record, locked, with `doc` (taken over) written
   as status creating.  A record of NAME whose launcher is gone is
   cleaned up first; one whose launcher lives is an error.  */
int sbx_record_create (const char *name, json_object *doc, struct sbx_record *rec,
                       sbx_error_t *err);
/* Write rec->doc again, with `status` (and `pid` when > 0).  */
int sbx_record_set_status (struct sbx_record *rec, enum sbx_record_status status, pid_t pid,
                           sbx_error_t *err);
/* The end: keep the record as stopped with the exit code, or remove it;
   release the lock.  */
void sbx_record_finish (struct sbx_record *rec, bool keep, int exit_code);
void sbx_record_release (struct sbx_record *rec);

/* A record as another command reads it.  */
struct sbx_record_view
{
  char *name;
  json_object *doc;
  bool alive; /* its launcher runs (pid and start time match) */
  enum sbx_record_status status;
  pid_t pid;     /* the sandbox's init on the host; 0 when none */
  pid_t monitor; /* the launcher */
};

/* Read NAME's record; a dead launcher's record is cleaned up on the
   way (the view then says stopped, or ENOENT when it was removed).  */
int sbx_record_read (const char *name, struct sbx_record_view *v, sbx_error_t *err);
void sbx_record_view_free (struct sbx_record_view *v);
/* Every record's name, sorted; NULL-terminated.  */
char **sbx_record_list (sbx_error_t *err);

/* Take NAME's record for removal (its launcher gone), waiting up to
   `timeout_ms` for another command that holds it; ENOENT when it is not
   there (any more).  */
int sbx_record_take (const char *name, int timeout_ms, struct sbx_record *rec, sbx_error_t *err);
/* Remove a taken record's directory and release it.  */
void sbx_record_remove (struct sbx_record *rec);

/* A process's start time (field 22 of /proc/PID/stat); 0 when it is gone.  */
unsigned long long sbx_proc_start_time (pid_t pid);
/* The parent of `pid`, or 0 when it is gone.  */
pid_t sbx_proc_parent (pid_t pid);
/* A pidfd of `pid` if it is still the process that started at `start`.  */
int sbx_pidfd_checked (pid_t pid, unsigned long long start, sbx_error_t *err);

/* "no sandbox named NAME", with status ENOENT.  */
int sbx_record_not_found (const char *name, sbx_error_t *err);
const char *sbx_record_status_name (enum sbx_record_status s);

/* Helpers for the document.  */
const char *sbx_record_str (json_object *doc, const char *sbx_key);
long long sbx_record_int (json_object *doc, const char *sbx_key);

#endif
