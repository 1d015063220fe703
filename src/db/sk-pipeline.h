/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "sk-purchase.h"

G_BEGIN_DECLS

/**
 * SkRecordOutcome:
 * @SK_RECORD_RECORDED: stored and matched to a member; bonuses computed
 * @SK_RECORD_DUPLICATE: (business, external id) was seen before: nothing changed
 * @SK_RECORD_UNMATCHED: stored without a member (unknown phone), no bonus
 * @SK_RECORD_REJECTED: not stored; @sqlstate and @reason say why (batch only: a single
 *   record call returns a #GError instead)
 */
typedef enum
{
  SK_RECORD_RECORDED,
  SK_RECORD_DUPLICATE,
  SK_RECORD_UNMATCHED,
  SK_RECORD_REJECTED,
} SkRecordOutcome;

/**
 * SkRecordResult:
 * @outcome: what happened
 * @purchase_id: the purchase's id (uuid text), also for a duplicate; empty when rejected
 * @bonus: cashback earned, pending (negative: reversed by a refund)
 * @cross_bonus: cross-promo bonus earned, pending (negative: reversed)
 * @budget: events budget contribution (negative for a refund)
 * @new_tier: her tier after this purchase when it changed, else empty
 * @badges: badge codes earned by this purchase, comma-separated, or empty
 * @sqlstate: for %SK_RECORD_REJECTED, the SQLSTATE (e.g. "23503")
 * @reason: for %SK_RECORD_REJECTED, a short reason without personal data
 *
 * Plain fixed-size struct so that results live in a #GArray without destructors.
 */
typedef struct
{
  SkRecordOutcome outcome;
  char            purchase_id[37];
  SkKopecks       bonus;
  SkKopecks       cross_bonus;
  SkKopecks       budget;
  char            new_tier[16];
  char            badges[256];
  char            sqlstate[6];
  char            reason[128];
} SkRecordResult;

/**
 * SkSpendResult:
 * @ok: the bonuses were spent (%FALSE: not enough available, nothing changed)
 * @replayed: the idempotency key was used before: this is the first call's result
 * @spent: kopecks spent
 * @available_after: her available balance right after this spend
 */
typedef struct
{
  gboolean  ok;
  gboolean  replayed;
  SkKopecks spent;
  SkKopecks available_after;
} SkSpendResult;

/**
 * SkJobsReport:
 * @released: accruals that became available
 * @expired: accruals whose unspent rest expired
 * @debt_repaid: ledger rows that repaid refund debt
 * @tiers_changed: members whose tier changed in the daily recompute
 * @ranked: members in the club-wide spend ranking
 */
typedef struct
{
  gint64 released;
  gint64 expired;
  gint64 debt_repaid;
  gint64 tiers_changed;
  gint64 ranked;
} SkJobsReport;

/* The purchase's customer goes to the database only as customer_hash (the HMAC hex of
 * sk_customer_hash()); a purchase with phone_e164 and no customer_hash is refused, so that no
 * plain phone ever reaches SQL. */
const char *sk_record_outcome_to_string (SkRecordOutcome    outcome);

gboolean    sk_pipeline_record          (PGconn            *conn,
                                         const SkPurchase  *purchase,
                                         SkRecordResult    *out,
                                         GError           **error);
gboolean    sk_pipeline_record_batch    (PGconn            *conn,
                                         GPtrArray         *purchases,
                                         GArray            *results,
                                         GError           **error);
gboolean    sk_pipeline_spend           (PGconn            *conn,
                                         const char        *member_id,
                                         SkKopecks          amount,
                                         const char        *business_id,
                                         const char        *idempotency_key,
                                         SkSpendResult     *out,
                                         GError           **error);
gboolean    sk_pipeline_run_jobs        (PGconn            *conn,
                                         GDateTime         *now,
                                         SkJobsReport      *out,
                                         GError           **error);

G_END_DECLS
