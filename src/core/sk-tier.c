/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-tier.h"

static const struct
{
  const char *code;
  const char *name;
} tiers[] = {
  [SK_TIER_NONE]         = { "none",         N_("No tier") },
  [SK_TIER_INSIDER]      = { "insider",      N_("Insider") },
  [SK_TIER_VIP]          = { "vip",          N_("VIP") },
  [SK_TIER_ELITE]        = { "elite",        N_("Elite") },
  [SK_TIER_INNER_CIRCLE] = { "inner_circle", N_("Inner Circle") },
};

/**
 * sk_tier_to_string:
 * @tier: an #SkTier
 *
 * Returns: the stable code ("none", "insider", "vip", "elite", "inner_circle"), or %NULL
 */
const char *
sk_tier_to_string (SkTier tier)
{
  if (tier < SK_TIER_NONE || tier > SK_TIER_LAST)
    return NULL;
  return tiers[tier].code;
}

/**
 * sk_tier_from_string:
 * @code: (nullable): a tier code
 * @out: (out): the tier
 *
 * Returns: %FALSE for an unknown code
 */
gboolean
sk_tier_from_string (const char *code,
                     SkTier     *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (code == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (tiers); i++)
    if (g_str_equal (code, tiers[i].code))
      {
        *out = (SkTier) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * sk_tier_get_name:
 * @tier: an #SkTier
 *
 * Returns: the translated name for people, or %NULL
 */
const char *
sk_tier_get_name (SkTier tier)
{
  if (tier < SK_TIER_NONE || tier > SK_TIER_LAST)
    return NULL;
  return _(tiers[tier].name);
}

/**
 * sk_tier_is_top_share:
 * @rules: rules (tier.elite.top_share, 100 bp = 1 %)
 * @spend_rank: competition rank by window spend, 1 = highest, 0 = not ranked
 * @n_ranked: members with a positive window spend
 *
 * A member is in the top share when her rank is within the first share × n places:
 * rank × 10000 ≤ n_ranked × top_share_bp. With 500 members and 1 % that is ranks 1-5; with
 * fewer than 100 members nobody reaches Elite by this route (an Elite by share must be
 * ahead of at least 99 others). Ties share the best rank (SQL rank(), not row_number()), so
 * every member tied at the cut is in, which can make the group slightly larger than 1 %.
 *
 * Returns: whether the rank is in the top share
 */
gboolean
sk_tier_is_top_share (const SkRules *rules,
                      guint          spend_rank,
                      guint          n_ranked)
{
  g_return_val_if_fail (rules != NULL, FALSE);

  if (spend_rank == 0 || spend_rank > n_ranked || rules->elite_top_share_bp <= 0)
    return FALSE;

  return (gint64) spend_rank * SK_BP_ONE <= (gint64) n_ranked * rules->elite_top_share_bp;
}

static gboolean
meets (SkKopecks spend,
       guint     categories,
       SkKopecks min_spend,
       gint64    min_categories)
{
  return spend >= min_spend && (gint64) categories >= min_categories;
}

/**
 * sk_tier_compute:
 * @rules: rules
 * @input: the member's figures
 *
 * The tier from DESIGN.md "Tiers": Inner Circle by invitation whatever else; otherwise
 * NONE without a purchase, Insider, then VIP/Elite/Inner Circle by window spend and
 * categories (each threshold inclusive: exactly 30,000 ₽ and 3 categories is VIP), Elite
 * also by top share; finally an active Premium lifts the result to at least
 * premium.min_tier_rank (VIP), also without a purchase, and never lowers it.
 *
 * Returns: the tier
 */
SkTier
sk_tier_compute (const SkRules     *rules,
                 const SkTierInput *input)
{
  SkTier tier = SK_TIER_NONE;

  g_return_val_if_fail (rules != NULL, SK_TIER_NONE);
  g_return_val_if_fail (input != NULL, SK_TIER_NONE);

  if (input->invited)
    return SK_TIER_INNER_CIRCLE;

  if (input->n_purchases > 0)
    {
      tier = SK_TIER_INSIDER;

      if (meets (input->spend_12m, input->categories_12m,
                 rules->vip_min_spend, rules->vip_min_categories))
        tier = SK_TIER_VIP;

      if (meets (input->spend_12m, input->categories_12m,
                 rules->elite_min_spend, rules->elite_min_categories) ||
          (input->spend_12m > 0 &&
           sk_tier_is_top_share (rules, input->spend_rank, input->n_ranked)))
        tier = SK_TIER_ELITE;

      if (meets (input->spend_12m, input->categories_12m,
                 rules->inner_circle_min_spend, rules->inner_circle_min_categories))
        tier = SK_TIER_INNER_CIRCLE;
    }

  if (input->premium_active && (gint64) tier < rules->premium_min_tier)
    tier = (SkTier) CLAMP (rules->premium_min_tier, SK_TIER_NONE, SK_TIER_LAST);

  return tier;
}

/**
 * sk_tier_progress:
 * @rules: rules
 * @current: the member's tier
 * @spend_12m: window spend
 * @categories_12m: window categories
 * @out: (out caller-allocates): the progress
 *
 * Progress to the next tier by the thresholds (the Elite top-share route and invitations
 * are not "progress"): the mean of min(spent / required, 1) and min(categories / required,
 * 1), in whole percent, floored, computed exactly in integers, so 99.9 % shows 99 and 100
 * means both are met. VIP with 45,000 ₽ and 4 categories: (0.45 + 0.8) / 2 = 62.5 -> 62.
 * A requirement of zero counts as met. From NONE the next tier is Insider: one purchase,
 * shown as 0 % with one category left. Inner Circle has no next tier: 100 %, nothing left.
 */
void
sk_tier_progress (const SkRules  *rules,
                  SkTier          current,
                  SkKopecks       spend_12m,
                  guint           categories_12m,
                  SkTierProgress *out)
{
  SkKopecks req_spend;
  gint64 req_cats;
  gint64 s;
  gint64 c;

  g_return_if_fail (rules != NULL);
  g_return_if_fail (out != NULL);
  g_return_if_fail (current >= SK_TIER_NONE && current <= SK_TIER_LAST);

  memset (out, 0, sizeof *out);
  out->current = current;
  out->next = current;

  switch (current)
    {
    case SK_TIER_NONE:
      out->next = SK_TIER_INSIDER;
      out->has_next = TRUE;
      out->categories_required = 1;
      out->categories_left = 1;
      return;

    case SK_TIER_INNER_CIRCLE:
      out->percent = 100;
      return;

    case SK_TIER_INSIDER:
      req_spend = rules->vip_min_spend;
      req_cats = rules->vip_min_categories;
      break;

    case SK_TIER_VIP:
      req_spend = rules->elite_min_spend;
      req_cats = rules->elite_min_categories;
      break;

    case SK_TIER_ELITE:
    default:
      req_spend = rules->inner_circle_min_spend;
      req_cats = rules->inner_circle_min_categories;
      break;
    }

  out->next = current + 1;
  out->has_next = TRUE;
  out->spend_required = req_spend;
  out->categories_required = (guint) req_cats;

  s = CLAMP (spend_12m, 0, req_spend);
  c = MIN ((gint64) categories_12m, req_cats);
  out->spend_left = req_spend - s;
  out->categories_left = (guint) (req_cats - c);

  /* percent = floor (50 × (s / S + c / C)) = floor (50 × (s·C + c·S) / (S·C)), exactly. */
  if (req_spend == 0 && req_cats == 0)
    out->percent = 100;
  else if (req_spend == 0)
    out->percent = (guint) ((50 * req_cats + 50 * c) / req_cats);
  else if (req_cats == 0)
    out->percent = (guint) ((50 * req_spend + 50 * s) / req_spend);
  else
    {
      /* Spend is at most 10^11 kopecks and categories at most 9 (rule bounds): 64 bits do. */
      gint64 num = 50 * (s * req_cats + c * req_spend);
      gint64 den = req_spend * req_cats;

      out->percent = (guint) (num / den);
    }
}
