/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-analytics.h"
#include "sk-bgnbd.h"
#include "sk-rfm.h"

G_BEGIN_DECLS

/* RFM segments and churn risk of one business's customers (DESIGN.md "Analytics"), or of
 * the whole club taken as one business when the period's business_id is NULL. Only
 * pseudonymous member ids: names and phones are never read.
 *
 * Decisions (the brief left them open):
 * - Only recorded purchases (with a member) count; unmatched ones wait until they are
 *   matched. A purchase is a positive row; a refund (negative row) nets revenue on the day
 *   it happened and never removes a purchase from the count.
 * - A transaction is a purchase (a positive row), as the paper counts transactions and as
 *   business_customers.purchases_count counts them; two purchases on one day are two.
 *   For the club as a whole a customer's purchases are all her purchases at every business.
 * - Days are calendar days in club_time_zone(); "up to period->to" means before
 *   (to + 1 day) 00:00 there. period->from is not used: RFM looks at the 365 days ending
 *   at period->to, churn at the whole history up to it.
 * - RFM: a customer is a member with at least one purchase in the 365 days. Recency = days
 *   from her last purchase to period->to, frequency = her purchases, monetary = her net
 *   revenue there (refunds netted, so it may be <= 0: she still counts by recency and
 *   frequency and gets the lowest monetary scores). Scores: sk_rfm_score().
 * - Churn: BG/NBD (sk-bgnbd.h) on every member with a purchase up to period->to, times in
 *   weeks: x = purchases - 1, t_x = days from her first to her last purchase / 7,
 *   T = (days from her first purchase to period->to + 1) / 7 (the history ends at the end
 *   of that day). P(alive) is the model's; for x = 0 it is 1 by the model (a customer can
 *   only drop out right after a repeat purchase), so one-time buyers never head the list.
 *   churn_probability = 1 - P(alive).
 * - Lost value: what she would spend in the next 90 days at her own rate if she were still
 *   a customer, times the probability that she is not:
 *     (1 - P(alive)) * (r + x) / (alpha + T) * 90/7 * average check,
 *   (r + x) / (alpha + T) being her purchase rate per week given that she is alive. The
 *   average check is her net revenue / her purchases, never below 0. The risk list is
 *   sorted by lost value, then churn probability, both descending, then member id.
 * - Fallback, when the fit has too little data (SK_BGNBD_TOO_LITTLE_DATA): g = the median,
 *   over customers with a repeat purchase, of their mean days between purchases (30 when
 *   nobody has one); her own gap h = her mean gap, or g when she bought once;
 *   churn_probability = 1 - exp (-max (0, days since her last purchase - h) / h), i.e. 0
 *   until she is overdue and 63 % when she is a whole gap overdue; expected purchases in 90
 *   days = P(alive) * 90 / h; lost value = (1 - P(alive)) * 90 / h * average check.
 * - At risk: churn_probability >= 0.5 (total_at_risk).
 * - The fit sees times rounded to whole weeks (customers alike collapse into one group, 5
 *   times faster on the demo club, parameters within 3 %); each customer's figures use her
 *   exact days.
 * - Where the figures come from: business_customers (kept by the pipeline in the purchase's
 *   transaction: first and last purchase, purchases, net spend) when it is exact, i.e. the
 *   business has no purchase after period->to (churn) and none before the 365-day window
 *   either (RFM); otherwise one hash aggregation of the purchases, of the window only where
 *   that is enough. Both in one repeatable-read snapshot. The results are the same either
 *   way (tests/db/test-analytics-customers.c checks all three paths).
 * - Cancellation: a fired GCancellable cancels the running query (G_IO_ERROR_CANCELLED).
 */

#define SK_CHURN_HORIZON_DAYS     90
#define SK_CHURN_AT_RISK          0.5
#define SK_CHURN_FALLBACK_GAP_DAYS 30.0

typedef struct
{
  char          *member_id;
  SkRfmCustomer  rfm;            /* recency_days, frequency, monetary (kopecks), scores */
} SkRfmReportCustomer;

typedef struct
{
  SkRfmSegment segment;
  gint64       count;
  gint64       revenue_kopecks;
  gint64       avg_revenue_kopecks;   /* revenue / count rounded half away from zero; 0 if empty */
} SkRfmSegmentSummary;

typedef struct
{
  char                *business_id;    /* (nullable): the club as a whole */
  GDate                from;           /* to - 364 */
  GDate                to;
  GArray              *customers;      /* (element-type SkRfmReportCustomer): by segment, then
                                        * monetary descending, then member id */
  SkRfmSegmentSummary  segments[SK_RFM_N_SEGMENTS];   /* in SkRfmSegment order */
} SkRfmReport;

typedef enum
{
  SK_CHURN_MODEL_BGNBD,
  SK_CHURN_MODEL_FALLBACK,
} SkChurnModel;

typedef struct
{
  char   *member_id;
  GDate   first_purchase;
  GDate   last_visit;
  gint64  days_since_last_visit;
  gint64  purchases;                  /* x + 1 */
  double  p_alive;
  double  churn_probability;
  double  expected_purchases_90d;
  gint64  avg_check_kopecks;
  gint64  lost_value_kopecks;
} SkChurnCustomer;

typedef struct
{
  char         *business_id;          /* (nullable): the club as a whole */
  GDate         to;
  SkChurnModel  model;
  SkBgnbdFit    fit;                  /* status SK_BGNBD_TOO_LITTLE_DATA with the fallback */
  double        fallback_gap_days;    /* g of the fallback; 0 with the model */
  gint64        total_at_risk;
  GArray       *customers;            /* (element-type SkChurnCustomer): by lost value */
} SkChurnReport;

/* Both reports of one business (or of the club, business_id NULL). */
typedef struct
{
  char          *business_id;
  SkRfmReport   *rfm;
  SkChurnReport *churn;
} SkCustomerReports;

void               sk_rfm_report_free          (SkRfmReport       *report);
void               sk_churn_report_free        (SkChurnReport     *report);
void               sk_customer_reports_free    (SkCustomerReports *reports);

const char        *sk_churn_model_to_string    (SkChurnModel       model);
const char        *sk_churn_recommended_action (double             churn_probability);

SkRfmReport       *sk_analytics_rfm            (PGconn                  *conn,
                                                const SkAnalyticsPeriod *period,
                                                GCancellable            *cancellable,
                                                GError                 **error);
SkChurnReport     *sk_analytics_churn          (PGconn                  *conn,
                                                const SkAnalyticsPeriod *period,
                                                GCancellable            *cancellable,
                                                GError                 **error);
GPtrArray         *sk_analytics_rfm_churn_all  (PGconn                  *conn,
                                                const GDate             *to,
                                                gboolean                 with_club,
                                                GCancellable            *cancellable,
                                                GError                 **error);

SkTable           *sk_rfm_report_segments_to_table  (const SkRfmReport   *report);
SkTable           *sk_rfm_report_customers_to_table (const SkRfmReport   *report);
SkTable           *sk_churn_report_model_to_table   (const SkChurnReport *report);
SkTable           *sk_churn_report_customers_to_table (const SkChurnReport *report);

GPtrArray         *sk_analytics_report_rfm     (PGconn                  *conn,
                                                const SkAnalyticsPeriod *period,
                                                GCancellable            *cancellable,
                                                GError                 **error);
GPtrArray         *sk_analytics_report_churn   (PGconn                  *conn,
                                                const SkAnalyticsPeriod *period,
                                                GCancellable            *cancellable,
                                                GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkRfmReport, sk_rfm_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkChurnReport, sk_churn_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkCustomerReports, sk_customer_reports_free)

G_END_DECLS
