/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-analytics-club.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdarg.h>

#include "sk-db.h"

/*
 * Club-level analytics: tiers, the north-star metric, cohorts, cross-purchases, events and
 * their budget, and the platform's commission. Every query reads the purchases it needs
 * set-based, once, through purchase_categories where the category matters (a purchase counts
 * in its business's category), in the club's time zone.
 *
 * Each function first asks the server for the period's bounds as instants (the club's time
 * zone is data) and passes them on as parameters. A bound that is a parameter lets the
 * planner prune the purchases' months and estimate the rows, and passes the security barrier
 * of purchase_categories; the same bound written as an expression of club_time_zone() stays
 * above the barrier and reads every month. Per-row conversions take the zone as a parameter
 * too: the function itself (not inlinable, it has SET search_path) would cost ~8 µs a row.
 */

#define TREND_MIN_MONTHS 6

/* The north-star trend starts at the period's first month, or five months before its last
 * month when the period is shorter; reading starts a window earlier. */
#define BOUNDS_COLUMNS \
  "z.tz," \
  "($1::date)::timestamp AT TIME ZONE z.tz," \
  "($2::date + 1)::timestamp AT TIME ZONE z.tz," \
  "date_trunc ('month', $1::date)::timestamp AT TIME ZONE z.tz," \
  "(t.trend_from - w.days)::timestamp AT TIME ZONE z.tz," \
  "w.days," \
  "t.trend_from"
#define BOUNDS_FROM \
  " FROM (SELECT club_time_zone () AS tz) z" \
  " CROSS JOIN LATERAL (SELECT rule_value ('north_star.window_days', NULL," \
  "                                        ($2::date + 1)::timestamp AT TIME ZONE z.tz)::int" \
  "                              AS days) w" \
  " CROSS JOIN LATERAL (SELECT least (date_trunc ('month', $1::date)," \
  "                                   date_trunc ('month', $2::date) - interval '5 months')::date" \
  "                              AS trend_from) t"

static const char bounds_sql[] = "SELECT " BOUNDS_COLUMNS BOUNDS_FROM;


/* Freeing ----------------------------------------------------------------------------- */

static void
tier_count_free (SkAnalyticsTierCount *count)
{
  g_free (count->tier);
  g_free (count);
}

static void
budget_month_free (SkAnalyticsBudgetMonth *month)
{
  g_free (month->month);
  g_free (month);
}

static void
nsm_point_free (SkAnalyticsNsmPoint *point)
{
  g_free (point->month);
  g_free (point);
}

static void
cohort_free (SkAnalyticsCohort *cohort)
{
  g_free (cohort->month);
  g_clear_pointer (&cohort->cells, g_array_unref);
  g_free (cohort);
}

static void
statement_free (SkAnalyticsStatement *statement)
{
  g_free (statement->business_id);
  g_free (statement->business_name);
  g_free (statement->month);
  g_free (statement);
}

void
sk_analytics_club_overview_free (SkAnalyticsClubOverview *overview)
{
  if (overview == NULL)
    return;

  g_clear_pointer (&overview->tiers, g_ptr_array_unref);
  g_clear_pointer (&overview->budget_months, g_ptr_array_unref);
  g_free (overview);
}

void
sk_analytics_nsm_free (SkAnalyticsNsm *nsm)
{
  if (nsm == NULL)
    return;

  g_clear_pointer (&nsm->trend, g_ptr_array_unref);
  g_free (nsm);
}

void
sk_analytics_cohorts_free (SkAnalyticsCohorts *cohorts)
{
  if (cohorts == NULL)
    return;

  g_clear_pointer (&cohorts->cohorts, g_ptr_array_unref);
  g_free (cohorts);
}

void
sk_analytics_commission_free (SkAnalyticsCommission *commission)
{
  if (commission == NULL)
    return;

  g_clear_pointer (&commission->statements, g_ptr_array_unref);
  g_free (commission);
}

/* Helpers ----------------------------------------------------------------------------- */

static double
share (gint64 part,
       gint64 whole)
{
  return whole > 0 ? (double) part / (double) whole : 0.0;
}

/* The period as the queries take it: days, and instants in the club's time zone. */
typedef struct
{
  char       *from;          /* first day */
  char       *to;            /* last day */
  const char *business_id;   /* NULL for the club */
  GDate       first;         /* from, as a date */
  GDate       last;          /* to, as a date */
  char       *tz;            /* club_time_zone () */
  char       *start;         /* the first day's start */
  char       *end;           /* the day after the last one's start */
  char       *month_start;   /* the first day's month's start */
  char       *nsm_start;     /* the north-star trend's start less one window */
  char       *nsm_window;    /* north_star.window_days */
  char       *trend_from;    /* the north-star trend's first month, a day */
} Bounds;

static void
bounds_clear (Bounds *bounds)
{
  g_clear_pointer (&bounds->from, g_free);
  g_clear_pointer (&bounds->to, g_free);
  g_clear_pointer (&bounds->tz, g_free);
  g_clear_pointer (&bounds->start, g_free);
  g_clear_pointer (&bounds->end, g_free);
  g_clear_pointer (&bounds->month_start, g_free);
  g_clear_pointer (&bounds->nsm_start, g_free);
  g_clear_pointer (&bounds->nsm_window, g_free);
  g_clear_pointer (&bounds->trend_from, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Bounds, bounds_clear)

static gboolean
bounds_load (Bounds                  *bounds,
             PGconn                  *conn,
             const SkAnalyticsPeriod *period,
             GCancellable            *cancellable,
             GError                 **error)
{
  const char *params[2];
  PGresult *result;

  bounds->from = sk_analytics_date_string (&period->from);
  bounds->to = sk_analytics_date_string (&period->to);
  bounds->business_id = period->business_id;
  bounds->first = period->from;
  bounds->last = period->to;
  params[0] = bounds->from;
  params[1] = bounds->to;
  result = sk_analytics_query (conn, "period bounds", bounds_sql,
                               2, params, cancellable, error);
  if (result == NULL)
    return FALSE;
  bounds->tz = sk_analytics_dup_text (result, 0, 0);
  bounds->start = sk_analytics_dup_text (result, 0, 1);
  bounds->end = sk_analytics_dup_text (result, 0, 2);
  bounds->month_start = sk_analytics_dup_text (result, 0, 3);
  bounds->nsm_start = sk_analytics_dup_text (result, 0, 4);
  bounds->nsm_window = sk_analytics_dup_text (result, 0, 5);
  bounds->trend_from = sk_analytics_dup_text (result, 0, 6);
  PQclear (result);
  return TRUE;
}

typedef gpointer (*QueryFunc) (PGconn        *conn,
                               const Bounds  *bounds,
                               GCancellable  *cancellable,
                               GError       **error);

/* Runs @query for @period in one snapshot (sk_analytics_snapshot_begin()), so that the
 * figures of one report come from one moment. */
static gpointer
in_snapshot (PGconn                  *conn,
             const SkAnalyticsPeriod *period,
             QueryFunc                query,
             GDestroyNotify           free_func,
             GCancellable            *cancellable,
             GError                 **error)
{
  g_auto(Bounds) bounds = { 0 };
  gboolean own;
  gpointer value = NULL;

  if (g_date_compare (&period->from, &period->to) > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The period ends before it begins"));
      return NULL;
    }

  if (!sk_analytics_snapshot_begin (conn, &own, cancellable, error))
    return NULL;
  if (bounds_load (&bounds, conn, period, cancellable, error))
    value = query (conn, &bounds, cancellable, error);
  if (!sk_analytics_snapshot_end (conn, own, value != NULL, value != NULL ? error : NULL) &&
      value != NULL)
    g_clear_pointer (&value, free_func);
  return value;
}

/* Runs @sql with the @n_params text parameters that follow ($1…, %NULL for SQL NULL). */
static PGresult *
run (PGconn        *conn,
     const char    *what,
     const char    *sql,
     GCancellable  *cancellable,
     GError       **error,
     int            n_params,
     ...)
{
  const char *params[8];
  va_list args;

  g_assert (n_params <= (int) G_N_ELEMENTS (params));
  va_start (args, n_params);
  for (int i = 0; i < n_params; i++)
    params[i] = va_arg (args, const char *);
  va_end (args);

  return sk_analytics_query (conn, what, sql, n_params, params, cancellable, error);
}

/* Overview ---------------------------------------------------------------------------- */

/* $1 start, $2 end, $3 business. Members now by tier, and those of them who bought in the
 * period, in ≥ 2 counted categories. For a business: its customers (a purchase there before
 * the period's end), active meaning they bought there in the period. min <> max instead of
 * count (DISTINCT) keeps the aggregation a hash. */
static const char tiers_sql[] =
  "WITH a AS ("
  "  SELECT pc.member_id,"
  "         min (pc.counted_category) <> max (pc.counted_category) AS cross_buyer,"
  "         bool_or ($3::uuid IS NULL OR pc.business_id = $3::uuid) AS here"
  "    FROM purchase_categories pc"
  "   WHERE pc.member_id IS NOT NULL AND pc.amount > 0"
  "     AND pc.occurred_at >= $1::timestamptz AND pc.occurred_at < $2::timestamptz"
  "   GROUP BY pc.member_id"
  "), customers AS ("
  "  SELECT DISTINCT p.member_id"
  "    FROM purchases p"
  "   WHERE p.business_id = $3::uuid AND p.member_id IS NOT NULL AND p.amount > 0"
  "     AND p.occurred_at < $2::timestamptz"
  ")"
  "SELECT t.code,"
  "       count (m.id),"
  "       count (m.id) FILTER (WHERE a.here),"
  "       count (m.id) FILTER (WHERE a.here AND a.cross_buyer)"
  "  FROM tiers t"
  "  LEFT JOIN members m ON m.tier = t.code AND m.deleted_at IS NULL"
  "                     AND ($3::uuid IS NULL"
  "                          OR m.id IN (SELECT member_id FROM customers))"
  "  LEFT JOIN a ON a.member_id = m.id"
  " GROUP BY t.code, t.rank"
  " ORDER BY t.rank";

/* $1 start, $2 end, $3 business, $4 time zone. Time to a second category, for members whose
 * first purchase ever falls in the period (for a business: was made there) and who were not
 * deleted by its end. One pass over the history up to the period's end folds her purchases
 * by a hash to the first moment of each (business, category); only those few rows are
 * ordered. Her first category is the one bought first (the smallest on a tie, so another
 * one at the same moment is a second category after 0 days); the second comes at the
 * earliest first moment of the others. Days are calendar days. */
static const char second_category_sql[] =
  "WITH firsts AS ("
  "  SELECT pc.member_id, pc.business_id, pc.counted_category AS cat,"
  "         min (pc.occurred_at) AS first_at"
  "    FROM purchase_categories pc"
  "   WHERE pc.member_id IS NOT NULL AND pc.amount > 0 AND pc.occurred_at < $2::timestamptz"
  "   GROUP BY 1, 2, 3"
  "), ordered AS ("
  "  SELECT member_id, business_id, cat, first_at, (first_at AT TIME ZONE $4::text)::date AS d,"
  "         first_value (cat) OVER w AS first_cat,"
  "         first_value (first_at) OVER w AS member_first"
  "    FROM firsts"
  "  WINDOW w AS (PARTITION BY member_id ORDER BY first_at, cat)"
  "), second AS ("
  "  SELECT member_id, min (member_first) AS member_first,"
  "         min (d) FILTER (WHERE cat <> first_cat) - min (d) AS days,"
  "         bool_or (first_at = member_first"
  "                  AND ($3::uuid IS NULL OR business_id = $3::uuid)) AS here"
  "    FROM ordered"
  "   GROUP BY member_id"
  ")"
  "SELECT count (*), count (s.days),"
  "       percentile_cont (0.5) WITHIN GROUP (ORDER BY s.days),"
  "       avg (s.days)::float8"
  "  FROM second s"
  "  JOIN members m ON m.id = s.member_id"
  "                AND (m.deleted_at IS NULL OR m.deleted_at >= $2::timestamptz)"
  " WHERE s.member_first >= $1::timestamptz AND s.here";

/* $1 start, $2 end, $3 business. Events starting in the period (for a business: held or
 * organised there). A registration holds a place when confirmed, attended or no-show. */
static const char events_sql[] =
  "SELECT count (DISTINCT e.id),"
  "       count (r.id) FILTER (WHERE r.status IN ('confirmed', 'attended', 'no_show')),"
  "       count (r.id) FILTER (WHERE r.status = 'attended'),"
  "       count (r.id) FILTER (WHERE r.status = 'no_show'),"
  "       count (r.id) FILTER (WHERE r.status = 'waitlist')"
  "  FROM events e"
  "  LEFT JOIN event_registrations r ON r.event_id = e.id"
  " WHERE e.status IN ('scheduled', 'completed')"
  "   AND e.starts_at >= $1::timestamptz AND e.starts_at < $2::timestamptz"
  "   AND ($3::uuid IS NULL OR e.location_business_id = $3::uuid"
  "        OR e.organizer_business_id = $3::uuid)";

/* $1 first day, $2 last day, $3 business. The events budget of every month the period
 * touches: collected (for a business: from its purchases), allocated (club-wide:
 * allocations are not per business) and spent (for a business: on events held or organised
 * there). */
static const char budget_sql[] =
  "WITH months AS ("
  "  SELECT s::date AS month"
  "    FROM generate_series (date_trunc ('month', $1::date), $2::date, interval '1 month') s"
  "), c AS ("
  "  SELECT c.month, sum (c.amount_kopecks) AS n"
  "    FROM events_budget_contributions c"
  "   WHERE c.month >= date_trunc ('month', $1::date) AND c.month <= $2::date"
  "     AND ($3::uuid IS NULL OR c.business_id = $3::uuid)"
  "   GROUP BY c.month"
  "), a AS ("
  "  SELECT a.month, sum (a.amount_kopecks) AS n"
  "    FROM events_budget_allocations a"
  "   WHERE a.month >= date_trunc ('month', $1::date) AND a.month <= $2::date"
  "   GROUP BY a.month"
  "), s AS ("
  "  SELECT s.month, sum (s.amount_kopecks) AS n"
  "    FROM events_budget_spending s"
  "    JOIN events e ON e.id = s.event_id"
  "   WHERE s.month >= date_trunc ('month', $1::date) AND s.month <= $2::date"
  "     AND ($3::uuid IS NULL OR e.location_business_id = $3::uuid"
  "          OR e.organizer_business_id = $3::uuid)"
  "   GROUP BY s.month"
  ")"
  "SELECT to_char (m.month, 'YYYY-MM-DD'), coalesce (c.n, 0), coalesce (a.n, 0),"
  "       coalesce (s.n, 0)"
  "  FROM months m"
  "  LEFT JOIN c ON c.month = m.month"
  "  LEFT JOIN a ON a.month = m.month"
  "  LEFT JOIN s ON s.month = m.month"
  " ORDER BY m.month";

static gpointer
club_overview_in (PGconn        *conn,
                  const Bounds  *bounds,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(SkAnalyticsClubOverview) overview = NULL;
  PGresult *result;


  overview = g_new0 (SkAnalyticsClubOverview, 1);
  overview->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) tier_count_free);
  overview->budget_months = g_ptr_array_new_with_free_func ((GDestroyNotify) budget_month_free);

  result = run (conn, "club tiers", tiers_sql, cancellable, error,
                3, bounds->start, bounds->end, bounds->business_id);
  if (result == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      SkAnalyticsTierCount *count = g_new0 (SkAnalyticsTierCount, 1);

      count->tier = sk_analytics_dup_text (result, i, 0);
      count->members = sk_analytics_get_int (result, i, 1);
      count->active = sk_analytics_get_int (result, i, 2);
      count->cross_buyers = sk_analytics_get_int (result, i, 3);
      overview->members += count->members;
      overview->active_members += count->active;
      overview->cross_buyers += count->cross_buyers;
      g_ptr_array_add (overview->tiers, count);
    }
  PQclear (result);
  overview->cross_purchase_rate = share (overview->cross_buyers, overview->active_members);

  result = run (conn, "time to a second category", second_category_sql, cancellable, error,
                4, bounds->start, bounds->end, bounds->business_id, bounds->tz);
  if (result == NULL)
    return NULL;
  overview->first_buyers = sk_analytics_get_int (result, 0, 0);
  overview->second_category_buyers = sk_analytics_get_int (result, 0, 1);
  overview->second_category_median_days = sk_analytics_get_real (result, 0, 2);
  overview->second_category_mean_days = sk_analytics_get_real (result, 0, 3);
  PQclear (result);

  result = run (conn, "events attendance", events_sql, cancellable, error,
                3, bounds->start, bounds->end, bounds->business_id);
  if (result == NULL)
    return NULL;
  overview->events = sk_analytics_get_int (result, 0, 0);
  overview->registered = sk_analytics_get_int (result, 0, 1);
  overview->attended = sk_analytics_get_int (result, 0, 2);
  overview->no_show = sk_analytics_get_int (result, 0, 3);
  overview->waitlist = sk_analytics_get_int (result, 0, 4);
  overview->attendance_rate = share (overview->attended, overview->registered);
  PQclear (result);

  result = run (conn, "events budget", budget_sql, cancellable, error,
                3, bounds->from, bounds->to, bounds->business_id);
  if (result == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      SkAnalyticsBudgetMonth *month = g_new0 (SkAnalyticsBudgetMonth, 1);

      month->month = sk_analytics_dup_text (result, i, 0);
      month->collected_kopecks = sk_analytics_get_int (result, i, 1);
      month->allocated_kopecks = sk_analytics_get_int (result, i, 2);
      month->spent_kopecks = sk_analytics_get_int (result, i, 3);
      overview->budget_collected_kopecks += month->collected_kopecks;
      overview->budget_allocated_kopecks += month->allocated_kopecks;
      overview->budget_spent_kopecks += month->spent_kopecks;
      g_ptr_array_add (overview->budget_months, month);
    }
  PQclear (result);

  return g_steal_pointer (&overview);
}

/**
 * sk_analytics_club_overview:
 * @conn: a connection the calling thread owns
 * @period: the period; a business narrows every figure to its customers, events and budget
 *   contributions
 * @cancellable: (nullable): cancels the running query
 * @error: return location for a #GError
 *
 * Tiers, active members, cross-purchase rate, time to a second category, events attendance
 * and the events budget: four queries after the bounds, in one snapshot.
 *
 * Returns: (transfer full): the overview, or %NULL with @error set
 */
SkAnalyticsClubOverview *
sk_analytics_club_overview (PGconn                  *conn,
                            const SkAnalyticsPeriod *period,
                            GCancellable            *cancellable,
                            GError                 **error)
{
  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return in_snapshot (conn, period, club_overview_in,
                      (GDestroyNotify) sk_analytics_club_overview_free, cancellable, error);
}

/* North-star metric ------------------------------------------------------------------- */

/*
 * $1 first day, $2 last day, $3 business, $4 time zone, $5 end, $6 reading start (the
 * trend's start less one window), $7 window days, $8 the trend's first month.
 *
 * One pass over her purchases in time order (one sort, three window levels sharing it):
 *
 * r: a run is a stretch of consecutive purchases in one category; at the start of a run,
 *    run_prev is the day of the purchase just before, the last one of the previous run,
 *    which is in another category.
 * q: the running max of run_prev is therefore the day of her latest earlier purchase in
 *    another category, the best partner a purchase can have: it is a north-star purchase
 *    when that day is at most window days before its own. Linear, not a self-join.
 * f: flags the first purchase and the first north-star purchase of each member in each
 *    month and in the period, so that counting members needs no DISTINCT (and no second
 *    sort).
 *
 * Spans are the trend's months (the last one stopping at the period's end) and the period
 * (span NULL). Who counts in a span: the club's members who joined before its end and were
 * not deleted by then, or for a business those of them whose first purchase there came before
 * the span's end; she is "active" when she bought in the span and "qualified" when she made
 * a north-star purchase in it (the earlier purchase of the pair may be before the span).
 */
static const char nsm_sql[] =
  "WITH pop AS MATERIALIZED ("
  "  SELECT m.id AS member_id,"
  "         CASE WHEN $3::uuid IS NULL THEN (m.joined_at AT TIME ZONE $4::text)::date"
  "              ELSE greatest ((m.joined_at AT TIME ZONE $4::text)::date, fb.first_b)"
  "         END AS since,"
  "         (m.deleted_at AT TIME ZONE $4::text)::date AS gone"
  "    FROM members m"
  "    LEFT JOIN (SELECT p.member_id, (min (p.occurred_at) AT TIME ZONE $4::text)::date"
  "                        AS first_b"
  "                 FROM purchases p"
  "                WHERE p.business_id = $3::uuid AND p.member_id IS NOT NULL"
  "                  AND p.amount > 0 AND p.occurred_at < $5::timestamptz"
  "                GROUP BY p.member_id) fb ON fb.member_id = m.id"
  "   WHERE $3::uuid IS NULL OR fb.first_b IS NOT NULL"
  "), spans AS ("
  "  SELECT s::date AS span,"
  "         least ((s + interval '1 month')::date, $2::date + 1) AS span_end"
  "    FROM generate_series ($8::date, date_trunc ('month', $2::date), interval '1 month') s"
  "  UNION ALL"
  "  SELECT NULL, $2::date + 1"
  "), den AS ("
  "  SELECT s.span, count (pop.member_id) AS n"
  "    FROM spans s"
  "    LEFT JOIN pop ON pop.since < s.span_end"
  "                 AND (pop.gone IS NULL OR pop.gone >= s.span_end)"
  "   GROUP BY s.span"
  "), p AS ("
  "  SELECT pc.member_id, pc.occurred_at AS t, pc.counted_category AS cat,"
  "         pc.occurred_at AT TIME ZONE $4::text AS lt"
  "    FROM purchase_categories pc"
  "   WHERE pc.member_id IS NOT NULL AND pc.amount > 0"
  "     AND pc.occurred_at >= $6::timestamptz AND pc.occurred_at < $5::timestamptz"
  "  OFFSET 0"
  "), r AS ("
  "  SELECT member_id, t, cat, d, mon,"
  "         lag (d) OVER w AS prev_d,"
  "         lag (mon) OVER w AS prev_mon,"
  "         CASE WHEN cat IS DISTINCT FROM lag (cat) OVER w THEN lag (d) OVER w END AS run_prev"
  "    FROM (SELECT member_id, t, cat, lt::date AS d, date_trunc ('month', lt)::date AS mon"
  "            FROM p) p"
  "  WINDOW w AS (PARTITION BY member_id ORDER BY t, cat)"
  "), q AS ("
  "  SELECT member_id, t, cat, d, mon, prev_d, prev_mon,"
  "         coalesce (d - max (run_prev) OVER w <= $7::int, false) AS ok"
  "    FROM r"
  "  WINDOW w AS (PARTITION BY member_id ORDER BY t, cat ROWS UNBOUNDED PRECEDING)"
  "), f AS ("
  "  SELECT member_id, d, mon, prev_d, prev_mon, ok,"
  "         max (CASE WHEN ok THEN d END) OVER w AS prev_ok_d,"
  "         max (CASE WHEN ok THEN mon END) OVER w AS prev_ok_mon"
  "    FROM q"
  "  WINDOW w AS (PARTITION BY member_id ORDER BY t, cat"
  "               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
  "), flags AS ("
  "  SELECT member_id, mon AS month,"
  "         prev_mon IS DISTINCT FROM mon AS new_m,"
  "         ok AND prev_ok_mon IS DISTINCT FROM mon AS ok_m,"
  "         d >= $1::date AND (prev_d IS NULL OR prev_d < $1::date) AS new_p,"
  "         ok AND d >= $1::date AND (prev_ok_d IS NULL OR prev_ok_d < $1::date) AS ok_p"
  "    FROM f"
  "   WHERE d >= $8::date"
  "), cnt AS ("
  "  SELECT x.month, GROUPING (x.month) AS whole,"
  "         count (*) FILTER (WHERE x.new_m AND pop.since < x.m_end"
  "                           AND (pop.gone IS NULL OR pop.gone >= x.m_end)) AS active_m,"
  "         count (*) FILTER (WHERE x.ok_m AND pop.since < x.m_end"
  "                           AND (pop.gone IS NULL OR pop.gone >= x.m_end)) AS ok_m,"
  "         count (*) FILTER (WHERE x.new_p AND pop.since <= $2::date"
  "                           AND (pop.gone IS NULL OR pop.gone > $2::date)) AS active_p,"
  "         count (*) FILTER (WHERE x.ok_p AND pop.since <= $2::date"
  "                           AND (pop.gone IS NULL OR pop.gone > $2::date)) AS ok_p"
  "    FROM (SELECT flags.*,"
  "                 least ((month + interval '1 month')::date, $2::date + 1) AS m_end"
  "            FROM flags"
  "           WHERE new_m OR ok_m OR new_p OR ok_p) x"
  "    JOIN pop ON pop.member_id = x.member_id"
  "   GROUP BY GROUPING SETS ((x.month), ())"
  ")"
  "SELECT to_char (s.span, 'YYYY-MM-DD'), d.n,"
  "       coalesce (CASE WHEN s.span IS NULL THEN c.active_p ELSE c.active_m END, 0),"
  "       coalesce (CASE WHEN s.span IS NULL THEN c.ok_p ELSE c.ok_m END, 0)"
  "  FROM spans s"
  "  JOIN den d ON d.span IS NOT DISTINCT FROM s.span"
  "  LEFT JOIN cnt c ON (s.span IS NULL AND c.whole = 1) OR c.month = s.span"
  " ORDER BY s.span NULLS FIRST";

static gpointer
nsm_in (PGconn        *conn,
        const Bounds  *bounds,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(SkAnalyticsNsm) nsm = NULL;
  PGresult *result;

  result = run (conn, "north-star metric", nsm_sql, cancellable, error,
                8, bounds->from, bounds->to, bounds->business_id, bounds->tz, bounds->end,
                bounds->nsm_start, bounds->nsm_window, bounds->trend_from);
  if (result == NULL)
    return NULL;

  nsm = g_new0 (SkAnalyticsNsm, 1);
  nsm->window_days = g_ascii_strtoll (bounds->nsm_window, NULL, 10);
  nsm->trend = g_ptr_array_new_with_free_func ((GDestroyNotify) nsm_point_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      gint64 members = sk_analytics_get_int (result, i, 1);
      gint64 active = sk_analytics_get_int (result, i, 2);
      gint64 qualified = sk_analytics_get_int (result, i, 3);

      if (PQgetisnull (result, i, 0))
        {
          nsm->members = members;
          nsm->active = active;
          nsm->qualified = qualified;
          nsm->value = share (qualified, members);
          nsm->value_of_active = share (qualified, active);
        }
      else
        {
          SkAnalyticsNsmPoint *point = g_new0 (SkAnalyticsNsmPoint, 1);

          point->month = sk_analytics_dup_text (result, i, 0);
          point->members = members;
          point->active = active;
          point->qualified = qualified;
          point->value = share (qualified, members);
          point->value_of_active = share (qualified, active);
          g_ptr_array_add (nsm->trend, point);
        }
    }
  PQclear (result);

  g_warn_if_fail (nsm->trend->len >= TREND_MIN_MONTHS);
  return g_steal_pointer (&nsm);
}

/**
 * sk_analytics_nsm:
 * @conn: a connection the calling thread owns
 * @period: the period; with a business, its customers are the members counted
 * @cancellable: (nullable): cancels the running query
 * @error: return location for a #GError
 *
 * The north-star metric of the period and its monthly trend, in one query after the bounds
 * (see #SkAnalyticsNsm for the definition).
 *
 * Returns: (transfer full): the metric, or %NULL with @error set
 */
SkAnalyticsNsm *
sk_analytics_nsm (PGconn                  *conn,
                  const SkAnalyticsPeriod *period,
                  GCancellable            *cancellable,
                  GError                 **error)
{
  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return in_snapshot (conn, period, nsm_in, (GDestroyNotify) sk_analytics_nsm_free,
                      cancellable, error);
}

/* Cohorts ----------------------------------------------------------------------------- */

/* $1 the first month's start, $2 end, $3 business, $4 time zone. Cohorts of the period's
 * months: the club's members by the month they joined (not deleted by the period's end),
 * or a business's customers by the month of their first purchase there. A row per cohort
 * with its size (month_offset -1), and a row per cohort and month offset with the members
 * who bought (there) that month; purchases are folded to (member, month) by a hash first. */
static const char cohorts_sql[] =
  "WITH c AS MATERIALIZED ("
  "  SELECT m.id AS member_id,"
  "         date_trunc ('month', m.joined_at AT TIME ZONE $4::text)::date AS cohort"
  "    FROM members m"
  "   WHERE $3::uuid IS NULL"
  "     AND m.joined_at >= $1::timestamptz AND m.joined_at < $2::timestamptz"
  "     AND (m.deleted_at IS NULL OR m.deleted_at >= $2::timestamptz)"
  "  UNION ALL"
  "  SELECT p.member_id, date_trunc ('month', min (p.occurred_at) AT TIME ZONE $4::text)::date"
  "    FROM purchases p"
  "    JOIN members m ON m.id = p.member_id"
  "   WHERE p.business_id = $3::uuid AND p.amount > 0"
  "     AND p.occurred_at < $2::timestamptz"
  "     AND (m.deleted_at IS NULL OR m.deleted_at >= $2::timestamptz)"
  "   GROUP BY p.member_id"
  "  HAVING min (p.occurred_at) >= $1::timestamptz"
  "), bought AS ("
  "  SELECT p.member_id, date_trunc ('month', p.occurred_at AT TIME ZONE $4::text)::date AS month"
  "    FROM purchases p"
  "   WHERE p.member_id IS NOT NULL AND p.amount > 0"
  "     AND ($3::uuid IS NULL OR p.business_id = $3::uuid)"
  "     AND p.occurred_at >= $1::timestamptz AND p.occurred_at < $2::timestamptz"
  "   GROUP BY 1, 2"
  ")"
  "SELECT to_char (cohort, 'YYYY-MM-DD'), -1, count (*)"
  "  FROM c GROUP BY cohort"
  " UNION ALL "
  "SELECT to_char (c.cohort, 'YYYY-MM-DD'),"
  "       ((extract (year FROM b.month) - extract (year FROM c.cohort)) * 12"
  "        + extract (month FROM b.month) - extract (month FROM c.cohort))::int,"
  "       count (*)"
  "  FROM c JOIN bought b ON b.member_id = c.member_id AND b.month >= c.cohort"
  " GROUP BY c.cohort, b.month";

static guint
months_between (const GDate *from,
                const GDate *to)
{
  return (g_date_get_year (to) - g_date_get_year (from)) * 12 +
         g_date_get_month (to) - g_date_get_month (from);
}

static gpointer
cohorts_in (PGconn        *conn,
            const Bounds  *bounds,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(SkAnalyticsCohorts) cohorts = NULL;
  g_autoptr(GHashTable) by_month = NULL;
  GDate month;
  guint n_months;
  PGresult *result;

  result = run (conn, "cohort retention", cohorts_sql, cancellable, error,
                4, bounds->month_start, bounds->end, bounds->business_id, bounds->tz);
  if (result == NULL)
    return NULL;

  /* Every month of the period gets a cohort, an empty one too, with every offset. */
  cohorts = g_new0 (SkAnalyticsCohorts, 1);
  cohorts->cohorts = g_ptr_array_new_with_free_func ((GDestroyNotify) cohort_free);
  by_month = g_hash_table_new (g_str_hash, g_str_equal);
  month = bounds->first;
  g_date_set_day (&month, 1);
  n_months = months_between (&month, &bounds->last) + 1;
  for (guint i = 0; i < n_months; i++)
    {
      SkAnalyticsCohort *cohort = g_new0 (SkAnalyticsCohort, 1);

      cohort->month = sk_analytics_date_string (&month);
      cohort->cells = g_array_sized_new (FALSE, TRUE, sizeof (SkAnalyticsCohortCell),
                                         n_months - i);
      for (guint offset = 0; offset < n_months - i; offset++)
        {
          SkAnalyticsCohortCell cell = { offset, 0 };

          g_array_append_val (cohort->cells, cell);
        }
      g_ptr_array_add (cohorts->cohorts, cohort);
      g_hash_table_insert (by_month, cohort->month, cohort);
      g_date_add_months (&month, 1);
    }

  for (int i = 0; i < PQntuples (result); i++)
    {
      SkAnalyticsCohort *cohort = g_hash_table_lookup (by_month, PQgetvalue (result, i, 0));
      gint64 offset = sk_analytics_get_int (result, i, 1);

      if (cohort == NULL)
        continue;
      if (offset < 0)
        cohort->size = sk_analytics_get_int (result, i, 2);
      else if (offset < cohort->cells->len)
        g_array_index (cohort->cells, SkAnalyticsCohortCell, offset).active =
          sk_analytics_get_int (result, i, 2);
    }
  PQclear (result);

  return g_steal_pointer (&cohorts);
}

/**
 * sk_analytics_cohorts:
 * @conn: a connection the calling thread owns
 * @period: the cohorts are the months of the period; with a business, its customers by the
 *   month of their first purchase there
 * @cancellable: (nullable): cancels the running query
 * @error: return location for a #GError
 *
 * Returns: (transfer full): one cohort per month of the period, each with offsets up to the
 *   period's last month, or %NULL with @error set
 */
SkAnalyticsCohorts *
sk_analytics_cohorts (PGconn                  *conn,
                      const SkAnalyticsPeriod *period,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return in_snapshot (conn, period, cohorts_in, (GDestroyNotify) sk_analytics_cohorts_free,
                      cancellable, error);
}

/* Commission -------------------------------------------------------------------------- */

/*
 * $1 first day, $2 last day, $3 business, $4 time zone, $5 start, $6 end.
 *
 * Per partner and month: sales, revenue, involved revenue and commission by the rate
 * charged, and the stored statement if a job wrote one. The rate is business_commission_bp()
 * at the moment charged: the purchase's, or for a refund its original's (so a refund takes
 * back exactly what its purchase paid, and a refund of an uninvolved purchase is
 * uninvolved). Each purchase's commission is rounded on its own, half away from zero, as
 * sk_commission_compute() does (numeric round() rounds halves away from zero).
 *
 * A partner's rate is the same all day unless a commission rule starts or ends during that
 * day. So sales fold by a hash to (partner, day, involved amount), one group for all the
 * uninvolved ones, and are charged at the day's start; only on such days (usually none) are
 * involved sales charged at their own moment, and refunds (few, found through their partial
 * index) each at their original's. The function then runs once per partner and day, not
 * per purchase. A row per (partner, month, rate); a month without involved purchases has
 * one row with rate NULL. Every partner that had joined by a month's last day covered, or
 * sold in it, gets its row.
 */
static const char commission_sql[] =
  "WITH boundaries AS ("
  "  SELECT DISTINCT (x.at AT TIME ZONE $4::text)::date AS day"
  "    FROM rules r"
  "   CROSS JOIN LATERAL (VALUES (r.valid_from), (r.valid_to)) x (at)"
  "   WHERE r.key LIKE 'commission.%' AND isfinite (x.at)"
  "), sales AS ("
  "  SELECT p.business_id, (p.occurred_at AT TIME ZONE $4::text)::date AS day,"
  "         CASE WHEN p.involved_via <> 'none' THEN p.amount END AS involved_amount,"
  "         count (*) AS n, sum (p.amount) AS amount"
  "    FROM purchases p"
  "   WHERE ($3::uuid IS NULL OR p.business_id = $3::uuid)"
  "     AND p.original_purchase_id IS NULL"
  "     AND p.occurred_at >= $5::timestamptz AND p.occurred_at < $6::timestamptz"
  "   GROUP BY 1, 2, 3"
  "), refunds AS ("
  "  SELECT p.business_id, (p.occurred_at AT TIME ZONE $4::text)::date AS day, p.amount,"
  "         o.involved_via <> 'none' AS involved, o.occurred_at AS charged_at"
  "    FROM purchases p"
  "    JOIN purchase_keys k ON k.id = p.original_purchase_id"
  "    JOIN purchases o ON o.id = k.id AND o.occurred_at = k.occurred_at"
  "   WHERE ($3::uuid IS NULL OR p.business_id = $3::uuid)"
  "     AND p.original_purchase_id IS NOT NULL"
  "     AND p.occurred_at >= $5::timestamptz AND p.occurred_at < $6::timestamptz"
  "), exact AS ("
  "  SELECT p.business_id, (p.occurred_at AT TIME ZONE $4::text)::date AS day,"
  "         p.occurred_at AS charged_at, p.amount"
  "    FROM boundaries bd"
  "    JOIN purchases p ON p.occurred_at >= bd.day::timestamp AT TIME ZONE $4::text"
  "                    AND p.occurred_at < (bd.day + 1)::timestamp AT TIME ZONE $4::text"
  "   WHERE ($3::uuid IS NULL OR p.business_id = $3::uuid)"
  "     AND p.original_purchase_id IS NULL AND p.involved_via <> 'none'"
  "     AND p.occurred_at >= $5::timestamptz AND p.occurred_at < $6::timestamptz"
  "), totals AS ("
  "  SELECT business_id, date_trunc ('month', day)::date AS month,"
  "         sum (n) AS transactions, sum (amount) AS revenue"
  "    FROM (SELECT business_id, day, n, amount FROM sales"
  "          UNION ALL"
  "          SELECT business_id, day, 0, amount FROM refunds) t"
  "   GROUP BY 1, 2"
  "), charged AS ("
  "  SELECT business_id, date_trunc ('month', day)::date AS month, rate_at, amount, n"
  "    FROM (SELECT business_id, day, day::timestamp AT TIME ZONE $4::text AS rate_at,"
  "                 involved_amount AS amount, n"
  "            FROM sales"
  "           WHERE involved_amount IS NOT NULL AND day NOT IN (SELECT day FROM boundaries)"
  "          UNION ALL"
  "          SELECT business_id, day, charged_at, amount, 1 FROM exact"
  "          UNION ALL"
  "          SELECT business_id, day,"
  "                 CASE WHEN (charged_at AT TIME ZONE $4::text)::date"
  "                           IN (SELECT day FROM boundaries) THEN charged_at"
  "                      ELSE (charged_at AT TIME ZONE $4::text)::date::timestamp"
  "                           AT TIME ZONE $4::text END,"
  "                 amount, 1"
  "            FROM refunds WHERE involved) i"
  "), rates AS MATERIALIZED ("
  "  SELECT business_id, rate_at, business_commission_bp (business_id, rate_at) AS rate_bp"
  "    FROM (SELECT DISTINCT business_id, rate_at FROM charged) x"
  "), rated AS ("
  "  SELECT c.business_id, c.month, r.rate_bp, sum (c.n * c.amount) AS involved,"
  "         sum (c.n * round (c.amount::numeric * r.rate_bp / 10000)) AS commission"
  "    FROM charged c"
  "    JOIN rates r ON r.business_id = c.business_id AND r.rate_at = c.rate_at"
  "   GROUP BY 1, 2, 3"
  "), spine AS ("
  "  SELECT b.id AS business_id, b.name, s::date AS month,"
  "         least ((s + interval '1 month')::date - 1, $2::date) AS last_day"
  "    FROM businesses b"
  "   CROSS JOIN generate_series (date_trunc ('month', $1::date), $2::date,"
  "                               interval '1 month') s"
  "   WHERE ($3::uuid IS NULL OR b.id = $3::uuid)"
  "     AND (b.joined_on <= least ((s + interval '1 month')::date - 1, $2::date)"
  "          OR EXISTS (SELECT FROM totals t"
  "                      WHERE t.business_id = b.id AND t.month = s::date))"
  ")"
  "SELECT s.business_id, s.name, to_char (s.month, 'YYYY-MM-DD'),"
  "       coalesce (t.transactions, 0), coalesce (t.revenue, 0),"
  "       business_commission_bp (s.business_id, s.last_day::timestamp AT TIME ZONE $4::text),"
  "       r.rate_bp, r.involved, r.commission,"
  "       ps.commission_kopecks"
  "  FROM spine s"
  "  LEFT JOIN totals t ON t.business_id = s.business_id AND t.month = s.month"
  "  LEFT JOIN rated r ON r.business_id = s.business_id AND r.month = s.month"
  "  LEFT JOIN partner_statements ps ON ps.business_id = s.business_id"
  "                                 AND ps.month = s.month"
  " ORDER BY s.name, s.business_id, s.month, r.rate_bp";

static gpointer
commission_in (PGconn        *conn,
               const Bounds  *bounds,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(SkAnalyticsCommission) commission = NULL;
  SkAnalyticsStatement *statement = NULL;
  PGresult *result;

  result = run (conn, "partner statements", commission_sql, cancellable, error,
                6, bounds->from, bounds->to, bounds->business_id, bounds->tz, bounds->start,
                bounds->end);
  if (result == NULL)
    return NULL;

  commission = g_new0 (SkAnalyticsCommission, 1);
  commission->statements = g_ptr_array_new_with_free_func ((GDestroyNotify) statement_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      const char *business_id = PQgetvalue (result, i, 0);
      const char *month = PQgetvalue (result, i, 2);

      /* Rows of one statement come together, one per rate charged. */
      if (statement == NULL || !g_str_equal (statement->business_id, business_id) ||
          !g_str_equal (statement->month, month))
        {
          statement = g_new0 (SkAnalyticsStatement, 1);
          statement->business_id = g_strdup (business_id);
          statement->business_name = sk_analytics_dup_text (result, i, 1);
          statement->month = g_strdup (month);
          statement->transactions = sk_analytics_get_int (result, i, 3);
          statement->revenue_kopecks = sk_analytics_get_int (result, i, 4);
          statement->rate_bp = sk_analytics_get_int (result, i, 5);
          statement->stored = !PQgetisnull (result, i, 9);
          statement->stored_commission_kopecks = sk_analytics_get_int (result, i, 9);
          g_ptr_array_add (commission->statements, statement);
        }
      else
        statement->mixed_rates = TRUE;

      statement->involved_revenue_kopecks += sk_analytics_get_int (result, i, 7);
      statement->commission_kopecks += sk_analytics_get_int (result, i, 8);
    }
  PQclear (result);

  for (guint i = 0; i < commission->statements->len; i++)
    {
      statement = g_ptr_array_index (commission->statements, i);
      commission->revenue_kopecks += statement->revenue_kopecks;
      commission->involved_revenue_kopecks += statement->involved_revenue_kopecks;
      commission->commission_kopecks += statement->commission_kopecks;
      if (statement->stored &&
          statement->stored_commission_kopecks != statement->commission_kopecks)
        commission->disagreements++;
    }

  return g_steal_pointer (&commission);
}

/**
 * sk_analytics_commission:
 * @conn: a connection the calling thread owns
 * @period: the period; a business gets only its own statements
 * @cancellable: (nullable): cancels the running query
 * @error: return location for a #GError
 *
 * The platform's monthly statement per partner (see #SkAnalyticsStatement): one query after
 * the bounds, the commission of each rate's involved revenue rounded by sk_money_apply_bp().
 *
 * Returns: (transfer full): the statements, or %NULL with @error set
 */
SkAnalyticsCommission *
sk_analytics_commission (PGconn                  *conn,
                         const SkAnalyticsPeriod *period,
                         GCancellable            *cancellable,
                         GError                 **error)
{
  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return in_snapshot (conn, period, commission_in, (GDestroyNotify) sk_analytics_commission_free,
                      cancellable, error);
}

/* Reports ----------------------------------------------------------------------------- */

static GPtrArray *
new_tables (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sk_table_free);
}

/**
 * sk_analytics_report_club:
 *
 * The club overview as tables "overview" (one row), "tiers" and "budget".
 *
 * Returns: (transfer full) (element-type SkTable): the tables, or %NULL with @error set
 */
GPtrArray *
sk_analytics_report_club (PGconn                  *conn,
                          const SkAnalyticsPeriod *period,
                          GCancellable            *cancellable,
                          GError                 **error)
{
  g_autoptr(SkAnalyticsClubOverview) overview = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  SkTable *table;
  guint c = 0;

  overview = sk_analytics_club_overview (conn, period, cancellable, error);
  if (overview == NULL)
    return NULL;
  tables = new_tables ();

  table = sk_table_new ("overview");
  sk_table_add_column (table, "members", SK_TABLE_INT);
  sk_table_add_column (table, "active_members", SK_TABLE_INT);
  sk_table_add_column (table, "cross_buyers", SK_TABLE_INT);
  sk_table_add_column (table, "cross_purchase_rate", SK_TABLE_REAL);
  sk_table_add_column (table, "first_buyers", SK_TABLE_INT);
  sk_table_add_column (table, "second_category_buyers", SK_TABLE_INT);
  sk_table_add_column (table, "second_category_median_days", SK_TABLE_REAL);
  sk_table_add_column (table, "second_category_mean_days", SK_TABLE_REAL);
  sk_table_add_column (table, "events", SK_TABLE_INT);
  sk_table_add_column (table, "registered", SK_TABLE_INT);
  sk_table_add_column (table, "attended", SK_TABLE_INT);
  sk_table_add_column (table, "no_show", SK_TABLE_INT);
  sk_table_add_column (table, "waitlist", SK_TABLE_INT);
  sk_table_add_column (table, "attendance_rate", SK_TABLE_REAL);
  sk_table_add_column (table, "budget_collected_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "budget_allocated_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "budget_spent_kopecks", SK_TABLE_INT);
  sk_table_add_row (table);
  sk_table_set_int (table, c++, overview->members);
  sk_table_set_int (table, c++, overview->active_members);
  sk_table_set_int (table, c++, overview->cross_buyers);
  sk_table_set_real (table, c++, overview->cross_purchase_rate);
  sk_table_set_int (table, c++, overview->first_buyers);
  sk_table_set_int (table, c++, overview->second_category_buyers);
  sk_table_set_real (table, c++, overview->second_category_median_days);
  sk_table_set_real (table, c++, overview->second_category_mean_days);
  sk_table_set_int (table, c++, overview->events);
  sk_table_set_int (table, c++, overview->registered);
  sk_table_set_int (table, c++, overview->attended);
  sk_table_set_int (table, c++, overview->no_show);
  sk_table_set_int (table, c++, overview->waitlist);
  sk_table_set_real (table, c++, overview->attendance_rate);
  sk_table_set_int (table, c++, overview->budget_collected_kopecks);
  sk_table_set_int (table, c++, overview->budget_allocated_kopecks);
  sk_table_set_int (table, c++, overview->budget_spent_kopecks);
  g_ptr_array_add (tables, table);

  table = sk_table_new ("tiers");
  sk_table_add_column (table, "tier", SK_TABLE_TEXT);
  sk_table_add_column (table, "members", SK_TABLE_INT);
  sk_table_add_column (table, "share", SK_TABLE_REAL);
  sk_table_add_column (table, "active", SK_TABLE_INT);
  sk_table_add_column (table, "cross_buyers", SK_TABLE_INT);
  for (guint i = 0; i < overview->tiers->len; i++)
    {
      const SkAnalyticsTierCount *count = g_ptr_array_index (overview->tiers, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, count->tier);
      sk_table_set_int (table, 1, count->members);
      sk_table_set_real (table, 2, share (count->members, overview->members));
      sk_table_set_int (table, 3, count->active);
      sk_table_set_int (table, 4, count->cross_buyers);
    }
  g_ptr_array_add (tables, table);

  table = sk_table_new ("budget");
  sk_table_add_column (table, "month", SK_TABLE_TEXT);
  sk_table_add_column (table, "collected_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "allocated_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "spent_kopecks", SK_TABLE_INT);
  for (guint i = 0; i < overview->budget_months->len; i++)
    {
      const SkAnalyticsBudgetMonth *month = g_ptr_array_index (overview->budget_months, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, month->month);
      sk_table_set_int (table, 1, month->collected_kopecks);
      sk_table_set_int (table, 2, month->allocated_kopecks);
      sk_table_set_int (table, 3, month->spent_kopecks);
    }
  g_ptr_array_add (tables, table);

  return g_steal_pointer (&tables);
}

static void
add_nsm_columns (SkTable *table)
{
  sk_table_add_column (table, "members", SK_TABLE_INT);
  sk_table_add_column (table, "active", SK_TABLE_INT);
  sk_table_add_column (table, "qualified", SK_TABLE_INT);
  sk_table_add_column (table, "value", SK_TABLE_REAL);
  sk_table_add_column (table, "value_of_active", SK_TABLE_REAL);
}

static void
set_nsm_cells (SkTable *table,
               guint    first,
               gint64   members,
               gint64   active,
               gint64   qualified,
               double   value,
               double   value_of_active)
{
  sk_table_set_int (table, first, members);
  sk_table_set_int (table, first + 1, active);
  sk_table_set_int (table, first + 2, qualified);
  sk_table_set_real (table, first + 3, value);
  sk_table_set_real (table, first + 4, value_of_active);
}

/**
 * sk_analytics_report_nsm:
 *
 * The north-star metric as tables "nsm" (one row: the period) and "trend" (a row a month).
 *
 * Returns: (transfer full) (element-type SkTable): the tables, or %NULL with @error set
 */
GPtrArray *
sk_analytics_report_nsm (PGconn                  *conn,
                         const SkAnalyticsPeriod *period,
                         GCancellable            *cancellable,
                         GError                 **error)
{
  g_autoptr(SkAnalyticsNsm) nsm = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  SkTable *table;

  nsm = sk_analytics_nsm (conn, period, cancellable, error);
  if (nsm == NULL)
    return NULL;
  tables = new_tables ();
  from = sk_analytics_date_string (&period->from);
  to = sk_analytics_date_string (&period->to);

  table = sk_table_new ("nsm");
  sk_table_add_column (table, "from", SK_TABLE_TEXT);
  sk_table_add_column (table, "to", SK_TABLE_TEXT);
  sk_table_add_column (table, "window_days", SK_TABLE_INT);
  add_nsm_columns (table);
  sk_table_add_row (table);
  sk_table_set_text (table, 0, from);
  sk_table_set_text (table, 1, to);
  sk_table_set_int (table, 2, nsm->window_days);
  set_nsm_cells (table, 3, nsm->members, nsm->active, nsm->qualified, nsm->value,
                 nsm->value_of_active);
  g_ptr_array_add (tables, table);

  table = sk_table_new ("trend");
  sk_table_add_column (table, "month", SK_TABLE_TEXT);
  add_nsm_columns (table);
  for (guint i = 0; i < nsm->trend->len; i++)
    {
      const SkAnalyticsNsmPoint *point = g_ptr_array_index (nsm->trend, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, point->month);
      set_nsm_cells (table, 1, point->members, point->active, point->qualified, point->value,
                     point->value_of_active);
    }
  g_ptr_array_add (tables, table);

  return g_steal_pointer (&tables);
}

/**
 * sk_analytics_report_cohorts:
 *
 * Cohort retention as table "cohorts": a row per cohort and month offset.
 *
 * Returns: (transfer full) (element-type SkTable): the tables, or %NULL with @error set
 */
GPtrArray *
sk_analytics_report_cohorts (PGconn                  *conn,
                             const SkAnalyticsPeriod *period,
                             GCancellable            *cancellable,
                             GError                 **error)
{
  g_autoptr(SkAnalyticsCohorts) cohorts = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  SkTable *table;

  cohorts = sk_analytics_cohorts (conn, period, cancellable, error);
  if (cohorts == NULL)
    return NULL;
  tables = new_tables ();

  table = sk_table_new ("cohorts");
  sk_table_add_column (table, "cohort", SK_TABLE_TEXT);
  sk_table_add_column (table, "size", SK_TABLE_INT);
  sk_table_add_column (table, "month_offset", SK_TABLE_INT);
  sk_table_add_column (table, "active", SK_TABLE_INT);
  sk_table_add_column (table, "retention", SK_TABLE_REAL);
  for (guint i = 0; i < cohorts->cohorts->len; i++)
    {
      const SkAnalyticsCohort *cohort = g_ptr_array_index (cohorts->cohorts, i);

      for (guint j = 0; j < cohort->cells->len; j++)
        {
          const SkAnalyticsCohortCell *cell = &g_array_index (cohort->cells,
                                                              SkAnalyticsCohortCell, j);

          sk_table_add_row (table);
          sk_table_set_text (table, 0, cohort->month);
          sk_table_set_int (table, 1, cohort->size);
          sk_table_set_int (table, 2, cell->offset);
          sk_table_set_int (table, 3, cell->active);
          sk_table_set_real (table, 4, share (cell->active, cohort->size));
        }
    }
  g_ptr_array_add (tables, table);

  return g_steal_pointer (&tables);
}

/**
 * sk_analytics_report_commission:
 *
 * The partners' monthly statements as table "statements".
 *
 * Returns: (transfer full) (element-type SkTable): the tables, or %NULL with @error set
 */
GPtrArray *
sk_analytics_report_commission (PGconn                  *conn,
                                const SkAnalyticsPeriod *period,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  g_autoptr(SkAnalyticsCommission) commission = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  SkTable *table;

  commission = sk_analytics_commission (conn, period, cancellable, error);
  if (commission == NULL)
    return NULL;
  tables = new_tables ();

  table = sk_table_new ("statements");
  sk_table_add_column (table, "business_id", SK_TABLE_TEXT);
  sk_table_add_column (table, "business_name", SK_TABLE_TEXT);
  sk_table_add_column (table, "month", SK_TABLE_TEXT);
  sk_table_add_column (table, "transactions", SK_TABLE_INT);
  sk_table_add_column (table, "revenue_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "involved_revenue_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "rate_bp", SK_TABLE_INT);
  sk_table_add_column (table, "commission_kopecks", SK_TABLE_INT);
  for (guint i = 0; i < commission->statements->len; i++)
    {
      const SkAnalyticsStatement *statement = g_ptr_array_index (commission->statements, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, statement->business_id);
      sk_table_set_text (table, 1, statement->business_name);
      sk_table_set_text (table, 2, statement->month);
      sk_table_set_int (table, 3, statement->transactions);
      sk_table_set_int (table, 4, statement->revenue_kopecks);
      sk_table_set_int (table, 5, statement->involved_revenue_kopecks);
      sk_table_set_int (table, 6, statement->rate_bp);
      sk_table_set_int (table, 7, statement->commission_kopecks);
    }
  g_ptr_array_add (tables, table);

  return g_steal_pointer (&tables);
}
