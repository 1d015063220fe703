/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-cashback.h"
#include "sk-core-error.h"

static SkTier
effective_tier (const SkRules *rules,
                SkTier         tier,
                gboolean       premium_active)
{
  /* Her first purchase makes her an Insider, so it earns as one. */
  if (tier < SK_TIER_INSIDER)
    tier = SK_TIER_INSIDER;
  if (premium_active && (gint64) tier < rules->premium_min_tier)
    tier = (SkTier) CLAMP (rules->premium_min_tier, SK_TIER_INSIDER, SK_TIER_LAST);
  return tier;
}

/**
 * sk_cashback_rate_bp:
 * @rules: rules
 * @tier: the tier in force (%SK_TIER_NONE counts as Insider)
 * @premium_active: whether Premium is active
 *
 * Returns: the cashback rate in bp: the tier's, and with Premium at least the premium rate
 */
gint64
sk_cashback_rate_bp (const SkRules *rules,
                     SkTier         tier,
                     gboolean       premium_active)
{
  gint64 rate;

  g_return_val_if_fail (rules != NULL, 0);

  switch (effective_tier (rules, tier, premium_active))
    {
    case SK_TIER_VIP:
      rate = rules->rate_vip_bp;
      break;
    case SK_TIER_ELITE:
      rate = rules->rate_elite_bp;
      break;
    case SK_TIER_INNER_CIRCLE:
      rate = rules->rate_inner_circle_bp;
      break;
    case SK_TIER_INSIDER:
    case SK_TIER_NONE:
    default:
      rate = rules->rate_insider_bp;
      break;
    }

  if (premium_active)
    rate = MAX (rate, rules->rate_premium_min_bp);

  return rate;
}

/**
 * sk_cashback_new_category_bp:
 * @rules: rules
 * @tier: the tier in force
 * @premium_active: whether Premium is active (Premium counts as its minimum tier)
 *
 * Returns: the new-category multiplier in bp: ×1.5 for Insider, ×2 for VIP and above
 */
gint64
sk_cashback_new_category_bp (const SkRules *rules,
                             SkTier         tier,
                             gboolean       premium_active)
{
  g_return_val_if_fail (rules != NULL, SK_BP_ONE);

  if (effective_tier (rules, tier, premium_active) >= SK_TIER_VIP)
    return rules->new_category_vip_plus_bp;
  return rules->new_category_insider_bp;
}

/**
 * sk_cashback_compute:
 * @rules: rules
 * @input: the purchase
 * @out: (out caller-allocates): the parts and the cashback
 * @error: return location for a #GError
 *
 * Cashback = amount × tier rate × new-category multiplier × business multiplier, all
 * multiplied first and rounded half away from zero once (so a refund of the same purchase
 * gives exactly the negative). The cross-bonus is separate: sk_cashback_cross_bonus().
 *
 * Returns: %FALSE on overflow (%SK_CORE_ERROR_OVERFLOW) or a negative multiplier
 */
gboolean
sk_cashback_compute (const SkRules          *rules,
                     const SkCashbackInput  *input,
                     SkCashback             *out,
                     GError                **error)
{
  gint64 factors[3];
  SkCashback result = { 0 };

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (input->business_multiplier_bp < 0)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                           _("A business multiplier cannot be negative"));
      return FALSE;
    }

  result.rate_bp = sk_cashback_rate_bp (rules, input->tier, input->premium_active);
  result.new_category_bp = input->new_category
                           ? sk_cashback_new_category_bp (rules, input->tier, input->premium_active)
                           : SK_BP_ONE;
  result.business_bp = input->business_multiplier_bp != 0 ? input->business_multiplier_bp : SK_BP_ONE;

  factors[0] = result.rate_bp;
  factors[1] = result.new_category_bp;
  factors[2] = result.business_bp;

  if (!sk_money_scale (input->amount, factors, G_N_ELEMENTS (factors),
                       SK_BP_ONE * SK_BP_ONE * SK_BP_ONE, &result.cashback))
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW,
                           _("The purchase amount is too large to compute a bonus"));
      return FALSE;
    }

  *out = result;
  return TRUE;
}

/**
 * sk_cashback_cross_bonus:
 * @rules: rules (cross_bonus.rate, 10 %)
 * @amount: the purchase at business B (negative for a refund)
 * @out: (out): the extra bonus, half away from zero
 * @error: return location for a #GError
 *
 * The extra bonus when an active cross-promo from A to B matched (she bought at A within
 * the promo window); whether it matched is the caller's query.
 *
 * Returns: %FALSE on overflow
 */
gboolean
sk_cashback_cross_bonus (const SkRules  *rules,
                         SkKopecks       amount,
                         SkKopecks      *out,
                         GError        **error)
{
  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sk_money_apply_bp (amount, rules->cross_bonus_bp, out))
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW,
                           _("The purchase amount is too large to compute a bonus"));
      return FALSE;
    }
  return TRUE;
}

/**
 * sk_cashback_is_new_category:
 * @rules: rules (cashback.new_category.window_months)
 * @last_in_category: (nullable): her latest earlier purchase in the counted category
 * @purchase_time: this purchase
 *
 * New when there was none, or the latest is at least window months before: a purchase on
 * 2025-03-10 after one on 2024-03-10 (exactly 12 months) is new again; after 2024-03-11 it
 * is not. Months are calendar months of the times' own time zone (pass club-zone times).
 *
 * Returns: whether the purchase earns the new-category multiplier
 */
gboolean
sk_cashback_is_new_category (const SkRules *rules,
                             GDateTime     *last_in_category,
                             GDateTime     *purchase_time)
{
  g_autoptr(GDateTime) window_end = NULL;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (purchase_time != NULL, FALSE);

  if (last_in_category == NULL)
    return TRUE;

  window_end = g_date_time_add_months (last_in_category, (int) rules->new_category_window_months);
  return g_date_time_compare (purchase_time, window_end) >= 0;
}
