/* sbx-probe secrets: what a user keeps out of a sandbox is out of reach
 * by default: ~/.ssh and ~/.gnupg (the home inside is an empty tmpfs),
 * the agent, session bus and system bus sockets, everything under
 * /run/user/UID ($XDG_RUNTIME_DIR: bus, systemd, pipewire-0, pulse,
 * wayland-0, gnupg), Docker's socket, X11's sockets (the abstract
 * @/tmp/.X11-unix/X0 belongs to the host's network namespace, the path one
 * to the host's /tmp), and the host's environment (only the names sbx
 * passes, none of SSH_AUTH_SOCK, DBUS_SESSION_BUS_ADDRESS, DISPLAY...).
 *
 * listen-unix and connect-unix: the test's own sockets, a path or
 * @abstract, to show a socket the test listens on outside is unreachable
 * inside, and reachable outside (so the check can fail).  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe.h"

extern char **environ;

/* A unix address from PATH or @NAME; its length.  */
static socklen_t
unix_addr (const char *name, struct sockaddr_un *sa)
{
  size_t len = strlen (name);

  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (len >= sizeof sa->sun_path)
    len = sizeof sa->sun_path - 1;
  memcpy (sa->sun_path, name, len);
  if (name[0] == '@')
    {
      sa->sun_path[0] = '\0'; /* abstract: no terminating NUL */
      return offsetof (struct sockaddr_un, sun_path) + len;
    }
  return sizeof *sa;
}

/* 0 when a connection to NAME was made, else the errno.  */
static int
connect_unix (const char *name)
{
  struct sockaddr_un sa;
  socklen_t len = unix_addr (name, &sa);
  int fd, e = 0;

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if (connect (fd, (struct sockaddr *)&sa, len) < 0)
    e = errno;
  close (fd);
  return e;
}

/* ----------------------------------------------------------------- checks */

struct place
{
  const char *path; /* ~/ is $HOME, UID the uid */
  int want;         /* lstat's answer */
};

static void
expand (const char *path, char *out, size_t len)
{
  const char *home = getenv ("HOME"), *uid = strstr (path, "UID");

  if (strncmp (path, "~/", 2) == 0)
    snprintf (out, len, "%s/%s", home ? home : "", path + 2);
  else if (uid)
    snprintf (out, len, "%.*s%u%s", (int)(uid - path), path, (unsigned)getuid (), uid + 3);
  else
    snprintf (out, len, "%s", path);
}

static void
check_place (const void *arg, struct result *r)
{
  const struct place *p = arg;
  char path[512];
  struct stat st;
  int got;

  expand (p->path, path, sizeof path);
  got = lstat (path, &st) < 0 ? errno : 0;
  if (got == 0)
    set_result (r, V_FAIL, "%s is there (a %s)", path, S_ISDIR (st.st_mode) ? "directory" : "file");
  else
    expect_errno (r, got, 0, p->want, path);
}

/* A socket path that must not connect: ENOENT, it is not there.  */
static void
check_socket_path (const void *arg, struct result *r)
{
  const struct place *p = arg;
  char path[512];

  expand (p->path, path, sizeof path);
  expect_errno (r, connect_unix (path), 0, p->want, path);
}

/* X11's abstract socket: ECONNREFUSED, nobody listens in this network
   namespace.  */
static void
check_abstract (const void *arg, struct result *r)
{
  expect_errno (r, connect_unix (arg), 0, ECONNREFUSED,
                "the host's abstract sockets are in its network namespace");
}

/* The names sbx passes (README: TERM LANG LC_* PATH TZ COLORTERM, and HOME
   USER LOGNAME container it sets).  */
static int
env_allowed (const char *entry)
{
  static const char *const names[] = {
    "TERM", "LANG", "PATH", "TZ", "COLORTERM", "HOME", "USER", "LOGNAME", "container", NULL,
  };
  size_t len = strcspn (entry, "=");
  int i;

  if (strncmp (entry, "LC_", 3) == 0)
    return 1;
  for (i = 0; names[i]; i++)
    if (strlen (names[i]) == len && strncmp (entry, names[i], len) == 0)
      return 1;
  return 0;
}

static void
check_environment (const void *arg, struct result *r)
{
  int n = 0, bad = 0;
  char **e;

  (void)arg;
  set_result (r, V_FAIL, "names outside the clean set: ");
  for (e = environ; *e; e++)
    {
      n++;
      if (!env_allowed (*e))
        add_result (r, "%s%.*s", bad++ ? ", " : "", (int)strcspn (*e, "="), *e);
    }
  if (!bad)
    set_result (r, V_OK,
                "%d variables, all of TERM LANG LC_* PATH TZ COLORTERM HOME USER LOGNAME container",
                n);
}

static void
check_unset (const void *arg, struct result *r)
{
  const char *name = arg;

  if (getenv (name))
    set_result (r, V_FAIL, "%s is set", name);
  else
    set_result (r, V_OK, "unset");
}

static const struct place p_ssh = { "~/.ssh", ENOENT };
static const struct place p_gnupg = { "~/.gnupg", ENOENT };
static const struct place p_run_user = { "/run/user/UID", ENOENT };
static const struct place p_docker = { "/run/docker.sock", ENOENT };
static const struct place p_var_docker = { "/var/run/docker.sock", ENOENT };
static const struct place p_system_bus = { "/run/dbus/system_bus_socket", ENOENT };
static const struct place p_session_bus = { "/run/user/UID/bus", ENOENT };
static const struct place p_x11_path = { "/tmp/.X11-unix/X0", ENOENT };

static const struct probe_check secret_checks[] = {
  { "~/.ssh", check_place, &p_ssh },
  { "~/.gnupg", check_place, &p_gnupg },
  { "/run/user/UID", check_place, &p_run_user },
  { "connect(/run/docker.sock)", check_socket_path, &p_docker },
  { "connect(/var/run/docker.sock)", check_socket_path, &p_var_docker },
  { "connect(/run/dbus/system_bus_socket)", check_socket_path, &p_system_bus },
  { "connect(/run/user/UID/bus)", check_socket_path, &p_session_bus },
  { "connect(/tmp/.X11-unix/X0)", check_socket_path, &p_x11_path },
  { "connect(@/tmp/.X11-unix/X0)", check_abstract, "@/tmp/.X11-unix/X0" },
  { "$SSH_AUTH_SOCK", check_unset, "SSH_AUTH_SOCK" },
  { "$DBUS_SESSION_BUS_ADDRESS", check_unset, "DBUS_SESSION_BUS_ADDRESS" },
  { "$XDG_RUNTIME_DIR", check_unset, "XDG_RUNTIME_DIR" },
  { "$DISPLAY", check_unset, "DISPLAY" },
  { "environment", check_environment, NULL },
};

int
cmd_secrets (int argc, char **argv)
{
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  run_checks (secret_checks, ARRAY_SIZE (secret_checks), &sel);
  return finish (&sel);
}

/* ---------------------------------------------------------------- helpers */

int
cmd_listen_unix (int argc, char **argv)
{
  struct sockaddr_un sa;
  socklen_t len;
  int fd;

  if (argc != 2)
    {
      fprintf (stderr, "Usage: sbx-probe listen-unix PATH|@NAME\n");
      return 2;
    }
  len = unix_addr (argv[1], &sa);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, len) < 0 || listen (fd, 16) < 0)
    {
      fprintf (stderr, "sbx-probe listen-unix %s: %s\n", argv[1], strerror (errno));
      return 1;
    }
  printf ("ready %s\n", argv[1]);
  fflush (stdout);
  for (;;)
    {
      int c = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0)
        close (c);
      else if (errno != EINTR && errno != ECONNABORTED)
        return 1;
    }
}

int
cmd_connect_unix (int argc, char **argv)
{
  int e;

  if (argc != 2)
    {
      fprintf (stderr, "Usage: sbx-probe connect-unix PATH|@NAME\n");
      return 2;
    }
  e = connect_unix (argv[1]);
  printf ("%s\n", errname (e));
  return e ? 1 : 0;
}
