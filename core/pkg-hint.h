/* sbx: the one line that tells a CI job its package install over the
   host's root cannot work, and what does: an image.  */
#ifndef SBX_PKG_HINT_H
#define SBX_PKG_HINT_H

#include <stdbool.h>

/* Whether argv installs or updates packages: a package manager's name
   with an action that writes (`apt-get install`, `dnf update`), as the
   program or in a `sh -c SCRIPT`.  Pure.  */
bool sbx_pkg_installs (char *const *argv);

#endif
