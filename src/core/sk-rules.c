/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-rules.h"

#define KOPECKS_MAX G_GINT64_CONSTANT (100000000000)

/* Bounds are the rule_keys bounds of migrations/004-rules.sql, so a struct filled from the
 * database always validates, and a value the database would refuse is refused here too. */
static const struct
{
  const char *key;
  gsize       offset;
  gint64      min;
  gint64      max;
  gint64      def;
} keys[] = {
#define K(k, field, lo, hi, d) { k, offsetof (SkRules, field), lo, hi, d }
  K ("cashback.rate.insider",               rate_insider_bp,             0, 5000,    500),
  K ("cashback.rate.vip",                   rate_vip_bp,                 0, 5000,    700),
  K ("cashback.rate.elite",                 rate_elite_bp,               0, 5000,   1000),
  K ("cashback.rate.inner_circle",          rate_inner_circle_bp,        0, 5000,   1000),
  K ("cashback.rate.premium_min",           rate_premium_min_bp,         0, 5000,   1000),
  K ("cashback.new_category.insider",       new_category_insider_bp, 10000, 50000, 15000),
  K ("cashback.new_category.vip_plus",      new_category_vip_plus_bp, 10000, 50000, 20000),
  K ("cashback.new_category.window_months", new_category_window_months,  1, 60,       12),
  K ("cashback.business_multiplier",        business_multiplier_bp,  10000, 50000, 10000),
  K ("cross_bonus.rate",                    cross_bonus_bp,              0, 5000,   1000),
  K ("cross_bonus.window_days",             cross_bonus_window_days,     1, 365,      30),
  K ("bonus.hold_days",                     hold_days,                   0, 90,       14),
  K ("bonus.expiry_months",                 expiry_months,               1, 60,       12),
  K ("events_budget.contribution",          budget_contribution_bp,      0, 1000,    200),
  K ("events_budget.allocation.open",       budget_open_bp,              0, 10000,  3000),
  K ("events_budget.allocation.vip",        budget_vip_bp,               0, 10000,  4000),
  K ("events_budget.allocation.elite",      budget_elite_bp,             0, 10000,  2000),
  K ("events_budget.allocation.reserve",    budget_reserve_bp,           0, 10000,  1000),
  K ("tier.window_months",                  tier_window_months,          1, 60,       12),
  K ("tier.vip.min_spend",                  vip_min_spend,               0, KOPECKS_MAX, 3000000),
  K ("tier.vip.min_categories",             vip_min_categories,          0, 9,         3),
  K ("tier.elite.min_spend",                elite_min_spend,             0, KOPECKS_MAX, 10000000),
  K ("tier.elite.min_categories",           elite_min_categories,        0, 9,         5),
  K ("tier.elite.top_share",                elite_top_share_bp,          0, 10000,   100),
  K ("tier.inner_circle.min_spend",         inner_circle_min_spend,      0, KOPECKS_MAX, 20000000),
  K ("tier.inner_circle.min_categories",    inner_circle_min_categories, 0, 9,         9),
  K ("premium.price",                       premium_price,               0, 10000000, 199000),
  K ("premium.min_tier_rank",               premium_min_tier,            0, 4,         2),
  K ("vote.weight.insider",                 vote_weight_insider,         0, 100,       1),
  K ("vote.weight.vip",                     vote_weight_vip,             0, 100,       2),
  K ("vote.weight.elite",                   vote_weight_elite,           0, 100,       3),
  K ("vote.weight.inner_circle",            vote_weight_inner_circle,    0, 100,       5),
  K ("proposal.voting_days",                proposal_voting_days,        1, 90,       14),
  K ("proposal.monthly_top",                proposal_monthly_top,        1, 20,        3),
  K ("commission.phase1.months",            commission_phase1_months,    0, 120,       6),
  K ("commission.phase1.rate",              commission_phase1_bp,        0, 1000,      0),
  K ("commission.phase2.months",            commission_phase2_months,    0, 240,      17),
  K ("commission.phase2.rate",              commission_phase2_bp,        0, 1000,    200),
  K ("commission.phase3.rate",              commission_phase3_bp,        0, 1000,    300),
  K ("badge.friend_of_club.referrals",      badge_friend_referrals,      1, 1000,      3),
  K ("badge.party_goer.events",             badge_party_goer_events,     1, 1000,     10),
  K ("badge.collector.categories",          badge_collector_categories,  1, 9,         9),
  K ("badge.investor.lifetime_spend",       badge_investor_spend,        0, KOPECKS_MAX, 25000000),
  K ("north_star.window_days",              north_star_window_days,      1, 365,      60),
#undef K
};

static gint64 *
field (SkRules *rules,
       gsize    i)
{
  return (gint64 *) (gpointer) ((guint8 *) rules + keys[i].offset);
}

static gssize
find_key (const char *key)
{
  if (key == NULL)
    return -1;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].key, key))
      return (gssize) i;
  return -1;
}

/**
 * sk_rules_init_default:
 * @rules: a struct to fill
 *
 * Fills @rules with the defaults of DESIGN.md.
 */
void
sk_rules_init_default (SkRules *rules)
{
  g_return_if_fail (rules != NULL);

  memset (rules, 0, sizeof *rules);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    *field (rules, i) = keys[i].def;
}

/**
 * sk_rules_new_default:
 *
 * Returns: (transfer full): the rules of DESIGN.md
 */
SkRules *
sk_rules_new_default (void)
{
  SkRules *rules = g_new0 (SkRules, 1);

  sk_rules_init_default (rules);
  return rules;
}

/**
 * sk_rules_copy:
 * @rules: rules
 *
 * Returns: (transfer full): a copy
 */
SkRules *
sk_rules_copy (const SkRules *rules)
{
  g_return_val_if_fail (rules != NULL, NULL);

  return g_memdup2 (rules, sizeof *rules);
}

void
sk_rules_free (SkRules *rules)
{
  g_free (rules);
}

/**
 * sk_rules_has_key:
 * @key: a rules-table key
 *
 * The rules table also holds keys that are not core rules (auth.*, sync.*); the database
 * layer skips those.
 *
 * Returns: whether @key is a core rule
 */
gboolean
sk_rules_has_key (const char *key)
{
  return find_key (key) >= 0;
}

/**
 * sk_rules_list_keys:
 *
 * Returns: (transfer container): the %NULL-terminated list of core keys; free with g_free()
 */
const char **
sk_rules_list_keys (void)
{
  const char **list = g_new0 (const char *, G_N_ELEMENTS (keys) + 1);

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    list[i] = keys[i].key;
  return list;
}

/**
 * sk_rules_set:
 * @rules: rules
 * @key: a key such as "cashback.rate.vip"
 * @value: its value in the key's unit
 * @error: return location for a #GError
 *
 * Returns: %FALSE for an unknown key (%SK_CORE_ERROR_UNKNOWN_KEY) or a value outside the
 *   key's bounds (%SK_CORE_ERROR_RULES); @rules is then unchanged
 */
gboolean
sk_rules_set (SkRules     *rules,
              const char  *key,
              gint64       value,
              GError     **error)
{
  gssize i;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  i = find_key (key);
  if (i < 0)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_UNKNOWN_KEY,
                   _("“%s” is not a rule"), key);
      return FALSE;
    }

  if (value < keys[i].min || value > keys[i].max)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                   _("The rule “%s” must be between %" PRId64 " and %" PRId64),
                   key, keys[i].min, keys[i].max);
      return FALSE;
    }

  *field (rules, (gsize) i) = value;
  return TRUE;
}

/**
 * sk_rules_get:
 * @rules: rules
 * @key: a key
 * @value: (out): its value
 *
 * Returns: %FALSE for an unknown key
 */
gboolean
sk_rules_get (const SkRules *rules,
              const char    *key,
              gint64        *value)
{
  gssize i;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  i = find_key (key);
  if (i < 0)
    return FALSE;

  *value = *field ((SkRules *) rules, (gsize) i);
  return TRUE;
}

/**
 * sk_rules_validate:
 * @rules: rules
 * @error: return location for a #GError
 *
 * Checks each value against its key's bounds, and the rules that tie values together: the
 * four budget allocations sum to 100 %, commission phase 2 does not end before phase 1.
 *
 * Returns: %FALSE with %SK_CORE_ERROR_RULES when something is off
 */
gboolean
sk_rules_validate (const SkRules  *rules,
                   GError        **error)
{
  gint64 sum;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gint64 v = *field ((SkRules *) rules, i);

      if (v < keys[i].min || v > keys[i].max)
        {
          g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                       _("The rule “%s” must be between %" PRId64 " and %" PRId64),
                       keys[i].key, keys[i].min, keys[i].max);
          return FALSE;
        }
    }

  sum = rules->budget_open_bp + rules->budget_vip_bp + rules->budget_elite_bp +
        rules->budget_reserve_bp;
  if (sum != SK_BP_ONE)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                           _("The events budget allocations must add up to 100 %"));
      return FALSE;
    }

  if (rules->commission_phase2_months < rules->commission_phase1_months)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES,
                           _("Commission phase 2 cannot end before phase 1"));
      return FALSE;
    }

  return TRUE;
}
