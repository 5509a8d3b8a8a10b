/* sbx: the launcher as the sandbox's monitor.  While the sandbox runs,
   the launcher keeps its record (record.h) true: made before clone,
   `created` with init's pid after, `running` once the program runs,
   `stopped` or removed at the end.  For a detached sandbox (-d) it is
   the one sbx process left outside: it holds the netstack, the cgroup,
   the record, and copies the program's stdout and stderr (a pipe) into
   a log capped at SBX_LOG_MAX bytes (the older half goes to log.1).  */
#ifndef SBX_MONITOR_H
#define SBX_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "record.h"

#define SBX_LOG_MAX (1024 * 1024)

struct sbx_launch;

/* The namespaces of init that `sbx exec` joins, in the order it joins
   them (the user namespace first: it gives the rights for the others).  */
#define SBX_NS_N 7
extern const char *const sbx_monitor_ns_names[SBX_NS_N + 1];

#define SBX_MONITOR_CONNS 8

struct sbx_monitor
{
  struct sbx_record rec;
  bool keep;  /* the record outlives the sandbox (named or detached, no --rm) */
  int log_in; /* detached: the read end of the program's stdout/stderr, or -1 */
  int log;    /* detached: the log file, or -1 */
  size_t log_size;
  int ready_fd; /* detached: the waiting sbx (cmd/'s fd), told "ok" once the program runs */
  bool running;
  int ns[SBX_NS_N]; /* init's namespaces, sent by init (child.c) */
  int ctl;          /* listening: `sbx exec` asks for them here (NAME/ctl) */
  /* `sbx exec`s served, kept connected while they run: one ending under
     --seccomp-log hands over its listener, which the launcher serves for
     what it left running (SBX_MONITOR_CONNS at once; more are served
     and closed at once, as before).  */
  int conns[SBX_MONITOR_CONNS];
};

void sbx_monitor_init (struct sbx_monitor *m);

/* Before clone: the record, and for -d the log and its pipe on fds 1
   and 2 (which the sandbox inherits).  */
int sbx_monitor_begin (struct sbx_monitor *m, const struct sbx_launch *l, sbx_error_t *err);
/* Before clone: xdg-dbus-proxy's pid, written with the next status.  */
void sbx_monitor_dbus_proxy (struct sbx_monitor *m, pid_t proxy);
/* After clone: init's pid.  */
int sbx_monitor_created (struct sbx_monitor *m, pid_t pid, sbx_error_t *err);
/* The program runs (its execve closed the sync socket).  */
void sbx_monitor_running (struct sbx_monitor *m);
/* Copy what the program printed into the log (log_in is readable).  */
void sbx_monitor_pump (struct sbx_monitor *m);
/* Init sent one of its namespaces.  */
void sbx_monitor_take_ns (struct sbx_monitor *m, const char *name, int fd);
/* A `sbx exec` connected to ctl: if it is ours (SO_PEERCRED), send it
   init's namespaces, and keep the connection while a slot is free.  */
void sbx_monitor_serve (struct sbx_monitor *m);
/* Kept connection `slot` is readable: the seccomp listener it handed
   over (>= 0, the caller's to serve), or -1; a connection that ended is
   closed.  */
int sbx_monitor_conn_read (struct sbx_monitor *m, int slot);
/* `sbx exec`'s side: NAME's namespaces from its monitor, in the order of
   sbx_monitor_ns_names (-1 where it has none).  `conn`, if not NULL,
   gets the connection, kept open for sbx_monitor_hand_listener; else it
   is closed.  */
int sbx_monitor_namespaces (const char *name, int fds[SBX_NS_N], int *conn, sbx_error_t *err);
/* `sbx exec`, ending while what it ran left processes under its filter:
   its listener goes to the sandbox's monitor over `conn`, which names
   their refusals from then on and answers them with the policy's errno
   (without it, the kernel answers ENOSYS).  Best effort: false when the
   monitor did not take it (made by an older sbx, or all slots busy).  */
bool sbx_monitor_hand_listener (int conn, int listener);
/* The end: the record kept as stopped with the exit code, or removed.  */
void sbx_monitor_end (struct sbx_monitor *m, int exit_code);

#endif
