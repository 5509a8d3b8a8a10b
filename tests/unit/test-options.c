/* sbx unit test: `sbx run` argv -> spec (cmd/run-options.c).  */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/run-options.h"
#include "core/base/log.h"
#include "core/caps.h"
#include "core/path.h"
#include "tap.h"

#define ARGV(...) ((char *[]){ "sbx", __VA_ARGS__, NULL })

static struct sbx_spec spec;
static struct sbx_run_options opts;
static sbx_error_t err;
static char *cwd;

static int
argv_len (char **argv)
{
  int n = 0;
  while (argv[n])
    n++;
  return n;
}

/* Parse into the fresh global spec; the previous one is freed.  */
static int
parse (char **argv)
{
  sbx_spec_free (&spec);
  sbx_error_release (&err);
  sbx_spec_init (&spec);
  return sbx_run_parse (argv_len (argv), argv, &spec, &opts, &err);
}

static bool
parse_ok (char **argv, const char *desc)
{
  int ret = parse (argv);
  if (!TAP_IS_INT (ret, 0, "%s: parses", desc))
    tap_diag ("error: %s", err ? err->msg : "(none)");
  return ret == 0;
}

/* Parsing fails, and the message contains `words`.  */
static void
parse_fails (char **argv, const char *words, const char *desc)
{
  int ret = parse (argv);
  TAP_IS_INT (ret, -1, "%s: an error", desc);
  TAP_HAS_STR (err ? err->msg : NULL, words, "%s: message mentions %s", desc, words);
}

/* Parsing fails; the message names the option and quotes the value,
   whatever words join them.  */
static void
parse_fails2 (char **argv, const char *option, const char *value, const char *desc)
{
  parse_fails (argv, option, desc);
  TAP_HAS_STR (err ? err->msg : NULL, value, "%s: message quotes %s", desc, value);
}

static bool
program_is (char *const *want)
{
  char **got = spec.process.argv;
  size_t i;

  if (got == NULL)
    return false;
  for (i = 0; want[i]; i++)
    if (got[i] == NULL || strcmp (got[i], want[i]) != 0)
      return false;
  return got[i] == NULL;
}

static void
test_program (void)
{
  if (parse_ok (ARGV ("--", "ls", "-l"), "program after --"))
    TAP_OK (program_is ((char *[]){ "ls", "-l", NULL }), "program after --: argv ls -l");
  TAP_IS_INT (opts.action, SBX_RUN_SANDBOX, "program after --: action is run");

  if (parse_ok (ARGV ("ls", "-l"), "program without --"))
    TAP_OK (program_is ((char *[]){ "ls", "-l", NULL }), "sbx ls -l: argv ls -l");

  if (parse_ok (ARGV ("ls", "--bind", "/x", "--", "y"), "options after the program"))
    {
      TAP_OK (program_is ((char *[]){ "ls", "--bind", "/x", "--", "y", NULL }),
              "options after the program belong to it");
      TAP_IS_UINT (spec.mounts.n, 0, "options after the program are not sbx's");
    }

  if (parse_ok (ARGV ("--keep-env", "--", "--weird-name", "-x"), "program named like an option"))
    TAP_OK (program_is ((char *[]){ "--weird-name", "-x", NULL }),
            "after --, an option-like program");

  parse_fails (ARGV ("--keep-env"), "no program", "options but no program");
  parse_fails (ARGV ("--"), "no program", "only --");
  parse_fails ((char *[]){ "sbx", NULL }, "no program", "nothing at all");
  parse_fails (ARGV ("--", ""), "empty", "an empty program name");
  TAP_IS_INT (err ? err->exit_code : -1, SBX_EXIT_FAILURE, "a usage error exits 125");
}

static void
test_ids (void)
{
  if (parse_ok (ARGV ("--uid", "0", "--gid", "100", "true"), "--uid 0 --gid 100"))
    {
      TAP_OK (spec.ids.uid == 0 && spec.ids.uid_set, "--uid 0 set");
      TAP_OK (spec.ids.gid == 100 && spec.ids.gid_set, "--gid 100 set");
    }
  if (parse_ok (ARGV ("--uid=4294967294", "true"), "--uid=4294967294"))
    TAP_IS_UINT (spec.ids.uid, 4294967294UL, "--uid 2^32-2, the largest");
  if (parse_ok (ARGV ("true"), "no --uid"))
    TAP_OK (!spec.ids.uid_set && !spec.ids.gid_set, "no --uid/--gid: neither set");

  parse_fails2 (ARGV ("--uid", "abc", "true"), "--uid", "`abc`", "--uid abc");
  parse_fails2 (ARGV ("--uid", "-1", "true"), "--uid", "`-1`", "--uid -1");
  parse_fails2 (ARGV ("--uid", "4294967295", "true"), "--uid", "`4294967295`", "--uid 2^32-1");
  parse_fails (ARGV ("--uid", "99999999999999999999", "true"), "--uid", "--uid overflowing");
  parse_fails2 (ARGV ("--uid", "", "true"), "--uid", "``", "--uid empty");
  parse_fails2 (ARGV ("--uid", "10x", "true"), "--uid", "`10x`", "--uid 10x");
  parse_fails (ARGV ("--uid", " 10", "true"), "--uid", "--uid with a space");
  parse_fails2 (ARGV ("--gid", "1.5", "true"), "--gid", "`1.5`", "--gid 1.5");
}

/* The n-th mount op is `kind` from `src` (NULL for none) to `dst`.  */
static void
check_mount (size_t n, enum sbx_mount_kind kind, const char *src, const char *dst, const char *desc)
{
  if (!TAP_OK (spec.mounts.n > n, "%s: mount %zu exists", desc, n))
    return;
  TAP_IS_INT (spec.mounts.ops[n].kind, kind, "%s: kind", desc);
  TAP_IS_STR (spec.mounts.ops[n].src, src, "%s: source", desc);
  TAP_IS_STR (spec.mounts.ops[n].dst, dst, "%s: destination", desc);
}

static void
test_mounts (void)
{
  char *want;

  if (parse_ok (ARGV ("--bind", "/src:/dst", "true"), "--bind SRC:DST"))
    check_mount (0, SBX_MOUNT_BIND, "/src", "/dst", "--bind /src:/dst");
  if (parse_ok (ARGV ("--bind", "/src", "true"), "--bind SRC"))
    check_mount (0, SBX_MOUNT_BIND, "/src", "/src", "--bind /src");
  if (parse_ok (ARGV ("--bind", "rel/dir", "true"), "--bind relative"))
    {
      if (asprintf (&want, "%s/rel/dir", cwd) < 0)
        abort ();
      check_mount (0, SBX_MOUNT_BIND, want, want, "--bind rel/dir (cwd made absolute)");
      free (want);
    }
  if (parse_ok (ARGV ("--bind", "~/x", "true"), "--bind ~/x"))
    check_mount (0, SBX_MOUNT_BIND, "/home/tester/x", "/home/tester/x", "--bind ~/x");
  if (parse_ok (ARGV ("--bind", "~/x:/y", "true"), "--bind ~/x:/y"))
    check_mount (0, SBX_MOUNT_BIND, "/home/tester/x", "/y", "--bind ~/x:/y");
  if (parse_ok (ARGV ("--ro-bind", "/a:/b", "true"), "--ro-bind"))
    check_mount (0, SBX_MOUNT_RO_BIND, "/a", "/b", "--ro-bind /a:/b");
  if (parse_ok (ARGV ("--tmpfs", "/tmp", "true"), "--tmpfs"))
    check_mount (0, SBX_MOUNT_TMPFS, NULL, "/tmp", "--tmpfs /tmp");
  if (parse_ok (ARGV ("--bind", "//a//b/:/c/./d/", "true"), "--bind untidy paths"))
    check_mount (0, SBX_MOUNT_BIND, "/a/b", "/c/d", "--bind untidy paths tidied");
  if (parse_ok (ARGV ("--bind", "/a:b:/c", "true"), "--bind source with ':'"))
    check_mount (0, SBX_MOUNT_BIND, "/a:b", "/c", "--bind /a:b:/c splits on the last :/");
  if (parse_ok (ARGV ("--bind", "/a", "--ro-bind", "/b:/c", "--tmpfs", "/d", "true"),
                "several mounts"))
    {
      TAP_IS_UINT (spec.mounts.n, 3, "several mounts: three");
      check_mount (0, SBX_MOUNT_BIND, "/a", "/a", "several mounts, first");
      check_mount (1, SBX_MOUNT_RO_BIND, "/b", "/c", "several mounts, second");
      check_mount (2, SBX_MOUNT_TMPFS, NULL, "/d", "several mounts, third");
    }

  if (parse_ok (ARGV ("--tmpfs", "~/cache", "true"), "--tmpfs ~/cache"))
    check_mount (0, SBX_MOUNT_TMPFS, NULL, "/home/tester/cache", "--tmpfs ~/cache");

  /* With no DST the destination is the source; a relative source with
     `..` (`--bind ../lib`) is a fine source, so the destination should
     be that path with the `..` resolved, not an error about a
     destination the user never wrote.  */
  if (parse_ok (ARGV ("--bind", "../x", "true"), "--bind ../x (no destination)"))
    TAP_OK (spec.mounts.n == 1 && !sbx_path_has_dotdot (spec.mounts.ops[0].dst),
            "--bind ../x: the destination has no `..`");

  parse_fails (ARGV ("--tmpfs", "rel", "true"), "absolute", "--tmpfs relative destination");
  parse_fails (ARGV ("--tmpfs", "/x/../y", "true"), "..", "--tmpfs destination with ..");
  parse_fails (ARGV ("--tmpfs", "/", "true"), "destination may not be /", "--tmpfs /");
  parse_fails (ARGV ("--bind", "/a:/b/../c", "true"), "..", "--bind destination with ..");
  parse_fails (ARGV ("--bind", "/a:/..", "true"), "..", "--bind destination /..");
  parse_fails (ARGV ("--bind", "/a:/", "true"), "destination may not be /", "--bind destination /");
  parse_fails (ARGV ("--bind", "/a:/./", "true"), "destination may not be /",
               "--bind destination /./");
  parse_fails (ARGV ("--ro-bind", "/", "true"), "--ro-bind", "--ro-bind / (destination /)");
  parse_fails (ARGV ("--bind", "", "true"), "--bind", "--bind empty");
  parse_fails (ARGV ("--bind", ":/dst", "true"), "empty source", "--bind with no source");
}

static void
test_env (void)
{
  if (parse_ok (ARGV ("--setenv", "FOO=bar", "--setenv", "E=", "--setenv", "A=b=c", "--unsetenv",
                      "GONE", "true"),
                "--setenv/--unsetenv"))
    {
      TAP_IS_UINT (spec.env.n_ops, 4, "four env ops");
      if (spec.env.n_ops == 4)
        {
          struct sbx_env_op *o = spec.env.ops;
          TAP_OK (o[0].kind == SBX_ENV_SET && strcmp (o[0].name, "FOO") == 0
                      && strcmp (o[0].value, "bar") == 0,
                  "--setenv FOO=bar");
          TAP_OK (o[1].kind == SBX_ENV_SET && strcmp (o[1].name, "E") == 0
                      && strcmp (o[1].value, "") == 0,
                  "--setenv E= (empty value)");
          TAP_OK (o[2].kind == SBX_ENV_SET && strcmp (o[2].name, "A") == 0
                      && strcmp (o[2].value, "b=c") == 0,
                  "--setenv A=b=c splits on the first =");
          TAP_OK (o[3].kind == SBX_ENV_UNSET && strcmp (o[3].name, "GONE") == 0, "--unsetenv GONE");
        }
      TAP_OK (!spec.env.keep_all, "keep_all off by default");
    }
  parse_fails2 (ARGV ("--setenv", "FOO", "true"), "--setenv", "`FOO`", "--setenv without =");
  parse_fails2 (ARGV ("--setenv", "=x", "true"), "--setenv", "`=x`", "--setenv empty name");
  parse_fails (ARGV ("--setenv", "", "true"), "--setenv", "--setenv empty");
  parse_fails2 (ARGV ("--unsetenv", "A=B", "true"), "--unsetenv", "`A=B`", "--unsetenv A=B");
  parse_fails (ARGV ("--unsetenv", "", "true"), "--unsetenv", "--unsetenv empty");

  if (parse_ok (ARGV ("--keep-env", "true"), "--keep-env"))
    TAP_OK (spec.env.keep_all, "--keep-env sets keep_all");
}

static void
test_caps (void)
{
  const uint64_t chown_bit = (uint64_t)1 << 0, net_raw = (uint64_t)1 << 13;

  if (parse_ok (ARGV ("--cap-add", "CAP_NET_RAW", "--cap-drop", "chown", "true"), "caps"))
    {
      TAP_IS_UINT (spec.process.caps_add, net_raw, "--cap-add CAP_NET_RAW");
      TAP_IS_UINT (spec.process.caps_drop, chown_bit, "--cap-drop chown");
    }
  if (parse_ok (ARGV ("--cap-add", "chown", "--cap-drop", "chown", "true"), "add then drop"))
    {
      TAP_IS_UINT (spec.process.caps_add, 0, "add then drop: not added");
      TAP_IS_UINT (spec.process.caps_drop, chown_bit, "add then drop: dropped");
    }
  if (parse_ok (ARGV ("--cap-drop", "ALL", "--cap-add", "net_raw", "true"), "drop ALL, add one"))
    {
      TAP_IS_UINT (spec.process.caps_add, net_raw, "drop ALL then add: added");
      TAP_IS_UINT (spec.process.caps_drop, SBX_CAP_ALL & ~net_raw, "drop ALL then add: the rest");
    }
  parse_fails (ARGV ("--cap-add", "bogus", "true"), "bogus", "--cap-add bogus names it");
  parse_fails (ARGV ("--cap-add", "bogus", "true"), "--cap-add", "--cap-add bogus names the flag");
  parse_fails (ARGV ("--cap-drop", "CAP_NOPE", "true"), "--cap-drop", "--cap-drop CAP_NOPE");
}

static void
test_misc (void)
{
  parse_fails (ARGV ("--frobnicate", "true"), "--frobnicate", "unknown long option");
  parse_fails (ARGV ("--frob=1", "true"), "--frob", "unknown long option with a value");
  parse_fails (ARGV ("-x", "true"), "-x", "unknown short option");
  parse_fails (ARGV ("--bind"), "--bind", "--bind without a value");
  TAP_HAS_STR (err ? err->msg : NULL, "value", "--bind without a value: says a value is missing");
  parse_fails (ARGV ("--keep-env", "--uid"), "--uid", "--uid without a value");

  TAP_IS_INT (parse (ARGV ("-h")), 0, "-h parses without a program");
  TAP_IS_INT (opts.action, SBX_RUN_HELP, "-h: help");
  TAP_IS_INT (parse (ARGV ("--help", "--frobnicate")), 0, "--help before a bad option");
  TAP_IS_INT (opts.action, SBX_RUN_HELP, "--help: help");
  TAP_IS_INT (parse (ARGV ("-V")), 0, "-V parses without a program");
  TAP_IS_INT (opts.action, SBX_RUN_VERSION, "-V: version");
  TAP_IS_INT (parse (ARGV ("--version")), 0, "--version parses");
  TAP_IS_INT (opts.action, SBX_RUN_VERSION, "--version: version");
  /* -h stopped inside a cluster: the next parse must start afresh.  */
  TAP_IS_INT (parse (ARGV ("-hV")), 0, "-hV parses");
  TAP_IS_INT (opts.action, SBX_RUN_HELP, "-hV: help, the first");
  if (parse_ok (ARGV ("true"), "after -hV"))
    TAP_IS_INT (opts.action, SBX_RUN_SANDBOX, "after -hV: run again");
  if (parse_ok (ARGV ("ls", "-h"), "-h after the program"))
    TAP_IS_INT (opts.action, SBX_RUN_SANDBOX, "-h after the program is the program's");

  if (parse_ok (ARGV ("true"), "default verbosity"))
    TAP_IS_INT (opts.verbosity, SBX_LOG_NOTE, "default verbosity: note");
  if (parse_ok (ARGV ("-q", "true"), "-q"))
    TAP_IS_INT (opts.verbosity, SBX_LOG_WARN, "-q: warnings only");
  if (parse_ok (ARGV ("-v", "true"), "-v"))
    TAP_IS_INT (opts.verbosity, SBX_LOG_DEBUG, "-v: debug");

  if (parse_ok (ARGV ("--hostname", "box", "--chdir", "/w", "true"), "--hostname --chdir"))
    {
      TAP_IS_STR (spec.uts.hostname, "box", "--hostname box");
      TAP_IS_STR (spec.process.cwd, "/w", "--chdir /w");
    }
}

static void
test_limits (void)
{
  if (parse_ok (ARGV ("true"), "no limits"))
    {
      TAP_IS_UINT (spec.limits.memory, 0, "no limits: no memory limit");
      TAP_OK (!spec.limits.best_effort && !spec.limits.stats, "no limits: strict, no stats");
    }
  if (parse_ok (ARGV ("--memory", "512M", "--memory-swap", "0", "--pids", "256", "--cpus", "1.5",
                      "--io-weight", "50", "--limits", "best-effort", "--stats", "true"),
                "every limit"))
    {
      TAP_IS_UINT (spec.limits.memory, 512ull << 20, "--memory 512M");
      TAP_IS_STR (spec.limits.memory_text, "512M", "--memory as written, for messages");
      TAP_OK (spec.limits.swap_set && spec.limits.memory_swap == 0, "--memory-swap 0: no swap");
      TAP_IS_UINT (spec.limits.pids, 256, "--pids 256");
      TAP_IS_UINT (spec.limits.cpu_milli, 1500, "--cpus 1.5");
      TAP_IS_UINT (spec.limits.io_weight, 50, "--io-weight 50");
      TAP_OK (spec.limits.best_effort, "--limits best-effort");
      TAP_OK (spec.limits.stats, "--stats");
    }
  if (parse_ok (ARGV ("--limits", "best-effort", "--limits", "strict", "--memory=2G", "true"),
                "--limits strict again"))
    {
      TAP_OK (!spec.limits.best_effort, "the last --limits wins");
      TAP_IS_UINT (spec.limits.memory, 2ull << 30, "--memory=2G");
    }
  parse_fails2 (ARGV ("--memory", "12XB", "true"), "--memory", "`12XB`", "--memory 12XB");
  parse_fails2 (ARGV ("--memory", "1K", "true"), "--memory", "`1K`", "--memory below 1M");
  parse_fails2 (ARGV ("--memory-swap", "-1", "true"), "--memory-swap", "`-1`", "--memory-swap -1");
  parse_fails2 (ARGV ("--cpus", "-1", "true"), "--cpus", "`-1`", "--cpus -1");
  parse_fails2 (ARGV ("--cpus", "0", "true"), "--cpus", "`0`", "--cpus 0");
  parse_fails2 (ARGV ("--pids", "0", "true"), "--pids", "`0`", "--pids 0");
  parse_fails2 (ARGV ("--pids", "4194305", "true"), "--pids", "`4194305`", "--pids too many");
  parse_fails2 (ARGV ("--io-weight", "0", "true"), "--io-weight", "`0`", "--io-weight 0");
  parse_fails2 (ARGV ("--io-weight", "10001", "true"), "--io-weight", "`10001`",
                "--io-weight 10001");
  parse_fails2 (ARGV ("--limits", "loose", "true"), "--limits", "`loose`", "--limits loose");
}

/* The command line overrides a profile: its egress rules are checked
   first, in their own order, before the profile's (first match wins);
   a profile named like the program applies only without --profile.  */
static void
test_profiles (void)
{
  char dir[] = "/tmp/sbx-test-options.XXXXXX";
  char path[600];
  FILE *f;

  if (mkdtemp (dir) == NULL)
    {
      tap_diag ("mkdtemp: skipping the profile checks");
      return;
    }
  snprintf (path, sizeof path, "%s/p.profile", dir);
  f = fopen (path, "w");
  fputs ("net slirp\negress-preset no-lan\negress allow:all\n", f);
  fclose (f);
  snprintf (path, sizeof path, "%s/true.profile", dir);
  f = fopen (path, "w");
  fputs ("hostname auto\n", f);
  fclose (f);
  setenv ("SBX_PROFILE_PATH", dir, 1);
  if (parse_ok (ARGV ("--egress", "allow:10.0.2.2:80/tcp", "--profile", "p", "--egress",
                      "deny:1.2.3.4", "true"),
                "egress rules from a profile and the command line"))
    {
      TAP_IS_STR (spec.net.egress.v[0].text, "allow:10.0.2.2:80/tcp",
                  "the command line's first rule is checked first");
      TAP_IS_STR (spec.net.egress.v[1].text, "deny:1.2.3.4", "... then its second");
      TAP_IS_STR (spec.net.egress.v[spec.net.egress.n - 1].text, "allow:all",
                  "... then the profile's, in order");
    }
  if (parse_ok (ARGV ("--net-record", "net.rec", "true"), "--net-record with a relative path"))
    TAP_IS_STR (spec.net.record_path, "/tmp/net.rec", "... is taken from the cwd");
  if (parse_ok (ARGV ("--net-record", "~/n.rec", "true"), "--net-record ~/"))
    TAP_IS_STR (spec.net.record_path, "/home/tester/n.rec", "... is taken from the home");
  if (parse_ok (ARGV ("--egress-preset", "no-lan", "true"), "a preset on the command line"))
    TAP_OK (spec.net.egress.n > 5 && strcmp (spec.net.egress.v[0].text, "allow:10.0.2.3:53") == 0,
            "... its rules are the command line's");
  if (parse_ok (ARGV ("-q", "true"), "a profile named like the program"))
    TAP_IS_STR (spec.uts.hostname, "auto", "... is applied");
  if (parse_ok (ARGV ("--no-auto-profile", "true"), "--no-auto-profile"))
    TAP_OK (spec.uts.hostname == NULL, "... applies none");
  if (parse_ok (ARGV ("--profile", "p", "/bin/true"), "--profile with a program that has one"))
    TAP_OK (spec.uts.hostname == NULL, "... applies only the one given");
  unsetenv ("SBX_PROFILE_PATH");
  unlink (path);
  snprintf (path, sizeof path, "%s/p.profile", dir);
  unlink (path);
  rmdir (dir);
}

int
main (void)
{
  /* A known cwd and home, so relative and ~ paths have known answers.  */
  if (chdir ("/tmp") < 0 || (cwd = getcwd (NULL, 0)) == NULL)
    tap_skip_all ("cannot chdir to /tmp");
  setenv ("HOME", "/home/tester", 1);

  sbx_spec_init (&spec);
  test_program ();
  test_ids ();
  test_mounts ();
  test_env ();
  test_caps ();
  test_misc ();
  test_limits ();
  test_profiles ();
  sbx_spec_free (&spec);
  sbx_error_release (&err);
  free (cwd);
  return tap_done ();
}
