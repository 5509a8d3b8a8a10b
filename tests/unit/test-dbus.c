/* sbx unit test: the D-Bus settings (core/dbus.c): which names and rules
   are taken, what the host's bus is, and xdg-dbus-proxy's arguments.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/base/util.h"
#include "core/dbus.h"
#include "tap.h"

static void
test_names (void)
{
  static const struct
  {
    const char *name;
    bool valid;
  } cases[] = {
    { "org.freedesktop.Notifications", true },
    { "org.mozilla.firefox.*", true },
    { "org.mozilla.firefox_esr.*", true },
    { "org.foo-bar.Baz", true },
    { "org", false },
    { "org.*", false },
    { "org..foo", false },
    { ".org.foo", false },
    { "org.foo.", false },
    { "org.1foo", false },
    { ":1.42", false },
    { "org.foo.*.bar", false },
    { "org.foo*", false },
    { "--filter", false },
    { "org.foo bar", false },
    { "", false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    TAP_IS_INT (sbx_dbus_name_valid (cases[i].name), cases[i].valid, "name `%s` %s", cases[i].name,
                cases[i].valid ? "is taken" : "is refused");
}

static void
test_rules (void)
{
  static const struct
  {
    enum sbx_dbus_rule_kind kind;
    const char *arg;
    bool valid;
  } cases[] = {
    { SBX_DBUS_CALL, "org.a.B=*", true },
    { SBX_DBUS_CALL, "org.a.B=org.a.I.Get@/org/a", true },
    { SBX_DBUS_CALL, "org.a.B=org.a.*@/org/a/*", true },
    { SBX_DBUS_CALL, "org.a.B=@/", true },
    { SBX_DBUS_BROADCAST, "org.a.B=@/org/a/*", true },
    { SBX_DBUS_CALL, "org.a.B", false },
    { SBX_DBUS_CALL, "org.a.B=", false },
    { SBX_DBUS_CALL, "org.a.B=a b", false },
    { SBX_DBUS_CALL, "org.a.B=org.a.I@org/a", false },
    { SBX_DBUS_CALL, "org.a.B=org.a.I@/org//a", false },
    { SBX_DBUS_CALL, "org.a.B=org.a.I@/org/a/", false },
    { SBX_DBUS_CALL, "org.a.B=org.a-b.I", false },
    { SBX_DBUS_CALL, "org=*", false },
    { SBX_DBUS_TALK, "org.a.B", true },
    /* For see/talk/own the whole argument is the name.  */
    { SBX_DBUS_TALK, "org.a.B=*", false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct sbx_dbus_bus d = { 0 };
      sbx_error_t err = NULL;
      int r = sbx_dbus_add_rule (&d, cases[i].kind, cases[i].arg, &err);
      TAP_IS_INT (r == 0, cases[i].valid, "rule `%s` %s", cases[i].arg,
                  cases[i].valid ? "is taken" : "is refused");
      TAP_IS_INT ((int)d.n_rules, cases[i].valid ? 1 : 0, "... and %s",
                  cases[i].valid ? "kept" : "not kept");
      sbx_error_release (&err);
      for (size_t j = 0; j < d.n_rules; j++)
        free (d.rules[j].arg);
      free (d.rules);
    }
}

static char *
joined (char **argv)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);

  for (size_t i = 0; argv[i]; i++)
    fprintf (f, "%s%s", i ? " " : "", argv[i]);
  fclose (f);
  sbx_dbus_argv_free (argv);
  return out;
}

static void
test_args (void)
{
  static const char *const listen[SBX_DBUS_N] = { "/l/bus", "/l/system_bus" };
  struct sbx_dbus d = { 0 };
  struct sbx_dbus_bus *user = &d.bus[SBX_DBUS_SESSION], *sys = &d.bus[SBX_DBUS_SYSTEM];
  sbx_error_t err = NULL;
  char *s;

  user->mode = SBX_DBUS_FILTER;
  user->address = xstrdup ("unix:path=/run/user/1/bus");
  sbx_dbus_add_rule (user, SBX_DBUS_TALK, "org.a.B", &err);
  sbx_dbus_add_rule (user, SBX_DBUS_OWN, "org.c.*", &err);
  sbx_dbus_add_rule (user, SBX_DBUS_SEE, "org.s.S", &err);
  sbx_dbus_add_rule (user, SBX_DBUS_CALL, "org.d.E=org.d.I.M@/p", &err);
  sbx_dbus_add_rule (user, SBX_DBUS_BROADCAST, "org.d.E=@/p/*", &err);
  s = joined (sbx_dbus_proxy_args (&d, 3, listen));
  TAP_IS_STR (s,
              "--fd=3 unix:path=/run/user/1/bus /l/bus --filter --talk=org.a.B "
              "--own=org.c.* --see=org.s.S --call=org.d.E=org.d.I.M@/p "
              "--broadcast=org.d.E=@/p/*",
              "filter: the address, the socket, --filter and every rule in order");
  free (s);
  user->mode = SBX_DBUS_OPEN;
  s = joined (sbx_dbus_proxy_args (&d, 3, listen));
  TAP_IS_STR (s, "--fd=3 unix:path=/run/user/1/bus /l/bus", "open: no --filter and no rules");
  free (s);
  sys->mode = SBX_DBUS_FILTER;
  sys->address = xstrdup ("unix:path=/run/dbus/system_bus_socket");
  sbx_dbus_add_rule (sys, SBX_DBUS_TALK, "org.freedesktop.NetworkManager", &err);
  s = joined (sbx_dbus_proxy_args (&d, 3, listen));
  TAP_IS_STR (s,
              "--fd=3 unix:path=/run/user/1/bus /l/bus unix:path=/run/dbus/system_bus_socket "
              "/l/system_bus --filter --talk=org.freedesktop.NetworkManager",
              "both buses: each its address, socket and rules");
  free (s);
  free (user->address);
  user->address = NULL;
  s = joined (sbx_dbus_proxy_args (&d, 3, listen));
  TAP_IS_STR (s,
              "--fd=3 unix:path=/run/dbus/system_bus_socket /l/system_bus --filter "
              "--talk=org.freedesktop.NetworkManager",
              "a bus the host lacks is left out");
  free (s);
  sbx_dbus_free (&d);
}

static void
test_resolve (void)
{
  char dir[] = "/tmp/sbx-test-dbus.XXXXXX";
  char *env_addr[] = { "DBUS_SESSION_BUS_ADDRESS=unix:path=/x/bus",
                       "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/y/sys", NULL };
  char *env_bad[] = { "DBUS_SESSION_BUS_ADDRESS=--filter", NULL };
  char *env_bad_sys[] = { "DBUS_SYSTEM_BUS_ADDRESS=nonsense", NULL };
  char *env_none[] = { "XDG_RUNTIME_DIR=/nonexistent", NULL };
  char *env_runtime[2];
  struct sbx_dbus d = { 0 };
  struct sbx_dbus_bus *user = &d.bus[SBX_DBUS_SESSION], *sys = &d.bus[SBX_DBUS_SYSTEM];
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  sbx_error_t err = NULL;
  int fd;

  sbx_log_set_level (SBX_LOG_QUIET);
  user->mode = SBX_DBUS_FILTER;
  TAP_IS_INT (sbx_dbus_resolve (&d, env_addr, 1000, &err), 0, "DBUS_SESSION_BUS_ADDRESS is used");
  TAP_IS_STR (user->address, "unix:path=/x/bus", "... as it is");
  TAP_IS_STR (user->inside, "/run/user/1000/bus", "... the socket inside is /run/user/UID/bus");
  TAP_IS_STR (sys->address, NULL, "dbus-system none (the default): no system bus");
  TAP_OK (sbx_dbus_wanted (&d), "a bus is wanted");
  sys->mode = SBX_DBUS_OPEN;
  sbx_dbus_resolve (&d, env_addr, 1000, &err);
  TAP_IS_STR (sys->address, "unix:path=/y/sys", "DBUS_SYSTEM_BUS_ADDRESS is used");
  TAP_IS_STR (sys->inside, "/run/dbus/system_bus_socket",
              "... inside at /run/dbus/system_bus_socket");
  TAP_IS_INT (sbx_dbus_resolve (&d, env_bad, 1000, &err), -1,
              "an address that would be read as an option is refused");
  TAP_HAS_STR (err ? err->msg : NULL, "not a D-Bus address", "... saying so");
  sbx_error_release (&err);
  TAP_IS_INT (sbx_dbus_resolve (&d, env_bad_sys, 1000, &err), -1,
              "a system bus address without a transport is refused");
  TAP_HAS_STR (err ? err->msg : NULL, "DBUS_SYSTEM_BUS_ADDRESS `nonsense`", "... naming it");
  sbx_error_release (&err);
  sys->mode = SBX_DBUS_NONE;
  TAP_IS_INT (sbx_dbus_resolve (&d, env_none, 1000, &err), 0, "no bus: not an error");
  TAP_IS_STR (user->address, NULL, "... and no bus for the sandbox");
  TAP_OK (!sbx_dbus_wanted (&d), "... none wanted");

  if (mkdtemp (dir) == NULL)
    abort ();
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s/bus", dir);
  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    abort ();
  env_runtime[0] = xasprintf ("XDG_RUNTIME_DIR=%s", dir);
  env_runtime[1] = NULL;
  sbx_dbus_resolve (&d, env_runtime, 0, &err);
  {
    char *want = xasprintf ("unix:path=%s/bus", dir);
    TAP_IS_STR (user->address, want, "without the variable: $XDG_RUNTIME_DIR/bus, a socket");
    free (want);
  }
  TAP_IS_STR (user->inside, "/run/user/0/bus", "... inside for uid 0");
  user->mode = SBX_DBUS_NONE;
  sbx_dbus_resolve (&d, env_runtime, 0, &err);
  TAP_IS_STR (user->address, NULL, "dbus-user none: no bus, whatever the host has");
  close (fd);
  unlink (sa.sun_path);
  rmdir (dir);
  free (env_runtime[0]);
  sbx_dbus_free (&d);
}

int
main (void)
{
  test_names ();
  test_rules ();
  test_args ();
  test_resolve ();
  return tap_done ();
}
