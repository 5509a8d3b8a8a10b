/* sbx: help and version.
 *
 * `sbx help VERB` prints a verb's help.  `sbx help --list-verbs`,
 * `--list-options [VERB]`, `--list-directives` and `--list-profiles` are
 * for machines: one name a line, made from the tables the code runs on
 * (main.c's verbs, core/settings.c), so that the shell completions and
 * the documentation test (tests/integration/docs.sh) compare against the
 * code, never against help text.  They are not documented on purpose.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../core/base/error.h"
#include "../core/settings.h"
#include "../profiles/profile.h"
#include "commands.h"
#include "config.h"
#include "run-options.h"

void
sbx_help_print_main (void)
{
  fputs ("Usage: sbx [OPTIONS] [--] PROGRAM [ARGS...]\n"
         "       sbx VERB [ARGS...]\n"
         "\n"
         "Run PROGRAM in a rootless sandbox: its own user, mount, PID, IPC, UTS, cgroup and\n"
         "network namespaces, on a copy-on-write view of the host, behind a seccomp filter,\n"
         "with no capabilities and a clean environment.\n"
         "\n"
         "Verbs:\n"
         "  run        run a program in a new sandbox (the default)\n"
         "  help [VERB]  this text, or a verb's\n"
         "  version    print the version\n"
         "  seccomp show [default|unconfined] [--json] [OPTIONS]   the seccomp policy OPTIONS\n"
         "             give\n"
         "  seccomp groups [--json]   syscall groups and members\n"
         "  diff [--json] NAME   what a named sandbox changed: A added, C changed, D deleted\n"
         "  rm NAME... remove stopped sandboxes: their record, a --name's kept layers\n"
         "  ps [--all] [--json]   the sandboxes that run (--all: stopped ones too)\n"
         "  exec [-i] [-t] NAME PROGRAM [ARGS...]   run a program in a running sandbox\n"
         "  stop [-t SECONDS] NAME...   SIGTERM, then SIGKILL after SECONDS (10)\n"
         "  kill NAME [SIGNAL]   send a signal (default KILL)\n"
         "  logs [-f] NAME   what a detached sandbox printed\n"
         "  inspect [--format TEMPLATE] NAME...   a sandbox as JSON\n"
         "  doctor [--json]  check what sbx needs on this host; say how to fix what is missing\n"
         "  profile list|show NAME|check NAME|vars   the profiles, one's effective directives,\n"
         "             a check of one, the variables profiles may use\n"
         "  runtime VERB [ARGS...]   an OCI runtime for podman, containerd and CRI-O\n"
         "             (runc's command line; see sbx help runtime)\n"
         "  learn --profile-out FILE [--profile-in NAME] -- PROGRAM [ARGS...]   run PROGRAM\n"
         "             once and write the least-privilege profile that runs it again\n"
         "(`sbx -- ps` runs a program called ps).\n"
         "  --json     (diff, ps, seccomp show, seccomp groups) print JSON instead of text\n"
         "See sbx(1) and sbx-profile(5).\n"
         "\n",
         stdout);
  sbx_help_print_run ();
}

void
sbx_help_print_run (void)
{
  fputs (
      "Usage: sbx [run] [OPTIONS] [--] PROGRAM [ARGS...]\n"
      "\n"
      "Identity:\n"
      "  --uid N               uid inside (default: your own; 0 for root inside, still you\n"
      "                        outside)\n"
      "  --gid N               gid inside (default: your own, or 0 with --uid 0)\n"
      "  --cap-add CAP         keep capability CAP (e.g. CHOWN, or ALL); it acts only inside\n"
      "  --cap-drop CAP        drop CAP again (after --cap-add ALL)\n"
      "Filesystem:\n"
      "  --bind SRC[:DST]      bind host path SRC at DST (default: the same path), writable\n"
      "  --ro-bind SRC[:DST]   the same, read-only\n"
      "  --bind-try SRC[:DST], --ro-bind-try SRC[:DST]   the same, left out (with a note)\n"
      "                        where SRC is missing: sockets only some hosts have\n"
      "  --dev-bind SRC[:DST], --dev-bind-try SRC[:DST]   writable, device nodes usable (GPU)\n"
      "  --dev PATH            the host's device PATH below /dev, usable, where it has one\n"
      "  --host-tree PATH      of the host's tree show only PATH (repeat for more); the\n"
      "                        default shows it all (sbx learn writes these)\n"
      "  --tmpfs DST           an empty tmpfs at DST\n"
      "  --remount-ro DST      make DST, a path of the sandbox's own, read-only\n"
      "  --shm-size SIZE       the sandbox's private /dev/shm holds SIZE (2G)\n"
      "  --workspace DIR       bind DIR writable at its own path and start there (CI jobs)\n"
      "  --persist-home NAME   the home is $XDG_DATA_HOME/sbx/homes/NAME, kept between runs\n"
      "  --chdir DIR           start in DIR (default: the current directory if visible inside)\n"
      "  --name NAME           keep the sandbox's writes as NAME (~/.local/share/sbx/sandboxes);\n"
      "                        without it the copy-on-write layer is thrown away at the end\n"
      "  --rootfs DIR          a directory tree as the lower layer instead of the host's /\n"
      "  --image oci:DIR[:TAG] an OCI image layout as the lower layers, with its defaults\n"
      "  --overlay fuse|kernel|auto|none   the copy-on-write root: fuse-overlayfs (default),\n"
      "                        the kernel's overlayfs, whichever works, or the lower read-only\n"
      "Environment:\n"
      "  --setenv NAME=VALUE   set a variable (--setenv-try: the same; in a profile,\n"
      "                        skipped when its ${VARIABLE} is not set here)\n"
      "  --unsetenv NAME       remove a variable\n"
      "  --pass-env NAME[,NAME...]  the host's value of these, by name, where it has one\n"
      "  --keep-env            keep the whole host environment (default: only TERM, LANG,\n"
      "                        LC_*, PATH, TZ, COLORTERM; HOME, USER, LOGNAME set for inside)\n"
      "Network:\n"
      "  --net none|slirp|host loopback only (default); user-mode networking through\n"
      "                        libslirp (10.0.2.100, gateway 10.0.2.2, DNS 10.0.2.3, fd00::/64);\n"
      "                        or the host's own network namespace\n"
      "  -p, --publish [HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]\n"
      "                        publish a sandbox port on the host (HOSTIP default 127.0.0.1)\n"
      "  --allow-host-loopback let 10.0.2.2 and fd00::2 reach the host's 127.0.0.1 and ::1\n"
      "  --egress allow|deny:CIDR[:PORT[-PORT]][/tcp|/udp]   egress rule, first match wins;\n"
      "                        allow|deny:all; IPv6 with a port in brackets: deny:[fd00::/8]:53;\n"
      "                        allow:host:NAME[:PORT[-PORT]][/tcp|/udp]: the addresses the\n"
      "                        sandbox's resolver answered for NAME (*.NAME: names under it)\n"
      "  --egress-preset no-lan  refuse private, link-local, metadata, multicast and host\n"
      "  --net-log             log each refused connection (at most 10 lines a second)\n"
      "  --net-record FILE     append each distinct flow, DNS answer and TLS server name\n"
      "                        the sandbox's traffic shows to FILE, one line each\n"
      "  --mtu N               tap0's MTU (default 65520)   --no-ipv6   IPv4 only\n"
      "D-Bus (through xdg-dbus-proxy; no bus by default):\n"
      "  --dbus-user none|filter|open   no bus; the bus filtered by the rules below;\n"
      "                        or the whole bus (still through the proxy)\n"
      "  --dbus-see NAME       NAME is listed (org.foo, or org.foo.* for those below it)\n"
      "  --dbus-talk NAME      ...and may be called\n"
      "  --dbus-own NAME       ...and the sandbox may own it\n"
      "  --dbus-call NAME=RULE         calls on NAME that RULE ([METHOD][@PATH]) allows\n"
      "  --dbus-broadcast NAME=RULE    broadcast signals from NAME that RULE allows\n"
      "  --dbus-system none|filter|open   the system bus, the same way (none by default);\n"
      "  --dbus-system-see, --dbus-system-talk, --dbus-system-own NAME,\n"
      "  --dbus-system-call, --dbus-system-broadcast NAME=RULE   its rules\n"
      "Resource limits (through a delegated cgroup; see sbx(1) for delegating one):\n"
      "  --memory SIZE         memory limit: bytes or with K, M, G, T (512M), 75%, max\n"
      "  --memory-swap SIZE    swap beyond --memory (0: none)\n"
      "  --pids N              at most N processes and threads (max: no limit)\n"
      "  --cpus N              CPU time in CPUs (1.5)\n"
      "  --io-weight N         relative I/O weight, 1 to 10000\n"
      "  --hugetlb [PAGE:]SIZE huge pages (2M:64M; PAGE: the machine's default)\n"
      "  --limits strict|best-effort   without delegation: fail (default), or warn and run\n"
      "  --stats               print peak memory, CPU time and processes at the end\n"
      "  --timeout DURATION    stop the sandbox after 90s, 10m, 6h... (exit 124); none\n"
      "Seccomp (every sandbox runs behind a filter; see `sbx seccomp show`):\n"
      "  --seccomp default|unconfined   the policy (unconfined: no filter, with a warning)\n"
      "  --seccomp-allow NAME|@GROUP    allow a syscall or group the policy refuses\n"
      "  --seccomp-deny NAME|@GROUP     refuse one more (EPERM)\n"
      "  --seccomp-log         print each refused syscall by name, once per name\n"
      "  --nested-userns       let the program make user, PID, network and IPC namespaces\n"
      "                        and chroot, for a browser's own sandbox (never mount\n"
      "                        namespaces, setns or mounts)\n"
      "Other:\n"
      "  --profile NAME        apply profile NAME (or a path) first; options override it.\n"
      "                        Searched in $SBX_PROFILE_PATH, else ~/.config/sbx/profiles,\n"
      "                        " SBX_SYSCONF_PROFILES ",\n"
      "                        " SBX_DATA_PROFILES "\n"
      "                        (sbx profile list). Without --profile, the profile named\n"
      "                        like the program, if any (sbx firefox: firefox), with a note\n"
      "  --no-auto-profile     no profile named like the program\n"
      "  --hostname NAME       hostname inside (default: sbx, or the --name)\n"
      "  -d, --detach          run in the background: print the sandbox's name and return;\n"
      "                        its output goes to a log (sbx logs), sbx ps/exec/stop reach it\n"
      "  --rm                  keep nothing when it ends: no record, and with --name no\n"
      "                        layers either (the name only names it while it runs)\n"
      "  -q, --quiet           no notes, only warnings and errors\n"
      "  -v, --verbose         debug output\n"
      "  -h, --help            this text\n"
      "  -V, --version         the version\n"
      "\n"
      "Exit status: the program's (128+N if it died of signal N); 125 if sbx failed,\n"
      "126 if PROGRAM could not be executed, 127 if it was not found in the sandbox.\n",
      stdout);
}

static const char *const json_option[] = { "--json", NULL };
static const char *const ps_options[] = { "--all", "--json", NULL };
static const char *const exec_options[] = { "-i", "--interactive", "-t", "--tty", NULL };
static const char *const stop_options[] = { "-t SECONDS", "--time SECONDS", NULL };
static const char *const logs_options[] = { "-f", "--follow", NULL };
static const char *const inspect_options[] = { "--format TEMPLATE", NULL };
static const char *const runtime_options[] = { "--root DIR",
                                               "--log FILE",
                                               "--log-format json|text",
                                               "--log-level LEVEL",
                                               "--debug",
                                               "--systemd-cgroup",
                                               "--rootless VALUE",
                                               "--cgroup-manager NAME",
                                               "--criu PATH",
                                               "-b",
                                               "--bundle DIR",
                                               "--pid-file FILE",
                                               "--console-socket PATH",
                                               "--preserve-fds N",
                                               "--no-pivot",
                                               "--no-new-keyring",
                                               "-p",
                                               "--process FILE",
                                               "-d",
                                               "--detach",
                                               "-t",
                                               "--tty",
                                               "-a",
                                               "--all",
                                               "-f",
                                               "--force",
                                               "--format json|table",
                                               "--resources FILE",
                                               NULL };

static const char runtime_help[]
    = "Usage: sbx runtime [GLOBAL-OPTIONS] VERB [ARGS...]\n"
      "       sbx-runc [GLOBAL-OPTIONS] VERB [ARGS...]\n"
      "\n"
      "An OCI runtime with runc's command line, for engines: podman (its runtime option\n"
      "naming sbx), containerd's runc shim (BinaryName), CRI-O. The engine owns the root\n"
      "filesystem and the network; sbx applies the bundle's config.json. A bare\n"
      "`sbx VERB` is the runtime's when it starts with a global option, when VERB is\n"
      "create, start, state, delete, update, features or list, for exec with --process, ps with\n"
      "--format, and kill with --all or a runtime container's id.\n"
      "\n"
      "Verbs:\n"
      "  create [-b DIR] [--pid-file FILE] [--console-socket PATH] [--preserve-fds N]\n"
      "         [--no-pivot] [--no-new-keyring] ID\n"
      "                     set the container up; its program waits for start\n"
      "  start ID           run the program of a created container\n"
      "  state ID           the OCI state as JSON (status created, running or stopped)\n"
      "  kill [-a] ID [SIGNAL]   signal init, or every process (default TERM)\n"
      "  delete [-f] ID     remove a stopped container (-f: any)\n"
      "  exec -p FILE [--pid-file FILE] [-d] [--console-socket PATH] [-t]\n"
      "       [--preserve-fds N] ID   run process.json's program in the container\n"
      "  ps [--format json|table] ID   the host pids of its processes\n"
      "  update --resources FILE ID   new limits (linux.resources as JSON) for its cgroup\n"
      "  list               every container's state as JSON\n"
      "  features           what this runtime supports, as JSON\n"
      "\n"
      "Global options:\n"
      "  --root DIR         the containers' state (default $XDG_RUNTIME_DIR/sbx/.oci;\n"
      "                     root without XDG_RUNTIME_DIR: /run/sbx)\n"
      "  --log FILE         also write errors and warnings to FILE\n"
      "  --log-format json|text   JSON lines or logrus text lines in FILE\n"
      "  --debug            debug messages\n"
      "  --systemd-cgroup, --log-level LEVEL, --rootless VALUE, --cgroup-manager NAME,\n"
      "  --criu PATH        accepted as runc's callers give them; sbx decides these\n"
      "\n"
      "Options of the verbs:\n"
      "  -b, --bundle DIR   the bundle (default: the current directory)\n"
      "  --pid-file FILE    write the pid of init (exec: of the process) to FILE\n"
      "  --console-socket PATH   send the pty master there (process.terminal)\n"
      "  --preserve-fds N   pass fds 3 to 3+N-1 to the program\n"
      "  --no-pivot         move the root instead of pivot_root (a ramdisk root)\n"
      "  --no-new-keyring   accepted; sbx makes no session keyring\n"
      "  -p, --process FILE   the process to exec, as config.json's process object\n"
      "  -d, --detach       exec: return once the process runs\n"
      "  -t, --tty          exec: accepted; the process's terminal field decides\n"
      "  -a, --all          kill: every process of the container\n"
      "  -f, --force        delete: kill a running container first\n"
      "  --format json|table   ps: the output\n"
      "  --resources FILE   update: the new linux.resources\n";

void
sbx_help_print_runtime (void)
{
  fputs (runtime_help, stdout);
}
static const char *const learn_options[]
    = { "--profile-out FILE", "--profile-in NAME", "--check FILE", "--force", "--no-verify", NULL };

/* Each verb's help; `options` are the ones it takes besides run's.  */
static const struct
{
  const char *verb;
  const char *text;
  bool run_options;
  const char *const *options;
} verb_help[] = {
  { "seccomp",
    "Usage: sbx seccomp show [default|unconfined] [--json] [OPTIONS]\n"
    "       sbx seccomp groups [--json]\n"
    "\n"
    "show: the seccomp policy a sandbox started with OPTIONS (run's options) would get:\n"
    "what is allowed, allowed with its arguments checked, and refused.\n"
    "groups: the syscall groups usable with --seccomp-allow and --seccomp-deny, and\n"
    "their members.\n"
    "  --json     print JSON instead of text\n",
    true, json_option },
  { "diff",
    "Usage: sbx diff [--json] NAME\n"
    "\n"
    "What the sandbox kept as NAME (sbx --name NAME) changed, one path a line, sorted:\n"
    "A added, C changed, D deleted.\n"
    "  --json     print JSON instead of text: [{\"kind\": \"A\", \"path\": \"/x\"}, ...]\n",
    false, json_option },
  { "profile",
    "Usage: sbx profile list\n"
    "       sbx profile show NAME\n"
    "       sbx profile check NAME\n"
    "       sbx profile vars\n"
    "\n"
    "list: every profile on the search path and the file used for it.\n"
    "show: the effective profile NAME (a name or a path with a /): includes read in\n"
    "place, variables expanded, settings a later line replaces left out; it parses\n"
    "back to the same sandbox.\n"
    "check: read NAME as --profile would and say what is wrong, with file and line.\n"
    "vars: the ${VARIABLES} a profile may use and their values here.\n"
    "See sbx-profile(5).\n",
    false, NULL },
  { "rm",
    "Usage: sbx rm NAME...\n"
    "\n"
    "Remove stopped sandboxes: their record (sbx ps --all) and, for a --name, its kept\n"
    "layers.  Refused while one runs.\n",
    false, NULL },
  { "ps",
    "Usage: sbx ps [--all] [--json]\n"
    "\n"
    "The sandboxes that run: NAME PID (of init, on the host) PROFILE STATUS UPTIME NET\n"
    "COMMAND.\n"
    "  --all      stopped ones too: records kept of named or detached sandboxes, and\n"
    "             named sandboxes' kept layers\n"
    "  --json     print JSON instead of text\n",
    false, ps_options },
  { "exec",
    "Usage: sbx exec [-i] [-t] NAME PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM in the running sandbox NAME: in all its namespaces and its cgroup, with\n"
    "its program's environment, working directory rule, identity, capabilities,\n"
    "no_new_privs and seccomp policy.  Exit status: PROGRAM's.\n"
    "  -i, --interactive   pass stdin (else /dev/null)\n"
    "  -t, --tty           a terminal of the sandbox's own (stdin and stdout must be one)\n",
    false, exec_options },
  { "stop",
    "Usage: sbx stop [-t SECONDS] NAME...\n"
    "\n"
    "SIGTERM to the program, SIGKILL to the whole sandbox after SECONDS; returns once\n"
    "the sandbox is gone.\n"
    "  -t, --time SECONDS  how long the program may take (default 10)\n",
    false, stop_options },
  { "kill",
    "Usage: sbx kill NAME [SIGNAL]\n"
    "\n"
    "Send SIGNAL (a name, TERM or SIGTERM, or a number; default KILL, which ends the\n"
    "whole sandbox) to the sandbox's program.\n",
    false, NULL },
  { "logs",
    "Usage: sbx logs [-f] NAME\n"
    "\n"
    "What the detached sandbox NAME (sbx -d) printed: its last 2 MiB at most.\n"
    "  -f, --follow   go on printing until the sandbox ends\n",
    false, logs_options },
  { "inspect",
    "Usage: sbx inspect [--format TEMPLATE] NAME...\n"
    "\n"
    "The sandboxes as JSON: Pid (init on the host), State, Namespaces, GraphDriver.Data\n"
    "(LowerDir, UpperDir, WorkDir, MergedDir), Cgroup (paths, stats), NetworkSettings,\n"
    "Config, OCI.\n"
    "  --format TEMPLATE   print fields instead: {{.Pid}}, {{.GraphDriver.Data.UpperDir}}\n",
    false, inspect_options },
  { "runtime", runtime_help, false, runtime_options },
  { "learn",
    "Usage: sbx learn --profile-out FILE [--profile-in NAME] [--force] [--no-verify]\n"
    "                 [RUN-OPTIONS] -- PROGRAM [ARGS...]\n"
    "       sbx learn --check FILE [RUN-OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM once in a sandbox that lets it do what a profile could grant but change\n"
    "nothing (your home copy-on-write, ~/.ssh and other secrets hidden), record the files,\n"
    "syscalls and network it used, and write the profile that grants that and no more.\n"
    "Then run it again under the profile and compare the exit status and output; a\n"
    "difference or a refusal is reported with the directive that would fix it (exit 1).\n"
    "Both runs read /dev/null.  RUN-OPTIONS apply to the learning run; those that say\n"
    "what the sandbox is (--nested-userns...) go into the profile, the network ones\n"
    "(--net slirp...) do not: what the run reached decides those.\n"
    "  --profile-out FILE   where the profile goes (a name: ~/.config/sbx/profiles/NAME.profile)\n"
    "  --profile-in NAME    widen this profile by the run (it may be the same file)\n"
    "  --check FILE         write nothing: learn, then check FILE against the run\n"
    "  --force              replace an existing FILE\n"
    "  --no-verify          do not run the program a second time\n",
    true, learn_options },
  /* Its text lives with the command (cmd/doctor.c).  */
  { "doctor", NULL, false, json_option },
  { "version", "Usage: sbx version | sbx --version\n\nPrint the version.\n", false, NULL },
  { "help", "Usage: sbx help [VERB] | sbx --help\n\nThe help text, or a verb's.\n", false, NULL },
};

#define N_VERB_HELP (sizeof verb_help / sizeof verb_help[0])

static int
list_options (const char *verb)
{
  if (verb == NULL || strcmp (verb, "run") == 0)
    {
      sbx_run_list_options (stdout);
      return 0;
    }
  for (size_t i = 0; i < N_VERB_HELP; i++)
    if (strcmp (verb, verb_help[i].verb) == 0)
      {
        if (verb_help[i].run_options)
          sbx_run_list_options (stdout);
        for (const char *const *o = verb_help[i].options; o && *o; o++)
          puts (*o);
        return 0;
      }
  fprintf (stderr, "sbx: help --list-options: `%s` is not a verb\n", verb);
  return SBX_EXIT_FAILURE;
}

/* The hidden listings; -1 when `what` is none of them.  */
static int
list (const char *what, const char *arg)
{
  if (strcmp (what, "--list-verbs") == 0)
    {
      for (const struct sbx_verb *v = sbx_verbs; v->name; v++)
        puts (v->name);
      return 0;
    }
  if (strcmp (what, "--list-options") == 0)
    return list_options (arg);
  if (strcmp (what, "--list-directives") == 0)
    {
      puts ("include");
      for (const struct sbx_setting *s = sbx_settings; s->name; s++)
        puts (s->name);
      return 0;
    }
  if (strcmp (what, "--list-profiles") == 0)
    {
      sbx_profile_list (stdout, false);
      return 0;
    }
  return -1;
}

int
sbx_cmd_help (int argc, char **argv)
{
  if (argc >= 2 && strncmp (argv[1], "--list-", 7) == 0)
    {
      int r = list (argv[1], argc >= 3 ? argv[2] : NULL);
      if (r >= 0)
        return r;
    }
  if (argc >= 2 && strcmp (argv[1], "run") == 0)
    {
      sbx_help_print_run ();
      return 0;
    }
  for (size_t i = 0; argc >= 2 && i < N_VERB_HELP; i++)
    if (strcmp (argv[1], verb_help[i].verb) == 0)
      {
        if (verb_help[i].text)
          fputs (verb_help[i].text, stdout);
        else
          sbx_help_print_doctor ();
        return 0;
      }
  if (argc >= 2)
    {
      fprintf (stderr, "sbx: no help for `%s`: not a verb of this version; see `sbx help`\n",
               argv[1]);
      return SBX_EXIT_FAILURE;
    }
  sbx_help_print_main ();
  return 0;
}

int
sbx_cmd_version (int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf ("sbx %s\n", PACKAGE_VERSION);
  return 0;
}
