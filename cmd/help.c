/* sbx: help and version.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../core/error.h"
#include "commands.h"
#include "config.h"

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
         "  seccomp show [default|unconfined] [OPTIONS]   the seccomp policy OPTIONS give\n"
         "  seccomp groups                                 syscall groups and members\n"
         "  diff NAME  what a named sandbox changed: A added, C changed, D deleted\n"
         "  rm NAME... remove named sandboxes' kept state (not while they run)\n"
         "  doctor [--json]  check what sbx needs on this host; say how to fix what is missing\n"
         "Reserved for later versions: ps exec stop kill inspect logs profile\n"
         "(`sbx -- ps` runs a program called ps).\n"
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
      "  --tmpfs DST           an empty tmpfs at DST\n"
      "  --chdir DIR           start in DIR (default: the current directory if visible inside)\n"
      "  --name NAME           keep the sandbox's writes as NAME (~/.local/share/sbx/sandboxes);\n"
      "                        without it the copy-on-write layer is thrown away at the end\n"
      "  --rootfs DIR          a directory tree as the lower layer instead of the host's /\n"
      "  --overlay fuse|kernel|auto|none   the copy-on-write root: fuse-overlayfs (default),\n"
      "                        the kernel's overlayfs, whichever works, or the lower read-only\n"
      "Environment:\n"
      "  --setenv NAME=VALUE   set a variable\n"
      "  --unsetenv NAME       remove a variable\n"
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
      "                        allow|deny:all; IPv6 with a port in brackets: deny:[fd00::/8]:53\n"
      "  --egress-preset no-lan  refuse private, link-local, metadata, multicast and host\n"
      "  --net-log             log each refused connection (at most 10 lines a second)\n"
      "  --mtu N               tap0's MTU (default 65520)   --no-ipv6   IPv4 only\n"
      "Seccomp (every sandbox runs behind a filter; see `sbx seccomp show`):\n"
      "  --seccomp default|unconfined   the policy (unconfined: no filter, with a warning)\n"
      "  --seccomp-allow NAME|@GROUP    allow a syscall or group the policy refuses\n"
      "  --seccomp-deny NAME|@GROUP     refuse one more (EPERM)\n"
      "  --seccomp-log         print each refused syscall by name, once per name\n"
      "Other:\n"
      "  --profile NAME        apply profile NAME (or a path) first; options override it.\n"
      "                        Searched in $SBX_PROFILE_PATH, else ~/.config/sbx/profiles,\n"
      "                        " SBX_SYSCONF_PROFILES ",\n"
      "                        " SBX_DATA_PROFILES " (default, ci)\n"
      "  --hostname NAME       hostname inside (default: sbx)\n"
      "  -q, --quiet           no notes, only warnings and errors\n"
      "  -v, --verbose         debug output\n"
      "  -h, --help            this text\n"
      "  -V, --version         the version\n"
      "\n"
      "Exit status: the program's (128+N if it died of signal N); 125 if sbx failed,\n"
      "126 if PROGRAM could not be executed, 127 if it was not found in the sandbox.\n",
      stdout);
}

int
sbx_cmd_help (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "run") == 0)
    {
      sbx_help_print_run ();
      return 0;
    }
  if (argc >= 2 && strcmp (argv[1], "doctor") == 0)
    {
      sbx_help_print_doctor ();
      return 0;
    }
  if (argc >= 2 && strcmp (argv[1], "help") != 0 && strcmp (argv[1], "version") != 0)
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
