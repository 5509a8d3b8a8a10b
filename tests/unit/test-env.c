/* sbx unit test: the program's environment (core/env.c).  */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "tap.h"

static char *host_env[] = {
  "TERM=xterm-256color",
  "LANG=C.UTF-8",
  "LC_ALL=C",
  "LC_TIME=en_GB.UTF-8",
  "PATH=/host/bin:/usr/bin",
  "TZ=Europe/Paris",
  "COLORTERM=truecolor",
  "SSH_AUTH_SOCK=/tmp/ssh-XXXX/agent.1",
  "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus",
  "GITHUB_TOKEN=secret",
  "HOME=/host/home",
  "USER=hostuser",
  "LOGNAME=hostuser",
  "TERM_PROGRAM=vscode",
  "LANGUAGE=fr",
  "PATHEXT=.exe",
  "EMPTY=",
  "=nameless",
  "NOEQUALS",
  NULL,
};

static char *host_no_path[] = { "TERM=dumb", "SSH_AUTH_SOCK=/x", NULL };

static struct sbx_user alice = { 1000, 1000, "alice", "/home/alice" };

static size_t
env_len (char **env)
{
  size_t n = 0;
  while (env && env[n])
    n++;
  return n;
}

/* Every name at most once, every entry NAME=VALUE.  */
static bool
env_well_formed (char **env)
{
  for (size_t i = 0; env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');
      if (eq == NULL || eq == env[i])
        return false;
      for (size_t j = 0; j < i; j++)
        if (strncmp (env[i], env[j], eq - env[i] + 1) == 0)
          return false;
    }
  return true;
}

static char **
build (char **host, const struct sbx_env *e, const struct sbx_user *u, uid_t uid)
{
  struct sbx_ids ids = { .uid = uid, .gid = uid, .uid_set = true, .gid_set = true };
  return sbx_env_build (host, e, u, &ids);
}

static void
test_default (void)
{
  struct sbx_env e = { 0 };
  char **env = build (host_env, &e, &alice, 1000);

  TAP_OK (env != NULL && env_well_formed (env), "default: well formed, no duplicates");
  TAP_IS_STR (sbx_env_get (env, "TERM"), "xterm-256color", "default keeps TERM");
  TAP_IS_STR (sbx_env_get (env, "LANG"), "C.UTF-8", "default keeps LANG");
  TAP_IS_STR (sbx_env_get (env, "LC_ALL"), "C", "default keeps LC_ALL");
  TAP_IS_STR (sbx_env_get (env, "LC_TIME"), "en_GB.UTF-8", "default keeps LC_TIME");
  TAP_IS_STR (sbx_env_get (env, "PATH"), "/host/bin:/usr/bin", "default keeps the host's PATH");
  TAP_IS_STR (sbx_env_get (env, "TZ"), "Europe/Paris", "default keeps TZ");
  TAP_IS_STR (sbx_env_get (env, "COLORTERM"), "truecolor", "default keeps COLORTERM");
  TAP_IS_STR (sbx_env_get (env, "SSH_AUTH_SOCK"), NULL, "default drops SSH_AUTH_SOCK");
  TAP_IS_STR (sbx_env_get (env, "DBUS_SESSION_BUS_ADDRESS"), NULL,
              "default drops DBUS_SESSION_BUS_ADDRESS");
  TAP_IS_STR (sbx_env_get (env, "GITHUB_TOKEN"), NULL, "default drops GITHUB_TOKEN");
  TAP_IS_STR (sbx_env_get (env, "TERM_PROGRAM"), NULL, "default drops TERM_PROGRAM (not TERM)");
  TAP_IS_STR (sbx_env_get (env, "LANGUAGE"), NULL, "default drops LANGUAGE (not LANG)");
  TAP_IS_STR (sbx_env_get (env, "PATHEXT"), NULL, "default drops PATHEXT (not PATH)");
  TAP_IS_STR (sbx_env_get (env, "EMPTY"), NULL, "default drops EMPTY");
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/home/alice", "own uid: HOME is the user's home");
  TAP_IS_STR (sbx_env_get (env, "USER"), "alice", "own uid: USER is the user's name");
  TAP_IS_STR (sbx_env_get (env, "LOGNAME"), "alice", "own uid: LOGNAME is the user's name");
  TAP_IS_STR (sbx_env_get (env, "container"), "sbx", "container=sbx");
  /* 7 kept, HOME, USER, LOGNAME, container.  */
  TAP_IS_INT (env_len (env), 11, "default: nothing else");
  sbx_env_free (env);
}

static void
test_identity (void)
{
  struct sbx_env e = { 0 };
  struct sbx_user nameless = { 1000, 1000, NULL, "/home/nobody" };
  char **env;

  env = build (host_env, &e, &alice, 0);
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/root", "uid 0: HOME=/root");
  TAP_IS_STR (sbx_env_get (env, "USER"), "root", "uid 0: USER=root");
  TAP_IS_STR (sbx_env_get (env, "LOGNAME"), "root", "uid 0: LOGNAME=root");
  TAP_IS_STR (sbx_env_get (env, "container"), "sbx", "uid 0: container=sbx");
  sbx_env_free (env);

  env = build (host_env, &e, &alice, 1234);
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/", "another uid: HOME=/");
  TAP_OK (sbx_env_get (env, "USER") == NULL
              || (strcmp (sbx_env_get (env, "USER"), "alice") != 0
                  && strcmp (sbx_env_get (env, "USER"), "hostuser") != 0),
          "another uid: USER is not the caller's name");
  sbx_env_free (env);

  env = build (host_env, &e, &nameless, 1000);
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/home/nobody", "no user name: HOME still set");
  TAP_IS_STR (sbx_env_get (env, "USER"), NULL, "no user name: no USER");
  TAP_OK (env_well_formed (env), "no user name: well formed");
  sbx_env_free (env);
}

static void
test_path_default (void)
{
  struct sbx_env e = { 0 };
  char **env = build (host_no_path, &e, &alice, 1000);

  TAP_IS_STR (sbx_env_get (env, "PATH"), SBX_DEFAULT_PATH, "no host PATH: the default");
  TAP_IS_STR (sbx_env_get (env, "TERM"), "dumb", "no host PATH: TERM kept");
  sbx_env_free (env);

  env = build (NULL, &e, &alice, 1000);
  TAP_OK (env != NULL, "NULL host environment");
  TAP_IS_STR (sbx_env_get (env, "PATH"), SBX_DEFAULT_PATH, "NULL host environment: PATH");
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/home/alice", "NULL host environment: HOME");
  TAP_IS_STR (sbx_env_get (env, "container"), "sbx", "NULL host environment: container");
  TAP_IS_INT (env_len (env), 5, "NULL host environment: PATH HOME USER LOGNAME container");
  sbx_env_free (env);
}

static void
test_keep_all (void)
{
  struct sbx_env e = { .keep_all = true };
  char **env = build (host_env, &e, &alice, 1000);

  TAP_OK (env_well_formed (env), "keep_all: well formed, no duplicates");
  TAP_IS_STR (sbx_env_get (env, "SSH_AUTH_SOCK"), "/tmp/ssh-XXXX/agent.1",
              "keep_all keeps SSH_AUTH_SOCK");
  TAP_IS_STR (sbx_env_get (env, "DBUS_SESSION_BUS_ADDRESS"), "unix:path=/run/user/1000/bus",
              "keep_all keeps DBUS_SESSION_BUS_ADDRESS (value with '=')");
  TAP_IS_STR (sbx_env_get (env, "GITHUB_TOKEN"), "secret", "keep_all keeps GITHUB_TOKEN");
  TAP_IS_STR (sbx_env_get (env, "EMPTY"), "", "keep_all keeps an empty value");
  TAP_IS_STR (sbx_env_get (env, "TERM"), "xterm-256color", "keep_all keeps TERM");
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/home/alice", "keep_all: HOME is still the user's");
  TAP_IS_STR (sbx_env_get (env, "container"), "sbx", "keep_all: container=sbx");
  /* 17 well-formed host entries, HOME/USER/LOGNAME replaced, container.  */
  TAP_IS_INT (env_len (env), 18, "keep_all: every well-formed host entry, and container");
  sbx_env_free (env);

  env = build (host_env, &e, &alice, 0);
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/root", "keep_all, uid 0: HOME=/root");
  TAP_IS_STR (sbx_env_get (env, "USER"), "root", "keep_all, uid 0: USER=root");
  sbx_env_free (env);
}

static void
test_ops (void)
{
  struct sbx_env_op set_unset[] = {
    { SBX_ENV_SET, "FOO", "1" },
    { SBX_ENV_UNSET, "FOO", NULL },
  };
  struct sbx_env_op unset_set[] = {
    { SBX_ENV_UNSET, "FOO", NULL },
    { SBX_ENV_SET, "FOO", "2" },
  };
  struct sbx_env_op many[] = {
    { SBX_ENV_SET, "TERM", "dumb" },
    { SBX_ENV_UNSET, "LANG", NULL },
    { SBX_ENV_SET, "X", "a" },
    { SBX_ENV_SET, "X", "b=c" },
    { SBX_ENV_SET, "HOME", "/elsewhere" },
    { SBX_ENV_UNSET, "NOT_THERE", NULL },
    { SBX_ENV_SET, "EMPTY", "" },
    { SBX_ENV_UNSET, "PATH", NULL },
  };
  struct sbx_env e = { set_unset, 2, false, NULL };
  char **env;

  env = build (host_env, &e, &alice, 1000);
  TAP_IS_STR (sbx_env_get (env, "FOO"), NULL, "set then unset: gone");
  sbx_env_free (env);

  e = (struct sbx_env){ unset_set, 2, false, NULL };
  env = build (host_env, &e, &alice, 1000);
  TAP_IS_STR (sbx_env_get (env, "FOO"), "2", "unset then set: set");
  sbx_env_free (env);

  {
    /* pass-env: the host's value by name, where it has one; a later
       unsetenv still wins; nothing by pattern.  */
    struct sbx_env_op pass[] = {
      { SBX_ENV_PASS, "USER", NULL },
      { SBX_ENV_PASS, "NOT_ON_HOST", NULL },
      { SBX_ENV_PASS, "TZ", NULL },
      { SBX_ENV_UNSET, "TZ", NULL },
    };
    e = (struct sbx_env){ pass, sizeof pass / sizeof pass[0], false, NULL };
    env = build (host_env, &e, &alice, 1000);
    TAP_IS_STR (sbx_env_get (env, "USER"), "hostuser", "pass-env: the host's value comes in");
    TAP_IS_STR (sbx_env_get (env, "NOT_ON_HOST"), NULL,
                "pass-env of a variable the host lacks: none");
    TAP_IS_STR (sbx_env_get (env, "TZ"), NULL, "pass-env then unsetenv: gone");
    TAP_IS_STR (sbx_env_get (env, "GITHUB_TOKEN"), NULL, "a variable not named stays out");
    TAP_OK (env_well_formed (env), "pass-env: well formed");
    sbx_env_free (env);
  }

  e = (struct sbx_env){ many, sizeof many / sizeof many[0], false, NULL };
  env = build (host_env, &e, &alice, 1000);
  TAP_OK (env_well_formed (env), "ops: well formed, no duplicates");
  TAP_IS_STR (sbx_env_get (env, "TERM"), "dumb", "set replaces a host variable");
  TAP_IS_STR (sbx_env_get (env, "LANG"), NULL, "unset removes a host variable");
  TAP_IS_STR (sbx_env_get (env, "LC_ALL"), "C", "unset LANG leaves LC_ALL");
  TAP_IS_STR (sbx_env_get (env, "X"), "b=c", "the last set wins, value may hold '='");
  TAP_IS_STR (sbx_env_get (env, "HOME"), "/elsewhere", "set overrides the identity's HOME");
  TAP_IS_STR (sbx_env_get (env, "EMPTY"), "", "set an empty value");
  TAP_IS_STR (sbx_env_get (env, "PATH"), NULL, "unset PATH is obeyed (after the default)");
  TAP_IS_STR (sbx_env_get (env, "container"), "sbx", "ops: container=sbx still set");
  sbx_env_free (env);

  {
    struct sbx_env_op c[] = { { SBX_ENV_SET, "container", "other" } };
    e = (struct sbx_env){ c, 1, false, NULL };
    env = build (host_env, &e, &alice, 1000);
    TAP_IS_STR (sbx_env_get (env, "container"), "other", "an explicit container= wins");
    sbx_env_free (env);
  }
}

static void
test_get (void)
{
  char *env[] = { "AB=1", "A=2", "ABC=3", NULL };

  TAP_IS_STR (sbx_env_get (env, "A"), "2", "sbx_env_get matches whole names (A)");
  TAP_IS_STR (sbx_env_get (env, "AB"), "1", "sbx_env_get matches whole names (AB)");
  TAP_IS_STR (sbx_env_get (env, "ABCD"), NULL, "sbx_env_get of a missing name");
  TAP_IS_STR (sbx_env_get (NULL, "A"), NULL, "sbx_env_get on NULL");
}

int
main (void)
{
  test_default ();
  test_identity ();
  test_path_default ();
  test_keep_all ();
  test_ops ();
  test_get ();
  return tap_done ();
}
