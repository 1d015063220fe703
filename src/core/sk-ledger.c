/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-ledger.h"

/* GLib 2.74 has no *_unix_usec (2.80): split into seconds and microseconds by hand. */
static GDateTime *
from_usec (gint64     usec,
           GTimeZone *tz)
{
  gint64 secs = usec / G_USEC_PER_SEC;
  gint64 rest = usec % G_USEC_PER_SEC;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) exact = NULL;

  if (rest < 0)
    {
      secs -= 1;
      rest += G_USEC_PER_SEC;
    }

  /* Outside years 1..9999 GLib has no date: a caller bug. */
  utc = g_date_time_new_from_unix_utc (secs);
  g_return_val_if_fail (utc != NULL, NULL);
  exact = g_date_time_add (utc, rest);
  return tz != NULL ? g_date_time_to_timezone (exact, tz) : g_steal_pointer (&exact);
}

static gint64
to_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/**
 * sk_ledger_available_at:
 * @rules: rules (bonus.hold_days)
 * @tz: (nullable): the club's time zone (UTC when %NULL)
 * @earned_at: unix microseconds
 *
 * Bonuses are pending for hold_days calendar days in the club's zone (the same wall-clock
 * time 14 days later), then available.
 *
 * Returns: unix microseconds when the accrual becomes available
 */
gint64
sk_ledger_available_at (const SkRules *rules,
                        GTimeZone     *tz,
                        gint64         earned_at)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) later = NULL;

  g_return_val_if_fail (rules != NULL, earned_at);

  dt = from_usec (earned_at, tz);
  g_return_val_if_fail (dt != NULL, earned_at);
  later = g_date_time_add_days (dt, (int) rules->hold_days);
  return to_usec (later);
}

/**
 * sk_ledger_expires_at:
 * @rules: rules (bonus.expiry_months)
 * @tz: (nullable): the club's time zone
 * @earned_at: unix microseconds
 *
 * An accrual expires expiry_months calendar months after it was earned (31 January + 1
 * month is 28/29 February, as g_date_time_add_months() clamps).
 *
 * Returns: unix microseconds of expiry
 */
gint64
sk_ledger_expires_at (const SkRules *rules,
                      GTimeZone     *tz,
                      gint64         earned_at)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) later = NULL;

  g_return_val_if_fail (rules != NULL, earned_at);

  dt = from_usec (earned_at, tz);
  g_return_val_if_fail (dt != NULL, earned_at);
  later = g_date_time_add_months (dt, (int) rules->expiry_months);
  return to_usec (later);
}

static gboolean
lot_live (const SkLedgerLot *lot,
          gint64             now)
{
  return lot->remaining > 0 && lot->expires_at > now;
}

/**
 * sk_ledger_balance:
 * @lots: (array length=n_lots): available accruals
 * @n_lots: how many
 * @now: unix microseconds
 *
 * Returns: the spendable balance: the remainders of lots not yet expired at @now
 */
SkKopecks
sk_ledger_balance (const SkLedgerLot *lots,
                   gsize              n_lots,
                   gint64             now)
{
  SkKopecks sum = 0;

  g_return_val_if_fail (lots != NULL || n_lots == 0, 0);

  for (gsize i = 0; i < n_lots; i++)
    if (lot_live (&lots[i], now))
      sum += lots[i].remaining;
  return sum;
}

static int
fifo_cmp_data (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const SkLedgerLot *lots = user_data;
  const SkLedgerLot *x = &lots[*(const gsize *) a];
  const SkLedgerLot *y = &lots[*(const gsize *) b];

  if (x->expires_at != y->expires_at)
    return x->expires_at < y->expires_at ? -1 : 1;
  if (x->earned_at != y->earned_at)
    return x->earned_at < y->earned_at ? -1 : 1;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return 0;
}

/**
 * sk_ledger_spend_fifo:
 * @lots: (array length=n_lots): available accruals, in any order
 * @n_lots: how many
 * @now: unix microseconds (lots expiring at or before @now are not spent)
 * @amount: kopecks to spend, > 0
 * @debits: (array length=n_lots) (out caller-allocates): what to take from each lot, by
 *   index of @lots
 * @error: return location for a #GError
 *
 * Spends the accruals that expire first (then the earliest earned, then the lowest id), so
 * that as little as possible expires unspent. The balance never goes negative: when @amount
 * is more than sk_ledger_balance() the spend is refused and @debits is left untouched.
 *
 * Returns: %FALSE with %SK_CORE_ERROR_INSUFFICIENT when there is not enough
 */
gboolean
sk_ledger_spend_fifo (const SkLedgerLot  *lots,
                      gsize               n_lots,
                      gint64              now,
                      SkKopecks           amount,
                      SkKopecks          *debits,
                      GError            **error)
{
  g_autofree gsize *order = NULL;
  SkKopecks left = amount;

  g_return_val_if_fail (lots != NULL || n_lots == 0, FALSE);
  g_return_val_if_fail (debits != NULL || n_lots == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (amount <= 0)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE,
                           _("The amount to spend must be positive"));
      return FALSE;
    }

  if (sk_ledger_balance (lots, n_lots, now) < amount)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INSUFFICIENT,
                           _("Not enough bonuses"));
      return FALSE;
    }

  order = g_new (gsize, n_lots);
  for (gsize i = 0; i < n_lots; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n_lots, sizeof *order, fifo_cmp_data, (gpointer) lots);

  for (gsize i = 0; i < n_lots; i++)
    debits[i] = 0;

  for (gsize k = 0; k < n_lots && left > 0; k++)
    {
      const SkLedgerLot *lot = &lots[order[k]];
      SkKopecks take;

      if (!lot_live (lot, now))
        continue;
      take = MIN (lot->remaining, left);
      debits[order[k]] = take;
      left -= take;
    }

  g_assert (left == 0);
  return TRUE;
}

/**
 * sk_ledger_reversal:
 * @original_amount: the purchase amount, > 0
 * @original_bonus: what it earned (cashback, cross-bonus or budget share), ≥ 0
 * @refunded_before: the part of @original_amount already refunded, ≥ 0
 * @refund: this refund, > 0 (a magnitude)
 * @out: (out): the bonus to reverse now, ≥ 0
 * @error: return location for a #GError
 *
 * Refunds reverse the bonus proportionally. To keep partial refunds from drifting, the
 * reversal is computed cumulatively: round(bonus × (before + refund) / amount) minus
 * round(bonus × before / amount), each half up. The reversals of any sequence of partial
 * refunds then add up to exactly the bonus when the whole amount has been refunded.
 *
 * Returns: %FALSE (%SK_CORE_ERROR_RANGE) if the refunds exceed the purchase
 */
gboolean
sk_ledger_reversal (SkKopecks   original_amount,
                    SkKopecks   original_bonus,
                    SkKopecks   refunded_before,
                    SkKopecks   refund,
                    SkKopecks  *out,
                    GError    **error)
{
  SkKopecks total_after;
  SkKopecks reversed_before;
  SkKopecks reversed_after;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (original_amount <= 0 || original_bonus < 0 || refunded_before < 0 || refund <= 0 ||
      __builtin_add_overflow (refunded_before, refund, &total_after) ||
      total_after > original_amount)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE,
                           _("A refund cannot be larger than what is left of the purchase"));
      return FALSE;
    }

  if (!sk_money_mul_div_round (original_bonus, refunded_before, original_amount, &reversed_before) ||
      !sk_money_mul_div_round (original_bonus, total_after, original_amount, &reversed_after))
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW,
                           _("The amounts are too large"));
      return FALSE;
    }

  *out = reversed_after - reversed_before;
  return TRUE;
}
