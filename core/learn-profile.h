/* sbx: the profile writer of `sbx learn`: what one run used (the
   sbx-learnfs log, the seccomp and network records) becomes a profile in
   sbx's language that grants that and nothing more.  Pure: no I/O, so
   that the unit tests feed it recorded runs.

   Generalisation, so that the profile says what a person would write:
   - the home: `~/NAME` for what lies directly in it, `~/.cache/APP`,
     `~/.config/APP`, `~/.local/share/APP`, `~/.local/state/APP` for an
     application's directories; `bind` where the run wrote, `ro-bind`
     where it only read, `bind-try` for what the run made (it does not
     exist on the host yet: learning never changes the home);
   - the host's tree: `host-tree PATH`, the only host paths shown; /usr
     and the /lib, /bin, /sbin directories collapsed to their top; under
     /etc, /opt, /srv and the rest the second level (`/etc/ssl`), under
     /var the third (`/var/lib/dpkg`);
   - temporary files: /tmp is the sandbox's own tmpfs already; /var/tmp
     becomes `tmpfs /var/tmp`;
   - syscalls the default policy refused: `seccomp-allow NAME`, those no
     profile may grant named in the header;
   - the network: `net slirp`, a rule per destination (by name where DNS
     or TLS named it), then `egress deny:all`.
   Output sorted within each section, each directive after a comment
   with its evidence, and a header that says a run covers only the paths
   it took.  Two runs that did the same give the same text.  */
#ifndef SBX_LEARN_PROFILE_H
#define SBX_LEARN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "learn-log.h"

struct sbx_learn_input
{
  const char *home;    /* the caller's home on the host */
  const char *command; /* the program and its arguments, for the header */
  const struct sbx_learn_event *fs;
  size_t n_fs;
  /* "seccomp-allow NAME COMM" / "seccomp-never NAME COMM"
     (seccomp-notify.h) */
  char *const *seccomp;
  size_t n_seccomp;
  /* "flow tcp|udp IP PORT", "dns NAME A|AAAA ADDR TTL", "sni NAME IP PORT"
     (the network helper's recorder) */
  char *const *net;
  size_t n_net;
};

/* The profile's text, malloc'ed.  */
char *sbx_learn_profile_write (const struct sbx_learn_input *in);

/* The directive that would grant `path` (a path as the sandbox sees it),
   as the writer makes them ("ro-bind ~/data", "host-tree /usr"), or NULL
   for a path the sandbox has of its own.  `write`: the program writes
   there.  Malloc'ed.  */
char *sbx_learn_directive_for (const char *path, const char *home, bool write);

/* The network records as directives, one a line (with their evidence
   comments), appended to `out` (a malloc'ed string or NULL).  */
char *sbx_learn_net_rules (char *out, char *const *lines, size_t n);

#endif
