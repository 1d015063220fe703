/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define RUB(r) ((SkKopecks) (r) * 100)
#define CAT(c) (1u << SK_CATEGORY_##c)

static const struct
{
  const char   *name;
  SkBadgeInput  in;
  SkBadges      badges;
} cases[] = {
  /* categories, registered, referrals, events, lifetime spend */
  { "nothing",                 { 0 },                                  0 },
  { "registered",              { 0, TRUE },                            SK_BADGE_FIRST_COMER },
  { "one category",            { CAT (DENTISTRY) },                    SK_BADGE_CATEGORY (SK_CATEGORY_DENTISTRY) },
  { "two referrals",           { 0, FALSE, 2 },                        0 },
  { "three referrals",         { 0, FALSE, 3 },                        SK_BADGE_FRIEND_OF_CLUB },
  { "nine events",             { 0, FALSE, 0, 9 },                     0 },
  { "ten events",              { 0, FALSE, 0, 10 },                    SK_BADGE_PARTY_GOER },
  { "eight categories",        { SK_CATEGORY_SET_ALL & ~CAT (LEGAL) }, SK_CATEGORY_SET_ALL & ~CAT (LEGAL) },
  { "all nine categories",     { SK_CATEGORY_SET_ALL },                SK_CATEGORY_SET_ALL | SK_BADGE_COLLECTOR },
  { "medical_service ignored", { (SK_CATEGORY_SET_ALL & ~CAT (LEGAL)) | (1u << SK_CATEGORY_MEDICAL_SERVICE) },
                               SK_CATEGORY_SET_ALL & ~CAT (LEGAL) },
  { "one kopeck short",        { 0, FALSE, 0, 0, RUB (250000) - 1 },   0 },
  { "investor",                { 0, FALSE, 0, 0, RUB (250000) },       SK_BADGE_INVESTOR },
  { "everything",              { SK_CATEGORY_SET_ALL, TRUE, 5, 12, RUB (300000) }, SK_BADGES_ALL },
};

static void
test_compute (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].name);
      g_assert_cmphex (sk_badges_compute (rules, &cases[i].in), ==, cases[i].badges);
    }
}

static void
test_thresholds_are_data (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  SkBadgeInput in = { CAT (BEAUTY) | CAT (GASTRONOMY), FALSE, 1, 5, RUB (1000) };

  g_assert_cmphex (sk_badges_compute (rules, &in), ==, CAT (BEAUTY) | CAT (GASTRONOMY));

  rules->badge_friend_referrals = 1;
  rules->badge_party_goer_events = 5;
  rules->badge_collector_categories = 2;
  rules->badge_investor_spend = RUB (1000);
  g_assert_cmphex (sk_badges_compute (rules, &in), ==,
                   CAT (BEAUTY) | CAT (GASTRONOMY) | SK_BADGE_FRIEND_OF_CLUB |
                   SK_BADGE_PARTY_GOER | SK_BADGE_COLLECTOR | SK_BADGE_INVESTOR);
}

static void
test_codes (void)
{
  g_auto(GStrv) codes = NULL;

  g_assert_cmpstr (sk_badge_to_string (SK_BADGE_COLLECTOR), ==, "collector");
  g_assert_cmpstr (sk_badge_to_string (SK_BADGE_FIRST_COMER), ==, "first_comer");
  g_assert_cmpstr (sk_badge_to_string (SK_BADGE_CATEGORY (SK_CATEGORY_HOME)), ==, "category:home");
  g_assert_null (sk_badge_to_string (SK_BADGE_COLLECTOR | SK_BADGE_INVESTOR));
  g_assert_cmphex (sk_badge_from_string ("friend_of_club"), ==, SK_BADGE_FRIEND_OF_CLUB);
  g_assert_cmphex (sk_badge_from_string ("category:legal"), ==, CAT (LEGAL));
  g_assert_cmphex (sk_badge_from_string ("nope"), ==, 0);
  g_assert_nonnull (sk_badge_get_name (SK_BADGE_PARTY_GOER));

  codes = sk_badges_to_strv (CAT (BEAUTY) | SK_BADGE_INVESTOR | SK_BADGE_FIRST_COMER);
  g_assert_cmpuint (g_strv_length (codes), ==, 3);
  g_assert_cmpstr (codes[0], ==, "category:beauty");
  g_assert_cmpstr (codes[1], ==, "first_comer");
  g_assert_cmpstr (codes[2], ==, "investor");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/badges/compute", test_compute);
  g_test_add_func ("/core/badges/thresholds-are-data", test_thresholds_are_data);
  g_test_add_func ("/core/badges/codes", test_codes);

  return g_test_run ();
}
