/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-phone.h"
#include "sk-purchase.h"

static const char *sources[] = { "partner", "csv", "manual", "qr" };
static const char *involved[] = { "none", "promo", "cross_bonus", "app_booking" };

/**
 * sk_purchase_new:
 *
 * Returns: (transfer full): an empty, completed purchase with no category
 */
SkPurchase *
sk_purchase_new (void)
{
  SkPurchase *p = g_new0 (SkPurchase, 1);

  p->category = SK_CATEGORY_NONE;
  p->source = SK_PURCHASE_SOURCE_PARTNER;
  p->involved_via = SK_INVOLVED_VIA_NONE;
  p->completed = TRUE;
  return p;
}

/**
 * sk_purchase_copy:
 * @purchase: a purchase
 *
 * Returns: (transfer full): a deep copy
 */
SkPurchase *
sk_purchase_copy (const SkPurchase *purchase)
{
  SkPurchase *p;

  g_return_val_if_fail (purchase != NULL, NULL);

  p = g_memdup2 (purchase, sizeof *purchase);
  p->business_id = g_strdup (purchase->business_id);
  p->external_id = g_strdup (purchase->external_id);
  p->phone_e164 = g_strdup (purchase->phone_e164);
  p->customer_hash = g_strdup (purchase->customer_hash);
  p->member_id = g_strdup (purchase->member_id);
  p->original_external_id = g_strdup (purchase->original_external_id);
  return p;
}

void
sk_purchase_free (SkPurchase *purchase)
{
  if (purchase == NULL)
    return;

  g_free (purchase->business_id);
  g_free (purchase->external_id);
  g_free (purchase->phone_e164);
  g_free (purchase->customer_hash);
  g_free (purchase->member_id);
  g_free (purchase->original_external_id);
  g_free (purchase);
}

/**
 * sk_purchase_is_refund:
 * @purchase: a purchase
 *
 * Returns: whether it is a refund (a negative amount)
 */
gboolean
sk_purchase_is_refund (const SkPurchase *purchase)
{
  g_return_val_if_fail (purchase != NULL, FALSE);

  return purchase->amount < 0;
}

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
is_hex64 (const char *s)
{
  if (strlen (s) != 64)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isxdigit (*s) || g_ascii_isupper (*s))
      return FALSE;
  return TRUE;
}

/**
 * sk_purchase_validate:
 * @purchase: a purchase from a connector
 * @error: return location for a #GError (%SK_CORE_ERROR_INVALID)
 *
 * What the pipeline needs before the database call: a business, an external id of 1-200
 * characters, a non-zero amount, a customer (a normalised phone, a hash or a member), a
 * refund that names its original, and for medical categories no phone at all (only the
 * hash: see sk_medical_anonymize()).
 *
 * Returns: whether the purchase can be recorded
 */
gboolean
sk_purchase_validate (const SkPurchase  *purchase,
                      GError           **error)
{
  g_return_val_if_fail (purchase != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (purchase->business_id == NULL || *purchase->business_id == '\0')
    return invalid (error, _("The purchase has no business"));
  if (purchase->external_id == NULL || *purchase->external_id == '\0' ||
      g_utf8_strlen (purchase->external_id, -1) > SK_PURCHASE_EXTERNAL_ID_MAX ||
      !g_utf8_validate (purchase->external_id, -1, NULL))
    return invalid (error, _("The purchase id must be 1 to 200 characters"));
  if (purchase->amount == 0)
    return invalid (error, _("The purchase amount cannot be zero"));
  if (purchase->amount < 0 &&
      (purchase->original_external_id == NULL || *purchase->original_external_id == '\0'))
    return invalid (error, _("A refund must name the purchase it refunds"));
  if (purchase->phone_e164 != NULL && !sk_phone_is_e164 (purchase->phone_e164))
    return invalid (error, _("The customer phone is not normalised"));
  if (purchase->customer_hash != NULL && !is_hex64 (purchase->customer_hash))
    return invalid (error, _("The customer hash is not a SHA-256 hex digest"));
  /* A partner's completed sale without a usable phone is still a sale for the partner's
   * figures (kept unmatched); an upload, a till or a scan must say who bought. */
  if (purchase->phone_e164 == NULL && purchase->customer_hash == NULL &&
      purchase->member_id == NULL && purchase->source != SK_PURCHASE_SOURCE_PARTNER)
    return invalid (error, _("The purchase has no customer"));
  if (sk_category_is_medical (purchase->category) && purchase->phone_e164 != NULL)
    return invalid (error, _("A medical purchase carries only a hashed customer id"));
  if (purchase->category != SK_CATEGORY_NONE &&
      sk_category_to_string (purchase->category) == NULL)
    return invalid (error, _("The purchase category is unknown"));

  return TRUE;
}

const char *
sk_purchase_source_to_string (SkPurchaseSource source)
{
  return (guint) source < G_N_ELEMENTS (sources) ? sources[source] : NULL;
}

gboolean
sk_purchase_source_from_string (const char       *code,
                                SkPurchaseSource *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (sources); i++)
    if (g_str_equal (code, sources[i]))
      {
        *out = (SkPurchaseSource) i;
        return TRUE;
      }
  return FALSE;
}

const char *
sk_involved_via_to_string (SkInvolvedVia via)
{
  return (guint) via < G_N_ELEMENTS (involved) ? involved[via] : NULL;
}

gboolean
sk_involved_via_from_string (const char    *code,
                             SkInvolvedVia *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (involved); i++)
    if (g_str_equal (code, involved[i]))
      {
        *out = (SkInvolvedVia) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * sk_customer_hash:
 * @key: (array length=key_len): the club's pseudonymisation key (kept outside the database)
 * @key_len: its length, > 0
 * @phone_e164: a normalised phone
 *
 * The pseudonymous customer id: HMAC-SHA256 of the E.164 string, lower-case hex. The
 * database stores the 32 raw bytes (`purchases.customer_phone_hash`), hex-decoded.
 *
 * Returns: (transfer full): 64 hex characters
 */
char *
sk_customer_hash (const guint8 *key,
                  gsize         key_len,
                  const char   *phone_e164)
{
  g_return_val_if_fail (key != NULL && key_len > 0, NULL);
  g_return_val_if_fail (sk_phone_is_e164 (phone_e164), NULL);

  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, key, key_len, phone_e164, -1);
}
