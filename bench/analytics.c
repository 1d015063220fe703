/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-bench"

#include <stdio.h>
#include <unistd.h>

#include <glib.h>
#include <libpq-fe.h>

#include "sk-analytics-business.h"
#include "sk-analytics-club.h"
#include "sk-analytics-customers.h"
#include "sk-bench.h"
#include "sk-db.h"
#include "sk-demo.h"

/*
 * bench/analytics: RFM and churn (BG/NBD fitted per business) for every business of the demo
 * club, against a bare aggregation of the same purchases on the same server:
 *
 *   SELECT member_id, count(*), sum(amount), max(occurred_at) FROM purchases GROUP BY member_id
 *
 * Each is run once to warm the cache, then --runs times; the best time counts. The other
 * reports are timed once each for the record. It makes its own database and loads the demo
 * generator's club into it (100,000 members, 12 months: about 2,000,000 purchases), or uses
 * --database, an earlier run's database kept with --keep.
 */

static gint n_members = 100000;
static gint n_months = 12;
static gint runs = 3;
static char *server_url = NULL;
static char *database = NULL;
static gboolean keep = FALSE;

static const GOptionEntry entries[] = {
  { "members", 0, 0, G_OPTION_ARG_INT, &n_members, "Demo members (100000)", "N" },
  { "months", 0, 0, G_OPTION_ARG_INT, &n_months, "Demo months (12)", "N" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs after the warm-up (3)", "N" },
  { "server", 0, 0, G_OPTION_ARG_STRING, &server_url,
    "Server conninfo (default SVOIKRUG_DATABASE_URL)", "URL" },
  { "database", 0, 0, G_OPTION_ARG_STRING, &database,
    "Use this already loaded database instead of making one", "NAME" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the benchmark database afterwards", NULL },
  { NULL }
};

typedef void (*Work) (PGconn *conn, const SkAnalyticsPeriod *period, gpointer data);

static void
progress (const char *stage,
          guint64     done,
          guint64     total,
          gpointer    user_data)
{
  fprintf (stderr, "\r%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT "   ", stage, done, total);
  if (done == total)
    fputc ('\n', stderr);
}

/* The best of --runs timed runs, after one untimed one. */
static double
best_seconds (Work                     work,
              PGconn                  *conn,
              const SkAnalyticsPeriod *period,
              gpointer                 data)
{
  double best = G_MAXDOUBLE;

  work (conn, period, data);
  for (gint i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();

      work (conn, period, data);
      best = MIN (best, sk_bench_seconds_since (start));
    }
  return best;
}

static void
bare_aggregation (PGconn                  *conn,
                  const SkAnalyticsPeriod *period,
                  gpointer                 data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result =
    sk_analytics_query (conn, "bare aggregation",
                        "SELECT member_id, count(*), sum(amount), max(occurred_at)"
                        "  FROM purchases GROUP BY member_id", 0, NULL, NULL, &error);

  sk_bench_check (result != NULL, error);
  *(int *) data = PQntuples (result);
}

/* Every business's RFM and churn at once, as the dashboards of all partners need them. */
static void
rfm_and_churn (PGconn                  *conn,
               const SkAnalyticsPeriod *period,
               gpointer                 data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reports = sk_analytics_rfm_churn_all (conn, &period->to, FALSE, NULL,
                                                             &error);

  sk_bench_check (reports != NULL, error);
  g_assert (reports->len == ((GPtrArray *) data)->len);
}

static void
time_report (PGconn                  *conn,
             const char              *name,
             SkAnalyticsReportFunc    report,
             const SkAnalyticsPeriod *period)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  gint64 start = g_get_monotonic_time ();

  tables = report (conn, period, NULL, &error);
  sk_bench_check (tables != NULL, error);
  printf ("  %-13s %7.3f s\n", name, sk_bench_seconds_since (start));
}

static GPtrArray *
business_ids (PGconn *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result = sk_analytics_query (conn, "businesses",
                                                   "SELECT id FROM businesses ORDER BY name",
                                                   0, NULL, NULL, &error);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  sk_bench_check (result != NULL, error);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (ids, g_strdup (PQgetvalue (result, i, 0)));
  return ids;
}

/* The last day with purchases, so the reports look at the demo's own year. */
static void
last_purchase_day (PGconn *conn,
                   GDate  *day)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result =
    sk_analytics_query (conn, "last purchase",
                        "SELECT to_char(max(occurred_at) AT TIME ZONE club_time_zone(),"
                        "               'YYYY MM DD') FROM purchases", 0, NULL, NULL, &error);
  guint y, m, d;

  sk_bench_check (result != NULL, error);
  if (sscanf (PQgetvalue (result, 0, 0), "%u %u %u", &y, &m, &d) != 3)
    g_error ("the database has no purchases");
  g_date_clear (day, 1);
  g_date_set_dmy (day, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the analytics");
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) server = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GPtrArray) businesses = NULL;
  g_autoptr(SkAnalyticsPeriod) period = NULL;
  g_autofree char *dbname = NULL;
  g_autofree char *purchases = NULL;
  GDate from, to;
  double bare_s, analytics_s, history_s;
  int groups = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("analytics: %s\n", error->message);
      return 2;
    }
  if (server_url == NULL)
    server_url = g_strdup (g_getenv ("SVOIKRUG_DATABASE_URL"));
  if (server_url == NULL || *server_url == '\0' || n_members < 1 || n_months < 1 || runs < 1)
    {
      g_printerr ("analytics: set SVOIKRUG_DATABASE_URL or --server (see bench/analytics.sh); "
                  "--members, --months and --runs must be positive\n");
      return 2;
    }

  server = sk_db_connect (server_url, &error);
  sk_bench_check (server != NULL, error);

  if (database != NULL)
    {
      g_autofree char *conninfo = sk_bench_conninfo_with_dbname (server_url, database);

      conn = sk_db_connect (conninfo, &error);
      sk_bench_check (conn != NULL, error);
    }
  else
    {
      SkDemoOptions options;
      SkDemoCounts counts;
      gint64 start;

      dbname = g_strdup_printf ("svoikrug_bench_analytics_%d", (int) getpid ());
      conn = sk_bench_create_database (server, server_url, dbname, SK_MIGRATIONS_DIR);
      sk_demo_options_init (&options);
      options.members = (guint) n_members;
      options.months = (guint) n_months;
      start = g_get_monotonic_time ();
      sk_bench_check (sk_demo_load (conn, &options, progress, NULL, &counts, &error), error);
      fprintf (stderr, "loaded the demo club in %.1f s\n", sk_bench_seconds_since (start));
    }
  sk_bench_check (sk_db_exec (conn, "VACUUM ANALYZE", &error), error);
  /* As on every analytics connection (sk_analytics_connect()). */
  sk_bench_check (sk_db_exec (conn, "SET jit = off", &error), error);

  businesses = business_ids (conn);
  last_purchase_day (conn, &to);
  from = to;
  g_date_subtract_days (&from, 29);
  period = sk_analytics_period_new (NULL, &from, &to);
  {
    g_autoptr(GError) count_error = NULL;
    g_autoptr(PGresult) result = sk_analytics_query (conn, "purchases",
                                                     "SELECT count(*) FROM purchases",
                                                     0, NULL, NULL, &count_error);

    sk_bench_check (result != NULL, count_error);
    purchases = g_strdup (PQgetvalue (result, 0, 0));
  }

  bare_s = best_seconds (bare_aggregation, conn, period, &groups);
  analytics_s = best_seconds (rfm_and_churn, conn, period, businesses);
  /* A day before the last purchase, the pre-aggregated customers table no longer answers
   * and the purchases themselves are read. */
  g_date_subtract_days (&period->to, 1);
  history_s = best_seconds (rfm_and_churn, conn, period, businesses);
  g_date_add_days (&period->to, 1);

  printf ("purchases %s, members %d, businesses %u, best of %d runs\n",
          purchases, groups, businesses->len, runs);
  printf ("bare GROUP BY member:                          %7.3f s\n", bare_s);
  printf ("RFM + churn, every business, to the last day:  %7.3f s  ratio %.2f (target <= 1.5)\n",
          analytics_s, analytics_s / bare_s);
  printf ("RFM + churn, every business, to the day before: %6.3f s  ratio %.2f "
          "(read from the purchases)\n", history_s, history_s / bare_s);

  printf ("other reports, once each (the first business, the last 30 days):\n");
  g_free (period->business_id);
  period->business_id = g_strdup (g_ptr_array_index (businesses, 0));
  time_report (conn, "overview", sk_analytics_report_overview, period);
  time_report (conn, "sources", sk_analytics_report_sources, period);
  time_report (conn, "destinations", sk_analytics_report_destinations, period);
  time_report (conn, "chains", sk_analytics_report_chains, period);
  g_clear_pointer (&period->business_id, g_free);
  time_report (conn, "club", sk_analytics_report_club, period);
  time_report (conn, "nsm", sk_analytics_report_nsm, period);
  time_report (conn, "cohorts", sk_analytics_report_cohorts, period);
  time_report (conn, "commission", sk_analytics_report_commission, period);

  g_clear_pointer (&conn, PQfinish);
  if (dbname != NULL && !keep)
    sk_bench_drop_database (server, dbname);
  else if (dbname != NULL)
    fprintf (stderr, "kept database %s (reuse it with --database %s)\n", dbname, dbname);

  g_free (server_url);
  g_free (database);
  return 0;
}
