/* sbx: walking a config.json; see oci-walk.h.  */
#define _GNU_SOURCE
#include "oci-walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

/* Enter `key` (an object member) or `[i]`; returns the old length to
   restore with leave.  */
size_t
oci_enter (struct walk *w, const char *key)
{
  size_t n = strlen (w->path);
  snprintf (w->path + n, sizeof w->path - n, "%s%s", n ? "." : "", key);
  return n;
}

size_t
oci_enter_idx (struct walk *w, size_t i)
{
  size_t n = strlen (w->path);
  snprintf (w->path + n, sizeof w->path - n, "[%zu]", i);
  return n;
}

void
oci_leave (struct walk *w, size_t n)
{
  w->path[n] = '\0';
}

int
oci_fail (struct walk *w, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    sbx_oom ();
  va_end (ap);
  return sbx_error_make (w->err, 0, "%s: %s: %s", w->origin, *w->path ? w->path : "(top)", msg);
}

json_object *
oci_member (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (o == NULL || !json_object_object_get_ex (o, key, &v)
      || json_object_is_type (v, json_type_null))
    return NULL;
  return v;
}

static const char *
type_name (json_type t)
{
  switch (t)
    {
    case json_type_object:
      return "an object";
    case json_type_array:
      return "an array";
    case json_type_string:
      return "a string";
    case json_type_boolean:
      return "true or false";
    case json_type_int:
    case json_type_double:
      return "a number";
    default:
      return "null";
    }
}

/* `v` (at the current path) is of type t.  */
int
oci_expect (struct walk *w, json_object *v, json_type t)
{
  if (json_object_is_type (v, t))
    return 0;
  return oci_fail (w, "expected %s, got %s", type_name (t), type_name (json_object_get_type (v)));
}

/* The keys of `o` the spec defines: those sbx reads (`known`) and those
   it cannot honour (`refused`, an error when present).  Anything else is
   an extension the spec tells runtimes to ignore: said under -v.  */
int
oci_check_keys (struct walk *w, json_object *o, const char *const *known,
                const char *const *refused)
{
  json_object_object_foreach (o, key, val)
  {
    bool found = false;
    if (json_object_is_type (val, json_type_null))
      continue;
    for (const char *const *k = refused; k && *k && !found; k++)
      if (strcmp (*k, key) == 0)
        {
          size_t n = oci_enter (w, key);
          oci_fail (w, "not supported by sbx");
          oci_leave (w, n);
          return -1;
        }
    for (const char *const *k = known; *k && !found; k++)
      found = strcmp (*k, key) == 0;
    if (!found)
      sbx_log_debug ("%s: %s%s%s: not an OCI property sbx knows: ignored", w->origin, w->path,
                     *w->path ? "." : "", key);
  }
  return 0;
}

int
oci_get_string (struct walk *w, json_object *o, const char *key, bool required, char **out)
{
  json_object *v = oci_member (o, key);
  size_t n = oci_enter (w, key);
  int ret = 0;

  if (v == NULL)
    ret = required ? oci_fail (w, "missing") : 0;
  else if (oci_expect (w, v, json_type_string) < 0)
    ret = -1;
  else
    {
      free (*out);
      *out = xstrdup (json_object_get_string (v));
    }
  oci_leave (w, n);
  return ret;
}

int
oci_get_bool (struct walk *w, json_object *o, const char *key, bool *out)
{
  json_object *v = oci_member (o, key);
  size_t n = oci_enter (w, key);
  int ret = 0;

  if (v && oci_expect (w, v, json_type_boolean) < 0)
    ret = -1;
  else if (v)
    *out = json_object_get_boolean (v);
  oci_leave (w, n);
  return ret;
}

/* A whole number from `min` to `max` at the current path.  */
int
oci_number (struct walk *w, json_object *v, int64_t min, uint64_t max, int64_t *out)
{
  int64_t s;

  if (oci_expect (w, v, json_type_int) < 0)
    return -1;
  s = json_object_get_int64 (v);
  if (s < min)
    return oci_fail (w, "%lld is out of range (at least %lld)", (long long)s, (long long)min);
  if (s < 0)
    {
      *out = s;
      return 0;
    }
  if (json_object_get_uint64 (v) > max)
    return oci_fail (w, "%llu is out of range (at most %llu)",
                     (unsigned long long)json_object_get_uint64 (v), (unsigned long long)max);
  *out = s;
  return 0;
}

/* An unsigned 64-bit oci_number (rlimits: 2^64-1 is "unlimited").  */
int
oci_unsigned64 (struct walk *w, json_object *v, uint64_t *out)
{
  if (oci_expect (w, v, json_type_int) < 0)
    return -1;
  if (json_object_get_int64 (v) < 0)
    return oci_fail (w, "expected a number of 0 or more");
  *out = json_object_get_uint64 (v);
  return 0;
}

/* `key` as a number in [min, max]; *has (if not NULL) says whether it was
   there.  */
int
oci_get_num (struct walk *w, json_object *o, const char *key, int64_t min, uint64_t max,
             int64_t *out, bool *has)
{
  json_object *v = oci_member (o, key);
  size_t n = oci_enter (w, key);
  int ret = 0;

  if (has)
    *has = v != NULL;
  if (v)
    ret = oci_number (w, v, min, max, out);
  oci_leave (w, n);
  return ret;
}

int
oci_get_u32 (struct walk *w, json_object *o, const char *key, bool required, uint32_t *out,
             bool *has)
{
  int64_t v = 0;
  bool there = false;

  if (oci_get_num (w, o, key, 0, UINT32_MAX, &v, &there) < 0)
    return -1;
  if (!there && required)
    {
      size_t n = oci_enter (w, key);
      oci_fail (w, "missing");
      oci_leave (w, n);
      return -1;
    }
  if (there)
    *out = (uint32_t)v;
  if (has)
    *has = there;
  return 0;
}

/* An array of strings, NULL-terminated, into *out (and its length).  */
int
oci_get_strings (struct walk *w, json_object *o, const char *key, char ***out, size_t *n_out)
{
  json_object *v = oci_member (o, key);
  size_t n = oci_enter (w, key), len;
  int ret = 0;

  *out = NULL;
  if (n_out)
    *n_out = 0;
  if (v == NULL)
    goto out;
  if (oci_expect (w, v, json_type_array) < 0)
    {
      ret = -1;
      goto out;
    }
  len = json_object_array_length (v);
  *out = xmalloc0 ((len + 1) * sizeof **out);
  for (size_t i = 0; i < len; i++)
    {
      json_object *s = json_object_array_get_idx (v, i);
      size_t m = oci_enter_idx (w, i);
      if (oci_expect (w, s, json_type_string) < 0)
        {
          ret = -1;
          oci_leave (w, m);
          break;
        }
      (*out)[i] = xstrdup (json_object_get_string (s));
      oci_leave (w, m);
      if (n_out)
        *n_out = i + 1;
    }
out:
  oci_leave (w, n);
  return ret;
}

void
oci_free_strv (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

bool
oci_absolute (const char *p)
{
  return p && p[0] == '/';
}

/* An object of strings into key/value pairs.  */
int
oci_get_kv (struct walk *w, json_object *o, const char *key, struct sbx_oci_kv **out, size_t *n_out)
{
  json_object *v = oci_member (o, key);
  size_t n = oci_enter (w, key);
  int ret = 0;

  if (v == NULL)
    goto out;
  if (oci_expect (w, v, json_type_object) < 0)
    {
      ret = -1;
      goto out;
    }
  *out = xmalloc0 ((json_object_object_length (v) + 1) * sizeof **out);
  json_object_object_foreach (v, k, val)
  {
    size_t m = oci_enter (w, k);
    ret = oci_expect (w, val, json_type_string);
    oci_leave (w, m);
    if (ret < 0)
      break;
    (*out)[*n_out].key = xstrdup (k);
    (*out)[*n_out].value = xstrdup (json_object_get_string (val));
    (*n_out)++;
  }
out:
  oci_leave (w, n);
  return ret;
}

int
oci_objects (struct walk *w, json_object *o, const char *key, const char *const *known,
             const char *const *refused, size_t size, void *out, size_t *n, oci_item_fn *fn,
             void *ctx)
{
  json_object *v = oci_member (o, key);
  size_t at = oci_enter (w, key), len;
  char *slots = NULL;
  int ret = 0;

  if (n)
    *n = 0;
  if (v == NULL || oci_expect (w, v, json_type_array) < 0)
    {
      ret = v == NULL ? 0 : -1;
      goto out;
    }
  len = json_object_array_length (v);
  if (out)
    {
      slots = xmalloc0 ((len + 1) * size);
      *(void **)out = slots;
    }
  for (size_t i = 0; i < len && ret == 0; i++)
    {
      json_object *item = json_object_array_get_idx (v, i);
      size_t k = oci_enter_idx (w, i);
      if (n)
        (*n)++;
      if (oci_expect (w, item, json_type_object) < 0 || oci_check_keys (w, item, known, refused) < 0
          || fn (w, item, slots ? slots + i * size : NULL, ctx) < 0)
        ret = -1;
      oci_leave (w, k);
    }
out:
  oci_leave (w, at);
  return ret;
}
