/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-analytics-business.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sk-db.h"

/* Half-open bounds of club-time-zone days, as expressions on a date parameter. Only in a
 * purchases index range: there they are evaluated once per scan, give the planner good
 * estimates and let the executor prune the months outside the period. Anywhere a row is
 * compared, the queries use the columns of a one-row "bounds" CTE instead, because
 * club_time_zone() (not inlinable) costs a function call each time it is evaluated. */
#define DAY_START(param) "((" param "::date)::timestamp AT TIME ZONE club_time_zone ())"
#define DAY_END(param)   "((" param "::date + 1)::timestamp AT TIME ZONE club_time_zone ())"

void
sk_analytics_overview_free (SkAnalyticsOverview *overview)
{
  if (overview == NULL)
    return;

  g_free (overview->business_id);
  g_free (overview);
}

void
sk_analytics_source_free (SkAnalyticsSource *source)
{
  if (source == NULL)
    return;

  g_free (source->business_id);
  g_free (source->business_name);
  g_free (source);
}

void
sk_analytics_sources_free (SkAnalyticsSources *sources)
{
  if (sources == NULL)
    return;

  g_free (sources->business_id);
  g_clear_pointer (&sources->sources, g_ptr_array_unref);
  g_free (sources);
}

void
sk_analytics_destination_free (SkAnalyticsDestination *destination)
{
  if (destination == NULL)
    return;

  g_free (destination->business_id);
  g_free (destination->business_name);
  g_free (destination);
}

void
sk_analytics_destinations_free (SkAnalyticsDestinations *destinations)
{
  if (destinations == NULL)
    return;

  g_free (destinations->business_id);
  g_clear_pointer (&destinations->destinations, g_ptr_array_unref);
  g_free (destinations);
}

void
sk_analytics_chain_free (SkAnalyticsChain *chain)
{
  if (chain == NULL)
    return;

  for (guint i = 0; i < SK_ANALYTICS_CHAIN_MAX; i++)
    {
      g_free (chain->business_ids[i]);
      g_free (chain->business_names[i]);
      g_free (chain->category_names[i]);
    }
  g_free (chain->pattern);
  g_free (chain->recommendation);
  g_free (chain);
}

void
sk_analytics_chains_free (SkAnalyticsChains *chains)
{
  if (chains == NULL)
    return;

  g_free (chains->business_id);
  g_clear_pointer (&chains->chains, g_ptr_array_unref);
  g_free (chains);
}

/**
 * sk_analytics_relative_change:
 * @rate: (out): (current - previous) / |previous|
 *
 * Returns: %FALSE, leaving @rate alone, when @previous is 0 (no relative change then).
 */
gboolean
sk_analytics_relative_change (double  current,
                              double  previous,
                              double *rate)
{
  g_return_val_if_fail (rate != NULL, FALSE);

  if (previous == 0)
    return FALSE;
  *rate = (current - previous) / fabs (previous);
  return TRUE;
}

static gboolean
require_business (const SkAnalyticsPeriod *period,
                  GError                 **error)
{
  if (period->business_id != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Choose a business: this report is for one business"));
  return FALSE;
}

/* Overview ---------------------------------------------------------------------------- */

/* One scan of the business's purchases over both periods ($2 .. $4), summed per member and
 * period first (so that business_customers is joined to members, not to purchases, and
 * counting customers needs no DISTINCT). Returning customers had their first purchase
 * here before their period began; the rest of the period's customers are new. The
 * unmatched purchases are the group without a member. */
static const char overview_sql[] =
  "WITH bounds AS MATERIALIZED ("
  "  SELECT " DAY_START ("$2") " AS previous_start, " DAY_START ("$3") " AS start"
  "), per_member AS ("
  "  SELECT p.occurred_at >= b.start AS cur, p.member_id,"
  "         sum (p.amount) AS amount,"
  "         count (*) FILTER (WHERE p.amount > 0) AS sales,"
  "         coalesce (sum (p.amount)"
  "                   FILTER (WHERE p.involved_via IN ('promo', 'cross_bonus')), 0) AS via_club"
  "    FROM bounds b"
  "    CROSS JOIN purchases p"
  "   WHERE p.business_id = $1::uuid"
  "     AND p.occurred_at >= " DAY_START ("$2")
  "     AND p.occurred_at < " DAY_END ("$4")
  "   GROUP BY 1, 2"
  /* A refund's own involved_via says nothing, its original's does: the difference, for
   * the refunds alone (the partial index purchases_original_idx), so that the planner
   * does not price a look-up into every month for every purchase (and JIT-compile it). */
  "), refund_fix AS ("
  "  SELECT r.occurred_at >= b.start AS cur, r.member_id,"
  "         sum (r.amount * ((o.involved_via IN ('promo', 'cross_bonus'))::int"
  "                          - (r.involved_via IN ('promo', 'cross_bonus'))::int)) AS via_club"
  "    FROM bounds b"
  "    CROSS JOIN purchases r"
  "    JOIN purchase_keys k ON k.id = r.original_purchase_id"
  "    JOIN purchases o ON o.id = k.id AND o.occurred_at = k.occurred_at"
  "   WHERE r.business_id = $1::uuid AND r.original_purchase_id IS NOT NULL"
  "     AND r.occurred_at >= " DAY_START ("$2")
  "     AND r.occurred_at < " DAY_END ("$4")
  "   GROUP BY 1, 2"
  "), m AS ("
  "  SELECT pm.cur, pm.member_id, pm.amount, pm.sales,"
  "         bc.first_purchase_at < CASE WHEN pm.cur THEN b.start ELSE b.previous_start END"
  "           AS before_period,"
  "         CASE WHEN bc.source_business_id IS NOT NULL THEN pm.amount"
  "              ELSE pm.via_club + coalesce (f.via_club, 0) END AS ecosystem"
  "    FROM bounds b"
  "    CROSS JOIN per_member pm"
  "    LEFT JOIN business_customers bc ON bc.business_id = $1::uuid"
  "                                   AND bc.member_id = pm.member_id"
  /* The unmatched ones (no member) too, by a hashable key. */
  "    LEFT JOIN refund_fix f ON f.cur = pm.cur"
  "                          AND coalesce (f.member_id, '00000000-0000-0000-0000-000000000000')"
  "                              = coalesce (pm.member_id, '00000000-0000-0000-0000-000000000000')"
  ")"
  "SELECT cur,"
  "       coalesce (sum (amount), 0),"
  "       coalesce (sum (sales), 0),"
  "       count (member_id) FILTER (WHERE sales > 0),"
  "       count (member_id) FILTER (WHERE sales > 0 AND before_period),"
  "       coalesce (sum (ecosystem), 0)"
  "  FROM m"
  " GROUP BY cur";

static void
figures_finish (SkAnalyticsFigures *figures)
{
  figures->avg_check_kopecks = sk_analytics_average (figures->total_revenue_kopecks,
                                               figures->total_transactions);
  if (figures->total_revenue_kopecks > 0)
    figures->ecosystem_share = (double) figures->revenue_from_ecosystem_kopecks
                               / (double) figures->total_revenue_kopecks;
  else
    figures->ecosystem_share = 0;
}

/**
 * sk_analytics_overview:
 * @period: its business_id is required
 *
 * Revenue, transactions, new and returning customers, average check and ecosystem revenue
 * of @period and of the period of as many days just before it. See the header for what
 * each figure counts.
 *
 * Returns: (transfer full): the overview, or %NULL with @error set
 */
SkAnalyticsOverview *
sk_analytics_overview (PGconn                  *conn,
                       const SkAnalyticsPeriod *period,
                       GCancellable            *cancellable,
                       GError                 **error)
{
  g_autoptr(SkAnalyticsOverview) overview = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *previous_from = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *params[4];

  g_return_val_if_fail (conn != NULL && period != NULL, NULL);

  if (!require_business (period, error))
    return NULL;

  overview = g_new0 (SkAnalyticsOverview, 1);
  overview->business_id = g_strdup (period->business_id);
  overview->from = period->from;
  overview->to = period->to;
  sk_analytics_period_previous (period, &overview->previous_from, &overview->previous_to);

  previous_from = sk_analytics_date_string (&overview->previous_from);
  from = sk_analytics_date_string (&period->from);
  to = sk_analytics_date_string (&period->to);
  params[0] = period->business_id;
  params[1] = previous_from;
  params[2] = from;
  params[3] = to;
  result = sk_analytics_query (conn, "overview", overview_sql, 4, params, cancellable, error);
  if (result == NULL)
    return NULL;

  for (int row = 0; row < PQntuples (result); row++)
    {
      SkAnalyticsFigures *figures;
      gint64 customers;

      figures = PQgetvalue (result, row, 0)[0] == 't' ? &overview->current
                                                       : &overview->previous;
      figures->total_revenue_kopecks = sk_analytics_get_int (result, row, 1);
      figures->total_transactions = sk_analytics_get_int (result, row, 2);
      customers = sk_analytics_get_int (result, row, 3);
      figures->returning_customers = sk_analytics_get_int (result, row, 4);
      figures->new_customers = customers - figures->returning_customers;
      figures->revenue_from_ecosystem_kopecks = sk_analytics_get_int (result, row, 5);
    }
  figures_finish (&overview->current);
  figures_finish (&overview->previous);

  return g_steal_pointer (&overview);
}

/* Sources ----------------------------------------------------------------------------- */

/* The period's new customers by source, their revenue here in the period, and how many of
 * each source's customers could have come (bought at the source before the period's end,
 * not yet a customer here when it began). The direct ones are the row without an id. */
static const char sources_sql[] =
  "WITH bounds AS MATERIALIZED ("
  "  SELECT " DAY_START ("$2") " AS start, " DAY_END ("$3") " AS finish"
  "), cohort AS MATERIALIZED ("
  "  SELECT bc.member_id, bc.source_business_id"
  "    FROM bounds b"
  "    JOIN business_customers bc ON bc.first_purchase_at >= b.start"
  "                              AND bc.first_purchase_at < b.finish"
  "   WHERE bc.business_id = $1::uuid"
  "), revenue AS ("
  "  SELECT p.member_id, sum (p.amount) AS amount"
  "    FROM purchases p"
  "   WHERE p.business_id = $1::uuid AND p.member_id IS NOT NULL"
  "     AND p.occurred_at >= " DAY_START ("$2")
  "     AND p.occurred_at < " DAY_END ("$3")
  "   GROUP BY p.member_id"
  "), grouped AS MATERIALIZED ("
  "  SELECT c.source_business_id AS id, count (*) AS customers,"
  "         coalesce (sum (r.amount), 0)::bigint AS revenue"
  "    FROM cohort c"
  "    LEFT JOIN revenue r ON r.member_id = c.member_id"
  "   GROUP BY c.source_business_id"
  "), reach AS ("
  "  SELECT s.business_id AS id, count (*) AS reachable"
  "    FROM bounds b"
  "    JOIN business_customers s ON s.first_purchase_at < b.finish"
  "    LEFT JOIN business_customers h ON h.business_id = $1::uuid"
  "                                  AND h.member_id = s.member_id"
  "   WHERE s.business_id IN (SELECT id FROM grouped WHERE id IS NOT NULL)"
  "     AND (h.member_id IS NULL OR h.first_purchase_at >= b.start)"
  "   GROUP BY s.business_id"
  ")"
  "SELECT g.id, b.name, g.customers, g.revenue, coalesce (r.reachable, 0)"
  "  FROM grouped g"
  "  LEFT JOIN businesses b ON b.id = g.id"
  "  LEFT JOIN reach r ON r.id = g.id"
  " ORDER BY g.id IS NULL, g.customers DESC, g.revenue DESC, b.name COLLATE \"C\", g.id";

/**
 * sk_analytics_sources:
 * @period: its business_id is required
 *
 * Where the customers who first came to the business in @period came from: the partner
 * each bought at just before, or directly. See the header for the conversion rate.
 *
 * Returns: (transfer full): the sources, or %NULL with @error set
 */
SkAnalyticsSources *
sk_analytics_sources (PGconn                  *conn,
                      const SkAnalyticsPeriod *period,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_autoptr(SkAnalyticsSources) sources = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *params[3];

  g_return_val_if_fail (conn != NULL && period != NULL, NULL);

  if (!require_business (period, error))
    return NULL;

  from = sk_analytics_date_string (&period->from);
  to = sk_analytics_date_string (&period->to);
  params[0] = period->business_id;
  params[1] = from;
  params[2] = to;
  result = sk_analytics_query (conn, "customer sources", sources_sql, 3, params,
                               cancellable, error);
  if (result == NULL)
    return NULL;

  sources = g_new0 (SkAnalyticsSources, 1);
  sources->business_id = g_strdup (period->business_id);
  sources->from = period->from;
  sources->to = period->to;
  sources->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_analytics_source_free);

  for (int row = 0; row < PQntuples (result); row++)
    {
      SkAnalyticsSource *source;

      if (PQgetisnull (result, row, 0))
        {
          sources->direct_customers = sk_analytics_get_int (result, row, 2);
          sources->direct_revenue_kopecks = sk_analytics_get_int (result, row, 3);
          continue;
        }
      source = g_new0 (SkAnalyticsSource, 1);
      source->business_id = sk_analytics_dup_text (result, row, 0);
      source->business_name = sk_analytics_dup_text (result, row, 1);
      source->customers_count = sk_analytics_get_int (result, row, 2);
      source->revenue_kopecks = sk_analytics_get_int (result, row, 3);
      source->reachable_customers = sk_analytics_get_int (result, row, 4);
      if (source->reachable_customers > 0)
        source->conversion_rate = (double) source->customers_count
                                  / (double) source->reachable_customers;
      g_ptr_array_add (sources->sources, source);
    }

  return g_steal_pointer (&sources);
}

/* Destinations ------------------------------------------------------------------------ */

/* The first row is the cohort's size; then for each cohort member the first other partner
 * she first bought at after her first purchase here, grouped. */
static const char destinations_sql[] =
  "WITH bounds AS MATERIALIZED ("
  "  SELECT " DAY_START ("$2") " AS start, " DAY_END ("$3") " AS finish"
  "), cohort AS MATERIALIZED ("
  "  SELECT bc.member_id, bc.first_purchase_at"
  "    FROM bounds b"
  "    JOIN business_customers bc ON bc.first_purchase_at >= b.start"
  "                              AND bc.first_purchase_at < b.finish"
  "   WHERE bc.business_id = $1::uuid"
  "), next AS ("
  "  SELECT DISTINCT ON (c.member_id) c.member_id, x.business_id, x.spent_kopecks"
  "    FROM cohort c"
  "    JOIN business_customers x ON x.member_id = c.member_id"
  "   WHERE x.business_id <> $1::uuid AND x.first_purchase_at > c.first_purchase_at"
  "   ORDER BY c.member_id, x.first_purchase_at, x.business_id"
  ")"
  "SELECT * FROM ("
  "  SELECT 0 AS part, NULL::uuid AS id, NULL::text AS name,"
  "         (SELECT count (*) FROM cohort) AS customers, 0::bigint AS revenue"
  "  UNION ALL"
  "  SELECT 1, n.business_id, b.name, count (*), sum (n.spent_kopecks)::bigint"
  "    FROM next n"
  "    JOIN businesses b ON b.id = n.business_id"
  "   GROUP BY n.business_id, b.name"
  ") d"
  " ORDER BY part, customers DESC, revenue DESC, name COLLATE \"C\", id";

/**
 * sk_analytics_destinations:
 * @period: its business_id is required
 *
 * Where the customers who first came to the business in @period went next. See the
 * header for what counts.
 *
 * Returns: (transfer full): the destinations, or %NULL with @error set
 */
SkAnalyticsDestinations *
sk_analytics_destinations (PGconn                  *conn,
                           const SkAnalyticsPeriod *period,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  g_autoptr(SkAnalyticsDestinations) destinations = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *params[3];

  g_return_val_if_fail (conn != NULL && period != NULL, NULL);

  if (!require_business (period, error))
    return NULL;

  from = sk_analytics_date_string (&period->from);
  to = sk_analytics_date_string (&period->to);
  params[0] = period->business_id;
  params[1] = from;
  params[2] = to;
  result = sk_analytics_query (conn, "customer destinations", destinations_sql, 3, params,
                               cancellable, error);
  if (result == NULL)
    return NULL;

  destinations = g_new0 (SkAnalyticsDestinations, 1);
  destinations->business_id = g_strdup (period->business_id);
  destinations->from = period->from;
  destinations->to = period->to;
  destinations->destinations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) sk_analytics_destination_free);

  for (int row = 0; row < PQntuples (result); row++)
    {
      SkAnalyticsDestination *destination;

      if (sk_analytics_get_int (result, row, 0) == 0)
        {
          destinations->cohort_customers = sk_analytics_get_int (result, row, 3);
          continue;
        }
      destination = g_new0 (SkAnalyticsDestination, 1);
      destination->business_id = sk_analytics_dup_text (result, row, 1);
      destination->business_name = sk_analytics_dup_text (result, row, 2);
      destination->customers_count = sk_analytics_get_int (result, row, 3);
      destination->revenue_kopecks = sk_analytics_get_int (result, row, 4);
      g_ptr_array_add (destinations->destinations, destination);
    }
  for (guint i = 0; i < destinations->destinations->len; i++)
    {
      SkAnalyticsDestination *destination = g_ptr_array_index (destinations->destinations, i);

      if (destinations->cohort_customers > 0)
        destination->conversion_rate = (double) destination->customers_count
                                       / (double) destinations->cohort_customers;
    }

  return g_steal_pointer (&destinations);
}

/* Chains ------------------------------------------------------------------------------ */

/* Each member's businesses in the order of her first purchase at each (ties by id), the
 * paths of 2 and 3 consecutive ones whose last step is in the period, grouped. With a
 * business ($3), only its customers' paths through it. */
static const char chains_sql[] =
  "WITH bounds AS MATERIALIZED ("
  "  SELECT " DAY_START ("$1") " AS start, " DAY_END ("$2") " AS finish"
  "), seq AS ("
  "  SELECT bc.member_id, bc.business_id AS b1,"
  "         lead (bc.business_id) OVER w AS b2,"
  "         lead (bc.business_id, 2) OVER w AS b3,"
  "         lead (bc.first_purchase_at) OVER w AS t2,"
  "         lead (bc.first_purchase_at, 2) OVER w AS t3,"
  "         sum (bc.spent_kopecks) OVER (PARTITION BY bc.member_id) AS ltv"
  "    FROM business_customers bc"
  "   WHERE $3::uuid IS NULL"
  "      OR bc.member_id IN (SELECT member_id FROM business_customers"
  "                           WHERE business_id = $3::uuid)"
  "  WINDOW w AS (PARTITION BY bc.member_id ORDER BY bc.first_purchase_at, bc.business_id)"
  "), paths AS ("
  "  SELECT s.member_id, s.ltv, s.b1, s.b2, NULL::uuid AS b3"
  "    FROM bounds b JOIN seq s ON s.t2 >= b.start AND s.t2 < b.finish"
  "  UNION ALL"
  "  SELECT s.member_id, s.ltv, s.b1, s.b2, s.b3"
  "    FROM bounds b JOIN seq s ON s.t3 >= b.start AND s.t3 < b.finish"
  "), counted AS ("
  "  SELECT b1, b2, b3, count (*) AS frequency, round (avg (ltv))::bigint AS avg_ltv"
  "    FROM paths"
  "   WHERE $3::uuid IS NULL OR $3::uuid IN (b1, b2, b3)"
  "   GROUP BY b1, b2, b3"
  ")"
  "SELECT * FROM ("
  "SELECT c.frequency, c.avg_ltv,"
  "       c.b1, x1.name, CASE WHEN $5 THEN k1.name_ru ELSE k1.name_en END,"
  "       c.b2, x2.name, CASE WHEN $5 THEN k2.name_ru ELSE k2.name_en END,"
  "       c.b3, x3.name, CASE WHEN $5 THEN k3.name_ru ELSE k3.name_en END,"
  "       x1.name || ' → ' || x2.name || coalesce (' → ' || x3.name, '') AS pattern"
  "  FROM counted c"
  "  JOIN businesses x1 ON x1.id = c.b1"
  "  JOIN categories k1 ON k1.code = x1.category"
  "  JOIN businesses x2 ON x2.id = c.b2"
  "  JOIN categories k2 ON k2.code = x2.category"
  "  LEFT JOIN businesses x3 ON x3.id = c.b3"
  "  LEFT JOIN categories k3 ON k3.code = x3.category"
  ") q"
  " ORDER BY frequency DESC, avg_ltv DESC, pattern COLLATE \"C\""
  " LIMIT $4::integer";

/* The categories table has Russian and English names: Russian for a Russian locale. */
static gboolean
prefer_russian (void)
{
  const char * const *languages = g_get_language_names ();

  return languages[0] != NULL && g_str_has_prefix (languages[0], "ru");
}

static char *
chain_recommendation (const SkAnalyticsChain *chain)
{
  g_autoptr(GString) items = g_string_new (NULL);

  for (guint i = 0; i < chain->length; i++)
    {
      if (i > 0)
        g_string_append (items, " + ");
      g_string_append_printf (items, "%s (%s)", chain->business_names[i],
                              chain->category_names[i]);
    }
  /* TRANSLATORS: a suggested package of the partners' offers; %s is
   * "Business (Category) + Business (Category)". */
  return g_strdup_printf (_("Bundle: %s"), items->str);
}

/**
 * sk_analytics_chains_top:
 * @period: its business_id (nullable) limits the paths to those through that business
 * @limit: how many paths at most
 *
 * The most frequent paths of 2 and 3 businesses completed in @period, by members, then
 * average lifetime value, then pattern.
 *
 * Returns: (transfer full): the chains, or %NULL with @error set
 */
SkAnalyticsChains *
sk_analytics_chains_top (PGconn                  *conn,
                         const SkAnalyticsPeriod *period,
                         guint                    limit,
                         GCancellable            *cancellable,
                         GError                 **error)
{
  g_autoptr(SkAnalyticsChains) chains = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *limit_text = NULL;
  const char *params[5];

  g_return_val_if_fail (conn != NULL && period != NULL, NULL);
  g_return_val_if_fail (limit <= G_MAXINT32, NULL);

  from = sk_analytics_date_string (&period->from);
  to = sk_analytics_date_string (&period->to);
  limit_text = g_strdup_printf ("%u", limit);
  params[0] = from;
  params[1] = to;
  params[2] = period->business_id;
  params[3] = limit_text;
  params[4] = prefer_russian () ? "true" : "false";
  result = sk_analytics_query (conn, "win-win chains", chains_sql, 5, params, cancellable,
                               error);
  if (result == NULL)
    return NULL;

  chains = g_new0 (SkAnalyticsChains, 1);
  chains->business_id = g_strdup (period->business_id);
  chains->from = period->from;
  chains->to = period->to;
  chains->chains = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_analytics_chain_free);

  for (int row = 0; row < PQntuples (result); row++)
    {
      SkAnalyticsChain *chain = g_new0 (SkAnalyticsChain, 1);

      chain->frequency = sk_analytics_get_int (result, row, 0);
      chain->avg_ltv_kopecks = sk_analytics_get_int (result, row, 1);
      for (guint i = 0; i < SK_ANALYTICS_CHAIN_MAX; i++)
        {
          if (PQgetisnull (result, row, 2 + 3 * i))
            break;
          chain->business_ids[i] = sk_analytics_dup_text (result, row, 2 + 3 * i);
          chain->business_names[i] = sk_analytics_dup_text (result, row, 3 + 3 * i);
          chain->category_names[i] = sk_analytics_dup_text (result, row, 4 + 3 * i);
          chain->length = i + 1;
        }
      chain->pattern = sk_analytics_dup_text (result, row, 11);
      chain->recommendation = chain_recommendation (chain);
      g_ptr_array_add (chains->chains, chain);
    }

  return g_steal_pointer (&chains);
}

/**
 * sk_analytics_chains:
 *
 * sk_analytics_chains_top() with %SK_ANALYTICS_CHAINS_DEFAULT_LIMIT paths.
 */
SkAnalyticsChains *
sk_analytics_chains (PGconn                  *conn,
                     const SkAnalyticsPeriod *period,
                     GCancellable            *cancellable,
                     GError                 **error)
{
  return sk_analytics_chains_top (conn, period, SK_ANALYTICS_CHAINS_DEFAULT_LIMIT,
                                  cancellable, error);
}

/* Tables ------------------------------------------------------------------------------ */

static void
set_date (SkTable     *table,
          guint        column,
          const GDate *date)
{
  g_autofree char *text = sk_analytics_date_string (date);

  sk_table_set_text (table, column, text);
}

typedef struct
{
  const char  *name;
  const char  *unit;   /* "_kopecks" or "" */
  SkTableType  type;
  gsize        offset;
} FigureColumn;

static const FigureColumn figure_columns[] = {
  { "total_revenue", "_kopecks", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, total_revenue_kopecks) },
  { "total_transactions", "", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, total_transactions) },
  { "new_customers", "", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, new_customers) },
  { "returning_customers", "", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, returning_customers) },
  { "avg_check", "_kopecks", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, avg_check_kopecks) },
  { "revenue_from_ecosystem", "_kopecks", SK_TABLE_INT,
    G_STRUCT_OFFSET (SkAnalyticsFigures, revenue_from_ecosystem_kopecks) },
  { "ecosystem_share", "", SK_TABLE_REAL,
    G_STRUCT_OFFSET (SkAnalyticsFigures, ecosystem_share) },
};

static gint64
figure_int (const SkAnalyticsFigures *figures,
            const FigureColumn       *column)
{
  g_assert (column->type == SK_TABLE_INT);
  return *(const gint64 *) ((const char *) figures + column->offset);
}

static double
figure_value (const SkAnalyticsFigures *figures,
              const FigureColumn       *column)
{
  if (column->type == SK_TABLE_REAL)
    return *(const double *) ((const char *) figures + column->offset);
  return (double) figure_int (figures, column);
}

static void
set_figure (SkTable                  *table,
            guint                     index,
            const FigureColumn       *column,
            const SkAnalyticsFigures *figures)
{
  if (column->type == SK_TABLE_REAL)
    sk_table_set_real (table, index, figure_value (figures, column));
  else
    sk_table_set_int (table, index, figure_int (figures, column));
}

/**
 * sk_analytics_overview_to_table:
 *
 * One row: the period, the previous period, each figure for both, its change (current -
 * previous) and its relative change (%NULL when the previous figure is 0).
 */
SkTable *
sk_analytics_overview_to_table (const SkAnalyticsOverview *overview)
{
  SkTable *table;
  guint column = 0;

  g_return_val_if_fail (overview != NULL, NULL);

  table = sk_table_new ("overview");
  sk_table_add_column (table, "business_id", SK_TABLE_TEXT);
  sk_table_add_column (table, "period_from", SK_TABLE_TEXT);
  sk_table_add_column (table, "period_to", SK_TABLE_TEXT);
  sk_table_add_column (table, "previous_from", SK_TABLE_TEXT);
  sk_table_add_column (table, "previous_to", SK_TABLE_TEXT);
  for (guint i = 0; i < G_N_ELEMENTS (figure_columns); i++)
    {
      const FigureColumn *f = &figure_columns[i];
      g_autofree char *current = g_strconcat (f->name, f->unit, NULL);
      g_autofree char *previous = g_strconcat ("previous_", f->name, f->unit, NULL);
      g_autofree char *change = g_strconcat (f->name, "_change", f->unit, NULL);
      g_autofree char *rate = g_strconcat (f->name, "_change_rate", NULL);

      sk_table_add_column (table, current, f->type);
      sk_table_add_column (table, previous, f->type);
      sk_table_add_column (table, change, f->type);
      sk_table_add_column (table, rate, SK_TABLE_REAL);
    }

  sk_table_add_row (table);
  sk_table_set_text (table, column++, overview->business_id);
  set_date (table, column++, &overview->from);
  set_date (table, column++, &overview->to);
  set_date (table, column++, &overview->previous_from);
  set_date (table, column++, &overview->previous_to);
  for (guint i = 0; i < G_N_ELEMENTS (figure_columns); i++)
    {
      const FigureColumn *f = &figure_columns[i];
      double current = figure_value (&overview->current, f);
      double previous = figure_value (&overview->previous, f);
      double rate;

      set_figure (table, column++, f, &overview->current);
      set_figure (table, column++, f, &overview->previous);
      if (f->type == SK_TABLE_REAL)
        sk_table_set_real (table, column++, current - previous);
      else
        sk_table_set_int (table, column++,
                          figure_int (&overview->current, f) - figure_int (&overview->previous, f));
      if (sk_analytics_relative_change (current, previous, &rate))
        sk_table_set_real (table, column, rate);
      column++;
    }

  return table;
}

SkTable *
sk_analytics_sources_to_table (const SkAnalyticsSources *sources)
{
  SkTable *table;

  g_return_val_if_fail (sources != NULL, NULL);

  table = sk_table_new ("sources");
  sk_table_add_column (table, "source", SK_TABLE_TEXT);
  sk_table_add_column (table, "source_business_id", SK_TABLE_TEXT);
  sk_table_add_column (table, "source_business_name", SK_TABLE_TEXT);
  sk_table_add_column (table, "customers_count", SK_TABLE_INT);
  sk_table_add_column (table, "revenue_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "reachable_customers", SK_TABLE_INT);
  sk_table_add_column (table, "conversion_rate", SK_TABLE_REAL);

  for (guint i = 0; i < sources->sources->len; i++)
    {
      const SkAnalyticsSource *source = g_ptr_array_index (sources->sources, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, "business");
      sk_table_set_text (table, 1, source->business_id);
      sk_table_set_text (table, 2, source->business_name);
      sk_table_set_int (table, 3, source->customers_count);
      sk_table_set_int (table, 4, source->revenue_kopecks);
      sk_table_set_int (table, 5, source->reachable_customers);
      if (source->reachable_customers > 0)
        sk_table_set_real (table, 6, source->conversion_rate);
    }
  /* Always there, also at 0, as the brief's "direct" entry. */
  sk_table_add_row (table);
  sk_table_set_text (table, 0, "direct");
  sk_table_set_int (table, 3, sources->direct_customers);
  sk_table_set_int (table, 4, sources->direct_revenue_kopecks);

  return table;
}

SkTable *
sk_analytics_destinations_to_table (const SkAnalyticsDestinations *destinations)
{
  SkTable *table;

  g_return_val_if_fail (destinations != NULL, NULL);

  table = sk_table_new ("destinations");
  sk_table_add_column (table, "destination_business_id", SK_TABLE_TEXT);
  sk_table_add_column (table, "destination_business_name", SK_TABLE_TEXT);
  sk_table_add_column (table, "customers_count", SK_TABLE_INT);
  sk_table_add_column (table, "revenue_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "cohort_customers", SK_TABLE_INT);
  sk_table_add_column (table, "conversion_rate", SK_TABLE_REAL);

  for (guint i = 0; i < destinations->destinations->len; i++)
    {
      const SkAnalyticsDestination *destination =
        g_ptr_array_index (destinations->destinations, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, destination->business_id);
      sk_table_set_text (table, 1, destination->business_name);
      sk_table_set_int (table, 2, destination->customers_count);
      sk_table_set_int (table, 3, destination->revenue_kopecks);
      sk_table_set_int (table, 4, destinations->cohort_customers);
      sk_table_set_real (table, 5, destination->conversion_rate);
    }

  return table;
}

SkTable *
sk_analytics_chains_to_table (const SkAnalyticsChains *chains)
{
  SkTable *table;

  g_return_val_if_fail (chains != NULL, NULL);

  table = sk_table_new ("chains");
  sk_table_add_column (table, "pattern", SK_TABLE_TEXT);
  sk_table_add_column (table, "length", SK_TABLE_INT);
  sk_table_add_column (table, "frequency", SK_TABLE_INT);
  sk_table_add_column (table, "avg_ltv_kopecks", SK_TABLE_INT);
  sk_table_add_column (table, "recommendation", SK_TABLE_TEXT);
  sk_table_add_column (table, "business_id_1", SK_TABLE_TEXT);
  sk_table_add_column (table, "business_id_2", SK_TABLE_TEXT);
  sk_table_add_column (table, "business_id_3", SK_TABLE_TEXT);

  for (guint i = 0; i < chains->chains->len; i++)
    {
      const SkAnalyticsChain *chain = g_ptr_array_index (chains->chains, i);

      sk_table_add_row (table);
      sk_table_set_text (table, 0, chain->pattern);
      sk_table_set_int (table, 1, chain->length);
      sk_table_set_int (table, 2, chain->frequency);
      sk_table_set_int (table, 3, chain->avg_ltv_kopecks);
      sk_table_set_text (table, 4, chain->recommendation);
      for (guint j = 0; j < SK_ANALYTICS_CHAIN_MAX; j++)
        sk_table_set_text (table, 5 + j, chain->business_ids[j]);
    }

  return table;
}

/* Reports ----------------------------------------------------------------------------- */

static GPtrArray *
one_table (SkTable *table)
{
  GPtrArray *tables = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_table_free);

  g_ptr_array_add (tables, table);
  return tables;
}

GPtrArray *
sk_analytics_report_overview (PGconn                  *conn,
                              const SkAnalyticsPeriod *period,
                              GCancellable            *cancellable,
                              GError                 **error)
{
  g_autoptr(SkAnalyticsOverview) overview = sk_analytics_overview (conn, period, cancellable,
                                                                   error);

  return overview != NULL ? one_table (sk_analytics_overview_to_table (overview)) : NULL;
}

GPtrArray *
sk_analytics_report_sources (PGconn                  *conn,
                             const SkAnalyticsPeriod *period,
                             GCancellable            *cancellable,
                             GError                 **error)
{
  g_autoptr(SkAnalyticsSources) sources = sk_analytics_sources (conn, period, cancellable,
                                                                error);

  return sources != NULL ? one_table (sk_analytics_sources_to_table (sources)) : NULL;
}

GPtrArray *
sk_analytics_report_destinations (PGconn                  *conn,
                                  const SkAnalyticsPeriod *period,
                                  GCancellable            *cancellable,
                                  GError                 **error)
{
  g_autoptr(SkAnalyticsDestinations) destinations =
    sk_analytics_destinations (conn, period, cancellable, error);

  return destinations != NULL ? one_table (sk_analytics_destinations_to_table (destinations))
                              : NULL;
}

GPtrArray *
sk_analytics_report_chains (PGconn                  *conn,
                            const SkAnalyticsPeriod *period,
                            GCancellable            *cancellable,
                            GError                 **error)
{
  g_autoptr(SkAnalyticsChains) chains = sk_analytics_chains (conn, period, cancellable, error);

  return chains != NULL ? one_table (sk_analytics_chains_to_table (chains)) : NULL;
}
