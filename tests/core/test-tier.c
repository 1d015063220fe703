/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define RUB(r) ((SkKopecks) (r) * 100)

static const struct
{
  const char  *name;
  SkTierInput  in;
  SkTier       tier;
} compute_cases[] = {
  /* spend, categories, purchases, rank, ranked, invited, premium */
  { "registered, no purchase",      { 0,             0, 0 },                 SK_TIER_NONE },
  { "one purchase",                 { RUB (1400),    1, 1 },                 SK_TIER_INSIDER },
  { "quiet year keeps Insider",     { 0,             0, 7 },                 SK_TIER_INSIDER },
  { "exactly VIP",                  { RUB (30000),   3, 5 },                 SK_TIER_VIP },
  { "one kopeck short of VIP",      { RUB (30000) - 1, 3, 5 },               SK_TIER_INSIDER },
  { "VIP spend, two categories",    { RUB (50000),   2, 5 },                 SK_TIER_INSIDER },
  { "exactly Elite",                { RUB (100000),  5, 9 },                 SK_TIER_ELITE },
  { "Elite spend, 4 categories",    { RUB (150000),  4, 9 },                 SK_TIER_VIP },
  { "5 categories, short of Elite", { RUB (100000) - 1, 5, 9 },              SK_TIER_VIP },
  { "top 1 % makes Elite",          { RUB (20000),   1, 9, 5, 500 },         SK_TIER_ELITE },
  { "rank 6 of 500 is not top 1 %", { RUB (20000),   1, 9, 6, 500 },         SK_TIER_INSIDER },
  { "top 1 % of 99 is nobody",      { RUB (20000),   1, 9, 1, 99 },          SK_TIER_INSIDER },
  { "top 1 % of 100 is rank 1",     { RUB (20000),   1, 9, 1, 100 },         SK_TIER_ELITE },
  { "unranked",                     { RUB (20000),   1, 9, 0, 500 },         SK_TIER_INSIDER },
  { "exactly Inner Circle",         { RUB (200000),  9, 30 },                SK_TIER_INNER_CIRCLE },
  { "IC spend, 8 categories",       { RUB (500000),  8, 30 },                SK_TIER_ELITE },
  { "invited, no spend",            { 0,             0, 0, 0, 0, TRUE },     SK_TIER_INNER_CIRCLE },
  { "invited beats everything",     { RUB (10),      1, 1, 0, 0, TRUE, TRUE }, SK_TIER_INNER_CIRCLE },
  { "premium, no purchase",         { 0,             0, 0, 0, 0, FALSE, TRUE }, SK_TIER_VIP },
  { "premium lifts Insider",        { RUB (1000),    1, 1, 0, 0, FALSE, TRUE }, SK_TIER_VIP },
  { "premium keeps Elite",          { RUB (100000),  5, 9, 0, 0, FALSE, TRUE }, SK_TIER_ELITE },
  { "premium keeps Inner Circle",   { RUB (200000),  9, 9, 0, 0, FALSE, TRUE }, SK_TIER_INNER_CIRCLE },
  { "net refunds below zero",       { -RUB (500),    1, 2 },                 SK_TIER_INSIDER },
};

static void
test_compute (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (compute_cases); i++)
    {
      g_test_message ("%s", compute_cases[i].name);
      g_assert_cmpint (sk_tier_compute (rules, &compute_cases[i].in), ==, compute_cases[i].tier);
    }
}

static void
test_top_share (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  g_assert_true (sk_tier_is_top_share (rules, 5, 500));
  g_assert_false (sk_tier_is_top_share (rules, 6, 500));
  g_assert_true (sk_tier_is_top_share (rules, 5, 599));
  g_assert_true (sk_tier_is_top_share (rules, 6, 600));
  g_assert_false (sk_tier_is_top_share (rules, 0, 600));
  g_assert_false (sk_tier_is_top_share (rules, 7, 6));
  g_assert_false (sk_tier_is_top_share (rules, 1, 0));

  rules->elite_top_share_bp = 0;
  g_assert_false (sk_tier_is_top_share (rules, 1, 10000));
}

static void
test_rules_are_data (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  SkTierInput in = { RUB (20000), 2, 3 };

  g_assert_cmpint (sk_tier_compute (rules, &in), ==, SK_TIER_INSIDER);
  rules->vip_min_spend = RUB (20000);
  rules->vip_min_categories = 2;
  g_assert_cmpint (sk_tier_compute (rules, &in), ==, SK_TIER_VIP);
}

static const struct
{
  SkTier      tier;
  const char *code;
} string_cases[] = {
  { SK_TIER_NONE,         "none" },
  { SK_TIER_INSIDER,      "insider" },
  { SK_TIER_VIP,          "vip" },
  { SK_TIER_ELITE,        "elite" },
  { SK_TIER_INNER_CIRCLE, "inner_circle" },
};

static void
test_strings (void)
{
  SkTier t = SK_TIER_VIP;

  for (gsize i = 0; i < G_N_ELEMENTS (string_cases); i++)
    {
      g_assert_cmpstr (sk_tier_to_string (string_cases[i].tier), ==, string_cases[i].code);
      g_assert_true (sk_tier_from_string (string_cases[i].code, &t));
      g_assert_cmpint (t, ==, string_cases[i].tier);
      g_assert_nonnull (sk_tier_get_name (string_cases[i].tier));
    }

  t = SK_TIER_VIP;
  g_assert_false (sk_tier_from_string ("VIP", &t));
  g_assert_false (sk_tier_from_string ("inner circle", &t));
  g_assert_false (sk_tier_from_string (NULL, &t));
  g_assert_cmpint (t, ==, SK_TIER_VIP);
  g_assert_null (sk_tier_to_string ((SkTier) 99));
}

static const struct
{
  const char *name;
  SkTier      current;
  SkKopecks   spend;
  guint       categories;
  SkTier      next;
  gboolean    has_next;
  guint       percent;
  SkKopecks   spend_left;
  guint       categories_left;
} progress_cases[] = {
  /* The brief's example: (0.45 + 0.8) / 2 = 62.5 -> 62 (its mock-up's 68 is wrong). */
  { "brief VIP example",   SK_TIER_VIP,     RUB (45000),  4, SK_TIER_ELITE, TRUE, 62, RUB (55000), 1 },
  { "Insider start",       SK_TIER_INSIDER, 0,            0, SK_TIER_VIP,   TRUE, 0,  RUB (30000), 3 },
  { "Insider half",        SK_TIER_INSIDER, RUB (15000),  1, SK_TIER_VIP,   TRUE, 41, RUB (15000), 2 },
  { "floored, never 100",  SK_TIER_INSIDER, RUB (30000) - 1, 3, SK_TIER_VIP, TRUE, 99, 1, 0 },
  { "spend capped at 1",   SK_TIER_INSIDER, RUB (90000),  0, SK_TIER_VIP,   TRUE, 50, 0, 3 },
  { "both met",            SK_TIER_INSIDER, RUB (30000),  3, SK_TIER_VIP,   TRUE, 100, 0, 0 },
  { "Elite to IC",         SK_TIER_ELITE,   RUB (100000), 5, SK_TIER_INNER_CIRCLE, TRUE, 52, RUB (100000), 4 },
  { "negative net spend",  SK_TIER_INSIDER, -RUB (100),   1, SK_TIER_VIP,   TRUE, 16, RUB (30000), 2 },
  { "Inner Circle",        SK_TIER_INNER_CIRCLE, RUB (1), 1, SK_TIER_INNER_CIRCLE, FALSE, 100, 0, 0 },
  { "no tier",             SK_TIER_NONE,    0,            0, SK_TIER_INSIDER, TRUE, 0, 0, 1 },
};

static void
test_progress (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (progress_cases); i++)
    {
      SkTierProgress p;

      g_test_message ("%s", progress_cases[i].name);
      sk_tier_progress (rules, progress_cases[i].current, progress_cases[i].spend,
                        progress_cases[i].categories, &p);
      g_assert_cmpint (p.current, ==, progress_cases[i].current);
      g_assert_cmpint (p.next, ==, progress_cases[i].next);
      g_assert_cmpint (p.has_next, ==, progress_cases[i].has_next);
      g_assert_cmpuint (p.percent, ==, progress_cases[i].percent);
      g_assert_cmpint (p.spend_left, ==, progress_cases[i].spend_left);
      g_assert_cmpuint (p.categories_left, ==, progress_cases[i].categories_left);
    }
}

static void
test_progress_required (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  SkTierProgress p;

  sk_tier_progress (rules, SK_TIER_VIP, RUB (45000), 4, &p);
  g_assert_cmpint (p.spend_required, ==, RUB (100000));
  g_assert_cmpuint (p.categories_required, ==, 5);

  sk_tier_progress (rules, SK_TIER_ELITE, 0, 0, &p);
  g_assert_cmpint (p.spend_required, ==, RUB (200000));
  g_assert_cmpuint (p.categories_required, ==, 9);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/tier/compute", test_compute);
  g_test_add_func ("/core/tier/top-share", test_top_share);
  g_test_add_func ("/core/tier/rules-are-data", test_rules_are_data);
  g_test_add_func ("/core/tier/strings", test_strings);
  g_test_add_func ("/core/tier/progress", test_progress);
  g_test_add_func ("/core/tier/progress-required", test_progress_required);

  return g_test_run ();
}
