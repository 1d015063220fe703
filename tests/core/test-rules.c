/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

/* The defaults of DESIGN.md, by key, as the rules table seeds them. */
static const struct
{
  const char *key;
  gint64      value;
} defaults[] = {
  { "cashback.rate.insider",           500 },
  { "cashback.rate.vip",               700 },
  { "cashback.rate.elite",            1000 },
  { "cashback.rate.inner_circle",     1000 },
  { "cashback.rate.premium_min",      1000 },
  { "cashback.new_category.insider", 15000 },
  { "cashback.new_category.vip_plus", 20000 },
  { "cashback.new_category.window_months", 12 },
  { "cashback.business_multiplier",  10000 },
  { "cross_bonus.rate",               1000 },
  { "bonus.hold_days",                  14 },
  { "bonus.expiry_months",              12 },
  { "events_budget.contribution",      200 },
  { "events_budget.allocation.open",  3000 },
  { "events_budget.allocation.vip",   4000 },
  { "events_budget.allocation.elite", 2000 },
  { "events_budget.allocation.reserve", 1000 },
  { "tier.window_months",               12 },
  { "tier.vip.min_spend",          3000000 },
  { "tier.vip.min_categories",           3 },
  { "tier.elite.min_spend",       10000000 },
  { "tier.elite.min_categories",         5 },
  { "tier.elite.top_share",            100 },
  { "tier.inner_circle.min_spend", 20000000 },
  { "tier.inner_circle.min_categories",  9 },
  { "premium.price",                199000 },
  { "premium.min_tier_rank",             2 },
  { "vote.weight.insider",               1 },
  { "vote.weight.vip",                   2 },
  { "vote.weight.elite",                 3 },
  { "vote.weight.inner_circle",          5 },
  { "proposal.monthly_top",              3 },
  { "commission.phase1.months",          6 },
  { "commission.phase1.rate",            0 },
  { "commission.phase2.months",         17 },
  { "commission.phase2.rate",          200 },
  { "commission.phase3.rate",          300 },
  { "badge.friend_of_club.referrals",    3 },
  { "badge.party_goer.events",          10 },
  { "badge.collector.categories",        9 },
  { "badge.investor.lifetime_spend", 25000000 },
};

static void
test_defaults (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      gint64 v = -1;

      g_test_message ("%s", defaults[i].key);
      g_assert_true (sk_rules_get (rules, defaults[i].key, &v));
      g_assert_cmpint (v, ==, defaults[i].value);
    }

  /* The fields, not only the key table. */
  g_assert_cmpint (rules->rate_vip_bp, ==, 700);
  g_assert_cmpint (rules->vip_min_spend, ==, 3000000);
  g_assert_cmpint (rules->badge_investor_spend, ==, 25000000);
  g_assert_cmpint (rules->hold_days, ==, 14);

  g_assert_true (sk_rules_validate (rules, &error));
  g_assert_no_error (error);
}

static void
test_set_get (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(SkRules) copy = NULL;
  g_autoptr(GError) error = NULL;
  gint64 v = 0;

  g_assert_true (sk_rules_set (rules, "cashback.rate.vip", 800, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rules->rate_vip_bp, ==, 800);

  copy = sk_rules_copy (rules);
  g_assert_true (copy != rules);
  g_assert_cmpint (copy->rate_vip_bp, ==, 800);
  g_assert_true (sk_rules_set (rules, "cashback.rate.vip", 900, NULL));
  g_assert_cmpint (copy->rate_vip_bp, ==, 800);

  g_assert_false (sk_rules_set (rules, "auth.sms_code_ttl", 300, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);
  g_assert_false (sk_rules_has_key ("auth.sms_code_ttl"));
  g_assert_true (sk_rules_has_key ("tier.elite.top_share"));
  g_assert_false (sk_rules_get (rules, "nope", &v));

  /* Out of the key's bounds: refused and unchanged. */
  g_assert_false (sk_rules_set (rules, "cashback.rate.vip", 5001, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
  g_clear_error (&error);
  g_assert_false (sk_rules_set (rules, "cashback.new_category.insider", 9999, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
  g_clear_error (&error);
  g_assert_cmpint (rules->rate_vip_bp, ==, 900);
  g_assert_cmpint (rules->new_category_insider_bp, ==, 15000);
}

static void
test_list_keys (void)
{
  g_autofree const char **keys = sk_rules_list_keys ();
  guint n = 0;

  for (; keys[n] != NULL; n++)
    g_assert_true (sk_rules_has_key (keys[n]));
  g_assert_cmpuint (n, >=, G_N_ELEMENTS (defaults));
}

static void
test_validate (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;

  rules->budget_reserve_bp = 1001;
  g_assert_false (sk_rules_validate (rules, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
  g_clear_error (&error);

  rules->budget_reserve_bp = 500;
  rules->budget_open_bp = 3500;
  g_assert_true (sk_rules_validate (rules, &error));
  g_assert_no_error (error);

  rules->commission_phase2_months = 5;
  g_assert_false (sk_rules_validate (rules, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
  g_clear_error (&error);

  rules->commission_phase2_months = 17;
  rules->rate_elite_bp = -1;
  g_assert_false (sk_rules_validate (rules, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/rules/defaults", test_defaults);
  g_test_add_func ("/core/rules/set-get", test_set_get);
  g_test_add_func ("/core/rules/list-keys", test_list_keys);
  g_test_add_func ("/core/rules/validate", test_validate);

  return g_test_run ();
}
