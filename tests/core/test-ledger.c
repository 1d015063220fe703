/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define DAY_US (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

static gint64
usec_of (GTimeZone *tz, int y, int m, int d, int hh, int mm)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, y, m, d, hh, mm, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
test_hold_and_expiry (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  /* A fixed +03:00 zone: Moscow without reading tzdata. */
  g_autoptr(GTimeZone) msk = g_time_zone_new_offset (3 * 3600);
  gint64 earned = usec_of (msk, 2025, 1, 31, 23, 30) + 123;

  g_assert_cmpint (sk_ledger_available_at (rules, msk, earned), ==,
                   usec_of (msk, 2025, 2, 14, 23, 30) + 123);
  g_assert_cmpint (sk_ledger_available_at (rules, msk, earned) - earned, ==, 14 * DAY_US);
  /* 31 January + 12 months is 31 January; + 1 month clamps to 28 February. */
  g_assert_cmpint (sk_ledger_expires_at (rules, msk, earned), ==,
                   usec_of (msk, 2026, 1, 31, 23, 30) + 123);
  rules->expiry_months = 1;
  g_assert_cmpint (sk_ledger_expires_at (rules, msk, earned), ==,
                   usec_of (msk, 2025, 2, 28, 23, 30) + 123);

  rules->hold_days = 0;
  g_assert_cmpint (sk_ledger_available_at (rules, NULL, earned), ==, earned);
}

static void
test_fifo (void)
{
  const SkLedgerLot lots[] = {
    /* id, remaining, earned, expires */
    { 10, 500, 300, 3000 },
    { 11, 200, 100, 1000 },   /* expires first: spent first */
    { 12, 300, 200, 2000 },
    { 13, 999,  50,  400 },   /* already expired at now = 500 */
    { 14,   0,  60, 5000 },   /* nothing left */
  };
  SkKopecks debits[G_N_ELEMENTS (lots)];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sk_ledger_balance (lots, G_N_ELEMENTS (lots), 500), ==, 1000);

  g_assert_true (sk_ledger_spend_fifo (lots, G_N_ELEMENTS (lots), 500, 350, debits, &error));
  g_assert_no_error (error);
  g_assert_cmpint (debits[0], ==, 0);
  g_assert_cmpint (debits[1], ==, 200);
  g_assert_cmpint (debits[2], ==, 150);
  g_assert_cmpint (debits[3], ==, 0);
  g_assert_cmpint (debits[4], ==, 0);

  g_assert_true (sk_ledger_spend_fifo (lots, G_N_ELEMENTS (lots), 500, 1000, debits, &error));
  g_assert_cmpint (debits[0] + debits[1] + debits[2], ==, 1000);
  g_assert_cmpint (debits[3], ==, 0);
}

static void
test_fifo_tie_break (void)
{
  const SkLedgerLot lots[] = {
    { 7, 100, 20, 1000 },
    { 5, 100, 20, 1000 },
    { 6, 100, 10, 1000 },
  };
  SkKopecks debits[3];

  g_assert_true (sk_ledger_spend_fifo (lots, 3, 0, 150, debits, NULL));
  g_assert_cmpint (debits[2], ==, 100);   /* earliest earned */
  g_assert_cmpint (debits[1], ==, 50);    /* then the lower id */
  g_assert_cmpint (debits[0], ==, 0);
}

static void
test_never_negative (void)
{
  const SkLedgerLot lots[] = {
    { 1, 100, 0, 1000 },
    { 2, 100, 0, 10 },      /* expired at now = 10: not spendable */
  };
  SkKopecks debits[2] = { -1, -1 };
  g_autoptr(GError) error = NULL;

  g_assert_false (sk_ledger_spend_fifo (lots, 2, 10, 101, debits, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INSUFFICIENT);
  g_assert_cmpint (debits[0], ==, -1);
  g_clear_error (&error);

  g_assert_false (sk_ledger_spend_fifo (lots, 2, 10, 0, debits, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE);
  g_clear_error (&error);

  g_assert_false (sk_ledger_spend_fifo (NULL, 0, 10, 1, NULL, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INSUFFICIENT);
}

static const struct
{
  SkKopecks amount;
  SkKopecks bonus;
  SkKopecks before;
  SkKopecks refund;
  SkKopecks reversed;
} reversal_cases[] = {
  { 300000, 15000, 0,      300000, 15000 },  /* full refund */
  { 300000, 15000, 0,      100000, 5000 },
  { 3,      1,     0,      1,      0 },      /* 1/3 -> 0 */
  { 3,      1,     1,      1,      1 },      /* 2/3 -> 1 */
  { 3,      1,     2,      1,      0 },      /* total stays exactly 1 */
  { 2,      1,     0,      1,      1 },      /* 0.5 -> 1 */
  { 2,      1,     1,      1,      0 },
};

static void
test_reversal (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reversal_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SkKopecks out = -1;

      g_assert_true (sk_ledger_reversal (reversal_cases[i].amount, reversal_cases[i].bonus,
                                         reversal_cases[i].before, reversal_cases[i].refund,
                                         &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, reversal_cases[i].reversed);
    }
}

static void
test_reversal_sums (void)
{
  /* Any sequence of partial refunds reverses exactly the bonus in total. */
  const SkKopecks parts[] = { 1, 333, 7, 10000, 88888, 1 };
  SkKopecks amount = 0;
  SkKopecks before = 0;
  SkKopecks total = 0;
  SkKopecks bonus = 9137;

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    amount += parts[i];

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      SkKopecks r;

      g_assert_true (sk_ledger_reversal (amount, bonus, before, parts[i], &r, NULL));
      g_assert_cmpint (r, >=, 0);
      total += r;
      before += parts[i];
    }
  g_assert_cmpint (total, ==, bonus);
}

static void
test_reversal_too_much (void)
{
  g_autoptr(GError) error = NULL;
  SkKopecks out = 5;

  g_assert_false (sk_ledger_reversal (100, 5, 60, 41, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE);
  g_assert_cmpint (out, ==, 5);
  g_clear_error (&error);

  g_assert_false (sk_ledger_reversal (100, 5, 0, 0, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/ledger/hold-and-expiry", test_hold_and_expiry);
  g_test_add_func ("/core/ledger/fifo", test_fifo);
  g_test_add_func ("/core/ledger/fifo-tie-break", test_fifo_tie_break);
  g_test_add_func ("/core/ledger/never-negative", test_never_negative);
  g_test_add_func ("/core/ledger/reversal", test_reversal);
  g_test_add_func ("/core/ledger/reversal-sums", test_reversal_sums);
  g_test_add_func ("/core/ledger/reversal-too-much", test_reversal_too_much);

  return g_test_run ();
}
