/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define RUB(r) ((SkKopecks) (r) * 100)

static const struct
{
  const char      *name;
  SkCashbackInput  in;
  gint64           rate_bp;
  gint64           new_category_bp;
  SkKopecks        cashback;
} cases[] = {
  /* amount, tier, premium, new category, business bp */
  { "Insider 5 %",               { RUB (3000),  SK_TIER_INSIDER },                          500, 10000, RUB (150) },
  { "first purchase as Insider", { RUB (3000),  SK_TIER_NONE },                             500, 10000, RUB (150) },
  { "VIP 7 %",                   { RUB (3000),  SK_TIER_VIP },                              700, 10000, RUB (210) },
  { "Elite 10 %",                { RUB (3000),  SK_TIER_ELITE },                           1000, 10000, RUB (300) },
  { "Inner Circle 10 %",         { RUB (3000),  SK_TIER_INNER_CIRCLE },                    1000, 10000, RUB (300) },
  { "Premium floor on Insider",  { RUB (3000),  SK_TIER_INSIDER, TRUE },                   1000, 10000, RUB (300) },
  { "Premium floor on VIP",      { RUB (3000),  SK_TIER_VIP, TRUE },                       1000, 10000, RUB (300) },
  { "new category Insider x1.5", { RUB (3000),  SK_TIER_INSIDER, FALSE, TRUE },             500, 15000, RUB (225) },
  { "new category first buy",    { RUB (3000),  SK_TIER_NONE, FALSE, TRUE },                500, 15000, RUB (225) },
  { "new category VIP x2",       { RUB (3000),  SK_TIER_VIP, FALSE, TRUE },                 700, 20000, RUB (420) },
  { "new category Elite x2",     { RUB (3000),  SK_TIER_ELITE, FALSE, TRUE },              1000, 20000, RUB (600) },
  { "Premium Insider new x2",    { RUB (3000),  SK_TIER_INSIDER, TRUE, TRUE },             1000, 20000, RUB (600) },
  { "business x1.5",             { RUB (3000),  SK_TIER_VIP, FALSE, FALSE, 15000 },         700, 10000, RUB (315) },
  { "all three",                 { RUB (3000),  SK_TIER_VIP, FALSE, TRUE, 15000 },          700, 20000, RUB (630) },
  { "half a kopeck rounds up",   { 10,          SK_TIER_INSIDER },                          500, 10000, 1 },
  { "under half rounds down",    { 9,           SK_TIER_INSIDER },                          500, 10000, 0 },
  { "one kopeck",                { 1,           SK_TIER_INSIDER },                          500, 10000, 0 },
  { "refund mirrors half",       { -10,         SK_TIER_INSIDER },                          500, 10000, -1 },
  { "refund mirrors",            { -RUB (3000), SK_TIER_VIP, FALSE, TRUE, 15000 },          700, 20000, -RUB (630) },
  /* 333 × 5 % × 1.5 = 24.975 -> 25 (rounding per step would give 26). */
  { "rounded once",              { 333,         SK_TIER_INSIDER, FALSE, TRUE },             500, 15000, 25 },
  { "zero amount",               { 0,           SK_TIER_ELITE },                           1000, 10000, 0 },
};

static void
test_compute (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SkCashback out;

      g_test_message ("%s", cases[i].name);
      g_assert_true (sk_cashback_compute (rules, &cases[i].in, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out.rate_bp, ==, cases[i].rate_bp);
      g_assert_cmpint (out.new_category_bp, ==, cases[i].new_category_bp);
      g_assert_cmpint (out.business_bp, ==,
                       cases[i].in.business_multiplier_bp ? cases[i].in.business_multiplier_bp : 10000);
      g_assert_cmpint (out.cashback, ==, cases[i].cashback);
    }
}

static void
test_overflow (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;
  SkCashbackInput in = { G_MAXINT64, SK_TIER_ELITE, FALSE, TRUE, 50000 };
  SkCashback out = { .cashback = 77 };

  /* 50 % × 2 × 5 of the largest amount is larger than the largest amount. */
  rules->rate_elite_bp = 5000;
  g_assert_false (sk_cashback_compute (rules, &in, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW);
  g_assert_cmpint (out.cashback, ==, 77);
  g_clear_error (&error);

  /* A large but real amount: 100 million roubles, all factors at their maximum. */
  in.amount = RUB (100000000);
  g_assert_true (sk_cashback_compute (rules, &in, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out.cashback, ==, RUB (500000000));

  in.business_multiplier_bp = -1;
  g_assert_false (sk_cashback_compute (rules, &in, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
}

static void
test_cross_bonus (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;
  SkKopecks out = 0;

  g_assert_true (sk_cashback_cross_bonus (rules, RUB (3000), &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, RUB (300));

  g_assert_true (sk_cashback_cross_bonus (rules, 5, &out, &error));
  g_assert_cmpint (out, ==, 1);   /* 0.5 -> 1 */
  g_assert_true (sk_cashback_cross_bonus (rules, -5, &out, &error));
  g_assert_cmpint (out, ==, -1);

  rules->cross_bonus_bp = 1500;
  g_assert_true (sk_cashback_cross_bonus (rules, RUB (3000), &out, &error));
  g_assert_cmpint (out, ==, RUB (450));

  /* 15 % of the largest amount fits (128-bit product); 200 % does not. */
  g_assert_true (sk_cashback_cross_bonus (rules, G_MAXINT64, &out, &error));
  g_assert_cmpint (out, ==, G_MAXINT64 / 20 * 3 + 1);
  rules->cross_bonus_bp = 20000;
  g_assert_false (sk_cashback_cross_bonus (rules, G_MAXINT64, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW);
}

static void
test_new_category_window (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) last = g_date_time_new (utc, 2024, 3, 10, 12, 0, 0);
  g_autoptr(GDateTime) before = g_date_time_new (utc, 2025, 3, 10, 11, 59, 59);
  g_autoptr(GDateTime) exact = g_date_time_new (utc, 2025, 3, 10, 12, 0, 0);

  g_assert_true (sk_cashback_is_new_category (rules, NULL, exact));
  g_assert_false (sk_cashback_is_new_category (rules, last, before));
  g_assert_true (sk_cashback_is_new_category (rules, last, exact));

  rules->new_category_window_months = 13;
  g_assert_false (sk_cashback_is_new_category (rules, last, exact));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/cashback/compute", test_compute);
  g_test_add_func ("/core/cashback/overflow", test_overflow);
  g_test_add_func ("/core/cashback/cross-bonus", test_cross_bonus);
  g_test_add_func ("/core/cashback/new-category", test_new_category_window);

  return g_test_run ();
}
