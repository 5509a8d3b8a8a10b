/* sbx: the profile writer of `sbx learn` (core/learn-profile.c,
   learn-net.c) and its log format (core/learn-log.c), on recorded runs:
   generalisation, determinism, the network helper's records (the format
   of its recorder, as a fixture: answers, then connections).  */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../../core/learn-log.h"
#include "../../core/learn-profile.h"
#include "tap.h"

#define HOME "/home/u"

/* A recorded run, as sbx-learnfs would log it.  */
static const char *const fs_log[] = {
  "found\t10\tsbx\t/home/u/.local/share/sbx", /* sbx's own: ignored */
  "create\t10\tsbx\t/etc/hosts",              /* a mount point: ignored */
  "exec\t11\tsbx-init\t/usr/bin/python3.11",
  "read\t11\tpython3\t/usr/lib/python3.11/os.py",
  "read\t11\tpython3\t/etc/ld.so.cache",
  "read\t11\tpython3\t/etc/ssl/openssl.cnf",
  "found\t11\tpython3\t/etc",             /* a directory above a unit */
  "missing\t11\tpython3\t/etc/gitconfig", /* missing: nothing to grant */
  "read\t12\tgit\t/home/u/data/in.txt",
  "found\t11\tpython3\t/home/u/data",
  "read\t11\tpython3\t/home/u/data/in.txt",
  "create\t11\tpython3\t/home/u/out/r.txt",
  "found\t11\tpython3\t/home/u/out",
  "create\t11\tpython3\t/home/u/.newfile", /* made by the run */
  "read\t11\tpython3\t/home/u/.config/app/settings.ini",
  "write\t11\tpython3\t/home/u/.cache/app/blob",
  "read\t11\tpython3\t/var/lib/dpkg/status",
  "create\t11\tpython3\t/var/tmp/x123",
  "read\t11\tpython3\t/proc/self/status", /* the sandbox's own */
  "read\t11\tpython3\t/tmp/t",            /* the sandbox's own */
  "secret\t11\tpython3\t/home/u/.ssh/id_rsa",
  "read\t11\tpython3\t/home/u/with\\ttab\\nnewline",
};
#define N_FS (sizeof fs_log / sizeof fs_log[0])

/* The network helper's records: DNS answers followed by connections
   (SYNs) to what they answered, one with a TLS SNI, one to a bare
   address, and the sandbox's own DNS server.  */
static char *net_log[] = {
  (char *)"flow udp 10.0.2.3 53",
  (char *)"dns example.org A 192.0.2.7 300",
  (char *)"dns www.example.org A 192.0.2.7 300",
  (char *)"flow tcp 192.0.2.7 443",
  (char *)"sni api.example.net 198.51.100.9 443",
  (char *)"flow tcp 198.51.100.9 443",
  (char *)"flow tcp 203.0.113.5 8080",
  (char *)"flow udp 2001:db8::1 123",
  (char *)"flow tcp 192.0.2.7 443",
  (char *)"flow tcp 10.0.2.2 8000",
  /* What the network said and no profile line may hold.  */
  (char *)"dns evil#name A 192.0.2.99 60",
  (char *)"flow tcp 192.0.2.99 25",
  (char *)"flow tcp not-an-address 80",
  (char *)"flow icmp 192.0.2.1 0",
};
#define N_NET (sizeof net_log / sizeof net_log[0])

static char *seccomp_log[] = {
  (char *)"seccomp-never keyctl python3",
  (char *)"seccomp-allow ptrace python3",
};

static char *
write_profile (bool reversed)
{
  struct sbx_learn_event ev[N_FS];
  char *lines[N_FS];
  struct sbx_learn_input in = { HOME, "python3 prog.py", ev, 0, seccomp_log, 2, net_log, N_NET };
  char *text;

  for (size_t i = 0; i < N_FS; i++)
    {
      size_t k = reversed ? N_FS - 1 - i : i;
      lines[i] = strdup (fs_log[k]);
      if (sbx_learn_log_parse (lines[i], &ev[in.n_fs]) == 0)
        in.n_fs++;
    }
  text = sbx_learn_profile_write (&in);
  for (size_t i = 0; i < N_FS; i++)
    free (lines[i]);
  return text;
}

static bool
has_line (const char *text, const char *line)
{
  size_t n = strlen (line);
  for (const char *at = strstr (text, line); at; at = strstr (at + 1, line))
    if ((at == text || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0'))
      return true;
  return false;
}

int
main (void)
{
  char *text = write_profile (false), *again = write_profile (true);
  size_t len;
  char *line = sbx_learn_log_line (SBX_LEARN_READ, 7, "a\tb", "/x\ny\\z", &len);
  struct sbx_learn_event ev;
  char bad[] = "read\tseven\tcomm\t/x", relative[] = "read\t1\tc\tx";

  /* The log's format round-trips, escapes included.  */
  TAP_IS_STR (line, "read\t7\ta\\tb\t/x\\ny\\\\z\n",
              "a log line escapes tabs, newlines, backslashes");
  line[len - 1] = '\0';
  TAP_OK (sbx_learn_log_parse (line, &ev) == 0 && ev.op == SBX_LEARN_READ && ev.pid == 7
              && strcmp (ev.comm, "a\tb") == 0 && strcmp (ev.path, "/x\ny\\z") == 0,
          "... and parses back");
  TAP_OK (sbx_learn_log_parse (bad, &ev) < 0 && sbx_learn_log_parse (relative, &ev) < 0,
          "a line that is not one of ours is refused");
  free (line);

  /* Generalisation.  */
  TAP_OK (has_line (text, "host-tree /usr"), "/usr collapsed to its top: host-tree /usr");
  TAP_OK (has_line (text, "host-tree /etc/ssl") && has_line (text, "host-tree /etc/ld.so.cache"),
          "/etc per entry");
  TAP_OK (!has_line (text, "host-tree /etc") && !has_line (text, "host-tree /etc/gitconfig"),
          "not a directory above an entry, nor what was missing");
  TAP_OK (!strstr (text, "/etc/hosts") && !strstr (text, "sbx/"),
          "sbx's own lookups and mount points are not the program's");
  TAP_OK (has_line (text, "host-tree /var/lib/dpkg"), "/var at the third level");
  TAP_OK (has_line (text, "tmpfs /var/tmp") && !strstr (text, "x123"), "/var/tmp: a tmpfs");
  TAP_OK (!strstr (text, "/proc") == 0 || !has_line (text, "host-tree /proc"), "nothing of /proc");
  TAP_OK (!has_line (text, "host-tree /tmp"), "nothing of /tmp");
  TAP_OK (has_line (text, "ro-bind ~/data"), "the home: what was read, ro-bind ~/data");
  TAP_OK (has_line (text, "bind ~/out"), "... what was written in, bind ~/out");
  TAP_OK (has_line (text, "bind-try ~/.newfile"), "... what the run made, bind-try");
  TAP_OK (has_line (text, "ro-bind ~/.config/app") && has_line (text, "bind ~/.cache/app"),
          "... application directories, per application");
  TAP_OK (!has_line (text, "ro-bind ~/.config") && !strstr (text, "bind ~/.ssh"),
          "... never the whole ~/.config, never ~/.ssh as a directive");
  TAP_HAS_STR (text, "#   ~/.ssh\n", "a secret it tried to reach is named in the header");
  TAP_HAS_STR (text, "# read by git, python3: 2 paths\nro-bind ~/data\n",
               "each directive after its evidence: who, how many paths");
  TAP_HAS_STR (text, "# read by python3, sbx-init: 2 paths\nhost-tree /usr\n",
               "... the program's exec counts");
  TAP_OK (has_line (text, "seccomp-allow ptrace"), "a grantable syscall: seccomp-allow");
  TAP_HAS_STR (text, "# keyctl() called by python3: refused whatever a profile says\n",
               "one no profile may grant is named in the header");
  TAP_HAS_STR (text, "one run of: python3 prog.py\n", "the header names the run");
  TAP_HAS_STR (text, "A run that takes another path", "... and what a run covers");
  TAP_IS_STR (again, text, "the same records in another order give the same text");
  TAP_OK (!strstr (text, "tab") && !strstr (text, "newline"),
          "a path the language cannot say (a tab, a newline) is no directive");
  TAP_HAS_STR (text, "# 1 path it reached has a name no profile line can hold",
               "... and the header says so");

  /* The network: names where DNS or SNI gave them, then deny:all.  */
  TAP_OK (has_line (text, "net slirp"), "the network: net slirp");
  TAP_OK (has_line (text, "egress allow:10.0.2.3:53"), "... DNS to the sandbox's resolver");
  TAP_OK (has_line (text, "egress allow:host:example.org:443"),
          "... a destination DNS named: the smallest name that answered it");
  TAP_OK (has_line (text, "egress allow:host:api.example.net:443"),
          "... one a TLS SNI named: that name");
  TAP_OK (has_line (text, "egress allow:203.0.113.5:8080/tcp"),
          "... one nothing named: its address and protocol");
  TAP_OK (has_line (text, "egress allow:[2001:db8::1]:123/udp"), "... IPv6 in brackets");
  TAP_OK (has_line (text, "allow-host-loopback")
              && has_line (text, "egress allow:10.0.2.2:8000/tcp"),
          "... the host's loopback: allow-host-loopback and its port");
  TAP_OK (!strstr (text, "evil") && has_line (text, "egress allow:192.0.2.99:25/tcp"),
          "... a name that is no host name is not used: the address is");
  TAP_OK (!strstr (text, "not-an-address") && !strstr (text, "icmp"),
          "... a record that is not an address and a port is left out");
  TAP_OK (strstr (text, "egress allow:host:example.org:443\n")
              == strstr (text, "egress allow:host:example.org:443"),
          "... each once");
  {
    const char *deny = strstr (text, "egress deny:all\n");
    TAP_OK (deny && deny > strstr (text, "egress allow:host:example.org") && deny[16] == '\0',
            "... and egress deny:all last");
  }
  {
    char *none = sbx_learn_net_rules (NULL, NULL, 0);
    TAP_OK (none == NULL, "no network records: no network section");
  }

  /* The directive for one path, as verify names it.  */
  {
    struct
    {
      const char *path;
      bool write;
      const char *want;
    } cases[] = {
      { "/usr/lib/x/y.so", false, "host-tree /usr" },
      { "/lib64/ld-linux-x86-64.so.2", false, "host-tree /lib64" },
      { "/etc/ssl/certs/ca.pem", false, "host-tree /etc/ssl" },
      { "/home/u/data/x", false, "ro-bind ~/data" },
      { "/home/u/data/x", true, "bind ~/data" },
      { "/home/u/.local/share/app/db", true, "bind ~/.local/share/app" },
      { "/var/tmp/x", true, "tmpfs /var/tmp" },
      { "/proc/1/status", false, NULL },
      { "/root/x", true, NULL },
      { "/home/u/.config", false, NULL },
      { "/home/u/.local/share", false, NULL },
      { "/home/u/.local", false, NULL },
      { "/home/u", false, NULL },
      { "/etc", false, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
      {
        char *d = sbx_learn_directive_for (cases[i].path, HOME, cases[i].write);
        if (cases[i].want)
          TAP_IS_STR (d, cases[i].want, "directive for %s%s", cases[i].path,
                      cases[i].write ? " (written)" : "");
        else
          TAP_OK (d == NULL, "no directive for %s (the sandbox's own, or above an entry)",
                  cases[i].path);
        free (d);
      }
  }
  free (text);
  free (again);
  return tap_done ();
}
