/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "sk-analytics-business.h"
#include "sk-test-pipeline.h"

/* Overview, customer sources and destinations and win-win chains (sk-analytics-business.c)
 * on a hand-built history recorded through the pipeline, which keeps business_customers
 * and its source_business_id as in production.
 *
 * Businesses (sk-test-pipeline.h): SALON Миндаль (beauty), MARKET Лисичкино (gastronomy),
 * CLINIC Стим Центр (dentistry, medical), FLORIST Флора (floristry), OPTICS Оптика (no
 * purchases at all).
 *
 * The period P is 1–31 March 2025 (club time zone, Moscow, UTC+3); the previous period Q
 * of as many days (31) is 29 January – 28 February 2025. Times below are Moscow times.
 *
 *   ALICE  SALON 10.01 1 000 ₽ · MARKET 05.02 2 000 ₽ (source SALON) ·
 *          MARKET 10.03 3 000 ₽ · CLINIC 20.03 5 000 ₽
 *   BELLA  MARKET 05.03 1 500 ₽ (direct) · MARKET 06.03 500 ₽ promo, refunded 07.03 ·
 *          SALON 15.03 800 ₽
 *   CARA   CLINIC 01.02 4 000 ₽ · MARKET 31.03 23:30 1 200 ₽ (source CLINIC; inside P) ·
 *          FLORIST 10.04 350 ₽
 *   DINA   SALON 10.02 600 ₽ · CLINIC 02.03 2 000 ₽ ·
 *          MARKET 01.04 00:30 700 ₽ (outside P; 31.03 21:30 UTC, inside if P were UTC days)
 *   EVA    MARKET 01.03 02:00 900 ₽ promo (direct; inside P; 28.02 23:00 UTC, in Q if UTC)
 *   FAYA   MARKET 20.01 1 100 ₽ · MARKET 20.02 400 ₽ · MARKET 12.03 600 ₽ ·
 *          FLORIST 25.03 300 ₽
 *   GALA   SALON 15.02 500 ₽ · CLINIC 20.02 1 500 ₽ · MARKET 18.03 1 000 ₽ (source CLINIC) ·
 *          FLORIST 22.03 450 ₽
 *   nobody MARKET 14.03 250 ₽ (unmatched: an unknown phone)
 */

#define DINA "11111111-0000-4000-8000-000000000004"
#define EVA  "11111111-0000-4000-8000-000000000005"
#define FAYA "11111111-0000-4000-8000-000000000006"
#define GALA "11111111-0000-4000-8000-000000000007"

static void
buy (Fixture    *fixture,
     const char *business,
     const char *external_id,
     const char *amount,
     const char *when,
     const char *member,
     const char *via)
{
  g_autoptr(PGresult) result = sk_test_exec (fixture->conn,
    "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
    " 'partner', p_member_id => $5::uuid, p_involved_via => $6)",
    business, external_id, amount, when, member, via, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("record_purchase %s: %s", external_id, PQresultErrorMessage (result));
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "recorded");
}

static void
buy_unmatched (Fixture    *fixture,
               const char *business,
               const char *external_id,
               const char *amount,
               const char *when)
{
  g_autoptr(PGresult) result = sk_test_exec (fixture->conn,
    "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
    " 'partner', p_phone_hash => " PHONE_HASH ("+79990000099") ")",
    business, external_id, amount, when, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("record_purchase %s: %s", external_id, PQresultErrorMessage (result));
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "unmatched");
}

static void
refund (Fixture    *fixture,
        const char *business,
        const char *external_id,
        const char *amount,
        const char *when,
        const char *original)
{
  g_autoptr(PGresult) result = sk_test_exec (fixture->conn,
    "SELECT outcome FROM record_purchase ($1::uuid, $2, $3::bigint, $4::timestamptz,"
    " 'partner', p_original_external_id => $5)",
    business, external_id, amount, when, original, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("refund %s: %s", external_id, PQresultErrorMessage (result));
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "recorded");
}

static void
history_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture_setup (fixture, data);
  run (fixture, "INSERT INTO members (id, phone_hash) VALUES"
                " ('" DINA "', " PHONE_HASH ("+79990000004") "),"
                " ('" EVA "', " PHONE_HASH ("+79990000005") "),"
                " ('" FAYA "', " PHONE_HASH ("+79990000006") "),"
                " ('" GALA "', " PHONE_HASH ("+79990000007") ")");

  /* In time order, as partners would send them: the pipeline finds each first purchase's
   * source among the purchases recorded before it. */
  buy (fixture, SALON, "a-1", "100000", "2025-01-10 12:00+03", ALICE, "none");
  buy (fixture, MARKET, "f-1", "110000", "2025-01-20 12:00+03", FAYA, "none");
  buy (fixture, CLINIC, "c-1", "400000", "2025-02-01 12:00+03", CARA, "none");
  buy (fixture, MARKET, "a-2", "200000", "2025-02-05 12:00+03", ALICE, "none");
  buy (fixture, SALON, "d-1", "60000", "2025-02-10 12:00+03", DINA, "none");
  buy (fixture, SALON, "g-1", "50000", "2025-02-15 12:00+03", GALA, "none");
  buy (fixture, MARKET, "f-2", "40000", "2025-02-20 12:00+03", FAYA, "none");
  buy (fixture, CLINIC, "g-2", "150000", "2025-02-20 13:00+03", GALA, "none");
  buy (fixture, MARKET, "e-1", "90000", "2025-03-01 02:00+03", EVA, "promo");
  buy (fixture, CLINIC, "d-2", "200000", "2025-03-02 12:00+03", DINA, "none");
  buy (fixture, MARKET, "b-1", "150000", "2025-03-05 12:00+03", BELLA, "none");
  buy (fixture, MARKET, "b-2", "50000", "2025-03-06 12:00+03", BELLA, "promo");
  refund (fixture, MARKET, "b-2r", "-50000", "2025-03-07 12:00+03", "b-2");
  buy (fixture, MARKET, "a-3", "300000", "2025-03-10 12:00+03", ALICE, "none");
  buy (fixture, MARKET, "f-3", "60000", "2025-03-12 12:00+03", FAYA, "app_booking");
  buy_unmatched (fixture, MARKET, "u-1", "25000", "2025-03-14 12:00+03");
  buy (fixture, SALON, "b-3", "80000", "2025-03-15 12:00+03", BELLA, "none");
  buy (fixture, MARKET, "g-3", "100000", "2025-03-18 12:00+03", GALA, "none");
  buy (fixture, CLINIC, "a-4", "500000", "2025-03-20 12:00+03", ALICE, "none");
  buy (fixture, FLORIST, "g-4", "45000", "2025-03-22 12:00+03", GALA, "none");
  buy (fixture, FLORIST, "f-4", "30000", "2025-03-25 12:00+03", FAYA, "none");
  buy (fixture, MARKET, "c-2", "120000", "2025-03-31 23:30+03", CARA, "none");
  buy (fixture, MARKET, "d-3", "70000", "2025-04-01 00:30+03", DINA, "none");
  buy (fixture, FLORIST, "c-3", "35000", "2025-04-10 12:00+03", CARA, "none");
}

static SkAnalyticsPeriod *
march (const char *business_id)
{
  GDate from, to;

  g_date_clear (&from, 1);
  g_date_clear (&to, 1);
  g_date_set_dmy (&from, 1, G_DATE_MARCH, 2025);
  g_date_set_dmy (&to, 31, G_DATE_MARCH, 2025);
  return sk_analytics_period_new (business_id, &from, &to);
}

static void
assert_date (const GDate *date,
             const char  *expected)
{
  g_autofree char *text = sk_analytics_date_string (date);

  g_assert_cmpstr (text, ==, expected);
}

/* The cell of @table's @row in the column called @name. */
static const char *
cell (const SkTable *table,
      guint          row,
      const char    *name)
{
  for (guint i = 0; i < table->column_names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (table->column_names, i), name) == 0)
      return sk_table_get (table, row, i);
  g_error ("no column %s in %s", name, table->name);
}

static void
test_pipeline_kept_sources (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *sources = NULL;

  /* What the figures below rely on: the sources the pipeline wrote. */
  sources = qstr (fixture,
    "SELECT string_agg (m.n || '@' || b.name || '<' || coalesce (s.name, '-'), ' '"
    "                   ORDER BY m.n, bc.first_purchase_at)"
    "  FROM business_customers bc"
    "  JOIN businesses b ON b.id = bc.business_id"
    "  LEFT JOIN businesses s ON s.id = bc.source_business_id"
    "  JOIN (VALUES ('" ALICE "'::uuid, 'A'), ('" BELLA "', 'B'), ('" CARA "', 'C'),"
    "               ('" DINA "', 'D'), ('" EVA "', 'E'), ('" FAYA "', 'F'),"
    "               ('" GALA "', 'G')) m (id, n) ON m.id = bc.member_id");
  g_assert_cmpstr (sources, ==,
                   "A@Миндаль<- A@Лисичкино<Миндаль A@Стим Центр<Лисичкино"
                   " B@Лисичкино<- B@Миндаль<Лисичкино"
                   " C@Стим Центр<- C@Лисичкино<Стим Центр C@Флора<Лисичкино"
                   " D@Миндаль<- D@Стим Центр<Миндаль D@Лисичкино<Стим Центр"
                   " E@Лисичкино<-"
                   " F@Лисичкино<- F@Флора<Лисичкино"
                   " G@Миндаль<- G@Стим Центр<Миндаль G@Лисичкино<Стим Центр G@Флора<Лисичкино");
  /* Bella's refund counts in her spend there: 1 500 + 500 - 500. */
  g_assert_cmpint (qint (fixture, "SELECT spent_kopecks FROM business_customers"
                                  " WHERE business_id = '" MARKET "' AND member_id = '" BELLA "'"),
                   ==, 150000);
}

static void
test_overview (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (MARKET);
  g_autoptr(SkAnalyticsOverview) overview = NULL;
  g_autoptr(GError) error = NULL;

  overview = sk_analytics_overview (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (overview);
  g_assert_cmpstr (overview->business_id, ==, MARKET);
  assert_date (&overview->from, "2025-03-01");
  assert_date (&overview->to, "2025-03-31");
  assert_date (&overview->previous_from, "2025-01-29");
  assert_date (&overview->previous_to, "2025-02-28");

  /* Лисичкино in March: Alice 3 000 + Bella 1 500 + 500 - 500 (refund) + Cara 1 200
   * (31.03 23:30) + Eva 900 (01.03 02:00) + Faya 600 + Gala 1 000 + unmatched 250
   * = 8 450 ₽; Dina's 700 ₽ at 01.04 00:30 is April. */
  g_assert_cmpint (overview->current.total_revenue_kopecks, ==, 845000);
  /* Sales only: a-3, b-1, b-2, c-2, e-1, f-3, g-3, u-1; the refund is not one. */
  g_assert_cmpint (overview->current.total_transactions, ==, 8);
  /* Customers: Alice, Bella, Cara, Eva, Faya, Gala (the unmatched sale is nobody's).
   * First time here in March: Bella, Cara, Eva, Gala; before: Alice (05.02), Faya (20.01). */
  g_assert_cmpint (overview->current.new_customers, ==, 4);
  g_assert_cmpint (overview->current.returning_customers, ==, 2);
  /* 845 000 / 8 = 105 625. */
  g_assert_cmpint (overview->current.avg_check_kopecks, ==, 105625);
  /* Came via a partner: Alice (Миндаль) 3 000, Cara (Стим Центр) 1 200, Gala (Стим Центр)
   * 1 000; a promo: Eva 900, Bella's 500 and its refund -500 (a refund counts as its
   * original did, although its own involved_via is 'none'). Bella's direct 1 500, Faya's
   * 600 (booked in the app: not a promo) and the unmatched 250 are not. 3 000 + 1 200 + 1 000 + 900 + 500 - 500 = 6 100 ₽. */
  g_assert_cmpint (overview->current.revenue_from_ecosystem_kopecks, ==, 610000);
  g_assert_cmpfloat_with_epsilon (overview->current.ecosystem_share, 610000.0 / 845000.0,
                                  1e-12);

  /* 29.01–28.02: Alice 2 000 (new, from Миндаль), Faya 400 (returning, first 20.01). */
  g_assert_cmpint (overview->previous.total_revenue_kopecks, ==, 240000);
  g_assert_cmpint (overview->previous.total_transactions, ==, 2);
  g_assert_cmpint (overview->previous.new_customers, ==, 1);
  g_assert_cmpint (overview->previous.returning_customers, ==, 1);
  g_assert_cmpint (overview->previous.avg_check_kopecks, ==, 120000);
  g_assert_cmpint (overview->previous.revenue_from_ecosystem_kopecks, ==, 200000);
  g_assert_cmpfloat_with_epsilon (overview->previous.ecosystem_share, 200000.0 / 240000.0,
                                  1e-12);
}

static void
test_overview_table (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (MARKET);
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  SkTable *table;

  tables = sk_analytics_report_overview (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tables->len, ==, 1);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "overview");
  g_assert_cmpuint (table->rows->len, ==, 1);
  /* 5 period columns + 7 figures × (current, previous, change, change rate). */
  g_assert_cmpuint (sk_table_n_columns (table), ==, 33);

  g_assert_cmpstr (cell (table, 0, "business_id"), ==, MARKET);
  g_assert_cmpstr (cell (table, 0, "period_from"), ==, "2025-03-01");
  g_assert_cmpstr (cell (table, 0, "period_to"), ==, "2025-03-31");
  g_assert_cmpstr (cell (table, 0, "previous_from"), ==, "2025-01-29");
  g_assert_cmpstr (cell (table, 0, "previous_to"), ==, "2025-02-28");
  /* 8 450 - 2 400 = 6 050 ₽, +252.08…%: 605 000 / 240 000. */
  g_assert_cmpstr (cell (table, 0, "total_revenue_kopecks"), ==, "845000");
  g_assert_cmpstr (cell (table, 0, "previous_total_revenue_kopecks"), ==, "240000");
  g_assert_cmpstr (cell (table, 0, "total_revenue_change_kopecks"), ==, "605000");
  g_assert_cmpstr (cell (table, 0, "total_revenue_change_rate"), ==, "2.520833333");
  /* 8 against 2: +6, +300 %. */
  g_assert_cmpstr (cell (table, 0, "total_transactions_change"), ==, "6");
  g_assert_cmpstr (cell (table, 0, "total_transactions_change_rate"), ==, "3");
  /* New 4 against 1 (+3, +300 %), returning 2 against 1 (+1, +100 %). */
  g_assert_cmpstr (cell (table, 0, "new_customers_change"), ==, "3");
  g_assert_cmpstr (cell (table, 0, "new_customers_change_rate"), ==, "3");
  g_assert_cmpstr (cell (table, 0, "returning_customers_change"), ==, "1");
  g_assert_cmpstr (cell (table, 0, "returning_customers_change_rate"), ==, "1");
  /* 1 056.25 against 1 200 ₽: -143.75 ₽, -11.979…%. */
  g_assert_cmpstr (cell (table, 0, "avg_check_change_kopecks"), ==, "-14375");
  g_assert_cmpstr (cell (table, 0, "avg_check_change_rate"), ==, "-0.1197916667");
  /* 6 100 against 2 000 ₽: +4 100 ₽, +205 %. */
  g_assert_cmpstr (cell (table, 0, "revenue_from_ecosystem_change_kopecks"), ==, "410000");
  g_assert_cmpstr (cell (table, 0, "revenue_from_ecosystem_change_rate"), ==, "2.05");
  /* 0.72189… - 0.83333…, written to 10 significant digits. */
  g_assert_cmpstr (cell (table, 0, "ecosystem_share"), ==, "0.7218934911");
  g_assert_cmpstr (cell (table, 0, "ecosystem_share_change"), ==, "-0.1114398422");
}

static void
test_overview_no_previous (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (FLORIST);
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  SkTable *table;

  /* Флора in March: Gala 450 and Faya 300, both first there and both from Лисичкино (their
   * source), so all of it is ecosystem revenue. Cara's 350 ₽ is April. Nothing before. */
  tables = sk_analytics_report_overview (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (cell (table, 0, "total_revenue_kopecks"), ==, "75000");
  g_assert_cmpstr (cell (table, 0, "total_transactions"), ==, "2");
  g_assert_cmpstr (cell (table, 0, "new_customers"), ==, "2");
  g_assert_cmpstr (cell (table, 0, "returning_customers"), ==, "0");
  g_assert_cmpstr (cell (table, 0, "avg_check_kopecks"), ==, "37500");
  g_assert_cmpstr (cell (table, 0, "revenue_from_ecosystem_kopecks"), ==, "75000");
  g_assert_cmpstr (cell (table, 0, "ecosystem_share"), ==, "1");
  g_assert_cmpstr (cell (table, 0, "previous_total_revenue_kopecks"), ==, "0");
  g_assert_cmpstr (cell (table, 0, "previous_ecosystem_share"), ==, "0");
  g_assert_cmpstr (cell (table, 0, "total_revenue_change_kopecks"), ==, "75000");
  /* Nothing to compare with: no relative change. */
  g_assert_null (cell (table, 0, "total_revenue_change_rate"));
  g_assert_null (cell (table, 0, "new_customers_change_rate"));
  g_assert_null (cell (table, 0, "ecosystem_share_change_rate"));
}

static void
test_sources (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (MARKET);
  g_autoptr(SkAnalyticsSources) sources = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsSource *clinic;
  SkTable *table;

  /* First time at Лисичкино in March: Bella and Eva directly, Cara and Gala from Стим
   * Центр (Dina's first, from Стим Центр too, is 01.04 00:30: April). */
  sources = sk_analytics_sources (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->sources->len, ==, 1);
  clinic = g_ptr_array_index (sources->sources, 0);
  g_assert_cmpstr (clinic->business_id, ==, CLINIC);
  g_assert_cmpstr (clinic->business_name, ==, "Стим Центр");
  g_assert_cmpint (clinic->customers_count, ==, 2);
  /* Their March revenue here: Cara 1 200 + Gala 1 000. */
  g_assert_cmpint (clinic->revenue_kopecks, ==, 220000);
  /* Стим Центр's customers by 31.03: Alice (20.03), Cara, Dina (02.03), Gala; Alice was
   * already a customer here (05.02), so 3 could have come, and 2 did. */
  g_assert_cmpint (clinic->reachable_customers, ==, 3);
  g_assert_cmpfloat_with_epsilon (clinic->conversion_rate, 2.0 / 3.0, 1e-12);
  /* Bella 1 500 + 500 - 500, Eva 900. */
  g_assert_cmpint (sources->direct_customers, ==, 2);
  g_assert_cmpint (sources->direct_revenue_kopecks, ==, 240000);

  tables = sk_analytics_report_sources (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "sources");
  g_assert_cmpuint (table->rows->len, ==, 2);
  g_assert_cmpstr (cell (table, 0, "source"), ==, "business");
  g_assert_cmpstr (cell (table, 0, "source_business_id"), ==, CLINIC);
  g_assert_cmpstr (cell (table, 0, "source_business_name"), ==, "Стим Центр");
  g_assert_cmpstr (cell (table, 0, "customers_count"), ==, "2");
  g_assert_cmpstr (cell (table, 0, "revenue_kopecks"), ==, "220000");
  g_assert_cmpstr (cell (table, 0, "reachable_customers"), ==, "3");
  g_assert_cmpstr (cell (table, 0, "conversion_rate"), ==, "0.6666666667");
  g_assert_cmpstr (cell (table, 1, "source"), ==, "direct");
  g_assert_null (cell (table, 1, "source_business_id"));
  g_assert_cmpstr (cell (table, 1, "customers_count"), ==, "2");
  g_assert_cmpstr (cell (table, 1, "revenue_kopecks"), ==, "240000");
  g_assert_null (cell (table, 1, "conversion_rate"));
}

static void
test_destinations (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (MARKET);
  g_autoptr(SkAnalyticsDestinations) destinations = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsDestination *d;
  SkTable *table;

  /* The cohort: Bella, Cara, Eva, Gala (first time here in March). Next after their first
   * purchase here: Bella Миндаль (15.03), Cara Флора (10.04: later than March still
   * counts), Gala Флора (22.03); Eva nowhere. Revenue there is their spend there: Cara 350
   * + Gala 450, Bella 800. */
  destinations = sk_analytics_destinations (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (destinations->cohort_customers, ==, 4);
  g_assert_cmpuint (destinations->destinations->len, ==, 2);
  d = g_ptr_array_index (destinations->destinations, 0);
  g_assert_cmpstr (d->business_id, ==, FLORIST);
  g_assert_cmpstr (d->business_name, ==, "Флора");
  g_assert_cmpint (d->customers_count, ==, 2);
  g_assert_cmpint (d->revenue_kopecks, ==, 80000);
  g_assert_cmpfloat_with_epsilon (d->conversion_rate, 0.5, 1e-12);
  d = g_ptr_array_index (destinations->destinations, 1);
  g_assert_cmpstr (d->business_id, ==, SALON);
  g_assert_cmpstr (d->business_name, ==, "Миндаль");
  g_assert_cmpint (d->customers_count, ==, 1);
  g_assert_cmpint (d->revenue_kopecks, ==, 80000);
  g_assert_cmpfloat_with_epsilon (d->conversion_rate, 0.25, 1e-12);

  tables = sk_analytics_report_destinations (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "destinations");
  g_assert_cmpuint (table->rows->len, ==, 2);
  g_assert_cmpstr (cell (table, 0, "destination_business_name"), ==, "Флора");
  g_assert_cmpstr (cell (table, 0, "conversion_rate"), ==, "0.5");
  g_assert_cmpstr (cell (table, 1, "destination_business_id"), ==, SALON);
  g_assert_cmpstr (cell (table, 1, "customers_count"), ==, "1");
  g_assert_cmpstr (cell (table, 1, "revenue_kopecks"), ==, "80000");
  g_assert_cmpstr (cell (table, 1, "cohort_customers"), ==, "4");
  g_assert_cmpstr (cell (table, 1, "conversion_rate"), ==, "0.25");
}

/* Each member's businesses by first purchase, and the paths finished in March (the first
 * purchase at the path's last business in March):
 *   Alice  Миндаль 10.01, Лисичкино 05.02, Стим Центр 20.03
 *          → Лисичкино → Стим Центр; Миндаль → Лисичкино → Стим Центр
 *   Bella  Лисичкино 05.03, Миндаль 15.03          → Лисичкино → Миндаль
 *   Cara   Стим Центр 01.02, Лисичкино 31.03 23:30, Флора 10.04
 *          → Стим Центр → Лисичкино (the others end in April)
 *   Dina   Миндаль 10.02, Стим Центр 02.03, Лисичкино 01.04 00:30
 *          → Миндаль → Стим Центр (the others end in April)
 *   Eva    Лисичкино only                           → none
 *   Faya   Лисичкино 20.01, Флора 25.03             → Лисичкино → Флора
 *   Gala   Миндаль 15.02, Стим Центр 20.02, Лисичкино 18.03, Флора 22.03
 *          → Стим Центр → Лисичкино; Лисичкино → Флора;
 *            Миндаль → Стим Центр → Лисичкино; Стим Центр → Лисичкино → Флора
 * Lifetime values (all their club spend): Alice 11 000, Bella 2 300 (net of her refund),
 * Cara 5 550, Dina 3 300, Faya 2 400, Gala 3 450 ₽. */
static void
test_chains (Fixture       *fixture,
             gconstpointer  data)
{
  static const struct
  {
    const char *pattern;
    gint64      frequency;
    gint64      avg_ltv;
  } expected[] = {
    /* Cara and Gala: (555 000 + 345 000) / 2. */
    { "Стим Центр → Лисичкино", 2, 450000 },
    /* Faya and Gala: (240 000 + 345 000) / 2. */
    { "Лисичкино → Флора", 2, 292500 },
    /* Alice twice; the tie on LTV goes by pattern ("Л" before "М"). */
    { "Лисичкино → Стим Центр", 1, 1100000 },
    { "Миндаль → Лисичкино → Стим Центр", 1, 1100000 },
    /* Gala twice. */
    { "Миндаль → Стим Центр → Лисичкино", 1, 345000 },
    { "Стим Центр → Лисичкино → Флора", 1, 345000 },
    { "Миндаль → Стим Центр", 1, 330000 },
    { "Лисичкино → Миндаль", 1, 230000 },
  };
  g_autoptr(SkAnalyticsPeriod) period = march (NULL);
  g_autoptr(SkAnalyticsChains) chains = NULL;
  g_autoptr(SkAnalyticsChains) top = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsChain *chain;

  chains = sk_analytics_chains (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (chains->business_id);
  g_assert_cmpuint (chains->chains->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      chain = g_ptr_array_index (chains->chains, i);
      g_assert_cmpstr (chain->pattern, ==, expected[i].pattern);
      g_assert_cmpint (chain->frequency, ==, expected[i].frequency);
      g_assert_cmpint (chain->avg_ltv_kopecks, ==, expected[i].avg_ltv);
    }

  chain = g_ptr_array_index (chains->chains, 0);
  g_assert_cmpuint (chain->length, ==, 2);
  g_assert_cmpstr (chain->business_ids[0], ==, CLINIC);
  g_assert_cmpstr (chain->business_ids[1], ==, MARKET);
  g_assert_null (chain->business_ids[2]);
  /* English category names in an English locale (main() sets LANGUAGE=en). */
  g_assert_cmpstr (chain->recommendation, ==, "Bundle: Стим Центр (Dentistry) + Лисичкино (Gastronomy)");
  chain = g_ptr_array_index (chains->chains, 3);
  g_assert_cmpuint (chain->length, ==, 3);
  g_assert_cmpstr (chain->business_ids[2], ==, CLINIC);
  g_assert_cmpstr (chain->recommendation, ==,
                   "Bundle: Миндаль (Beauty) + Лисичкино (Gastronomy) + Стим Центр (Dentistry)");

  top = sk_analytics_chains_top (fixture->conn, period, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top->chains->len, ==, 3);
  chain = g_ptr_array_index (top->chains, 2);
  g_assert_cmpstr (chain->pattern, ==, "Лисичкино → Стим Центр");
}

static void
test_chains_of_business (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (FLORIST);
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  SkTable *table;

  /* Only the paths through Флора: Faya's and Gala's Лисичкино → Флора, Gala's Стим Центр
   * → Лисичкино → Флора. */
  tables = sk_analytics_report_chains (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "chains");
  g_assert_cmpuint (table->rows->len, ==, 2);
  g_assert_cmpstr (cell (table, 0, "pattern"), ==, "Лисичкино → Флора");
  g_assert_cmpstr (cell (table, 0, "length"), ==, "2");
  g_assert_cmpstr (cell (table, 0, "frequency"), ==, "2");
  g_assert_cmpstr (cell (table, 0, "avg_ltv_kopecks"), ==, "292500");
  g_assert_cmpstr (cell (table, 0, "business_id_1"), ==, MARKET);
  g_assert_cmpstr (cell (table, 0, "business_id_2"), ==, FLORIST);
  g_assert_null (cell (table, 0, "business_id_3"));
  g_assert_cmpstr (cell (table, 1, "pattern"), ==, "Стим Центр → Лисичкино → Флора");
  g_assert_cmpstr (cell (table, 1, "frequency"), ==, "1");
  g_assert_cmpstr (cell (table, 1, "avg_ltv_kopecks"), ==, "345000");
  g_assert_cmpstr (cell (table, 1, "business_id_3"), ==, FLORIST);
  g_assert_cmpstr (cell (table, 1, "recommendation"), ==,
                   "Bundle: Стим Центр (Dentistry) + Лисичкино (Gastronomy) + Флора (Floristry)");
}

static void
test_chains_russian_categories (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (FLORIST);
  g_autoptr(SkAnalyticsChains) chains = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsChain *chain;

  g_setenv ("LANGUAGE", "ru", TRUE);
  chains = sk_analytics_chains (fixture->conn, period, NULL, &error);
  g_setenv ("LANGUAGE", "en", TRUE);
  g_assert_no_error (error);
  chain = g_ptr_array_index (chains->chains, 0);
  g_assert_cmpstr (chain->category_names[0], ==, "Гастрономия");
  g_assert_cmpstr (chain->category_names[1], ==, "Флористика");
  g_assert_true (g_str_has_suffix (chain->recommendation,
                                   "Лисичкино (Гастрономия) + Флора (Флористика)"));
}

static void
test_business_without_purchases (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (OPTICS);
  g_autoptr(SkAnalyticsOverview) overview = NULL;
  g_autoptr(SkAnalyticsSources) sources = NULL;
  g_autoptr(SkAnalyticsDestinations) destinations = NULL;
  g_autoptr(SkAnalyticsChains) chains = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  SkTable *table;

  overview = sk_analytics_overview (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (overview->current.total_revenue_kopecks, ==, 0);
  g_assert_cmpint (overview->current.total_transactions, ==, 0);
  g_assert_cmpint (overview->current.new_customers, ==, 0);
  g_assert_cmpint (overview->current.returning_customers, ==, 0);
  g_assert_cmpint (overview->current.avg_check_kopecks, ==, 0);
  g_assert_cmpint (overview->current.revenue_from_ecosystem_kopecks, ==, 0);
  g_assert_cmpfloat (overview->current.ecosystem_share, ==, 0);
  g_assert_cmpint (overview->previous.total_revenue_kopecks, ==, 0);
  g_assert_cmpint (overview->previous.total_transactions, ==, 0);

  sources = sk_analytics_sources (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->sources->len, ==, 0);
  g_assert_cmpint (sources->direct_customers, ==, 0);
  g_assert_cmpint (sources->direct_revenue_kopecks, ==, 0);

  destinations = sk_analytics_destinations (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (destinations->cohort_customers, ==, 0);
  g_assert_cmpuint (destinations->destinations->len, ==, 0);

  chains = sk_analytics_chains (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chains->chains->len, ==, 0);

  tables = sk_analytics_report_overview (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (cell (table, 0, "total_revenue_kopecks"), ==, "0");
  g_assert_cmpstr (cell (table, 0, "total_revenue_change_kopecks"), ==, "0");
  g_assert_null (cell (table, 0, "total_revenue_change_rate"));
  g_clear_pointer (&tables, g_ptr_array_unref);

  /* The direct row is there even at zero. */
  tables = sk_analytics_report_sources (fixture->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpuint (table->rows->len, ==, 1);
  g_assert_cmpstr (cell (table, 0, "source"), ==, "direct");
  g_assert_cmpstr (cell (table, 0, "customers_count"), ==, "0");
}

static void
test_needs_business (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (sk_analytics_overview (fixture->conn, period, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (sk_analytics_sources (fixture->conn, period, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (sk_analytics_report_destinations (fixture->conn, period, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = march (MARKET);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (sk_analytics_overview (fixture->conn, period, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (sk_analytics_sources (fixture->conn, period, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (sk_analytics_destinations (fixture->conn, period, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (sk_analytics_report_chains (fixture->conn, period, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The connection is still good for the next query. */
  {
    g_autoptr(SkAnalyticsOverview) overview = sk_analytics_overview (fixture->conn, period,
                                                                     NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (overview->current.total_transactions, ==, 8);
  }
}

static void
test_relative_change (void)
{
  double rate = -1;

  g_assert_false (sk_analytics_relative_change (5, 0, &rate));
  g_assert_cmpfloat (rate, ==, -1);
  g_assert_true (sk_analytics_relative_change (150, 100, &rate));
  g_assert_cmpfloat (rate, ==, 0.5);
  /* Against a negative figure (refunds beyond sales) the sign still says up or down. */
  g_assert_true (sk_analytics_relative_change (100, -100, &rate));
  g_assert_cmpfloat (rate, ==, 2);
}

#define ADD_HISTORY(path, fn) \
  g_test_add ((path), Fixture, NULL, history_setup, (fn), fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  /* Category names follow the language: English, whatever the machine's locale. */
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/analytics-business/relative-change", test_relative_change);
  ADD_HISTORY ("/analytics-business/pipeline-kept-sources", test_pipeline_kept_sources);
  ADD_HISTORY ("/analytics-business/overview", test_overview);
  ADD_HISTORY ("/analytics-business/overview-table", test_overview_table);
  ADD_HISTORY ("/analytics-business/overview-no-previous", test_overview_no_previous);
  ADD_HISTORY ("/analytics-business/sources", test_sources);
  ADD_HISTORY ("/analytics-business/destinations", test_destinations);
  ADD_HISTORY ("/analytics-business/chains", test_chains);
  ADD_HISTORY ("/analytics-business/chains-of-business", test_chains_of_business);
  ADD_HISTORY ("/analytics-business/chains-russian-categories", test_chains_russian_categories);
  ADD_HISTORY ("/analytics-business/business-without-purchases", test_business_without_purchases);
  ADD_HISTORY ("/analytics-business/needs-business", test_needs_business);
  ADD_HISTORY ("/analytics-business/cancelled", test_cancelled);

  return g_test_run ();
}
