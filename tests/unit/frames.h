/* sbx: building Ethernet frames for the netstack unit tests
   (test-egress, test-egress-fuzz, test-frame): the byte-order helpers and
   the Ethernet header every test frame starts with.  */
#ifndef SBX_TESTS_FRAMES_H
#define SBX_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void
put16 (uint8_t *b, uint16_t v)
{
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

/* The sandbox's MAC to libslirp's gateway, EtherType `type`; 14 bytes.  */
static inline size_t
eth (uint8_t *f, uint16_t type)
{
  static const uint8_t gw[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
  static const uint8_t me[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

  memcpy (f, gw, 6);
  memcpy (f + 6, me, 6);
  put16 (f + 12, type);
  return 14;
}

#endif
