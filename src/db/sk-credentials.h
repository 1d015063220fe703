/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* The service's master key: 32 bytes, AES-256. */
#define SK_MASTER_KEY_LEN 32

typedef struct _SkMasterKey SkMasterKey;

/**
 * SkCredentialsEnvelope:
 * @ciphertext: the credentials JSON, AES-256-GCM under a fresh data key, then the 16-byte tag
 * @nonce: the data's 12-byte nonce
 * @wrapped_key: the data key, AES-256-GCM under the master key: nonce (12), key (32), tag (16)
 * @key_version: the master key's version
 *
 * What `partner_integrations` stores in credentials_enc, credentials_nonce, credentials_key
 * and credentials_key_version. None of it is secret without the master key.
 */
typedef struct
{
  GBytes *ciphertext;
  GBytes *nonce;
  GBytes *wrapped_key;
  int     key_version;
} SkCredentialsEnvelope;

SkMasterKey *sk_master_key_new            (const guint8                *key,
                                           gsize                        len,
                                           int                          version,
                                           GError                     **error);
SkMasterKey *sk_master_key_new_from_text  (const char                  *text,
                                           GError                     **error);
void         sk_master_key_free           (SkMasterKey                 *self);
int          sk_master_key_get_version    (const SkMasterKey           *self);

void         sk_credentials_envelope_clear (SkCredentialsEnvelope      *envelope);

char        *sk_credentials_aad           (const char                  *business_id,
                                           const char                  *system,
                                           const char                  *account_id);
gboolean     sk_credentials_seal          (const SkMasterKey           *key,
                                           const char                  *aad,
                                           const char                  *plaintext,
                                           SkCredentialsEnvelope       *out,
                                           GError                     **error);
char        *sk_credentials_open          (const SkMasterKey           *key,
                                           const char                  *aad,
                                           const SkCredentialsEnvelope *envelope,
                                           GError                     **error);
void         sk_credentials_text_free     (char                        *text);

gint64       sk_credentials_store         (PGconn                      *conn,
                                           const SkMasterKey           *key,
                                           const char                  *business_id,
                                           const char                  *system,
                                           const char                  *account_id,
                                           const char                  *time_zone,
                                           guint                        interval_minutes,
                                           const char                  *json,
                                           GError                     **error);
char        *sk_credentials_load          (PGconn                      *conn,
                                           const SkMasterKey           *key,
                                           gint64                       integration_id,
                                           GError                     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkMasterKey, sk_master_key_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SkCredentialsEnvelope, sk_credentials_envelope_clear)

G_END_DECLS
