/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define RUB(r) ((SkKopecks) (r) * 100)

static const struct
{
  SkKopecks amount;
  SkKopecks contribution;
} contribution_cases[] = {
  { RUB (5000),  RUB (100) },   /* the brief's example */
  { RUB (3500),  RUB (70) },
  { 25,          1 },           /* 0.5 -> 1 */
  { 24,          0 },           /* 0.48 -> 0 */
  { -25,         -1 },          /* a refund mirrors */
  { -RUB (5000), -RUB (100) },
  { 0,           0 },
};

static void
test_contribution (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (contribution_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SkKopecks out = 99;

      g_assert_true (sk_budget_contribution (rules, contribution_cases[i].amount, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, contribution_cases[i].contribution);
    }
}

static void
test_contribution_overflow (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;
  SkKopecks out = 3;

  /* 2 % of the largest amount fits: the product is kept in 128 bits. */
  g_assert_true (sk_budget_contribution (rules, G_MAXINT64, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, G_MAXINT64 / 50);
}

static const struct
{
  SkKopecks total;
  SkKopecks open;
  SkKopecks vip;
  SkKopecks elite;
  SkKopecks reserve;
} allocate_cases[] = {
  { RUB (70000), RUB (21000), RUB (28000), RUB (14000), RUB (7000) },  /* the brief's month */
  { 1,           0,           0,           0,           1 },
  { 7,           2,           2,           1,           2 },
  { 99999,       29999,       39999,       19999,       10002 },
  { 0,           0,           0,           0,           0 },
  { -7,          -2,          -2,          -1,          -2 },           /* refunds in the month */
};

static void
test_allocate (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (allocate_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SkBudgetAllocation a;

      g_test_message ("total %" G_GINT64_FORMAT, allocate_cases[i].total);
      g_assert_true (sk_budget_allocate (rules, allocate_cases[i].total, &a, &error));
      g_assert_no_error (error);
      g_assert_cmpint (a.open, ==, allocate_cases[i].open);
      g_assert_cmpint (a.vip, ==, allocate_cases[i].vip);
      g_assert_cmpint (a.elite, ==, allocate_cases[i].elite);
      g_assert_cmpint (a.reserve, ==, allocate_cases[i].reserve);
    }
}

static void
test_allocate_sums (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  /* Awkward shares and many totals: never a kopeck lost or created. */
  rules->budget_open_bp = 3333;
  rules->budget_vip_bp = 3333;
  rules->budget_elite_bp = 3333;
  rules->budget_reserve_bp = 1;

  for (SkKopecks total = -2000; total <= 20000; total += 7)
    {
      SkBudgetAllocation a;

      g_assert_true (sk_budget_allocate (rules, total, &a, NULL));
      g_assert_cmpint (a.open + a.vip + a.elite + a.reserve, ==, total);
      if (total >= 0)
        g_assert_cmpint (a.reserve, >=, 0);
    }

  {
    SkBudgetAllocation a;

    g_assert_true (sk_budget_allocate (rules, G_MAXINT64, &a, NULL));
    g_assert_cmpint (a.open, ==, G_MAXINT64 / 10000 * 3333 + (G_MAXINT64 % 10000) * 3333 / 10000);
    g_assert_cmpint (a.reserve, >, 0);
  }
}

static void
test_allocate_rejects (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  g_autoptr(GError) error = NULL;
  SkBudgetAllocation a = { 1, 2, 3, 4 };

  rules->budget_reserve_bp = 999;
  g_assert_false (sk_budget_allocate (rules, RUB (70000), &a, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
  g_assert_cmpint (a.open, ==, 1);
  g_clear_error (&error);

  rules->budget_reserve_bp = 1000;
  rules->budget_open_bp = 4000;
  rules->budget_elite_bp = 1000;
  g_assert_true (sk_budget_allocate (rules, RUB (70000), &a, &error));
  g_assert_cmpint (a.open, ==, RUB (28000));

  rules->budget_open_bp = -1000;
  rules->budget_elite_bp = 6000;
  g_assert_false (sk_budget_allocate (rules, RUB (70000), &a, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/budget/contribution", test_contribution);
  g_test_add_func ("/core/budget/contribution-overflow", test_contribution_overflow);
  g_test_add_func ("/core/budget/allocate", test_allocate);
  g_test_add_func ("/core/budget/allocate-sums", test_allocate_sums);
  g_test_add_func ("/core/budget/allocate-rejects", test_allocate_rejects);

  return g_test_run ();
}
