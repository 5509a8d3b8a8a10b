/* Unit tests for profiles/profile.c: directives, errors with file:line,
   includes through SBX_PROFILE_PATH, and the precedence rules.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/spec.h"
#include "../../core/pkg-hint.h"
#include "../../profiles/profile-vars.h"
#include "../../profiles/profile.h"
#include "tap.h"

static char dir[] = "/tmp/sbx-test-profile.XXXXXX";

static void
write_profile (const char *name, const char *text)
{
  char path[512];
  FILE *f;
  snprintf (path, sizeof path, "%s/%s.profile", dir, name);
  f = fopen (path, "w");
  fputs (text, f);
  fclose (f);
}

/* Parse `text` into a fresh spec; returns the error message or NULL.  */
static char *
parse (const char *text, struct sbx_spec *spec)
{
  sbx_error_t err = NULL;
  char *msg = NULL;
  sbx_spec_init (spec);
  if (sbx_profile_parse (text, "/some/dir/test.profile", spec, &err) < 0)
    {
      msg = strdup (err->msg);
      sbx_error_release (&err);
    }
  return msg;
}

static void
expect_error (const char *text, const char *want, const char *desc)
{
  struct sbx_spec spec;
  char *msg = parse (text, &spec);
  TAP_OK (msg != NULL, "%s: is an error", desc);
  TAP_HAS_STR (msg ? msg : "", want, "%s: message", desc);
  free (msg);
  sbx_spec_free (&spec);
}

int
main (void)
{
  struct sbx_spec spec;
  char *msg;

  setenv ("HOME", "/home/tester", 1);
  msg = parse ("# comment\n\n  hostname   build1  \nuid 0\ngid 7\ncap-add CHOWN\n"
               "bind ~/src:/src\nro-bind /opt\ntmpfs /scratch\nchdir /src\n"
               "setenv A=b c\nunsetenv LANG\nkeep-env\n",
               &spec);
  TAP_OK (msg == NULL, "a profile with every directive parses");
  TAP_IS_STR (spec.uts.hostname, "build1", "hostname, surrounding blanks trimmed");
  TAP_IS_INT (spec.ids.uid, 0, "uid");
  TAP_OK (spec.ids.uid_set, "uid is marked set");
  TAP_IS_INT (spec.ids.gid, 7, "gid");
  TAP_IS_INT ((long long)spec.process.caps_add, 1, "cap-add CHOWN");
  TAP_IS_INT (spec.mounts.n, 3, "three mounts");
  TAP_IS_STR (spec.mounts.ops[0].src, "/home/tester/src", "~/ expanded in a bind source");
  TAP_IS_STR (spec.mounts.ops[0].dst, "/src", "bind destination");
  TAP_IS_INT (spec.mounts.ops[1].kind, SBX_MOUNT_RO_BIND, "ro-bind");
  TAP_IS_STR (spec.mounts.ops[1].dst, "/opt", "ro-bind destination defaults to the source");
  TAP_IS_INT (spec.mounts.ops[2].kind, SBX_MOUNT_TMPFS, "tmpfs");
  TAP_IS_STR (spec.process.cwd, "/src", "chdir");
  TAP_IS_INT (spec.env.n_ops, 2, "two environment operations");
  TAP_IS_STR (spec.env.ops[0].value, "b c", "setenv keeps blanks inside the value");
  TAP_OK (spec.env.keep_all, "keep-env");
  free (msg);
  sbx_spec_free (&spec);

  expect_error ("hostname x\n\nbnid /a\n", "profile test.profile:3: unknown directive 'bnid'",
                "unknown directive names file and line");
  expect_error ("uid\n", "profile test.profile:1: uid needs a value (uid N)", "missing value");
  expect_error ("keep-env yes\n", "profile test.profile:1: keep-env takes no value",
                "a value where none is taken");
  expect_error ("memory 12XB\n", "profile test.profile:1: memory: `12XB`: expected a size",
                "a bad memory size names the line and the value");
  expect_error ("hostname x\ncpus 0\n", "profile test.profile:2: cpus: `0`", "cpus 0");
  expect_error ("pids 0\n", "profile test.profile:1: pids: `0`", "pids 0");
  {
    struct sbx_spec ls;
    char *m = parse ("memory 2G\nmemory-swap 0\npids 100\ncpus 0.5\nio-weight 200\n"
                     "limits best-effort\nstats\n",
                     &ls);
    TAP_OK (m == NULL, "the limit directives parse");
    TAP_OK (ls.limits.memory == 2ull << 30 && ls.limits.swap_set && ls.limits.pids == 100
                && ls.limits.cpu_milli == 500 && ls.limits.io_weight == 200 && ls.limits.best_effort
                && ls.limits.stats,
            "memory, memory-swap, pids, cpus, io-weight, limits and stats set the spec");
    free (m);
    sbx_spec_free (&ls);
  }
  expect_error ("uid abc\n", "profile test.profile:1: uid: `abc`: expected a number", "bad number");
  expect_error ("net-record net.rec\n",
                "profile test.profile:1: net-record: `net.rec`: use an absolute path or ~/ here",
                "net-record: a relative path is refused in a profile");
  expect_error ("egress deny:host:example.org\n", "there is no deny:host", "deny:host is refused");
  {
    struct sbx_spec ns;
    char *m = parse ("net slirp\nnet-record /var/tmp/net.rec\negress allow:host:*.Example.org:443\n"
                     "egress deny:all\n",
                     &ns);
    TAP_OK (m == NULL, "net-record and a host rule parse");
    TAP_OK (ns.net.record_path && strcmp (ns.net.record_path, "/var/tmp/net.rec") == 0
                && ns.net.egress.n == 2 && ns.net.egress.v[0].host
                && strcmp (ns.net.egress.v[0].host, "*.example.org") == 0
                && ns.net.egress.v[0].port_lo == 443,
            "... into the spec: the record's path, the rule's name in lowercase and its port");
    free (m);
    sbx_spec_free (&ns);
  }
  expect_error ("bind src:/x\n", "profile test.profile:1: bind: `src:/x`: use an absolute path",
                "relative paths are refused in profiles");
  expect_error ("cap-add FLY\n", "profile test.profile:1: cap-add: unknown capability `FLY`",
                "unknown capability");
  expect_error ("hostname -x\n", "invalid hostname `-x`", "bad hostname");
  expect_error ("include\n", "include needs a profile name", "include without a name");
  expect_error ("include ../etc/passwd\n", "profile test.profile:1: profile `../etc/passwd`",
                "include of a missing path");
  expect_error ("include bad/../name\n", "profile", "include path errors carry the line");

  expect_error ("bnid /a\n", "unknown directive 'bnid'; did you mean 'bind'?",
                "a transposition is one step from the directive");
  expect_error ("hostnaem x\n", "did you mean 'hostname'?", "did-you-mean: hostname");
  expect_error ("zzzzzz x\n", "directives are sbx's long options without the dashes",
                "nothing near: the general hint");
  expect_error ("setenv A=$x\n", "a lone `$`", "a `$` not starting a variable");
  expect_error ("setenv A=${HOME\n", "a lone `$`", "an unclosed variable");
  expect_error ("setenv A=${NOPE}\n", "unknown variable `${NOPE}`", "an unknown variable");
  unsetenv ("WAYLAND_DISPLAY");
  expect_error ("ro-bind ${WAYLAND_SOCKET}\n",
                "profile test.profile:1: ro-bind: ${WAYLAND_SOCKET} is not set here",
                "an unset variable outside a -try line");
  {
    const char *unset = NULL;
    sbx_error_t e = NULL;
    char *v;
    setenv ("XDG_RUNTIME_DIR", "/run/user/7", 1);
    setenv ("WAYLAND_DISPLAY", "wayland-1", 1);
    setenv ("DISPLAY", ":3.0", 1);
    v = sbx_profile_expand ("${WAYLAND_SOCKET} ${X11_SOCKET} ${PROFILE} $$ ${HOME}", "prof", &unset,
                            &e);
    TAP_IS_STR (v, "/run/user/7/wayland-1 /tmp/.X11-unix/X3 prof $ /home/tester",
                "variables: the Wayland and X11 sockets, the profile, $$, the home");
    free (v);
    setenv ("DISPLAY", "localhost:10", 1);
    v = sbx_profile_expand ("${X11_SOCKET}", "prof", &unset, &e);
    TAP_OK (v == NULL && unset && strcmp (unset, "X11_SOCKET") == 0 && e == NULL,
            "a display over TCP has no socket file: unset, not an error");
    unsetenv ("DISPLAY");
    unsetenv ("WAYLAND_DISPLAY");
    unsetenv ("XDG_RUNTIME_DIR");
  }
  msg = parse (
      "ro-bind-try ${WAYLAND_SOCKET}\nsetenv-try W=${WAYLAND_SOCKET}\nbind-try /nonexistent\n",
      &spec);
  TAP_OK (msg == NULL, "-try lines with an unset variable are skipped");
  TAP_IS_INT (spec.mounts.n, 1, "... the others are kept, marked optional");
  TAP_OK (spec.mounts.n == 1 && spec.mounts.ops[0].optional, "... optional");
  TAP_IS_INT (spec.env.n_ops, 0, "... setenv-try with an unset variable sets nothing");
  free (msg);
  sbx_spec_free (&spec);

  {
    char *apt[] = { "apt-get", "-y", "install", "hello", NULL };
    char *script[] = { "sh", "-ec", "cd /src; /usr/bin/apt update && make", NULL };
    char *query[] = { "apt", "list", "--installed", NULL };
    char *make[] = { "make", "install", NULL };
    char *two[] = { "sh", "-c", "dpkg -l; make install", NULL };
    TAP_OK (sbx_pkg_installs (apt), "pkg hint: apt-get -y install");
    TAP_OK (sbx_pkg_installs (script), "pkg hint: apt update in a sh -c script, by path");
    TAP_OK (!sbx_pkg_installs (query), "pkg hint: apt list is no install");
    TAP_OK (!sbx_pkg_installs (make), "pkg hint: make install is none");
    TAP_OK (!sbx_pkg_installs (two),
            "pkg hint: an action after the command ends is not the manager's");
  }

  if (mkdtemp (dir) == NULL)
    return 1;
  setenv ("SBX_PROFILE_PATH", dir, 1);
  write_profile ("base", "hostname base\nsetenv FROM=base\n");
  write_profile ("child", "include base\nhostname child\n");
  write_profile ("loop", "include loop\n");
  write_profile ("broken", "uid 0\nwat\n");
  write_profile ("usesbroken", "include broken\n");
  write_profile ("a", "hostname a\ninclude b\n");
  write_profile ("b", "include a\n");
  write_profile ("traced", "include base\nhostname t\nsetenv FROM=${PROFILE}\n");

  sbx_spec_init (&spec);
  {
    sbx_error_t err = NULL;
    int r = sbx_profile_load ("child", &spec, &err);
    TAP_IS_INT (r, 0, "load by name through SBX_PROFILE_PATH");
    TAP_IS_STR (spec.uts.hostname, "child", "a later line overrides an included one");
    TAP_IS_INT (spec.env.n_ops, 1, "the included profile's settings apply");
    sbx_error_release (&err);
  }
  sbx_spec_free (&spec);
  {
    sbx_error_t err = NULL;
    sbx_spec_init (&spec);
    TAP_OK (sbx_profile_load ("loop", &spec, &err) < 0, "an include cycle is an error");
    TAP_HAS_STR (err ? err->msg : "", "include cycle: ", "... saying so");
    sbx_error_release (&err);
    sbx_spec_free (&spec);

    sbx_spec_init (&spec);
    TAP_OK (sbx_profile_load ("a", &spec, &err) < 0, "a cycle through two files");
    TAP_HAS_STR (err ? err->msg : "", "a.profile -> ", "... names the chain");
    TAP_HAS_STR (err ? err->msg : "", "b.profile -> ", "... through b");
    sbx_error_release (&err);
    sbx_spec_free (&spec);

    {
      struct sbx_profile_trace t = { 0 };
      sbx_spec_init (&spec);
      TAP_IS_INT (sbx_profile_load_traced ("traced", &spec, &t, &err), 0, "a traced load");
      TAP_IS_INT (t.n, 4, "... records each directive applied, includes in place");
      if (t.n == 4)
        {
          TAP_IS_STR (t.v[0].set->name, "hostname", "... the included first");
          TAP_HAS_STR (t.v[0].origin, "base.profile:1", "... with its origin");
          TAP_IS_STR (t.v[3].arg, "FROM=traced", "... values expanded (${PROFILE}: the file's)");
        }
      sbx_profile_trace_free (&t);
      sbx_error_release (&err);
      sbx_spec_free (&spec);
    }

    sbx_spec_init (&spec);
    TAP_OK (sbx_profile_load ("usesbroken", &spec, &err) < 0, "an error in an included file");
    TAP_HAS_STR (err ? err->msg : "",
                 "profile usesbroken.profile:1: profile broken.profile:2: "
                 "unknown directive 'wat'",
                 "... names both files and lines");
    sbx_error_release (&err);
    sbx_spec_free (&spec);

    sbx_spec_init (&spec);
    TAP_OK (sbx_profile_load ("nosuch", &spec, &err) < 0, "a missing profile is an error");
    TAP_HAS_STR (err ? err->msg : "", "profile `nosuch` not found (searched ",
                 "... naming where it looked");
    sbx_error_release (&err);
    sbx_spec_free (&spec);

    sbx_spec_init (&spec);
    TAP_OK (sbx_profile_load ("a;b", &spec, &err) < 0, "a profile name with odd characters");
    TAP_HAS_STR (err ? err->msg : "", "invalid profile name", "... is refused");
    sbx_error_release (&err);
    sbx_spec_free (&spec);
  }

  {
    char cmd[600];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
      tap_diag ("could not remove %s", dir);
  }
  return tap_done ();
}
