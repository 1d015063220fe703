/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-medical.h"
#include "sk-phone.h"

static void
hmac_into (const guint8 *key,
           gsize         key_len,
           const char   *prefix,
           const char   *value,
           char          out[SK_HASH_HEX_LEN + 1])
{
  g_autofree char *message = g_strconcat (prefix, value, NULL);
  g_autofree char *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256, key, key_len, message, -1);

  g_assert (strlen (hex) == SK_HASH_HEX_LEN);
  memcpy (out, hex, SK_HASH_HEX_LEN + 1);
}

/**
 * sk_medical_anonymize:
 * @input: the partner's record
 * @tz: (nullable): the club's time zone for the day (UTC when %NULL)
 * @key: (array length=key_len): the pseudonymisation key
 * @key_len: > 0
 * @out: (out caller-allocates): the anonymised record
 * @error: return location for a #GError
 *
 * Keeps the day, the amount and hashes; drops the time of day, the service, the doctor,
 * the diagnosis, the system's category and the raw phone and id. The customer hash is
 * HMAC(key, E.164 phone) when the phone normalises, the same value as sk_customer_hash()
 * so the member is found by her phone; otherwise HMAC(key, "customer:" + customer_id).
 * The partner's id becomes HMAC(key, "purchase:" + external_id). Error messages never
 * repeat any input.
 *
 * Returns: %FALSE without an external id, a customer or a non-zero amount
 */
gboolean
sk_medical_anonymize (const SkMedicalInput  *input,
                      GTimeZone             *tz,
                      const guint8          *key,
                      gsize                  key_len,
                      SkMedicalRecord       *out,
                      GError               **error)
{
  SkMedicalRecord r;
  g_autofree char *phone = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint64 secs;

  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (key != NULL && key_len > 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (&r, 0, sizeof r);

  if (input->external_id == NULL || *input->external_id == '\0')
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                           _("The medical record has no id"));
      return FALSE;
    }
  if (input->amount == 0)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                           _("The medical record has no amount"));
      return FALSE;
    }

  if (input->phone != NULL)
    phone = sk_phone_normalize (input->phone, NULL);

  if (phone != NULL)
    hmac_into (key, key_len, "", phone, r.customer_hash);
  else if (input->customer_id != NULL && *input->customer_id != '\0')
    hmac_into (key, key_len, "customer:", input->customer_id, r.customer_hash);
  else
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                           _("The medical record has no usable customer"));
      return FALSE;
    }

  hmac_into (key, key_len, "purchase:", input->external_id, r.external_hash);
  if (input->original_external_id != NULL && *input->original_external_id != '\0')
    hmac_into (key, key_len, "purchase:", input->original_external_id, r.original_external_hash);

  secs = input->occurred_at / G_USEC_PER_SEC;
  if (input->occurred_at % G_USEC_PER_SEC < 0)
    secs--;
  utc = g_date_time_new_from_unix_utc (secs);
  if (utc == NULL)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE,
                           _("The medical record has an impossible date"));
      return FALSE;
    }
  local = tz != NULL ? g_date_time_to_timezone (utc, tz) : g_date_time_ref (utc);

  g_date_clear (&r.day, 1);
  g_date_set_dmy (&r.day,
                  (GDateDay) g_date_time_get_day_of_month (local),
                  (GDateMonth) g_date_time_get_month (local),
                  (GDateYear) g_date_time_get_year (local));
  r.amount = input->amount;
  r.category = SK_CATEGORY_MEDICAL_SERVICE;

  *out = r;
  return TRUE;
}

/**
 * sk_medical_record_to_purchase:
 * @record: an anonymised record
 * @business_id: the medical partner
 * @tz: (nullable): the club's time zone (the purchase time is the day's midnight there)
 *
 * Returns: (transfer full): the purchase to record: hashed ids, no phone, no time of day
 */
SkPurchase *
sk_medical_record_to_purchase (const SkMedicalRecord *record,
                               const char            *business_id,
                               GTimeZone             *tz)
{
  g_autoptr(SkPurchase) p = NULL;
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) midnight = NULL;

  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (g_date_valid (&record->day), NULL);
  g_return_val_if_fail (business_id != NULL, NULL);

  if (tz == NULL)
    tz = utc = g_time_zone_new_utc ();

  midnight = g_date_time_new (tz,
                              g_date_get_year (&record->day),
                              g_date_get_month (&record->day),
                              g_date_get_day (&record->day),
                              0, 0, 0);

  p = sk_purchase_new ();
  p->business_id = g_strdup (business_id);
  p->external_id = g_strdup (record->external_hash);
  p->occurred_at = g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
  p->customer_hash = g_strdup (record->customer_hash);
  p->amount = record->amount;
  if (record->original_external_hash[0] != '\0')
    p->original_external_id = g_strdup (record->original_external_hash);
  p->category = SK_CATEGORY_MEDICAL_SERVICE;
  p->source = SK_PURCHASE_SOURCE_PARTNER;
  p->completed = TRUE;

  return g_steal_pointer (&p);
}
