/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

#define RUB(r) ((SkKopecks) (r) * 100)

static void
set_date (GDate *d, int y, int m, int day)
{
  g_date_clear (d, 1);
  g_date_set_dmy (d, (GDateDay) day, (GDateMonth) m, (GDateYear) y);
}

static const struct
{
  int   y, m, d;
  guint month;
} month_cases[] = {
  /* Joined 2025-01-15. */
  { 2025, 1, 15, 1 },
  { 2025, 2, 14, 1 },
  { 2025, 2, 15, 2 },
  { 2025, 7, 14, 6 },
  { 2025, 7, 15, 7 },
  { 2025, 12, 31, 12 },
  { 2026, 1, 14, 12 },
  { 2026, 1, 15, 13 },
  { 2026, 6, 15, 18 },
  { 2025, 1, 14, 0 },     /* before joining */
};

static void
test_month_index (void)
{
  GDate joined;

  set_date (&joined, 2025, 1, 15);
  for (gsize i = 0; i < G_N_ELEMENTS (month_cases); i++)
    {
      GDate day;

      set_date (&day, month_cases[i].y, month_cases[i].m, month_cases[i].d);
      g_assert_cmpuint (sk_commission_month_index (&joined, &day), ==, month_cases[i].month);
    }
}

static void
test_month_end (void)
{
  GDate joined;
  GDate day;

  /* As PostgreSQL age(): 31 January to 28 February is not yet a whole month. */
  set_date (&joined, 2025, 1, 31);
  set_date (&day, 2025, 2, 28);
  g_assert_cmpuint (sk_commission_month_index (&joined, &day), ==, 1);
  set_date (&day, 2025, 3, 1);
  g_assert_cmpuint (sk_commission_month_index (&joined, &day), ==, 2);
}

/* A schedule as the brief's strategy suggests a partner might get: 0 %, 2 %, then 3 % from
 * month 13. */
static const SkCommissionPhase phases_13[] = {
  { 1, 0 },
  { 7, 200 },
  { 13, 300 },
};

static const struct
{
  guint  month;
  gint64 rate_default;
  gint64 rate_13;
} rate_cases[] = {
  { 1,  0,   0 },
  { 6,  0,   0 },
  { 7,  200, 200 },
  { 12, 200, 200 },
  { 13, 200, 300 },
  { 17, 200, 300 },
  { 18, 300, 300 },
  { 60, 300, 300 },
};

static void
test_rates (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  SkCommissionPhase def[SK_COMMISSION_DEFAULT_PHASES];

  sk_commission_phases_from_rules (rules, def);
  g_assert_cmpuint (def[0].start_month, ==, 1);
  g_assert_cmpuint (def[1].start_month, ==, 7);
  g_assert_cmpuint (def[2].start_month, ==, 18);
  g_assert_true (sk_commission_phases_validate (def, G_N_ELEMENTS (def), NULL));

  for (gsize i = 0; i < G_N_ELEMENTS (rate_cases); i++)
    {
      g_assert_cmpint (sk_commission_rate_bp (def, G_N_ELEMENTS (def), rate_cases[i].month), ==,
                       rate_cases[i].rate_default);
      g_assert_cmpint (sk_commission_rate_bp (phases_13, G_N_ELEMENTS (phases_13),
                                              rate_cases[i].month), ==,
                       rate_cases[i].rate_13);
    }
  g_assert_cmpint (sk_commission_rate_bp (def, G_N_ELEMENTS (def), 0), ==, 0);
}

static void
test_compute (void)
{
  GDate joined;
  GDate day;
  gint64 rate = -1;
  SkKopecks commission = -1;
  g_autoptr(GError) error = NULL;

  set_date (&joined, 2025, 1, 15);

  /* Month 6: free. */
  set_date (&day, 2025, 7, 14);
  g_assert_true (sk_commission_compute (phases_13, 3, &joined, &day, RUB (3000), &rate, &commission, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rate, ==, 0);
  g_assert_cmpint (commission, ==, 0);

  /* Month 7: 2 %. */
  set_date (&day, 2025, 7, 15);
  g_assert_true (sk_commission_compute (phases_13, 3, &joined, &day, RUB (3000), &rate, &commission, &error));
  g_assert_cmpint (rate, ==, 200);
  g_assert_cmpint (commission, ==, RUB (60));

  /* Month 13: the brief's 3 000 ₽ × 3 % = 90 ₽; half-up; refunds mirror. */
  set_date (&day, 2026, 1, 15);
  g_assert_true (sk_commission_compute (phases_13, 3, &joined, &day, RUB (3000), &rate, &commission, &error));
  g_assert_cmpint (commission, ==, RUB (90));
  g_assert_true (sk_commission_compute (phases_13, 3, &joined, &day, 50, NULL, &commission, &error));
  g_assert_cmpint (commission, ==, 2);   /* 1.5 -> 2 */
  g_assert_true (sk_commission_compute (phases_13, 3, &joined, &day, -50, NULL, &commission, &error));
  g_assert_cmpint (commission, ==, -2);

  /* Before joining: an error, nothing written. */
  commission = 7;
  set_date (&day, 2025, 1, 1);
  g_assert_false (sk_commission_compute (phases_13, 3, &joined, &day, RUB (3000), NULL, &commission, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RANGE);
  g_assert_cmpint (commission, ==, 7);
}

static void
test_validate (void)
{
  const SkCommissionPhase late_start[] = { { 2, 0 } };
  const SkCommissionPhase unordered[] = { { 1, 0 }, { 13, 300 }, { 7, 200 } };
  const SkCommissionPhase too_high[] = { { 1, 10001 } };
  GDate joined;
  GDate day;
  SkKopecks c;
  g_autoptr(GError) error = NULL;

  g_assert_false (sk_commission_phases_validate (late_start, 1, NULL));
  g_assert_false (sk_commission_phases_validate (unordered, 3, NULL));
  g_assert_false (sk_commission_phases_validate (too_high, 1, NULL));
  g_assert_false (sk_commission_phases_validate (NULL, 0, NULL));

  set_date (&joined, 2025, 1, 15);
  set_date (&day, 2025, 3, 1);
  g_assert_false (sk_commission_compute (unordered, 3, &joined, &day, 100, NULL, &c, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_RULES);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/commission/month-index", test_month_index);
  g_test_add_func ("/core/commission/month-end", test_month_end);
  g_test_add_func ("/core/commission/rates", test_rates);
  g_test_add_func ("/core/commission/compute", test_compute);
  g_test_add_func ("/core/commission/validate", test_validate);

  return g_test_run ();
}
