/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <glib/gi18n-lib.h>

#include "sk-budget.h"
#include "sk-core-error.h"

/**
 * sk_budget_contribution:
 * @rules: rules (events_budget.contribution, 2 %)
 * @amount: the purchase (negative for a refund, which mirrors)
 * @out: (out): the share for the events budget, half away from zero
 * @error: return location for a #GError
 *
 * 5,000 ₽ gives 100 ₽.
 *
 * Returns: %FALSE on overflow
 */
gboolean
sk_budget_contribution (const SkRules  *rules,
                        SkKopecks       amount,
                        SkKopecks      *out,
                        GError        **error)
{
  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sk_money_apply_bp (amount, rules->budget_contribution_bp, out))
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW,
                           _("The purchase amount is too large"));
      return FALSE;
    }
  return TRUE;
}

static SkKopecks
share_toward_zero (SkKopecks total,
                   gint64    bp)
{
  /* |total| ≤ 2^63 and bp ≤ 10000 may still overflow 64 bits: divide first, then the rest. */
  return (total / SK_BP_ONE) * bp + ((total % SK_BP_ONE) * bp) / SK_BP_ONE;
}

/**
 * sk_budget_allocate:
 * @rules: rules (the four events_budget.allocation.* shares)
 * @total: the month's budget, kopecks
 * @out: (out caller-allocates): the split
 * @error: return location for a #GError
 *
 * Open, VIP and Elite each get their share rounded toward zero; the reserve gets what is
 * left, so the parts add up to @total exactly and no kopeck is lost or created. The reserve
 * is thus its own share plus at most 3 kopecks. 70,000 ₽ splits 21,000 / 28,000 / 14,000 /
 * 7,000 ₽.
 *
 * Returns: %FALSE (%SK_CORE_ERROR_RULES) when the shares are negative or do not add up
 *   to 100 %
 */
gboolean
sk_budget_allocate (const SkRules       *rules,
                    SkKopecks            total,
                    SkBudgetAllocation  *out,
                    GError             **error)
{
  SkBudgetAllocation a;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (rules->budget_open_bp < 0 || rules->budget_vip_bp < 0 ||
      rules->budget_elite_bp < 0 || rules->budget_reserve_bp < 0 ||
      rules->budget_open_bp + rules->budget_vip_bp + rules->budget_elite_bp +
      rules->budget_reserve_bp != SK_BP_ONE)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                           _("The events budget allocations must add up to 100 %"));
      return FALSE;
    }

  a.open = share_toward_zero (total, rules->budget_open_bp);
  a.vip = share_toward_zero (total, rules->budget_vip_bp);
  a.elite = share_toward_zero (total, rules->budget_elite_bp);
  a.reserve = total - a.open - a.vip - a.elite;

  *out = a;
  return TRUE;
}
