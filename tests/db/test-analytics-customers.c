/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "sk-analytics-customers.h"
#include "sk-test-pipeline.h"

/* RFM segments and churn risk (sk-analytics-customers.c) on hand-built histories. The last
 * day is 31 October 2025 (club time zone, Moscow, UTC+3); "d days ago" is that day minus d,
 * at 12:00 Moscow time. Purchases go through the pipeline (record_purchase), which keeps
 * business_customers as in production, except the bulk history of the model test, inserted
 * with SQL and summed into business_customers the way the pipeline does.
 *
 * RFM, SALON, ten customers (recency days / purchases / net kopecks):
 *
 *   M01  2 / 6 / 60 000      10 000 at 2, 20, 40, 80, 120, 160 days ago; also MARKET 1 day
 *                            ago 99 999 (never counted at SALON)
 *   M02  2 / 1 / 5 000
 *   M03 10 / 4 / 40 000      10 000 at 10, 50, 100, 200
 *   M04 30 / 2 / 40 000      20 000 at 30, 70
 *   M05 60 / 6 / 90 000      20 000 at 60, 100, 140, 180; 10 000 at 220, 260; the one at 260
 *                            refunded 250 days ago (-10 000: net, not a purchase less)
 *   M06 90 / 2 / 8 000       4 000 at 90, 95
 *   M07 150 / 1 / 3 000
 *   M08 200 / 3 / 45 000     15 000 at 200, 250, 300
 *   M09 300 / 1 / 2 000
 *   M10 10 / 1 / 0           10 000 at 10, refunded 5 days ago: still a customer, lowest M
 *   nobody: 50 000 unmatched 1 day ago (ignored)
 *
 * Scores, n = 10, score = 1 + (4 W + 2 E) / 10 (W strictly worse, E equal, sk_rfm_score()):
 *   R: days 2,2 (W 8, E 2) -> 1 + 36/10 = 4; 10,10 (W 6, E 2) -> 1 + 28/10 = 3;
 *      30 (W 5) -> 1 + 22/10 = 3; 60 (W 4) -> 2; 90 (W 3) -> 2; 150 (W 2) -> 1 + 10/10 = 2;
 *      200 (W 1) -> 1; 300 (W 0) -> 1
 *   F: 1 x4 (W 0, E 4) -> 1 + 8/10 = 1; 2 x2 (W 4, E 2) -> 1 + 20/10 = 3; 3 (W 6) -> 3;
 *      4 (W 7) -> 1 + 30/10 = 4; 6 x2 (W 8, E 2) -> 4
 *   M: 0 -> 1; 2 000 (W 1) -> 1; 3 000 (W 2) -> 2; 5 000 (W 3) -> 2; 8 000 (W 4) -> 2;
 *      40 000 x2 (W 5, E 2) -> 1 + 24/10 = 3; 45 000 (W 7) -> 4; 60 000 -> 4; 90 000 -> 4
 *
 *        R F M  segment (sk-rfm.c's map)
 *   M01  4 4 4  Champions
 *   M02  4 1 2  New
 *   M03  3 4 3  Loyal
 *   M04  3 3 3  Loyal
 *   M05  2 4 4  Can't Lose Them    (R2 F4: M > 3)
 *   M06  2 3 2  Need Attention     (R2 F3: M <= 2)
 *   M07  2 1 2  About to Sleep
 *   M08  1 3 4  At Risk            (R1 F3: M > 2)
 *   M09  1 1 1  Lost
 *   M10  3 1 1  Promising
 */

#define TO_DAY "2025-10-31"

#define M(n) "22222222-0000-4000-8000-0000000000" n
static const char * const members[] = {
  M ("01"), M ("02"), M ("03"), M ("04"), M ("05"),
  M ("06"), M ("07"), M ("08"), M ("09"), M ("10"),
};

typedef struct
{
  gint64       recency;
  gint64       frequency;
  gint64       monetary;
  guint        r, f, m;
  SkRfmSegment segment;
} Expected;

static const Expected expected_salon[] = {
  { 2, 6, 60000, 4, 4, 4, SK_RFM_CHAMPIONS },
  { 2, 1, 5000, 4, 1, 2, SK_RFM_NEW },
  { 10, 4, 40000, 3, 4, 3, SK_RFM_LOYAL },
  { 30, 2, 40000, 3, 3, 3, SK_RFM_LOYAL },
  { 60, 6, 90000, 2, 4, 4, SK_RFM_CANT_LOSE_THEM },
  { 90, 2, 8000, 2, 3, 2, SK_RFM_NEED_ATTENTION },
  { 150, 1, 3000, 2, 1, 2, SK_RFM_ABOUT_TO_SLEEP },
  { 200, 3, 45000, 1, 3, 4, SK_RFM_AT_RISK },
  { 300, 1, 2000, 1, 1, 1, SK_RFM_LOST },
  { 10, 1, 0, 3, 1, 1, SK_RFM_PROMISING },
};

static void
the_day (GDate *day)
{
  g_date_clear (day, 1);
  g_date_set_dmy (day, 31, 10, 2025);
}

static char *
days_ago (int days)
{
  GDate day;

  the_day (&day);
  if (days >= 0)
    g_date_subtract_days (&day, (guint) days);
  else
    g_date_add_days (&day, (guint) -days);
  return g_strdup_printf ("%04u-%02u-%02u 12:00+03", g_date_get_year (&day),
                          g_date_get_month (&day), g_date_get_day (&day));
}

static void
record (Fixture    *fixture,
        const char *business,
        const char *external_id,
        gint64      amount,
        int         ago,
        const char *member,
        const char *original,
        const char *outcome)
{
  g_autofree char *when = days_ago (ago);
  g_autofree char *kopecks = g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  g_autoptr(PGresult) result = NULL;

  if (member == NULL && original == NULL)
    result = sk_test_exec (fixture->conn,
      "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
      " 'partner', p_phone_hash => " PHONE_HASH ("+79990000099") ")",
      business, external_id, kopecks, when, NULL);
  else if (original != NULL)
    result = sk_test_exec (fixture->conn,
      "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
      " 'partner', p_original_external_id => $5)",
      business, external_id, kopecks, when, original, NULL);
  else
    result = sk_test_exec (fixture->conn,
      "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
      " 'partner', p_member_id => $5::uuid)",
      business, external_id, kopecks, when, member, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("record_purchase %s: %s", external_id, PQresultErrorMessage (result));
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, outcome);
}

static void
buy (Fixture    *fixture,
     const char *business,
     const char *external_id,
     gint64      amount,
     int         ago,
     const char *member)
{
  record (fixture, business, external_id, amount, ago, member, NULL, "recorded");
}

static void
add_members (Fixture *fixture)
{
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autoptr(PGresult) result = sk_test_exec (fixture->conn,
        "INSERT INTO members (id) VALUES ($1::uuid)", members[i], NULL);

      sk_test_assert_ok (g_steal_pointer (&result));
    }
}

static void
rfm_setup (Fixture       *fixture,
           gconstpointer  data)
{
  static const struct { int member; gint64 amount; int ago; } sales[] = {
    { 1, 10000, 160 }, { 1, 10000, 120 }, { 1, 10000, 80 }, { 1, 10000, 40 },
    { 1, 10000, 20 }, { 1, 10000, 2 },
    { 2, 5000, 2 },
    { 3, 10000, 200 }, { 3, 10000, 100 }, { 3, 10000, 50 }, { 3, 10000, 10 },
    { 4, 20000, 70 }, { 4, 20000, 30 },
    { 5, 10000, 260 }, { 5, 10000, 220 }, { 5, 20000, 180 }, { 5, 20000, 140 },
    { 5, 20000, 100 }, { 5, 20000, 60 },
    { 6, 4000, 95 }, { 6, 4000, 90 },
    { 7, 3000, 150 },
    { 8, 15000, 300 }, { 8, 15000, 250 }, { 8, 15000, 200 },
    { 9, 2000, 300 },
    { 10, 10000, 10 },
  };

  fixture_setup (fixture, data);
  add_members (fixture);

  for (gsize i = 0; i < G_N_ELEMENTS (sales); i++)
    {
      g_autofree char *id = g_strdup_printf ("s-%02d-%d", sales[i].member, sales[i].ago);

      buy (fixture, SALON, id, sales[i].amount, sales[i].ago, members[sales[i].member - 1]);
      /* Refunds in time order, after their sales. */
      if (sales[i].member == 5 && sales[i].ago == 260)
        record (fixture, SALON, "r-05", -10000, 250, NULL, "s-05-260", "recorded");
    }
  record (fixture, SALON, "r-10", -10000, 5, NULL, "s-10-10", "recorded");
  buy (fixture, MARKET, "m-01", 99999, 1, members[0]);
  record (fixture, SALON, "nobody", 50000, 1, NULL, NULL, "unmatched");
}

static SkAnalyticsPeriod *
period_for (const char *business)
{
  GDate to, from;

  the_day (&to);
  /* from is not used: RFM looks at the 365 days to the last day. */
  the_day (&from);
  return sk_analytics_period_new (business, &from, &to);
}

static const SkRfmReportCustomer *
find_rfm (const SkRfmReport *report,
          const char        *member)
{
  for (guint i = 0; i < report->customers->len; i++)
    {
      const SkRfmReportCustomer *c = &g_array_index (report->customers, SkRfmReportCustomer, i);

      if (g_str_equal (c->member_id, member))
        return c;
    }
  g_error ("no customer %s", member);
  return NULL;
}

static void
assert_salon_rfm (const SkRfmReport *report)
{
  static const gint64 counts[SK_RFM_N_SEGMENTS] = {
    [SK_RFM_CHAMPIONS] = 1, [SK_RFM_LOYAL] = 2, [SK_RFM_NEW] = 1, [SK_RFM_PROMISING] = 1,
    [SK_RFM_NEED_ATTENTION] = 1, [SK_RFM_ABOUT_TO_SLEEP] = 1, [SK_RFM_AT_RISK] = 1,
    [SK_RFM_CANT_LOSE_THEM] = 1, [SK_RFM_LOST] = 1,
  };
  /* Average revenue: the one customer's, Loyal (40 000 + 40 000) / 2. */
  static const gint64 averages[SK_RFM_N_SEGMENTS] = {
    [SK_RFM_CHAMPIONS] = 60000, [SK_RFM_LOYAL] = 40000, [SK_RFM_NEW] = 5000,
    [SK_RFM_PROMISING] = 0, [SK_RFM_NEED_ATTENTION] = 8000, [SK_RFM_ABOUT_TO_SLEEP] = 3000,
    [SK_RFM_AT_RISK] = 45000, [SK_RFM_CANT_LOSE_THEM] = 90000, [SK_RFM_LOST] = 2000,
  };

  g_assert_cmpstr (report->business_id, ==, SALON);
  g_assert_cmpuint (report->customers->len, ==, 10);
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      const SkRfmReportCustomer *c = find_rfm (report, members[i]);
      const Expected *e = &expected_salon[i];

      g_test_message ("%s", members[i]);
      g_assert_cmpint (c->rfm.recency_days, ==, e->recency);
      g_assert_cmpint (c->rfm.frequency, ==, e->frequency);
      g_assert_cmpint (c->rfm.monetary, ==, e->monetary);
      g_assert_cmpuint (c->rfm.r, ==, e->r);
      g_assert_cmpuint (c->rfm.f, ==, e->f);
      g_assert_cmpuint (c->rfm.m, ==, e->m);
      g_assert_cmpint (c->rfm.segment, ==, e->segment);
    }
  for (guint s = 0; s < SK_RFM_N_SEGMENTS; s++)
    {
      g_assert_cmpint (report->segments[s].segment, ==, s);
      g_assert_cmpint (report->segments[s].count, ==, counts[s]);
      g_assert_cmpint (report->segments[s].avg_revenue_kopecks, ==, averages[s]);
    }
  /* Sorted by segment, then money: Champions first, the two Loyal 40 000 by member id. */
  g_assert_cmpstr (g_array_index (report->customers, SkRfmReportCustomer, 0).member_id, ==,
                   members[0]);
  g_assert_cmpstr (g_array_index (report->customers, SkRfmReportCustomer, 1).member_id, ==,
                   members[2]);
  g_assert_cmpstr (g_array_index (report->customers, SkRfmReportCustomer, 2).member_id, ==,
                   members[3]);
}

/* The club as one business: M01's MARKET purchase counts now (1 day ago, 7 purchases,
 * 159 999); the others are as at SALON. */
static void
assert_club_rfm (const SkRfmReport *report)
{
  const SkRfmReportCustomer *m01;

  g_assert_null (report->business_id);
  g_assert_cmpuint (report->customers->len, ==, 10);
  m01 = find_rfm (report, members[0]);
  g_assert_cmpint (m01->rfm.recency_days, ==, 1);
  g_assert_cmpint (m01->rfm.frequency, ==, 7);
  g_assert_cmpint (m01->rfm.monetary, ==, 159999);
  /* Alone in the most recent place now: W 9 -> 4; 7 purchases W 9 -> 4; money W 9 -> 4. */
  g_assert_cmpint (m01->rfm.segment, ==, SK_RFM_CHAMPIONS);
  g_assert_cmpint (find_rfm (report, members[7])->rfm.segment, ==, SK_RFM_AT_RISK);
}

static SkCustomerReports *
find_reports (GPtrArray  *all,
              const char *business)
{
  for (guint i = 0; i < all->len; i++)
    {
      SkCustomerReports *r = g_ptr_array_index (all, i);

      if (g_strcmp0 (r->business_id, business) == 0)
        return r;
    }
  g_error ("no reports for %s", business ? business : "the club");
  return NULL;
}

static void
assert_all_paths (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkAnalyticsPeriod) salon = period_for (SALON);
  g_autoptr(SkAnalyticsPeriod) club = period_for (NULL);
  g_autoptr(SkRfmReport) rfm = NULL;
  g_autoptr(SkRfmReport) club_rfm = NULL;
  g_autoptr(GPtrArray) all = NULL;
  GDate to;

  rfm = sk_analytics_rfm (fixture->conn, salon, NULL, &error);
  g_assert_no_error (error);
  assert_salon_rfm (rfm);

  club_rfm = sk_analytics_rfm (fixture->conn, club, NULL, &error);
  g_assert_no_error (error);
  assert_club_rfm (club_rfm);

  the_day (&to);
  all = sk_analytics_rfm_churn_all (fixture->conn, &to, TRUE, NULL, &error);
  g_assert_no_error (error);
  /* SALON, MARKET and the club, the club last. */
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_null (((SkCustomerReports *) g_ptr_array_index (all, 2))->business_id);
  assert_salon_rfm (find_reports (all, SALON)->rfm);
  assert_club_rfm (find_reports (all, NULL)->rfm);
  g_assert_cmpuint (find_reports (all, MARKET)->rfm->customers->len, ==, 1);
}

/* The same figures whichever way they are read: from business_customers (everything is in
 * the window), from the window's purchases (a purchase before the window) and from all
 * purchases (a purchase after the last day). */
static void
test_rfm (Fixture       *fixture,
          gconstpointer  data)
{
  assert_all_paths (fixture);

  /* M09 400 days ago: before the window, so not counted. */
  buy (fixture, SALON, "s-09-400", 7000, 400, members[8]);
  assert_all_paths (fixture);

  /* M02 five days after the last day: not counted either. */
  buy (fixture, SALON, "s-02-after", 7000, -5, members[1]);
  assert_all_paths (fixture);
}

static void
test_rfm_tables (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkAnalyticsPeriod) period = period_for (SALON);
  g_autoptr(GPtrArray) tables = sk_analytics_report_rfm (fixture->conn, period, NULL, &error);
  SkTable *segments, *customers;

  g_assert_no_error (error);
  g_assert_cmpuint (tables->len, ==, 2);
  segments = g_ptr_array_index (tables, 0);
  customers = g_ptr_array_index (tables, 1);
  g_assert_cmpstr (segments->name, ==, "segments");
  g_assert_cmpuint (sk_table_n_columns (segments), ==, 7);
  g_assert_cmpuint (segments->rows->len, ==, SK_RFM_N_SEGMENTS);
  /* At Risk: one customer, 45 000, long ago / high / high. */
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 0), ==, "At Risk");
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 1), ==, "1");
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 2), ==, "45000");
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 3), ==, "long_ago");
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 4), ==, "high");
  g_assert_cmpstr (sk_table_get (segments, SK_RFM_AT_RISK, 5), ==, "high");
  g_assert_nonnull (sk_table_get (segments, SK_RFM_AT_RISK, 6));

  g_assert_cmpstr (customers->name, ==, "customers");
  g_assert_cmpuint (sk_table_n_columns (customers), ==, 8);
  g_assert_cmpuint (customers->rows->len, ==, 10);
  g_assert_cmpstr (sk_table_get (customers, 0, 0), ==, members[0]);
  g_assert_cmpstr (sk_table_get (customers, 0, 1), ==, "2");
  g_assert_cmpstr (sk_table_get (customers, 0, 2), ==, "6");
  g_assert_cmpstr (sk_table_get (customers, 0, 3), ==, "60000");
  g_assert_cmpstr (sk_table_get (customers, 0, 4), ==, "4");
  g_assert_cmpstr (sk_table_get (customers, 0, 7), ==, "Champions");
}

/* Churn with too little data: FLORIST has three customers.
 *   M01  30 000 at 40, 30, 20 days ago: mean gap 10, last 20 days ago
 *   M02  50 000 at 60, 40: gap 20, last 40
 *   M03  20 000 at 5: one purchase
 * The fit refuses (fewer than SK_BGNBD_MIN_CUSTOMERS); the fallback's g = median (10, 20)
 * = 15 days.
 *   M01: h 10, overdue 20 - 10 = 10: P(alive) = e^-1 = 0.367879; 90 days at 1 per 10 days:
 *        expected 9 e^-1 = 3.310915; lost (1 - e^-1) * 9 * 30 000 = 170 672.55 -> 170 673
 *   M02: h 20, overdue 20: P(alive) = e^-1; expected 4.5 e^-1 = 1.655457;
 *        lost (1 - e^-1) * 4.5 * 50 000 = 142 227.13 -> 142 227
 *   M03: h = g = 15, not overdue: P(alive) 1, expected 6, lost 0
 * At risk (churn >= 0.5): M01 and M02. */
static void
test_churn_fallback (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkAnalyticsPeriod) period = period_for (FLORIST);
  g_autoptr(SkChurnReport) report = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  const SkChurnCustomer *c;
  SkTable *model;
  GDate day;

  add_members (fixture);
  buy (fixture, FLORIST, "f-02-60", 50000, 60, members[1]);
  buy (fixture, FLORIST, "f-01-40", 30000, 40, members[0]);
  buy (fixture, FLORIST, "f-02-40", 50000, 40, members[1]);
  buy (fixture, FLORIST, "f-01-30", 30000, 30, members[0]);
  buy (fixture, FLORIST, "f-01-20", 30000, 20, members[0]);
  buy (fixture, FLORIST, "f-03-5", 20000, 5, members[2]);

  report = sk_analytics_churn (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->model, ==, SK_CHURN_MODEL_FALLBACK);
  g_assert_cmpint (report->fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);
  g_assert_cmpfloat (report->fallback_gap_days, ==, 15.0);
  g_assert_cmpint (report->total_at_risk, ==, 2);
  g_assert_cmpuint (report->customers->len, ==, 3);

  c = &g_array_index (report->customers, SkChurnCustomer, 0);
  g_assert_cmpstr (c->member_id, ==, members[0]);
  g_date_clear (&day, 1);
  g_date_set_dmy (&day, 11, 10, 2025);
  g_assert_cmpint (g_date_compare (&c->last_visit, &day), ==, 0);
  g_assert_cmpint (c->days_since_last_visit, ==, 20);
  g_assert_cmpint (c->purchases, ==, 3);
  g_assert_cmpfloat_with_epsilon (c->p_alive, exp (-1), 1e-12);
  g_assert_cmpfloat_with_epsilon (c->churn_probability, 1 - exp (-1), 1e-12);
  g_assert_cmpfloat_with_epsilon (c->expected_purchases_90d, 9 * exp (-1), 1e-9);
  g_assert_cmpint (c->avg_check_kopecks, ==, 30000);
  g_assert_cmpint (c->lost_value_kopecks, ==, 170673);

  c = &g_array_index (report->customers, SkChurnCustomer, 1);
  g_assert_cmpstr (c->member_id, ==, members[1]);
  g_assert_cmpint (c->days_since_last_visit, ==, 40);
  g_assert_cmpfloat_with_epsilon (c->p_alive, exp (-1), 1e-12);
  g_assert_cmpfloat_with_epsilon (c->expected_purchases_90d, 4.5 * exp (-1), 1e-9);
  g_assert_cmpint (c->avg_check_kopecks, ==, 50000);
  g_assert_cmpint (c->lost_value_kopecks, ==, 142227);

  c = &g_array_index (report->customers, SkChurnCustomer, 2);
  g_assert_cmpstr (c->member_id, ==, members[2]);
  g_assert_cmpint (c->days_since_last_visit, ==, 5);
  g_assert_cmpfloat (c->p_alive, ==, 1.0);
  g_assert_cmpfloat (c->churn_probability, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (c->expected_purchases_90d, 6.0, 1e-12);
  g_assert_cmpint (c->lost_value_kopecks, ==, 0);

  tables = sk_analytics_report_churn (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tables->len, ==, 2);
  model = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (model->name, ==, "model");
  g_assert_cmpstr (sk_table_get (model, 0, 0), ==, "fallback");
  g_assert_cmpstr (sk_table_get (model, 0, 1), ==, "too-little-data");
  g_assert_null (sk_table_get (model, 0, 2));
  g_assert_cmpstr (sk_table_get (model, 0, 8), ==, "3");
  g_assert_cmpstr (sk_table_get (model, 0, 9), ==, "2");
  g_assert_cmpstr (((SkTable *) g_ptr_array_index (tables, 1))->name, ==, "customers");
  g_assert_cmpstr (sk_table_get (g_ptr_array_index (tables, 1), 0, 1), ==, "2025-10-11");
  g_assert_cmpstr (sk_table_get (g_ptr_array_index (tables, 1), 0, 7), ==, "170673");
}

/* OPTICS, 60 deterministic customers at 10 000 a purchase:
 *   1..30 regulars: every 14 days from about 300 days ago to (i mod 14) days ago
 *   31..45 stopped: every 7 days from 350 to about 200 days ago (22 purchases), then nothing
 *   46..60 one purchase, (i - 45) * 20 days ago (x = 0)
 * Inserted with SQL and summed into business_customers as the pipeline keeps it. */
#define BULK(i) "('33333333-0000-4000-8000-' || lpad ((" i ")::text, 12, '0'))::uuid"

static void
bulk_setup (Fixture       *fixture,
            gconstpointer  data)
{
  fixture_setup (fixture, data);
  run (fixture,
       "INSERT INTO members (id) SELECT " BULK ("i") " FROM generate_series (1, 60) i;"
       "WITH plan AS ("
       "  SELECT i, d FROM generate_series (1, 30) i, generate_series (i % 14, 300, 14) d"
       "  UNION ALL"
       "  SELECT i, d FROM generate_series (31, 45) i, generate_series (200 + i % 5, 350, 7) d"
       "  UNION ALL"
       "  SELECT i, (i - 45) * 20 FROM generate_series (46, 60) i"
       "), k AS ("
       "  INSERT INTO purchase_keys (business_id, external_id, occurred_at)"
       "  SELECT '" OPTICS "', 'bulk-' || i || '-' || d,"
       "         ((DATE '" TO_DAY "' - d) + TIME '12:00') AT TIME ZONE 'Europe/Moscow'"
       "    FROM plan"
       "  RETURNING id, external_id, occurred_at"
       ")"
       "INSERT INTO purchases (id, occurred_at, business_id, member_id, amount, category,"
       "                       source, status, external_id)"
       "SELECT k.id, k.occurred_at, '" OPTICS "', " BULK ("split_part (k.external_id, '-', 2)::int") ","
       "       10000, 'optics', 'partner', 'recorded', k.external_id FROM k;"
       "INSERT INTO business_customers (business_id, member_id, first_purchase_at,"
       "                                last_purchase_at, purchases_count, spent_kopecks)"
       "SELECT business_id, member_id, min (occurred_at), max (occurred_at), count(*), sum (amount)"
       "  FROM purchases WHERE business_id = '" OPTICS "' GROUP BY 1, 2");
}

#define REGULAR_1 "33333333-0000-4000-8000-000000000001"
#define STOPPED_31 "33333333-0000-4000-8000-000000000031"
#define ONCE_46 "33333333-0000-4000-8000-000000000046"

static const SkChurnCustomer *
find_churn (const SkChurnReport *report,
            const char          *member)
{
  for (guint i = 0; i < report->customers->len; i++)
    {
      const SkChurnCustomer *c = &g_array_index (report->customers, SkChurnCustomer, i);

      if (g_str_equal (c->member_id, member))
        return c;
    }
  g_error ("no customer %s", member);
  return NULL;
}

static gsize
position (const SkChurnReport *report,
          const char          *member)
{
  for (guint i = 0; i < report->customers->len; i++)
    if (g_str_equal (g_array_index (report->customers, SkChurnCustomer, i).member_id, member))
      return i;
  g_assert_not_reached ();
}

static void
assert_bulk_churn (const SkChurnReport *report)
{
  const SkChurnCustomer *regular, *stopped, *once;
  gint64 at_risk = 0;

  g_assert_cmpint (report->model, ==, SK_CHURN_MODEL_BGNBD);
  g_assert_cmpint (report->fit.status, !=, SK_BGNBD_TOO_LITTLE_DATA);
  g_assert_cmpuint (report->customers->len, ==, 60);
  g_assert_true (isfinite (report->fit.log_likelihood));
  g_assert_cmpfloat (report->fit.params.r, >, 0);
  g_assert_cmpfloat (report->fit.params.alpha, >, 0);

  for (guint i = 0; i < report->customers->len; i++)
    {
      const SkChurnCustomer *c = &g_array_index (report->customers, SkChurnCustomer, i);

      g_assert_cmpfloat (c->p_alive, >, 0);
      g_assert_cmpfloat (c->p_alive, <=, 1);
      g_assert_cmpfloat_with_epsilon (c->churn_probability, 1 - c->p_alive, 1e-15);
      g_assert_cmpfloat (c->expected_purchases_90d, >=, 0);
      g_assert_cmpint (c->avg_check_kopecks, ==, 10000);
      if (i > 0)
        g_assert_cmpint (c->lost_value_kopecks, <=,
                         g_array_index (report->customers, SkChurnCustomer, i - 1).lost_value_kopecks);
      at_risk += c->churn_probability >= SK_CHURN_AT_RISK;
    }
  g_assert_cmpint (report->total_at_risk, ==, at_risk);

  /* Bought every 14 days until a day ago: surely still a customer. Bought every week
   * until 201 days ago: surely gone, and worth more lost than anyone who still comes. */
  regular = find_churn (report, REGULAR_1);
  stopped = find_churn (report, STOPPED_31);
  g_assert_cmpint (regular->days_since_last_visit, ==, 1);
  g_assert_cmpint (regular->purchases, ==, 22);
  g_assert_cmpint (stopped->days_since_last_visit, ==, 201);
  g_assert_cmpint (stopped->purchases, ==, 22);
  g_assert_cmpfloat (regular->p_alive, >, 0.9);
  g_assert_cmpfloat (stopped->p_alive, <, 0.1);
  g_assert_cmpfloat (stopped->churn_probability, >, regular->churn_probability);
  g_assert_cmpint (stopped->lost_value_kopecks, >, regular->lost_value_kopecks);
  g_assert_cmpuint (position (report, STOPPED_31), <, position (report, REGULAR_1));
  g_assert_cmpfloat (regular->expected_purchases_90d, >, stopped->expected_purchases_90d);
  g_assert_cmpstr (sk_churn_recommended_action (stopped->churn_probability), ==,
                   "Send a win-back offer: a discount on any service");

  /* x = 0: in BG/NBD she can only drop out after a repeat purchase, so P(alive) = 1. */
  once = find_churn (report, ONCE_46);
  g_assert_cmpint (once->purchases, ==, 1);
  g_assert_cmpint (once->days_since_last_visit, ==, 20);
  g_assert_cmpfloat (once->p_alive, ==, 1.0);
  g_assert_cmpint (once->lost_value_kopecks, ==, 0);
}

static void
assert_same_churn (const SkChurnReport *a,
                   const SkChurnReport *b)
{
  g_assert_cmpint (a->model, ==, b->model);
  g_assert_cmpfloat (a->fit.params.r, ==, b->fit.params.r);
  g_assert_cmpfloat (a->fit.params.alpha, ==, b->fit.params.alpha);
  g_assert_cmpfloat (a->fit.params.a, ==, b->fit.params.a);
  g_assert_cmpfloat (a->fit.params.b, ==, b->fit.params.b);
  g_assert_cmpuint (a->customers->len, ==, b->customers->len);
  for (guint i = 0; i < a->customers->len; i++)
    {
      const SkChurnCustomer *x = &g_array_index (a->customers, SkChurnCustomer, i);
      const SkChurnCustomer *y = &g_array_index (b->customers, SkChurnCustomer, i);

      g_assert_cmpstr (x->member_id, ==, y->member_id);
      g_assert_cmpfloat (x->p_alive, ==, y->p_alive);
      g_assert_cmpint (x->lost_value_kopecks, ==, y->lost_value_kopecks);
    }
}

static void
test_churn_model (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkAnalyticsPeriod) period = period_for (OPTICS);
  g_autoptr(SkChurnReport) from_summary = NULL;
  g_autoptr(SkChurnReport) from_purchases = NULL;
  g_autoptr(GPtrArray) all = NULL;
  GDate to;

  from_summary = sk_analytics_churn (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  assert_bulk_churn (from_summary);

  /* A purchase after the last day: business_customers is no longer exact for that day,
   * so the purchases are read; the same figures. */
  run (fixture,
       "WITH k AS (INSERT INTO purchase_keys (business_id, external_id, occurred_at)"
       "           VALUES ('" OPTICS "', 'after', '2025-11-10 12:00+03') RETURNING id)"
       "INSERT INTO purchases (id, occurred_at, business_id, member_id, amount, category,"
       "                       source, status, external_id)"
       "SELECT k.id, '2025-11-10 12:00+03', '" OPTICS "', '" STOPPED_31 "', 10000, 'optics',"
       "       'partner', 'recorded', 'after' FROM k;"
       "UPDATE business_customers SET last_purchase_at = '2025-11-10 12:00+03',"
       "       purchases_count = purchases_count + 1, spent_kopecks = spent_kopecks + 10000"
       " WHERE business_id = '" OPTICS "' AND member_id = '" STOPPED_31 "'");
  from_purchases = sk_analytics_churn (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  assert_bulk_churn (from_purchases);
  assert_same_churn (from_summary, from_purchases);

  the_day (&to);
  all = sk_analytics_rfm_churn_all (fixture->conn, &to, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  assert_same_churn (from_summary, find_reports (all, OPTICS)->churn);
  g_assert_cmpuint (find_reports (all, OPTICS)->rfm->customers->len, ==, 60);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SkAnalyticsPeriod) period = period_for (SALON);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkRfmReport) rfm = NULL;
  g_autoptr(SkChurnReport) churn = NULL;
  g_autoptr(GPtrArray) all = NULL;
  GDate to;

  g_cancellable_cancel (cancellable);
  rfm = sk_analytics_rfm (fixture->conn, period, cancellable, &error);
  g_assert_null (rfm);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  churn = sk_analytics_churn (fixture->conn, period, cancellable, &error);
  g_assert_null (churn);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  the_day (&to);
  all = sk_analytics_rfm_churn_all (fixture->conn, &to, TRUE, cancellable, &error);
  g_assert_null (all);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The connection is usable afterwards, outside any transaction. */
  g_assert_cmpint (PQtransactionStatus (fixture->conn), ==, PQTRANS_IDLE);
  rfm = sk_analytics_rfm (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  assert_salon_rfm (rfm);
}

/* A business without customers: empty reports, the fallback with its default gap. */
static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_for (OPTICS);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkRfmReport) rfm = sk_analytics_rfm (fixture->conn, period, NULL, &error);
  g_autoptr(SkChurnReport) churn = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (rfm->customers->len, ==, 0);
  for (guint s = 0; s < SK_RFM_N_SEGMENTS; s++)
    g_assert_cmpint (rfm->segments[s].count, ==, 0);

  churn = sk_analytics_churn (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (churn->model, ==, SK_CHURN_MODEL_FALLBACK);
  g_assert_cmpfloat (churn->fallback_gap_days, ==, SK_CHURN_FALLBACK_GAP_DAYS);
  g_assert_cmpuint (churn->customers->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/analytics-customers/rfm", Fixture, NULL, rfm_setup, test_rfm,
              fixture_teardown);
  g_test_add ("/analytics-customers/rfm-tables", Fixture, NULL, rfm_setup, test_rfm_tables,
              fixture_teardown);
  g_test_add ("/analytics-customers/churn-fallback", Fixture, NULL, fixture_setup,
              test_churn_fallback, fixture_teardown);
  g_test_add ("/analytics-customers/churn-model", Fixture, NULL, bulk_setup, test_churn_model,
              fixture_teardown);
  g_test_add ("/analytics-customers/cancelled", Fixture, NULL, rfm_setup, test_cancelled,
              fixture_teardown);
  g_test_add ("/analytics-customers/empty", Fixture, NULL, fixture_setup, test_empty,
              fixture_teardown);

  return g_test_run ();
}
