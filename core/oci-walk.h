/* sbx: walking a config.json with the path of where one is, so that every
   error names its field ("process.user.uid: -1 is out of range").  Shared
   by oci-config.c (the document, process, mounts, hooks), oci-linux.c
   (linux, resources) and oci-seccomp.c; nothing else includes it.  */
#ifndef SBX_OCI_WALK_H
#define SBX_OCI_WALK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-config.h"

struct walk
{
  const char *origin;
  char path[512];
  sbx_error_t *err;
};

/* Enter `key` (an object member) or `[i]`; returns the old length, which
   oci_leave restores.  */
size_t oci_enter (struct walk *w, const char *key);
size_t oci_enter_idx (struct walk *w, size_t i);
void oci_leave (struct walk *w, size_t n);
/* "ORIGIN: PATH: message" into w->err; returns -1.  */
int oci_fail (struct walk *w, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* o's member `key`; NULL when absent or null.  */
json_object *oci_member (json_object *o, const char *key);
/* `v` (at the current path) is of type t, or an error.  */
int oci_expect (struct walk *w, json_object *v, json_type t);
/* The keys of `o` the spec defines: those sbx reads (`known`) and those it
   cannot honour (`refused`, an error when present).  Anything else is an
   extension the spec tells runtimes to ignore: said under -v.  */
int oci_check_keys (struct walk *w, json_object *o, const char *const *known,
                    const char *const *refused);
int oci_get_string (struct walk *w, json_object *o, const char *key, bool required, char **out);
int oci_get_bool (struct walk *w, json_object *o, const char *key, bool *out);
/* A whole number from `min` to `max` at the current path.  */
int oci_number (struct walk *w, json_object *v, int64_t min, uint64_t max, int64_t *out);
/* An unsigned 64-bit number (rlimits: 2^64-1 is "unlimited").  */
int oci_unsigned64 (struct walk *w, json_object *v, uint64_t *out);
/* `key` as a number in [min, max]; *has (if not NULL) says whether it was
   there.  */
int oci_get_num (struct walk *w, json_object *o, const char *key, int64_t min, uint64_t max,
                 int64_t *out, bool *has);
int oci_get_u32 (struct walk *w, json_object *o, const char *key, bool required, uint32_t *out,
                 bool *has);
/* An array of strings, NULL-terminated, into *out (and its length).  */
int oci_get_strings (struct walk *w, json_object *o, const char *key, char ***out, size_t *n_out);
/* An object of strings into key/value pairs.  */
int oci_get_kv (struct walk *w, json_object *o, const char *key, struct sbx_oci_kv **out,
                size_t *n_out);
/* The array `key` of `o` as a list of objects: for each element, with
   the path at key[i] and the element checked to be an object with only the
   `known` keys (and none of `refused`), `fn (w, item, slot, ctx)` reads
   it into `slot`, the i-th of the `size`-byte slots *out gets (zeroed,
   one spare); *n counts each slot before fn fills it, so that freeing *n
   slots frees what a failed one holds.  out NULL: no slots (slot NULL).
   An absent array is an empty one.  Stops at the first error.  */
typedef int oci_item_fn (struct walk *w, json_object *item, void *slot, void *ctx);
int oci_objects (struct walk *w, json_object *o, const char *key, const char *const *known,
                 const char *const *refused, size_t size, void *out, size_t *n, oci_item_fn *fn,
                 void *ctx);
void oci_free_strv (char **v);
bool oci_absolute (const char *p);

/* linux (oci-linux.c) and linux.seccomp (oci-seccomp.c).  */
int oci_parse_linux (struct walk *w, json_object *root, struct sbx_oci_config *c);
int oci_parse_seccomp (struct walk *w, json_object *lx, struct sbx_oci_seccomp *s);

#endif
