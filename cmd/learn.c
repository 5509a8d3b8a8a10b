/* sbx: the learn verb.  `sbx learn --profile-out FILE -- PROGRAM ARGS`
   runs PROGRAM once in a sandbox that lets it do what a profile could
   grant without letting it change anything (the home copy-on-write, the
   secrets in it hidden; core/learnfs.h records the files, the seccomp
   listener the refused calls), writes the profile that grants what the
   run used (core/learn-profile.h), then runs PROGRAM again under that
   profile and compares: the same exit status and output, and nothing
   the first run reached refused, or it says which directive is missing
   and exits 1.

     sbx learn [--profile-out FILE] [--profile-in NAME] [--check FILE]
               [--force] [--no-verify] [-q|-v] [RUN-OPTIONS] -- PROGRAM [ARGS...]

   Both runs read /dev/null as their input, so that they can be compared.
   RUN-OPTIONS apply to the learning run; those that say what the sandbox
   is (--nested-userns...) go into the profile as given, the network ones
   (--net slirp, --allow-host-loopback) do not: the run's records decide
   those.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/launch.h"
#include "../core/learn-log.h"
#include "../core/learn-profile.h"
#include "../core/path.h"
#include "../core/settings.h"
#include "../core/trust.h"
#include "../profiles/profile.h"
#include "commands.h"
#include "run-options.h"

extern char **environ;

static const char usage[]
    = "usage: sbx learn --profile-out FILE [--profile-in NAME] [--force] [--no-verify]\n"
      "                 [RUN-OPTIONS] -- PROGRAM [ARGS...]\n"
      "       sbx learn --check FILE [RUN-OPTIONS] -- PROGRAM [ARGS...]";

struct learn_opts
{
  const char *out;   /* --profile-out as given */
  const char *in;    /* --profile-in */
  const char *check; /* --check */
  bool force, no_verify;
  int verbosity;
  char **run_opts; /* the rest before `--`, for the learning run */
  int n_run_opts;
  char **argv; /* the program and its arguments */
};

/* One sandbox run's outcome.  */
struct outcome
{
  int code;
  char *out; /* what it printed on stdout */
  size_t len;
};

static int
parse (int argc, char **argv, struct learn_opts *o, sbx_error_t *err)
{
  int i;

  memset (o, 0, sizeof *o);
  o->verbosity = SBX_LOG_NOTE;
  o->run_opts = xmalloc0 ((argc + 1) * sizeof *o->run_opts);
  for (i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      const char **value = strcmp (argv[i], "--profile-out") == 0  ? &o->out
                           : strcmp (argv[i], "--profile-in") == 0 ? &o->in
                           : strcmp (argv[i], "--check") == 0      ? &o->check
                                                                   : NULL;
      if (value)
        {
          if (i + 1 >= argc || strcmp (argv[i + 1], "--") == 0)
            return sbx_error_make (err, 0, "learn: option `%s` needs a value", argv[i]);
          *value = argv[++i];
        }
      else if (strcmp (argv[i], "--force") == 0)
        o->force = true;
      else if (strcmp (argv[i], "--no-verify") == 0)
        o->no_verify = true;
      else if (strcmp (argv[i], "-q") == 0 || strcmp (argv[i], "--quiet") == 0)
        o->verbosity = SBX_LOG_WARN;
      else if (strcmp (argv[i], "-v") == 0 || strcmp (argv[i], "--verbose") == 0)
        o->verbosity = SBX_LOG_DEBUG;
      else if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
        return 1;
      else
        o->run_opts[o->n_run_opts++] = argv[i];
    }
  if (i >= argc || i + 1 >= argc)
    return sbx_error_make (err, 0, "learn: give the program after `--` (see sbx help learn)");
  o->argv = argv + i + 1;
  if (o->out == NULL && o->check == NULL)
    return sbx_error_make (err, 0,
                           "learn: say where the profile goes: --profile-out FILE (see sbx help "
                           "learn)");
  if (o->out && o->check)
    return sbx_error_make (err, 0,
                           "learn: --check reads a profile, --profile-out writes one: "
                           "give one of them");
  return 0;
}

/* --profile-out NAME without a `/`: NAME.profile in the user's profile
   directory, where `--profile NAME` finds it.  */
static char *
out_path (const char *out, sbx_error_t *err)
{
  cleanup_free char *dir = NULL;
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");

  if (strchr (out, '/'))
    return sbx_path_absolute (out, ".", home);
  if (!sbx_profile_name_valid (out))
    {
      sbx_error_make (err, 0,
                      "learn: invalid profile name `%s`: use letters, digits, `-`, `_` and `.`, "
                      "or give a path",
                      out);
      return NULL;
    }
  dir = xdg && *xdg == '/' ? xasprintf ("%s/sbx/profiles", xdg)
                           : xasprintf ("%s/.config/sbx/profiles", home ? home : "");
  if (sbx_mkdir_p (dir, 0755, err) < 0)
    {
      sbx_error_prefix (err, "learn: --profile-out");
      return NULL;
    }
  return xasprintf (
      "%s/%s%s", dir, out,
      strlen (out) > 8 && strcmp (out + strlen (out) - 8, ".profile") == 0 ? "" : ".profile");
}

/* Refuse what would fail only after the run: a program that is not
   there, a profile we may not write or would overwrite.  */
static int
precheck (const struct learn_opts *o, const char *out, sbx_error_t *err)
{
  const char *prog = o->argv[0];

  if (strchr (prog, '/') == NULL)
    {
      cleanup_free char *path = xstrdup (getenv ("PATH") ? getenv ("PATH") : "/usr/bin:/bin");
      bool found = false;
      for (char *d = strtok (path, ":"); d && !found; d = strtok (NULL, ":"))
        {
          cleanup_free char *p = xasprintf ("%s/%s", d, prog);
          found = *d == '/' && access (p, X_OK) == 0;
        }
      if (!found)
        return sbx_error_make_exit (err, SBX_EXIT_NOT_FOUND, 0,
                                    "learn: program `%s` not found in PATH", prog);
    }
  else if (access (prog, X_OK) < 0)
    return sbx_error_make_exit (err, errno == ENOENT ? SBX_EXIT_NOT_FOUND : SBX_EXIT_CANNOT_EXEC,
                                errno, "learn: program `%s`", prog);
  if (out)
    {
      cleanup_free char *dir = xstrdup (out);
      *strrchr (dir, '/') = '\0';
      if (access (*dir ? dir : "/", W_OK) < 0)
        return sbx_error_make (err, errno, "learn: --profile-out: cannot write in `%s`",
                               *dir ? dir : "/");
      if (access (out, F_OK) == 0 && !o->force && !(o->in && strcmp (o->in, o->out) == 0))
        return sbx_error_make (err, 0,
                               "learn: `%s` exists; --force replaces it (or widen it: "
                               "--profile-in %s)",
                               out, o->out);
    }
  return 0;
}

/* A scratch directory for the logs, removed at the end.  */
struct scratch
{
  char *dir;
  char *fs, *seccomp, *net;
};

static int
scratch_make (struct scratch *s, sbx_error_t *err)
{
  const char *base = getenv ("XDG_RUNTIME_DIR");
  cleanup_free char *tmpl = xasprintf ("%s/sbx-learn-XXXXXX", base && *base == '/' ? base : "/tmp");

  memset (s, 0, sizeof *s);
  if (mkdtemp (tmpl) == NULL)
    return sbx_error_make (err, errno, "learn: make a directory for the logs");
  s->dir = xstrdup (tmpl);
  return 0;
}

static void
scratch_files (struct scratch *s, const char *tag)
{
  free (s->fs);
  free (s->seccomp);
  free (s->net);
  s->fs = xasprintf ("%s/%s-fs.log", s->dir, tag);
  s->seccomp = xasprintf ("%s/%s-seccomp.log", s->dir, tag);
  s->net = xasprintf ("%s/%s-net.log", s->dir, tag);
}

static void
scratch_remove (struct scratch *s)
{
  static const char *const tags[] = { "learn", "verify" };
  static const char *const kinds[] = { "fs", "seccomp", "net" };
  if (s->dir == NULL)
    return;
  for (size_t t = 0; t < 2; t++)
    for (size_t k = 0; k < 3; k++)
      {
        cleanup_free char *p = xasprintf ("%s/%s-%s.log", s->dir, tags[t], kinds[k]);
        unlink (p);
      }
  rmdir (s->dir);
  free (s->dir);
  free (s->fs);
  free (s->seccomp);
  free (s->net);
  memset (s, 0, sizeof *s);
}

/* The command line of one run, as `sbx run` would read it: the learning
   run gets the options given to sbx learn, the second the profile.  */
static char **
run_argv (const struct learn_opts *o, const char *profile, bool learning, int *argc)
{
  size_t n_prog = 0;
  char **args;
  int k = 0;

  while (o->argv[n_prog])
    n_prog++;
  args = xmalloc0 ((o->n_run_opts + n_prog + 8) * sizeof *args);
  args[k++] = (char *)"learn";
  for (int i = 0; learning && i < o->n_run_opts; i++)
    args[k++] = o->run_opts[i];
  if (profile)
    {
      args[k++] = (char *)"--profile";
      args[k++] = (char *)profile;
    }
  args[k++] = (char *)"--no-auto-profile";
  args[k++] = (char *)"--";
  for (size_t i = 0; i < n_prog; i++)
    args[k++] = o->argv[i];
  *argc = k;
  return args;
}

/* The forked process: the sandbox, its stdout the pipe.  Never returns.  */
__attribute__ ((noreturn)) static void
run_child (const struct learn_opts *o, const char *profile, bool learning, const struct scratch *s,
           int out)
{
  struct sbx_spec spec;
  struct sbx_run_options ro;
  sbx_error_t err = NULL;
  int argc, code = SBX_EXIT_FAILURE, null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  char **argv = run_argv (o, profile, learning, &argc);
  int fs, sc;

  if (null < 0 || dup2 (null, STDIN_FILENO) < 0 || dup2 (out, STDOUT_FILENO) < 0)
    _exit (SBX_EXIT_FAILURE);
  sbx_spec_init (&spec);
  /* The network helper appends: a record of an earlier run goes first.  */
  unlink (s->net);
  fs = open (s->fs, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
  sc = open (s->seccomp, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
  if (fs < 0 || sc < 0)
    sbx_error_make (&err, errno, "learn: open the logs in %s", s->dir);
  else if (sbx_run_parse (argc, argv, &spec, &ro, &err) == 0)
    {
      sbx_log_set_level (o->verbosity);
      spec.learn.fs_log_fd = fs;
      spec.learn.seccomp_log_fd = sc;
      spec.learn.show_home = learning;
      spec.learn.permissive = learning;
      spec.seccomp.log = true;
      /* sbx-learnfs stacks over fuse-overlayfs' mount.  */
      spec.root.overlay = SBX_OVERLAY_FUSE;
      spec.root.overlay_set = true;
      /* With a network, the helper records what it reached
         (netstack/record.h); verifying, --net-log says what the profile
         refused.  */
      if (spec.net.mode == SBX_NET_SLIRP && spec.net.record_path == NULL)
        {
          spec.net.record_path = xstrdup (s->net);
          spec.net.log |= !learning;
        }
      if (sbx_spec_resolve (&spec, environ, &err) == 0 && sbx_launch_run (&spec, &code, &err) == 0)
        _exit (code);
    }
  if (err)
    {
      fprintf (stderr, "sbx: %s\n", err->msg ? err->msg : "unknown error");
      code = err->exit_code;
    }
  _exit (code);
}

/* The signals the launcher relays to the program (core/init.h).  */
static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_RELAYED (sizeof relayed / sizeof relayed[0])

/* Run the program once; `echo`: pass its output on as it comes.  */
static int
run_once (const struct learn_opts *o, const char *profile, bool learning, const struct scratch *s,
          bool echo, struct outcome *res, sbx_error_t *err)
{
  int p[2], status;
  char buf[8192];
  ssize_t n;
  pid_t pid;
  FILE *mem;

  memset (res, 0, sizeof *res);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "learn: pipe");
  fflush (NULL);
  /* Ctrl-C and friends are the sandbox's: its launcher passes them to
     the program and ends; this process waits for that, then removes
     its logs.  */
  for (size_t i = 0; i < N_RELAYED; i++)
    signal (relayed[i], SIG_IGN);
  pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return sbx_error_make (err, errno, "learn: fork");
    }
  if (pid == 0)
    {
      close (p[0]);
      for (size_t i = 0; i < N_RELAYED; i++)
        signal (relayed[i], SIG_DFL);
      /* Killed with us, even by SIGKILL: the launcher then takes the
         sandbox with it.  */
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () == 1)
        _exit (SBX_EXIT_FAILURE);
      run_child (o, profile, learning, s, p[1]);
    }
  close (p[1]);
  mem = open_memstream (&res->out, &res->len);
  while ((n = read (p[0], buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      fwrite (buf, 1, n, mem);
      if (echo)
        fwrite (buf, 1, n, stdout);
    }
  fclose (mem);
  fflush (stdout);
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "learn: wait for the sandbox");
  for (size_t i = 0; i < N_RELAYED; i++)
    signal (relayed[i], SIG_DFL);
  res->code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  return 0;
}

/* The lines of a file, malloc'ed, in *lines; a missing file has none.  */
static size_t
read_lines (const char *path, char ***lines, char **text)
{
  sbx_error_t err = NULL;
  size_t n = 0;

  *lines = NULL;
  *text = NULL;
  if (sbx_read_file (path, text, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return 0;
    }
  for (char *l = *text, *next; l && *l; l = next)
    {
      next = strchr (l, '\n');
      if (next)
        *next++ = '\0';
      *lines = xrealloc (*lines, (n + 1) * sizeof **lines);
      (*lines)[n++] = l;
    }
  return n;
}

/* One run's records.  */
struct records
{
  char *fs_text, *sc_text, *net_text;
  char **fs_lines, **sc_lines, **net_lines;
  size_t n_fs_lines, n_sc, n_net;
  struct sbx_learn_event *ev;
  size_t n_ev;
};

static void
records_read (const struct scratch *s, struct records *r)
{
  memset (r, 0, sizeof *r);
  r->n_fs_lines = read_lines (s->fs, &r->fs_lines, &r->fs_text);
  r->n_sc = read_lines (s->seccomp, &r->sc_lines, &r->sc_text);
  r->n_net = read_lines (s->net, &r->net_lines, &r->net_text);
  r->ev = xmalloc0 ((r->n_fs_lines + 1) * sizeof *r->ev);
  for (size_t i = 0; i < r->n_fs_lines; i++)
    if (sbx_learn_log_parse (r->fs_lines[i], &r->ev[r->n_ev]) == 0)
      r->n_ev++;
}

static void
records_free (struct records *r)
{
  free (r->fs_text);
  free (r->sc_text);
  free (r->net_text);
  free (r->fs_lines);
  free (r->sc_lines);
  free (r->net_lines);
  free (r->ev);
  memset (r, 0, sizeof *r);
}

static char *
command_text (char **argv)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  for (char **a = argv; *a; a++)
    fprintf (f, "%s%s", a == argv ? "" : " ", *a);
  fclose (f);
  for (char *c = text; *c; c++)
    if (*c == '\n')
      *c = ' ';
  return text;
}

/* The options given to the learning run that say what the sandbox is
   (--nested-userns, --shm-size 2G...) go into the profile as they were
   given: the run worked with them.  The network ones do not: what the run
   reached decides those.  */
static const char *const evidence_decides[]
    = { "net",     "allow-host-loopback", "egress",      "egress-preset",
        "net-log", "net-record",          "seccomp-log", "profile",
        NULL };

static char *
given_options (const struct learn_opts *o, char *text)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  bool said = false;

  for (int i = 0; i < o->n_run_opts; i++)
    {
      const char *a = o->run_opts[i];
      cleanup_free char *name = NULL;
      const char *value = NULL, *eq;
      const struct sbx_setting *st;
      bool skip = false;

      if (strncmp (a, "--", 2) != 0)
        continue;
      eq = strchr (a, '=');
      name = eq ? strndup (a + 2, eq - a - 2) : xstrdup (a + 2);
      st = sbx_setting_find (name);
      if (st == NULL)
        continue;
      if (st->has_arg)
        value = eq ? eq + 1 : i + 1 < o->n_run_opts ? o->run_opts[++i] : NULL;
      for (const char *const *e = evidence_decides; *e; e++)
        skip |= strcmp (*e, name) == 0;
      if (skip || (st->has_arg && (value == NULL || strchr (value, '\n'))))
        continue;
      if (!said)
        fprintf (f, "\n# given to the learning run\n");
      said = true;
      fprintf (f, "%s%s%s\n", name, value ? " " : "", value ? value : "");
    }
  fclose (f);
  if (!said)
    {
      free (out);
      return text;
    }
  {
    /* After `include default`, before the sections.  */
    const char *at = strstr (text, "\ninclude default\n");
    char *joined;
    if (at == NULL)
      joined = xasprintf ("%s%s", text, out);
    else
      {
        size_t head = at - text + strlen ("\ninclude default\n");
        joined = xasprintf ("%.*s%s%s", (int)head, text, out + 1, text + head);
      }
    free (out);
    free (text);
    return joined;
  }
}

/* --profile-in: the old profile as it was, then what this run adds that
   it lacks, each directive after its evidence.  */
static char *
widen (const char *old, const char *new_text, const char *command)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  cleanup_free char *copy = xstrdup (new_text);
  const char *comment = NULL;
  bool said = false;

  fputs (old, f);
  if (*old && old[strlen (old) - 1] != '\n')
    fputc ('\n', f);
  for (char *l = copy, *next; l && *l; l = next)
    {
      next = strchr (l, '\n');
      if (next)
        *next++ = '\0';
      if (l[0] == '#')
        {
          comment = l;
          continue;
        }
      if (l[0] != '\0')
        {
          /* Present already: the same line, whole.  */
          const char *at = strstr (old, l);
          bool present = false;
          while (at && !present)
            {
              size_t n = strlen (l);
              present = (at == old || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0');
              at = strstr (at + 1, l);
            }
          if (!present)
            {
              if (!said)
                fprintf (f, "\n# Widened by `sbx learn` from a run of: %s\n", command);
              said = true;
              if (comment)
                fprintf (f, "%s\n", comment);
              fprintf (f, "%s\n", l);
            }
        }
      comment = NULL;
    }
  fclose (f);
  return text;
}

/* Write `text` to `out`: a new file beside it, renamed over (--force, or
   widening the same file) or linked in place, so that an existing file
   is never half-written and never replaced unasked.  */
static int
write_profile (const char *out, const char *text, bool replace, sbx_error_t *err)
{
  cleanup_free char *tmp = xasprintf ("%s.XXXXXX", out);
  size_t len = strlen (text);
  int fd = mkstemp (tmp);
  int r = 0;

  if (fd < 0)
    return sbx_error_make (err, errno, "learn: write `%s`", out);
  if (fchmod (fd, 0644) < 0 || write (fd, text, len) != (ssize_t)len || fsync (fd) < 0)
    r = sbx_error_make (err, errno, "learn: write `%s`", tmp);
  close (fd);
  if (r == 0 && replace && rename (tmp, out) < 0)
    r = sbx_error_make (err, errno, "learn: put the profile at `%s`", out);
  else if (r == 0 && !replace && link (tmp, out) < 0)
    r = sbx_error_make (err, errno, "learn: put the profile at `%s`%s", out,
                        errno == EEXIST ? " (it appeared meanwhile; --force replaces it)" : "");
  if (r < 0 || !replace)
    unlink (tmp);
  return r;
}

static bool
text_has_line (const char *text, const char *line)
{
  size_t n = strlen (line);
  for (const char *at = strstr (text, line); at; at = strstr (at + 1, line))
    if ((at == text || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0'))
      return true;
  return false;
}

/* The directive of `wanted` (the profile the learning run gives) that
   grants `path`, or the one that would.  */
static char *
fix_for (const char *path, const char *home, const char *wanted)
{
  char *ro = sbx_learn_directive_for (path, home, false);
  char *rw = sbx_learn_directive_for (path, home, true);
  char *pick = ro;

  if (ro == NULL)
    {
      free (rw);
      return NULL;
    }
  if (!text_has_line (wanted, ro) && text_has_line (wanted, rw))
    pick = rw;
  else if (!text_has_line (wanted, ro))
    {
      /* bind-try: made by the learning run.  */
      cleanup_free char *try = xasprintf ("bind-try %s", strchr (rw, ' ') + 1);
      if (text_has_line (wanted, try))
        {
          free (ro);
          free (rw);
          return xstrdup (try);
        }
    }
  if (pick == ro)
    free (rw);
  else
    free (ro);
  return pick;
}

/* The directive of `wanted` that `checked_text` lacks and that would
   grant `path` or what the learning run reached below it (sbx's own
   lookups, of mount points, do not count; its execve of the program
   does), or NULL; *why gets the learning run's event.  */
static char *
missing_grant (const struct records *learnt, const char *path, const char *home, const char *wanted,
               const char *checked_text, const struct sbx_learn_event **why)
{
  size_t n = strlen (path);
  for (size_t j = 0; j < learnt->n_ev; j++)
    {
      const struct sbx_learn_event *ev = &learnt->ev[j];
      char *fix;
      if (ev->op == SBX_LEARN_MISSING || ev->op == SBX_LEARN_SECRET
          || (strcmp (ev->comm, "sbx") == 0 && ev->op != SBX_LEARN_EXEC)
          || strncmp (ev->path, path, n) != 0 || (ev->path[n] != '\0' && ev->path[n] != '/'))
        continue;
      fix = fix_for (ev->path, home, wanted);
      if (fix && !text_has_line (checked_text, fix))
        {
          *why = ev;
          return fix;
        }
      free (fix);
    }
  return NULL;
}

/* Compare the learning run with the run under `profile` (whose text is
   `checked_text`); report each refusal with the directive of `wanted`
   (what the learning run gives) that would fix it.  0 when they agree.  */
static int
compare (const struct outcome *a, const struct outcome *b, const struct records *learnt,
         const struct records *checked, const char *home, const char *wanted,
         const char *checked_text, const char *profile)
{
  char **fixes = NULL;
  size_t n_fixes = 0;
  int problems = 0;

  for (size_t i = 0; i < checked->n_ev; i++)
    {
      const struct sbx_learn_event *ev = &checked->ev[i], *was;
      cleanup_free char *fix = NULL;
      bool dup = false;

      if (ev->op != SBX_LEARN_MISSING && ev->op != SBX_LEARN_SECRET)
        continue;
      fix = missing_grant (learnt, ev->path, home, wanted, checked_text, &was);
      if (fix == NULL)
        continue;
      for (size_t k = 0; k < n_fixes; k++)
        dup |= strcmp (fixes[k], fix) == 0;
      if (dup)
        continue;
      problems++;
      sbx_log_warn ("learn: %s refused %s, which the learning run reached (%s by %s): `%s` "
                    "grants it",
                    profile, ev->path, sbx_learn_op_name (was->op), was->comm, fix);
      fixes = xrealloc (fixes, (n_fixes + 1) * sizeof *fixes);
      fixes[n_fixes++] = steal_pointer (&fix);
    }
  for (size_t i = 0; i < checked->n_sc; i++)
    {
      char name[128], comm[64];
      if (sscanf (checked->sc_lines[i], "seccomp-allow %127s %63s", name, comm) == 2)
        {
          problems++;
          sbx_log_warn ("learn: %s refused the syscall %s() of %s: `seccomp-allow %s` grants it",
                        profile, name, comm, name);
        }
    }
  if (a->code != b->code)
    sbx_log_warn ("learn: under %s the program exited with %d, while learning with %d", profile,
                  b->code, a->code);
  if (a->len != b->len || memcmp (a->out, b->out, a->len) != 0)
    sbx_log_warn ("learn: under %s the program printed something else than while learning",
                  profile);
  for (size_t k = 0; k < n_fixes; k++)
    free (fixes[k]);
  free (fixes);
  return problems || a->code != b->code || a->len != b->len || memcmp (a->out, b->out, a->len) != 0;
}

int
sbx_cmd_learn (int argc, char **argv)
{
  struct learn_opts o;
  struct scratch s = { 0 };
  struct records learnt = { 0 }, checked = { 0 };
  struct outcome first = { 0 }, second = { 0 };
  sbx_error_t err = NULL;
  cleanup_free char *out = NULL, *text = NULL, *command = NULL, *old = NULL;
  cleanup_free char *checked_text = NULL, *check_path = NULL;
  const char *home = getenv ("HOME");
  int code = SBX_EXIT_FAILURE, r;

  r = parse (argc, argv, &o, &err);
  if (r > 0)
    {
      puts (usage);
      free (o.run_opts);
      return 0;
    }
  if (r < 0)
    goto fail;
  sbx_log_set_level (o.verbosity);
  if (o.out && (out = out_path (o.out, &err)) == NULL)
    goto fail;
  if (precheck (&o, out, &err) < 0)
    goto fail;
  if (o.in)
    {
      cleanup_free char *in = sbx_profile_find (o.in, &err);
      if (in == NULL || sbx_read_file (in, &old, NULL, &err) < 0)
        {
          sbx_error_prefix (&err, "learn: --profile-in");
          goto fail;
        }
    }
  /* --check: a name or a path, as --profile takes it, read before the
     runs so that a missing one costs none.  */
  if (o.check
      && ((check_path = sbx_profile_find (o.check, &err)) == NULL
          || sbx_read_file (check_path, &checked_text, NULL, &err) < 0))
    {
      sbx_error_prefix (&err, "learn: --check");
      goto fail;
    }
  if (scratch_make (&s, &err) < 0)
    goto fail;

  /* The learning run.  */
  scratch_files (&s, "learn");
  if (run_once (&o, NULL, true, &s, true, &first, &err) < 0)
    goto fail;
  if (first.code == SBX_EXIT_FAILURE || first.code == SBX_EXIT_CANNOT_EXEC
      || first.code == SBX_EXIT_NOT_FOUND)
    {
      /* sbx could not start the program, and said why in one line: no
         profile, and no second line.  */
      code = first.code;
      goto out;
    }
  records_read (&s, &learnt);
  command = command_text (o.argv);
  {
    struct sbx_learn_input in
        = { home,        command,          learnt.ev,   learnt.n_ev, learnt.sc_lines,
            learnt.n_sc, learnt.net_lines, learnt.n_net };
    text = given_options (&o, sbx_learn_profile_write (&in));
  }
  if (old)
    {
      char *wider = widen (old, text, command);
      free (text);
      text = wider;
    }
  if (out)
    {
      bool replace = o.force || (o.in && strcmp (o.in, o.out) == 0);
      if (write_profile (out, text, replace, &err) < 0)
        goto fail;
      sbx_log_note ("learn: wrote %s", out);
    }
  code = 0;
  if (o.no_verify && o.check == NULL)
    goto out;

  /* The run under the profile, compared.  */
  scratch_files (&s, "verify");
  if (run_once (&o, out ? out : check_path, false, &s, false, &second, &err) < 0)
    goto fail;
  records_read (&s, &checked);

  if (compare (&first, &second, &learnt, &checked, home, text, o.check ? checked_text : text,
               out ? out : o.check))
    {
      sbx_error_make_exit (
          &err, 1, 0, "learn: the run under %s differs from the learning run (see above)%s",
          out ? out : o.check, out ? "; the profile was written all the same" : "");
      goto fail;
    }
  sbx_log_note ("learn: verified: the program runs the same under %s", out ? out : o.check);
  goto out;

fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
out:
  records_free (&learnt);
  records_free (&checked);
  free (first.out);
  free (second.out);
  scratch_remove (&s);
  free (o.run_opts);
  return code;
}
