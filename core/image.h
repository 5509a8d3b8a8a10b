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

/* Read and verify the image, unpack the layers the store lacks; fills
   img.  Reading and checking happen here, in the launcher (json-c and
   nettle); the layers the store lacks are unpacked by sbx-image, run once
   for all of them (libarchive loads only into that process, and only
   when a layer is new).  */
int sbx_image_prepare (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                       sbx_error_t *err);
void sbx_image_free (struct sbx_image *img);

/* Shared by the launcher and sbx-image (image.c).  */
/* The hex of "sha256:HEX" (64 lower-case hex digits), or NULL.  */
const char *sbx_image_digest_hex (const char *digest);
/* The path of a blob of image `dir`, checked against its digest.  */
char *sbx_image_verified_blob (const char *dir, const char *digest, sbx_error_t *err);
/* Whether the store (open on storefd) holds layer `hex`: 1 yes, 0 no.  */
int sbx_image_layer_present (int storefd, const char *hex);

/* image-call.c: run sbx-image on the `n` layers `digests` of the image
   in `dir` (`ref` as the user wrote it, for errors).  */
int sbx_image_run_unpacker (const char *ref, const char *dir, const char *const *digests, size_t n,
                            const struct sbx_user *user, sbx_error_t *err);
/* In sbx-image: its answer on `fd`, the one sbx_image_run_unpacker
   reads: done, or the error `e` when it is not NULL.  */
int sbx_image_answer (int fd, const sbx_error_t e);

/* image-unpack.c, in sbx-image: unpack the layers `digests` of the image
   in `dir` into the store, each checked against its digest first.  */
int sbx_image_unpack (const char *dir, char *const *digests, size_t n, const struct sbx_user *user,
                      sbx_error_t *err);

#endif
