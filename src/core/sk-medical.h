/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-category.h"
#include "sk-money.h"
#include "sk-purchase.h"

G_BEGIN_DECLS

/**
 * SkMedicalInput:
 * @external_id: the partner system's visit or payment id
 * @original_external_id: (nullable): for a refund, the id of the refunded payment
 * @occurred_at: unix microseconds
 * @amount: kopecks (negative for a refund)
 * @phone: (nullable): the patient's phone as the system has it
 * @customer_id: (nullable): the system's patient id, used when there is no usable phone
 * @service_name: (nullable): dropped
 * @doctor: (nullable): dropped
 * @diagnosis: (nullable): dropped
 * @category: (nullable): the system's own category or speciality: dropped
 *
 * What a medical partner's system hands over, borrowed from the parsed payload. Only the
 * anonymiser reads it; nothing here may reach the database or a log line.
 */
typedef struct
{
  const char *external_id;
  const char *original_external_id;
  gint64      occurred_at;
  SkKopecks   amount;
  const char *phone;
  const char *customer_id;
  const char *service_name;
  const char *doctor;
  const char *diagnosis;
  const char *category;
} SkMedicalInput;

#define SK_HASH_HEX_LEN 64

/**
 * SkMedicalRecord:
 * @day: the day of the visit in the club's time zone (no time of day)
 * @amount: kopecks
 * @category: always %SK_CATEGORY_MEDICAL_SERVICE
 * @customer_hash: HMAC-SHA256 hex of the customer
 * @external_hash: HMAC-SHA256 hex of the partner's id (kept for idempotency: a replay
 *   hashes the same)
 * @original_external_hash: the refunded payment's hashed id, or "" when not a refund
 *
 * All that survives anonymisation: DESIGN "Privacy" allows date, amount, the category
 * "medical_service" and a hashed customer id. There is deliberately no string field a
 * service name could be copied into: the hashes are fixed-size hex.
 */
typedef struct
{
  GDate      day;
  SkKopecks  amount;
  SkCategory category;
  char       customer_hash[SK_HASH_HEX_LEN + 1];
  char       external_hash[SK_HASH_HEX_LEN + 1];
  char       original_external_hash[SK_HASH_HEX_LEN + 1];
} SkMedicalRecord;

gboolean    sk_medical_anonymize          (const SkMedicalInput   *input,
                                           GTimeZone              *tz,
                                           const guint8           *key,
                                           gsize                   key_len,
                                           SkMedicalRecord        *out,
                                           GError                **error);
SkPurchase *sk_medical_record_to_purchase (const SkMedicalRecord  *record,
                                           const char             *business_id,
                                           GTimeZone              *tz);

G_END_DECLS
