/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-credentials.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sk-db.h"

/*
 * Partner credentials are an envelope: the JSON document is sealed with AES-256-GCM under a
 * fresh random data key, and the data key is sealed (AES-256-GCM again) under the service's
 * master key. Only the master key lives outside the database. The data's additional
 * authenticated data names the integration (business, system, account), so an envelope
 * copied onto another row does not open there; the data key's names the master key version.
 * Plain text and keys are wiped with OPENSSL_cleanse() once used, and no message here ever
 * repeats either.
 */

#define NONCE_LEN 12
#define TAG_LEN   16
#define WRAPPED_KEY_LEN (NONCE_LEN + SK_MASTER_KEY_LEN + TAG_LEN)

struct _SkMasterKey
{
  guint8 key[SK_MASTER_KEY_LEN];
  int    version;
};

/**
 * sk_master_key_new:
 * @key: 32 bytes
 * @version: the key's version (> 0), stored with each envelope
 *
 * Returns: (transfer full): a copy of @key, wiped again by sk_master_key_free()
 */
SkMasterKey *
sk_master_key_new (const guint8  *key,
                   gsize          len,
                   int            version,
                   GError       **error)
{
  SkMasterKey *self;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (version > 0, NULL);

  if (len != SK_MASTER_KEY_LEN)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   _("The master key must be %d bytes long"), SK_MASTER_KEY_LEN);
      return NULL;
    }

  self = g_new0 (SkMasterKey, 1);
  memcpy (self->key, key, SK_MASTER_KEY_LEN);
  self->version = version;
  return self;
}

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/**
 * sk_master_key_new_from_text:
 * @text: the key as 64 hexadecimal digits (`openssl rand -hex 32`) or as 44 characters of
 *   base64 (`openssl rand -base64 32`); white space around it is ignored
 *
 * Returns: (transfer full): version 1 of the master key, or %NULL with @error set (the
 *   message never repeats @text)
 */
SkMasterKey *
sk_master_key_new_from_text (const char  *text,
                             GError     **error)
{
  guint8 key[SK_MASTER_KEY_LEN];
  g_autofree char *copy = NULL;
  SkMasterKey *self = NULL;
  gsize len;
  gboolean ok = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  copy = g_strstrip (g_strdup (text));
  len = strlen (copy);

  if (len == 2 * SK_MASTER_KEY_LEN)
    {
      ok = TRUE;
      for (gsize i = 0; i < SK_MASTER_KEY_LEN && ok; i++)
        {
          int hi = g_ascii_xdigit_value (copy[2 * i]);
          int lo = g_ascii_xdigit_value (copy[2 * i + 1]);

          if (hi < 0 || lo < 0)
            ok = FALSE;
          else
            key[i] = (guint8) (hi << 4 | lo);
        }
    }
  else if (len == 44 && copy[43] == '=')
    {
      guchar *decoded;
      gsize decoded_len = 0;

      ok = TRUE;
      for (gsize i = 0; i < 43 && ok; i++)
        ok = is_base64_char (copy[i]);
      if (ok)
        {
          decoded = g_base64_decode (copy, &decoded_len);
          ok = decoded_len == SK_MASTER_KEY_LEN;
          if (ok)
            memcpy (key, decoded, SK_MASTER_KEY_LEN);
          OPENSSL_cleanse (decoded, decoded_len);
          g_free (decoded);
        }
    }

  if (ok)
    self = sk_master_key_new (key, SK_MASTER_KEY_LEN, 1, error);
  else
    g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                 _("The master key must be 32 bytes written as 64 hexadecimal digits "
                   "or as 44 characters of base64"));

  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (copy, len);
  return self;
}

void
sk_master_key_free (SkMasterKey *self)
{
  if (self == NULL)
    return;

  OPENSSL_cleanse (self, sizeof *self);
  g_free (self);
}

int
sk_master_key_get_version (const SkMasterKey *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->version;
}

void
sk_credentials_envelope_clear (SkCredentialsEnvelope *envelope)
{
  g_clear_pointer (&envelope->ciphertext, g_bytes_unref);
  g_clear_pointer (&envelope->nonce, g_bytes_unref);
  g_clear_pointer (&envelope->wrapped_key, g_bytes_unref);
  envelope->key_version = 0;
}

/**
 * sk_credentials_text_free:
 *
 * Wipes and frees a plain text returned by sk_credentials_open() or sk_credentials_load().
 */
void
sk_credentials_text_free (char *text)
{
  if (text == NULL)
    return;

  OPENSSL_cleanse (text, strlen (text));
  g_free (text);
}

/**
 * sk_credentials_aad:
 *
 * Returns: (transfer full): the additional authenticated data of one integration's
 *   credentials: they open only on the row of this business, system and account.
 */
char *
sk_credentials_aad (const char *business_id,
                    const char *system,
                    const char *account_id)
{
  g_return_val_if_fail (business_id != NULL, NULL);
  g_return_val_if_fail (system != NULL, NULL);

  return g_strdup_printf ("svoikrug/partner-credentials/v1\n%s\n%s\n%s",
                          business_id, system, account_id ? account_id : "");
}

static char *
wrap_aad (int version)
{
  return g_strdup_printf ("svoikrug/data-key/v%d", version);
}

/* AES-256-GCM with a 12-byte nonce; @out gets @len bytes, then the tag. */
static gboolean
gcm_seal (const guint8 *key,
          const guint8 *nonce,
          const char   *aad,
          const guint8 *in,
          gsize         len,
          guint8       *out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n = 0;
  int tail = 0;
  gboolean ok;

  if (ctx == NULL || len > G_MAXINT)
    {
      EVP_CIPHER_CTX_free (ctx);
      return FALSE;
    }

  ok = EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
       EVP_EncryptInit_ex (ctx, NULL, NULL, key, nonce) == 1 &&
       EVP_EncryptUpdate (ctx, NULL, &n, (const guint8 *) aad, (int) strlen (aad)) == 1 &&
       EVP_EncryptUpdate (ctx, out, &n, in, (int) len) == 1 &&
       EVP_EncryptFinal_ex (ctx, out + n, &tail) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + len) == 1;

  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

/* The reverse of gcm_seal(): @in is @len bytes and the tag; FALSE when the tag is wrong. */
static gboolean
gcm_open (const guint8 *key,
          const guint8 *nonce,
          const char   *aad,
          const guint8 *in,
          gsize         len,
          guint8       *out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 tag[TAG_LEN];
  int n = 0;
  int tail = 0;
  gboolean ok;

  if (ctx == NULL || len > G_MAXINT)
    {
      EVP_CIPHER_CTX_free (ctx);
      return FALSE;
    }

  memcpy (tag, in + len, TAG_LEN);
  ok = EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
       EVP_DecryptInit_ex (ctx, NULL, NULL, key, nonce) == 1 &&
       EVP_DecryptUpdate (ctx, NULL, &n, (const guint8 *) aad, (int) strlen (aad)) == 1 &&
       EVP_DecryptUpdate (ctx, out, &n, in, (int) len) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
       EVP_DecryptFinal_ex (ctx, out + n, &tail) == 1;

  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    OPENSSL_cleanse (out, len);
  return ok;
}

/**
 * sk_credentials_seal:
 * @key: the master key
 * @aad: sk_credentials_aad() of the integration
 * @plaintext: the credentials (a JSON document)
 * @out: (out caller-allocates): the envelope; clear it with sk_credentials_envelope_clear()
 *
 * Returns: %FALSE only when OpenSSL fails (no randomness)
 */
gboolean
sk_credentials_seal (const SkMasterKey      *key,
                     const char             *aad,
                     const char             *plaintext,
                     SkCredentialsEnvelope  *out,
                     GError                **error)
{
  guint8 data_key[SK_MASTER_KEY_LEN];
  guint8 nonce[NONCE_LEN];
  guint8 *wrapped = NULL;
  guint8 *ciphertext = NULL;
  g_autofree char *key_aad = NULL;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (aad != NULL, FALSE);
  g_return_val_if_fail (plaintext != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  len = strlen (plaintext);
  wrapped = g_malloc (WRAPPED_KEY_LEN);
  ciphertext = g_malloc (len + TAG_LEN);
  key_aad = wrap_aad (key->version);

  ok = RAND_bytes (data_key, sizeof data_key) == 1 &&
       RAND_bytes (nonce, sizeof nonce) == 1 &&
       RAND_bytes (wrapped, NONCE_LEN) == 1 &&
       gcm_seal (data_key, nonce, aad, (const guint8 *) plaintext, len, ciphertext) &&
       gcm_seal (key->key, wrapped, key_aad, data_key, sizeof data_key, wrapped + NONCE_LEN);
  OPENSSL_cleanse (data_key, sizeof data_key);

  if (!ok)
    {
      g_free (wrapped);
      g_free (ciphertext);
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The credentials could not be encrypted"));
      return FALSE;
    }

  out->ciphertext = g_bytes_new_take (ciphertext, len + TAG_LEN);
  out->nonce = g_bytes_new (nonce, sizeof nonce);
  out->wrapped_key = g_bytes_new_take (wrapped, WRAPPED_KEY_LEN);
  out->key_version = key->version;
  return TRUE;
}

/**
 * sk_credentials_open:
 * @key: the master key
 * @aad: sk_credentials_aad() of the integration the envelope was read from
 * @envelope: the stored envelope
 *
 * Returns: (transfer full): the plain text, to be freed with sk_credentials_text_free(); or
 *   %NULL with @error set: "credentials cannot be decrypted with this master key" for another
 *   master key, and another message when the envelope belongs to another integration
 */
char *
sk_credentials_open (const SkMasterKey            *key,
                     const char                   *aad,
                     const SkCredentialsEnvelope  *envelope,
                     GError                      **error)
{
  guint8 data_key[SK_MASTER_KEY_LEN];
  g_autofree char *key_aad = NULL;
  const guint8 *wrapped;
  const guint8 *ciphertext;
  const guint8 *nonce;
  gsize wrapped_len, ciphertext_len, nonce_len;
  char *plaintext;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (aad != NULL, NULL);
  g_return_val_if_fail (envelope != NULL, NULL);
  g_return_val_if_fail (envelope->ciphertext != NULL && envelope->nonce != NULL &&
                        envelope->wrapped_key != NULL, NULL);

  wrapped = g_bytes_get_data (envelope->wrapped_key, &wrapped_len);
  ciphertext = g_bytes_get_data (envelope->ciphertext, &ciphertext_len);
  nonce = g_bytes_get_data (envelope->nonce, &nonce_len);

  if (wrapped_len != WRAPPED_KEY_LEN || nonce_len != NONCE_LEN || ciphertext_len < TAG_LEN)
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The stored credentials are damaged"));
      return NULL;
    }

  if (envelope->key_version != key->version)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   _("The credentials were encrypted with master key version %d, "
                     "the configured key is version %d"),
                   envelope->key_version, key->version);
      return NULL;
    }

  key_aad = wrap_aad (key->version);
  if (!gcm_open (key->key, wrapped, key_aad, wrapped + NONCE_LEN, SK_MASTER_KEY_LEN, data_key))
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("credentials cannot be decrypted with this master key"));
      return NULL;
    }

  plaintext = g_malloc (ciphertext_len - TAG_LEN + 1);
  if (!gcm_open (data_key, nonce, aad, ciphertext, ciphertext_len - TAG_LEN,
                 (guint8 *) plaintext))
    {
      OPENSSL_cleanse (data_key, sizeof data_key);
      g_free (plaintext);
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The stored credentials belong to another integration "
                             "or were altered"));
      return NULL;
    }
  OPENSSL_cleanse (data_key, sizeof data_key);
  plaintext[ciphertext_len - TAG_LEN] = '\0';

  if (strlen (plaintext) != ciphertext_len - TAG_LEN)
    {
      sk_credentials_text_free (plaintext);
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The stored credentials are damaged"));
      return NULL;
    }

  return plaintext;
}

/**
 * sk_credentials_store:
 * @conn: a connection as the service or a platform admin
 * @key: the master key
 * @business_id: the partner (uuid text)
 * @system: its system: yclients, amocrm, bitrix24, onec, iiko, renovatio or csv
 * @account_id: (nullable): its account in that system
 * @time_zone: (nullable): the zone of the system's times without an offset (%NULL: keep, or
 *   Europe/Moscow for a new integration)
 * @interval_minutes: minutes between syncs, 1 to 1440 (0: keep, or 15 for a new one)
 * @json: the credentials document
 *
 * Seals @json and stores it through partner_integration_set_credentials(), creating the
 * integration when it is missing. Nothing of @json reaches the database in plain text.
 *
 * Returns: the integration's id, or 0 with @error set
 */
gint64
sk_credentials_store (PGconn             *conn,
                      const SkMasterKey  *key,
                      const char         *business_id,
                      const char         *system,
                      const char         *account_id,
                      const char         *time_zone,
                      guint               interval_minutes,
                      const char         *json,
                      GError            **error)
{
  g_auto(SkCredentialsEnvelope) envelope = { 0, };
  g_autofree char *aad = NULL;
  g_autofree char *interval = NULL;
  g_autofree char *version = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *values[9];
  int lengths[9] = { 0, };
  int formats[9] = { 0, };
  gsize len;

  g_return_val_if_fail (conn != NULL, 0);
  g_return_val_if_fail (key != NULL, 0);
  g_return_val_if_fail (business_id != NULL, 0);
  g_return_val_if_fail (system != NULL, 0);
  g_return_val_if_fail (json != NULL, 0);
  g_return_val_if_fail (interval_minutes <= 1440, 0);

  aad = sk_credentials_aad (business_id, system, account_id);
  if (!sk_credentials_seal (key, aad, json, &envelope, error))
    return 0;

  if (interval_minutes > 0)
    interval = g_strdup_printf ("%u minutes", interval_minutes);
  version = g_strdup_printf ("%d", envelope.key_version);

  values[0] = business_id;
  values[1] = system;
  values[2] = account_id ? account_id : "";
  values[3] = time_zone;
  values[4] = interval;
  values[5] = g_bytes_get_data (envelope.ciphertext, &len);
  lengths[5] = (int) len;
  formats[5] = 1;
  values[6] = g_bytes_get_data (envelope.nonce, &len);
  lengths[6] = (int) len;
  formats[6] = 1;
  values[7] = g_bytes_get_data (envelope.wrapped_key, &len);
  lengths[7] = (int) len;
  formats[7] = 1;
  values[8] = version;

  result = PQexecParams (conn,
                         "SELECT partner_integration_set_credentials ($1::uuid, $2, $3, $4,"
                         " $5::interval, $6::bytea, $7::bytea, $8::bytea, $9::integer)",
                         9, NULL, values, lengths, formats, 0);
  if (PQresultStatus (result) == PGRES_FATAL_ERROR)
    {
      const char *sqlstate = PQresultErrorField (result, PG_DIAG_SQLSTATE);

      /* The function's own refusals, said plainly. */
      if (g_strcmp0 (sqlstate, "23503") == 0)
        {
          g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                       _("There is no business %s"), business_id);
          return 0;
        }
      if (g_strcmp0 (sqlstate, "22023") == 0 && time_zone != NULL)
        {
          g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                       _("The database does not know the time zone %s"), time_zone);
          return 0;
        }
      if (g_strcmp0 (sqlstate, "42501") == 0)
        {
          g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                               _("This database user may not set partner credentials"));
          return 0;
        }
    }
  if (!sk_db_result_ok (result, "partner_integration_set_credentials", error))
    return 0;

  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

static GBytes *
bytea_value (PGresult *result,
             int       row,
             int       column)
{
  guchar *raw;
  size_t len = 0;
  GBytes *bytes;

  raw = PQunescapeBytea ((const guchar *) PQgetvalue (result, row, column), &len);
  if (raw == NULL)
    return NULL;
  bytes = g_bytes_new (raw, len);
  PQfreemem (raw);
  return bytes;
}

/**
 * sk_credentials_load:
 * @conn: a connection as the service or a platform admin
 * @key: the master key
 * @integration_id: the integration
 *
 * Returns: (transfer full) (nullable): the integration's credentials, to be freed with
 *   sk_credentials_text_free(); %NULL with @error set when they cannot be read, and %NULL
 *   without an error when none are stored
 */
char *
sk_credentials_load (PGconn             *conn,
                     const SkMasterKey  *key,
                     gint64              integration_id,
                     GError            **error)
{
  g_auto(SkCredentialsEnvelope) envelope = { 0, };
  g_autoptr(PGresult) result = NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, integration_id);
  g_autofree char *aad = NULL;
  const char *values[1] = { id };

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  result = PQexecParams (conn,
                         "SELECT business_id, system, account_id, credentials_enc,"
                         " credentials_nonce, credentials_key, credentials_key_version"
                         " FROM partner_integrations WHERE id = $1::bigint",
                         1, NULL, values, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "partner_integrations", error))
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   _("There is no partner integration %" PRId64), (int64_t) integration_id);
      return NULL;
    }
  if (PQgetisnull (result, 0, 3))
    return NULL;

  envelope.ciphertext = bytea_value (result, 0, 3);
  envelope.nonce = bytea_value (result, 0, 4);
  envelope.wrapped_key = bytea_value (result, 0, 5);
  envelope.key_version = atoi (PQgetvalue (result, 0, 6));
  if (envelope.ciphertext == NULL || envelope.nonce == NULL || envelope.wrapped_key == NULL)
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The stored credentials are damaged"));
      return NULL;
    }

  aad = sk_credentials_aad (PQgetvalue (result, 0, 0), PQgetvalue (result, 0, 1),
                            PQgetvalue (result, 0, 2));
  return sk_credentials_open (key, aad, &envelope, error);
}
