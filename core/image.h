/* sbx: OCI image layouts as the lower layers of a sandbox
   (--image oci:DIR[:TAG], what `skopeo copy ... oci:DIR:TAG` or
   `podman save --format oci-dir` write).
 *
 * index.json names the manifest (by the org.opencontainers.image.ref.name
 * annotation), the manifest names the config and the layers; every blob
 * is checked against its sha256 digest before use.  Layers are unpacked
 * once (libarchive: tar, gzip, zstd) into a content-addressed store,
 * $XDG_DATA_HOME/sbx/layers/sha256/HEX, inside a user namespace with the
 * mapping sandboxes of images use (the caller is root inside, the
 * subordinate ids the rest), so that owners come out right.  OCI
 * whiteouts become what both overlays read: a .wh.NAME file a 0/0
 * character device, a .wh..wh..opq marker the opaque xattrs.  Entries
 * that would land outside the layer (.., absolute paths, through a
 * symlink) refuse the whole layer, and a failed unpack leaves nothing in
 * the store.  */
#ifndef SBX_IMAGE_H
#define SBX_IMAGE_H

#include <stddef.h>

#include "base/error.h"
#include "spec.h"

struct sbx_image
{
  char *dir, *tag;
  char **layers; /* unpacked layer dirs, bottom first */
  size_t n_layers;
  char **env;    /* config Env, NULL-terminated */
  char **cmd;    /* Entrypoint then Cmd, NULL-terminated; may be empty */
  char *workdir; /* config WorkingDir, or NULL */
  char *user;    /* config User, or NULL */
};

/* "oci:DIR[:TAG]".  Pure.  */
int sbx_image_parse_ref (const char *ref, char **dir, char **tag, sbx_error_t *err);

/* Read, verify and unpack the image; fills img.  The launcher's side
   (core/image-call.c): it runs sbx-image, which calls sbx_image_load, and
   reads its answer, so that libarchive and json-c load only
   into the process that reads images.  */
int sbx_image_prepare (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                       sbx_error_t *err);
void sbx_image_free (struct sbx_image *img);

/* In sbx-image: the work itself (core/image.c).  */
int sbx_image_load (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                    sbx_error_t *err);
/* In sbx-image: the answer sbx_image_prepare reads, on `fd`: img, or
   the error `e` when it is not NULL.  */
int sbx_image_send (int fd, const struct sbx_image *img, const sbx_error_t e);

#endif
