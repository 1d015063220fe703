/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <glib/gi18n-lib.h>

#include "sk-commission.h"
#include "sk-core-error.h"

/**
 * sk_commission_phases_from_rules:
 * @rules: rules (commission.phase*)
 * @phases: (out caller-allocates): three phases
 *
 * The rules table says "phase 1 lasts while fewer than phase1.months whole months have
 * passed", i.e. months 1..phase1.months; phase 2 then runs to phase2.months; phase 3 after.
 * With a per-business override loaded into @rules this is that partner's schedule.
 */
void
sk_commission_phases_from_rules (const SkRules     *rules,
                                 SkCommissionPhase  phases[SK_COMMISSION_DEFAULT_PHASES])
{
  g_return_if_fail (rules != NULL);
  g_return_if_fail (phases != NULL);

  phases[0].start_month = 1;
  phases[0].rate_bp = rules->commission_phase1_bp;
  phases[1].start_month = (guint) rules->commission_phase1_months + 1;
  phases[1].rate_bp = rules->commission_phase2_bp;
  phases[2].start_month = (guint) MAX (rules->commission_phase2_months, rules->commission_phase1_months) + 1;
  phases[2].rate_bp = rules->commission_phase3_bp;
}

/**
 * sk_commission_phases_validate:
 * @phases: (array length=n_phases): a schedule
 * @n_phases: how many, ≥ 1
 * @error: return location for a #GError
 *
 * Returns: %FALSE (%SK_CORE_ERROR_RULES) unless the first phase starts at month 1, the
 *   starts do not go down, and every rate is 0-10000 bp
 */
gboolean
sk_commission_phases_validate (const SkCommissionPhase  *phases,
                               gsize                     n_phases,
                               GError                  **error)
{
  g_return_val_if_fail (phases != NULL || n_phases == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_phases == 0 || phases[0].start_month != 1)
    goto bad;
  for (gsize i = 0; i < n_phases; i++)
    {
      if (phases[i].rate_bp < 0 || phases[i].rate_bp > SK_BP_ONE)
        goto bad;
      if (i > 0 && phases[i].start_month < phases[i - 1].start_month)
        goto bad;
    }
  return TRUE;

bad:
  g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                       _("A commission schedule starts at month 1, in order, with rates of 0-100 %"));
  return FALSE;
}

/**
 * sk_commission_month_index:
 * @joined: the day the partner joined
 * @day: the purchase day (in the club's time zone)
 *
 * Month 1 is from @joined up to the day before the same day-of-month a month later;
 * 2025-01-15 joined: 2025-01-15..2025-02-14 is month 1, 2025-07-15 starts month 7. Whole
 * months are counted as PostgreSQL age() does (a missing day, 31 January to 28 February,
 * is not yet a whole month), so this agrees with business_commission_bp() in SQL.
 *
 * Returns: the 1-based partner month, or 0 when @day is before @joined
 */
guint
sk_commission_month_index (const GDate *joined,
                           const GDate *day)
{
  gint months;

  g_return_val_if_fail (joined != NULL && g_date_valid (joined), 0);
  g_return_val_if_fail (day != NULL && g_date_valid (day), 0);

  if (g_date_compare (day, joined) < 0)
    return 0;

  months = ((gint) g_date_get_year (day) - (gint) g_date_get_year (joined)) * 12 +
           ((gint) g_date_get_month (day) - (gint) g_date_get_month (joined));
  if (g_date_get_day (day) < g_date_get_day (joined))
    months--;

  return (guint) months + 1;
}

/**
 * sk_commission_rate_bp:
 * @phases: (array length=n_phases): a validated schedule
 * @n_phases: how many
 * @month_index: the 1-based partner month
 *
 * Returns: the rate of the last phase that has started by @month_index; 0 before month 1
 */
gint64
sk_commission_rate_bp (const SkCommissionPhase *phases,
                       gsize                    n_phases,
                       guint                    month_index)
{
  gint64 rate = 0;

  g_return_val_if_fail (phases != NULL || n_phases == 0, 0);

  for (gsize i = 0; i < n_phases; i++)
    if (phases[i].start_month <= month_index)
      rate = phases[i].rate_bp;
  return rate;
}

/**
 * sk_commission_compute:
 * @phases: (array length=n_phases): the partner's schedule
 * @n_phases: how many
 * @joined: when the partner joined
 * @day: the purchase day
 * @amount: the involved purchase (negative for a refund, which mirrors)
 * @rate_bp: (out) (optional): the rate applied
 * @commission: (out): the platform's commission, half away from zero
 * @error: return location for a #GError
 *
 * Returns: %FALSE for an invalid schedule, a purchase before the partner joined
 *   (%SK_CORE_ERROR_RANGE) or an overflow
 */
gboolean
sk_commission_compute (const SkCommissionPhase  *phases,
                       gsize                     n_phases,
                       const GDate              *joined,
                       const GDate              *day,
                       SkKopecks                 amount,
                       gint64                   *rate_bp,
                       SkKopecks                *commission,
                       GError                  **error)
{
  guint month;
  gint64 rate;

  g_return_val_if_fail (commission != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sk_commission_phases_validate (phases, n_phases, error))
    return FALSE;

  month = sk_commission_month_index (joined, day);
  if (month == 0)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE,
                           _("The purchase is dated before the partner joined the club"));
      return FALSE;
    }

  rate = sk_commission_rate_bp (phases, n_phases, month);
  if (!sk_money_apply_bp (amount, rate, commission))
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW,
                           _("The purchase amount is too large"));
      return FALSE;
    }

  if (rate_bp != NULL)
    *rate_bp = rate;
  return TRUE;
}
