/* sbx: the child side, from clone to execve, as an ordered list of steps
   (see sbx_child_run).  */
#ifndef SBX_CHILD_H
#define SBX_CHILD_H

#include "launch.h"

__attribute__ ((noreturn)) void sbx_child_run (struct sbx_launch *l);

#endif
