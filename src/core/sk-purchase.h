/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-category.h"
#include "sk-money.h"

G_BEGIN_DECLS

/**
 * SkPurchaseSource:
 *
 * Where a purchase came from (the `purchases.source` column).
 */
typedef enum
{
  SK_PURCHASE_SOURCE_PARTNER,
  SK_PURCHASE_SOURCE_CSV,
  SK_PURCHASE_SOURCE_MANUAL,
  SK_PURCHASE_SOURCE_QR,
} SkPurchaseSource;

/**
 * SkInvolvedVia:
 *
 * How the club was involved (the `purchases.involved_via` column); anything but NONE is an
 * "involved" purchase for the platform commission.
 */
typedef enum
{
  SK_INVOLVED_VIA_NONE,
  SK_INVOLVED_VIA_PROMO,
  SK_INVOLVED_VIA_CROSS_BONUS,
  SK_INVOLVED_VIA_APP_BOOKING,
} SkInvolvedVia;

/**
 * SkPurchase:
 * @business_id: the partner (uuid text)
 * @external_id: the partner system's id; (business_id, external_id) is the idempotency key
 * @occurred_at: unix microseconds
 * @phone_e164: (nullable): the customer's phone, normalised; never set for medical partners
 * @customer_hash: (nullable): HMAC-SHA256 hex of the customer (medical partners)
 * @member_id: (nullable): when the source already knows the member (QR scan, manual entry)
 * @amount: kopecks, never 0; negative for a refund
 * @original_external_id: (nullable): for a refund, the purchase it refunds
 * @category: the partner's category for this purchase, or %SK_CATEGORY_NONE for the
 *   business's own
 * @source: where it came from
 * @involved_via: how the club was involved
 * @completed: the partner reports it as paid/completed (others are skipped by connectors)
 *
 * The one shape every connector, CSV row, manual entry and QR scan turns into.
 */
typedef struct
{
  char             *business_id;
  char             *external_id;
  gint64            occurred_at;
  char             *phone_e164;
  char             *customer_hash;
  char             *member_id;
  SkKopecks         amount;
  char             *original_external_id;
  SkCategory        category;
  SkPurchaseSource  source;
  SkInvolvedVia     involved_via;
  gboolean          completed;
} SkPurchase;

#define SK_PURCHASE_EXTERNAL_ID_MAX 200

SkPurchase *sk_purchase_new                 (void);
SkPurchase *sk_purchase_copy                (const SkPurchase  *purchase);
void        sk_purchase_free                (SkPurchase        *purchase);
gboolean    sk_purchase_validate            (const SkPurchase  *purchase,
                                             GError           **error);
gboolean    sk_purchase_is_refund           (const SkPurchase  *purchase);

const char *sk_purchase_source_to_string    (SkPurchaseSource   source);
gboolean    sk_purchase_source_from_string  (const char        *code,
                                             SkPurchaseSource  *out);
const char *sk_involved_via_to_string       (SkInvolvedVia      via);
gboolean    sk_involved_via_from_string     (const char        *code,
                                             SkInvolvedVia     *out);

char       *sk_customer_hash                (const guint8      *key,
                                             gsize              key_len,
                                             const char        *phone_e164);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkPurchase, sk_purchase_free)

G_END_DECLS
