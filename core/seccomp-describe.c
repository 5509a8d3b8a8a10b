/* sbx: the seccomp policy in words and JSON (`sbx seccomp show`,
   `sbx seccomp groups`); see seccomp.h.  */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "seccomp-policy.h"
#include "seccomp-tables.h"
#include "seccomp.h"

static int
by_string (const void *a, const void *b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Print names wrapped at 78 columns, indented.  */
static void
wrap (FILE *out, const char *const *names, size_t n)
{
  size_t col = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t len = strlen (names[i]);
      if (col == 0)
        col = fprintf (out, "   ");
      else if (col + len + 1 > 78)
        {
          fputc ('\n', out);
          col = fprintf (out, "   ");
        }
      col += fprintf (out, " %s", names[i]);
    }
  if (col)
    fputc ('\n', out);
}

/* What a syscall allowed with its arguments checked may do, in words.  */
static const char *
checked_note (const char *name, const struct sbx_seccomp_policy *p)
{
  bool admin = p->admin;
  if (p->nested_userns && (strcmp (name, "clone") == 0 || strcmp (name, "unshare") == 0))
    return admin ? "any namespace; a user namespace only without mount, cgroup and UTS ones "
                   "(--nested-userns); others EPERM"
                 : "user, PID, network and IPC namespaces (--nested-userns), no mount, cgroup "
                   "or UTS one; others EPERM";
  if (strcmp (name, "socket") == 0)
    return "families AF_UNIX, AF_INET, AF_INET6, AF_NETLINK; others EAFNOSUPPORT";
  if (strcmp (name, "personality") == 0)
    return "PER_LINUX, PER_LINUX32, UNAME26 and the query; others EPERM";
  if (strcmp (name, "clone") == 0)
    return admin ? "no new user namespace; others EPERM" : "no new namespaces; others EPERM";
  if (strcmp (name, "unshare") == 0)
    return "no new user namespace; others EPERM";
  if (strcmp (name, "clone3") == 0)
    return "ENOSYS, so libc falls back to clone (its flags cannot be checked)";
  if (strcmp (name, "ioctl") == 0)
    return "all but TIOCSTI and TIOCLINUX (EPERM, low 32 bits compared)";
  return NULL;
}

static json_object *
json_names (const char *const *names, size_t n)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < n; i++)
    json_object_array_add (a, json_object_new_string (names[i]));
  return a;
}

static void
json_print (FILE *out, json_object *o)
{
  fprintf (out, "%s\n",
           json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                  | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
}

int
sbx_seccomp_describe (const struct sbx_seccomp *sc, uint64_t caps_keep, bool json, FILE *out,
                      sbx_error_t *err)
{
  struct sbx_seccomp_policy p;
  const char **allowed, **refused, **checked;
  size_t n_allowed = 0, n_refused = 0, n_checked = 0;

  if (sc->mode == SBX_SECCOMP_UNCONFINED)
    {
      if (json)
        {
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "policy", json_object_new_string ("unconfined"));
          json_print (out, o);
        }
      else
        fputs ("seccomp policy: unconfined (no filter; every syscall reaches the kernel)\n", out);
      return 0;
    }
  if (sbx_seccomp_resolve (sc, caps_keep, &p, err) < 0)
    {
      free (p.v);
      return -1;
    }
  qsort (p.v, p.n, sizeof *p.v, sbx_seccomp_entry_cmp);
  allowed = xmalloc0 ((p.n + 1) * sizeof *allowed);
  checked = xmalloc0 ((p.n + 1) * sizeof *checked);
  for (size_t i = 0; i < p.n; i++)
    {
      if (seccomp_syscall_resolve_name (p.v[i].name) < 0)
        continue;
      if (p.v[i].d == SBX_SC_ALLOW)
        allowed[n_allowed++] = p.v[i].name;
      else if (p.v[i].d == SBX_SC_CHECKED && checked_note (p.v[i].name, &p))
        checked[n_checked++] = p.v[i].name;
    }

  /* The refused calls worth naming: the groups' members.  */
  n_refused = 0;
  refused = xmalloc0 ((p.n + 1) * sizeof *refused);
  for (const struct sbx_seccomp_group *g = sbx_seccomp_groups; g->name; g++)
    for (const char *const *m = g->members; *m; m++)
      {
        bool dup = false;
        const struct sbx_seccomp_entry *e = NULL;
        if ((*m)[0] == '@' || seccomp_syscall_resolve_name (*m) < 0)
          continue;
        for (size_t i = 0; i < p.n; i++)
          if (strcmp (p.v[i].name, *m) == 0)
            e = &p.v[i];
        for (size_t i = 0; i < n_refused; i++)
          dup |= strcmp (refused[i], *m) == 0;
        if (!dup && (e == NULL || e->d == SBX_SC_DENY))
          {
            refused = xrealloc (refused, (n_refused + 1) * sizeof *refused);
            refused[n_refused++] = *m;
          }
      }
  qsort (refused, n_refused, sizeof *refused, by_string);

  if (json)
    {
      json_object *o = json_object_new_object (), *ops = json_object_new_array ();
      json_object *chk = json_object_new_array ();
      json_object_object_add (o, "policy", json_object_new_string ("default"));
      for (size_t i = 0; i < sc->n_ops; i++)
        {
          json_object *op = json_object_new_object ();
          json_object_object_add (op, "action",
                                  json_object_new_string (sc->ops[i].allow ? "allow" : "deny"));
          json_object_object_add (op, "name", json_object_new_string (sc->ops[i].name));
          json_object_object_add (op, "origin", json_object_new_string (sc->ops[i].origin));
          json_object_array_add (ops, op);
        }
      json_object_object_add (o, "changes", ops);
      json_object_object_add (o, "allowed", json_names (allowed, n_allowed));
      for (size_t i = 0; i < n_checked; i++)
        {
          json_object *c = json_object_new_object ();
          json_object_object_add (c, "name", json_object_new_string (checked[i]));
          json_object_object_add (c, "rule",
                                  json_object_new_string (checked_note (checked[i], &p)));
          json_object_array_add (chk, c);
        }
      json_object_object_add (o, "checked", chk);
      json_object_object_add (o, "refused", json_names (refused, n_refused));
      json_object_object_add (o, "refused_action",
                              json_object_new_string (sc->log ? "log" : "EPERM"));
      json_object_object_add (o, "other_abis", json_object_new_string ("ENOSYS"));
      json_print (out, o);
    }
  else
    {
      fprintf (out, "seccomp policy: default%s%s\n", sc->n_ops ? ", changed by " : "",
               sc->n_ops ? "the options below" : "");
      for (size_t i = 0; i < sc->n_ops; i++)
        fprintf (out, "  %s %s (%s)\n", sc->ops[i].allow ? "allow" : "deny", sc->ops[i].name,
                 sc->ops[i].origin);
      fputs ("\nAllowed on this architecture:\n", out);
      wrap (out, allowed, n_allowed);
      fputs ("\nAllowed with their arguments checked:\n", out);
      for (size_t i = 0; i < n_checked; i++)
        fprintf (out, "    %-12s %s\n", checked[i], checked_note (checked[i], &p));
      fprintf (out, "\nRefused (%s), among them:\n",
               sc->log ? "reported by sbx, then EPERM" : "EPERM");
      wrap (out, refused, n_refused);
      fputs ("  and every syscall not allowed above.\n"
             "\nOther ABIs (i386 through int $0x80, x32): refused (ENOSYS).\n",
             out);
    }
  free (allowed);
  free (checked);
  free (refused);
  free (p.v);
  return 0;
}

void
sbx_seccomp_describe_groups (bool json, FILE *out)
{
  json_object *arr = json ? json_object_new_array () : NULL;

  for (const struct sbx_seccomp_group *g = sbx_seccomp_groups; g->name; g++)
    {
      size_t n = 0;
      while (g->members[n])
        n++;
      if (json)
        {
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "name", json_object_new_string (g->name));
          json_object_object_add (o, "description", json_object_new_string (g->description));
          json_object_object_add (o, "members", json_names ((const char *const *)g->members, n));
          json_object_array_add (arr, o);
          continue;
        }
      fprintf (out, "%s: %s\n", g->name, g->description);
      wrap (out, (const char *const *)g->members, n);
    }
  if (json)
    json_print (out, arr);
}
