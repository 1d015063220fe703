/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-rules.h"

G_BEGIN_DECLS

/**
 * SkLedgerLot:
 * @id: the accrual's ledger id
 * @remaining: what is left of it to spend, kopecks (≥ 0)
 * @earned_at: when it was earned, unix microseconds
 * @expires_at: when it expires, unix microseconds
 *
 * One available accrual, as FIFO spending and expiry see it.
 */
typedef struct
{
  gint64    id;
  SkKopecks remaining;
  gint64    earned_at;
  gint64    expires_at;
} SkLedgerLot;

gint64    sk_ledger_available_at   (const SkRules      *rules,
                                    GTimeZone          *tz,
                                    gint64              earned_at);
gint64    sk_ledger_expires_at     (const SkRules      *rules,
                                    GTimeZone          *tz,
                                    gint64              earned_at);
SkKopecks sk_ledger_balance        (const SkLedgerLot  *lots,
                                    gsize               n_lots,
                                    gint64              now);
gboolean  sk_ledger_spend_fifo     (const SkLedgerLot  *lots,
                                    gsize               n_lots,
                                    gint64              now,
                                    SkKopecks           amount,
                                    SkKopecks          *debits,
                                    GError            **error);
gboolean  sk_ledger_reversal       (SkKopecks           original_amount,
                                    SkKopecks           original_bonus,
                                    SkKopecks           refunded_before,
                                    SkKopecks           refund,
                                    SkKopecks          *out,
                                    GError            **error);

G_END_DECLS
