/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-analytics.h"

G_BEGIN_DECLS

/* A business's overview, customer sources and destinations, and the club's win-win chains
 * (DESIGN.md "Analytics"). Days are club-time-zone days: the period runs from
 * (from 00:00) to (to + 1 day, 00:00) in club_time_zone().
 *
 * Decisions (the brief left them open):
 * - Revenue is net: sales plus refunds (negative rows), each counted on the day it
 *   happened. Transactions are the sales (positive rows) only. The average check is net
 *   revenue / transactions, rounded half away from zero to a kopeck, 0 without sales.
 * - Unmatched purchases (no member yet) count in revenue and transactions, never as
 *   customers and never as ecosystem revenue unless they name a promo themselves.
 * - A customer of the period is a member with a sale here in the period; she is new when
 *   her first purchase here (business_customers.first_purchase_at) is inside the period,
 *   returning when it is before it.
 * - Ecosystem revenue: purchases here by members who came via another partner
 *   (business_customers.source_business_id set) or that a club promo brought
 *   (involved_via 'promo' or 'cross_bonus'; a booking through the app is the platform's
 *   commission matter, not a customer from the ecosystem); a refund counts as its original
 *   purchase did.
 * - Sources: the customers whose first purchase here is in the period, by the partner they
 *   bought at just before (business_customers.source_business_id, kept by the pipeline);
 *   revenue is theirs here in the period. Conversion from S = those customers / S's
 *   "reachable" customers: members whose first purchase at S is before the period's end
 *   and who were not yet customers here when the period began.
 * - Destinations: the same cohort (first purchase here in the period); for each, the
 *   first other partner she first bought at after her first purchase here, at any time
 *   up to now (so a recent period's figures still grow). Revenue there is her whole spend
 *   at that partner (business_customers.spent_kopecks). Conversion = those customers /
 *   the cohort.
 * - Chains: each member's businesses in the order of her first purchase at each; a path is
 *   2 or 3 consecutive ones, counted in the period when its last step (her first purchase
 *   at its last business) is in the period. LTV is her whole club spend (refunds
 *   included).
 *
 * Cross-business figures (source reach, destinations, chains) read other partners'
 * business_customers rows: run them as the service or an admin, not a business login
 * (row-level security would hide those rows). */

typedef struct
{
  gint64 total_revenue_kopecks;
  gint64 total_transactions;
  gint64 new_customers;
  gint64 returning_customers;
  gint64 avg_check_kopecks;
  gint64 revenue_from_ecosystem_kopecks;
  double ecosystem_share;                  /* 0 when revenue is not positive */
} SkAnalyticsFigures;

typedef struct
{
  char               *business_id;
  GDate               from;
  GDate               to;
  GDate               previous_from;
  GDate               previous_to;
  SkAnalyticsFigures  current;
  SkAnalyticsFigures  previous;
} SkAnalyticsOverview;

typedef struct
{
  char   *business_id;
  char   *business_name;
  gint64  customers_count;
  gint64  revenue_kopecks;
  gint64  reachable_customers;    /* the denominator of conversion_rate */
  double  conversion_rate;        /* 0 when reachable_customers is 0 */
} SkAnalyticsSource;

typedef struct
{
  char      *business_id;
  GDate      from;
  GDate      to;
  GPtrArray *sources;             /* (element-type SkAnalyticsSource): most customers first */
  gint64     direct_customers;
  gint64     direct_revenue_kopecks;
} SkAnalyticsSources;

typedef struct
{
  char   *business_id;
  char   *business_name;
  gint64  customers_count;
  gint64  revenue_kopecks;
  double  conversion_rate;        /* customers_count / the cohort */
} SkAnalyticsDestination;

typedef struct
{
  char      *business_id;
  GDate      from;
  GDate      to;
  gint64     cohort_customers;    /* first purchase here in the period */
  GPtrArray *destinations;        /* (element-type SkAnalyticsDestination): most customers first */
} SkAnalyticsDestinations;

#define SK_ANALYTICS_CHAIN_MAX 3
#define SK_ANALYTICS_CHAINS_DEFAULT_LIMIT 10

typedef struct
{
  guint   length;                                 /* 2 or 3 */
  char   *business_ids[SK_ANALYTICS_CHAIN_MAX];
  char   *business_names[SK_ANALYTICS_CHAIN_MAX];
  char   *category_names[SK_ANALYTICS_CHAIN_MAX]; /* localised (categories.name_ru/name_en) */
  char   *pattern;                                /* "A → B → C" */
  char   *recommendation;                         /* "Bundle: A (Beauty) + B (Gastronomy)" */
  gint64  frequency;                              /* members who took this path */
  gint64  avg_ltv_kopecks;
} SkAnalyticsChain;

typedef struct
{
  char      *business_id;         /* (nullable): club-wide */
  GDate      from;
  GDate      to;
  GPtrArray *chains;              /* (element-type SkAnalyticsChain): most frequent first */
} SkAnalyticsChains;

void                     sk_analytics_overview_free      (SkAnalyticsOverview     *overview);
void                     sk_analytics_source_free        (SkAnalyticsSource       *source);
void                     sk_analytics_sources_free       (SkAnalyticsSources      *sources);
void                     sk_analytics_destination_free   (SkAnalyticsDestination  *destination);
void                     sk_analytics_destinations_free  (SkAnalyticsDestinations *destinations);
void                     sk_analytics_chain_free         (SkAnalyticsChain        *chain);
void                     sk_analytics_chains_free        (SkAnalyticsChains       *chains);

gboolean                 sk_analytics_relative_change    (double                   current,
                                                          double                   previous,
                                                          double                  *rate);

SkAnalyticsOverview     *sk_analytics_overview           (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsSources      *sk_analytics_sources            (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsDestinations *sk_analytics_destinations       (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsChains       *sk_analytics_chains             (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsChains       *sk_analytics_chains_top         (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          guint                    limit,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);

GPtrArray               *sk_analytics_report_overview     (PGconn                  *conn,
                                                           const SkAnalyticsPeriod *period,
                                                           GCancellable            *cancellable,
                                                           GError                 **error);
GPtrArray               *sk_analytics_report_sources      (PGconn                  *conn,
                                                           const SkAnalyticsPeriod *period,
                                                           GCancellable            *cancellable,
                                                           GError                 **error);
GPtrArray               *sk_analytics_report_destinations (PGconn                  *conn,
                                                           const SkAnalyticsPeriod *period,
                                                           GCancellable            *cancellable,
                                                           GError                 **error);
GPtrArray               *sk_analytics_report_chains       (PGconn                  *conn,
                                                           const SkAnalyticsPeriod *period,
                                                           GCancellable            *cancellable,
                                                           GError                 **error);

SkTable                 *sk_analytics_overview_to_table     (const SkAnalyticsOverview     *overview);
SkTable                 *sk_analytics_sources_to_table      (const SkAnalyticsSources      *sources);
SkTable                 *sk_analytics_destinations_to_table (const SkAnalyticsDestinations *destinations);
SkTable                 *sk_analytics_chains_to_table       (const SkAnalyticsChains       *chains);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsOverview, sk_analytics_overview_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsSource, sk_analytics_source_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsSources, sk_analytics_sources_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsDestination, sk_analytics_destination_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsDestinations, sk_analytics_destinations_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsChain, sk_analytics_chain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsChains, sk_analytics_chains_free)

G_END_DECLS
