/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sk-analytics.h"

G_BEGIN_DECLS

/*
 * Club-level analytics (DESIGN.md "Analytics"): what the club's admins see. Everything counts
 * members by pseudonymous id only; a purchase counts in its business's category
 * (purchase_categories), so a medical partner's visit counts as dentistry, medicine or
 * cosmetology. Days and months are those of the club's time zone. Member figures leave out
 * deleted accounts; money figures (commission, revenue) keep every purchase.
 */

/**
 * SkAnalyticsTierCount:
 * @tier: the tier's code ("none", "insider", "vip", "elite", "inner_circle")
 * @members: members with this tier now (for a business: its customers up to the period's end)
 * @active: of them, those who bought in the period
 * @cross_buyers: of @active, those who bought in two or more counted categories in the period
 */
typedef struct
{
  char  *tier;
  gint64 members;
  gint64 active;
  gint64 cross_buyers;
} SkAnalyticsTierCount;

/**
 * SkAnalyticsBudgetMonth:
 * @month: the first day of the month, YYYY-MM-01
 * @collected_kopecks: events budget contributions of the month (refunds net)
 * @allocated_kopecks: what was allocated to the levels for the month (club-wide)
 * @spent_kopecks: what was spent on events from the month's allocation
 */
typedef struct
{
  char  *month;
  gint64 collected_kopecks;
  gint64 allocated_kopecks;
  gint64 spent_kopecks;
} SkAnalyticsBudgetMonth;

/**
 * SkAnalyticsClubOverview:
 * @tiers: (element-type SkAnalyticsTierCount): one per tier, in rank order
 * @members: members now (sum of @tiers' members)
 * @active_members: members who bought in the period
 * @cross_buyers: active members who bought in ≥ 2 counted categories in the period
 * @cross_purchase_rate: @cross_buyers / @active_members, 0 when nobody was active
 * @first_buyers: members whose first purchase ever falls in the period (for a business: and
 *   was at that business)
 * @second_category_buyers: of them, those who bought in another category by the period's end
 * @second_category_median_days: median calendar days from the first purchase to the first one
 *   in another category, over @second_category_buyers; NAN when there are none
 * @second_category_mean_days: the mean of the same; NAN when there are none
 * @events: events starting in the period (not drafts, not cancelled)
 * @registered: their registrations that hold a place (confirmed, attended, no-show)
 * @attended: of them, marked attended
 * @no_show: of them, marked no-show
 * @waitlist: registrations still on a waitlist
 * @attendance_rate: @attended / @registered, 0 when nobody registered
 * @budget_months: (element-type SkAnalyticsBudgetMonth): every month the period touches
 * @budget_collected_kopecks: sum over @budget_months
 * @budget_allocated_kopecks: sum over @budget_months
 * @budget_spent_kopecks: sum over @budget_months
 */
typedef struct
{
  GPtrArray *tiers;
  gint64     members;
  gint64     active_members;
  gint64     cross_buyers;
  double     cross_purchase_rate;
  gint64     first_buyers;
  gint64     second_category_buyers;
  double     second_category_median_days;
  double     second_category_mean_days;
  gint64     events;
  gint64     registered;
  gint64     attended;
  gint64     no_show;
  gint64     waitlist;
  double     attendance_rate;
  GPtrArray *budget_months;
  gint64     budget_collected_kopecks;
  gint64     budget_allocated_kopecks;
  gint64     budget_spent_kopecks;
} SkAnalyticsClubOverview;

/**
 * SkAnalyticsNsmPoint:
 * @month: the first day of the month, YYYY-MM-01
 * @members: who counts: the members who joined before the month's end and were not deleted
 *   by then (for a business: its customers by then); the denominator
 * @active: of them, those who bought in the month
 * @qualified: of them, those who made a north-star purchase in the month
 * @value: @qualified / @members, 0 when there are no members
 * @value_of_active: @qualified / @active, 0 when nobody was active
 */
typedef struct
{
  char  *month;
  gint64 members;
  gint64 active;
  gint64 qualified;
  double value;
  double value_of_active;
} SkAnalyticsNsmPoint;

/**
 * SkAnalyticsNsm:
 * @window_days: the rule north_star.window_days at the period's end (60)
 * @members: the members who joined by the period's end and were not deleted by then (for a
 *   business: the members who had bought there by then); the denominator
 * @active: of them, those who bought in the period
 * @qualified: of them, those who made a north-star purchase in the period
 * @value: the north-star metric, @qualified / @members
 * @value_of_active: @qualified / @active, the same among those who bought
 * @trend: (element-type SkAnalyticsNsmPoint): each month of the period, and at least the six
 *   months up to the period's end; the last month stops at the period's end
 *
 * "Share of members with ≥ 2 purchases in different categories within 60 days", made
 * precise: a north-star purchase is a purchase (positive, by a member) made at most
 * @window_days calendar days (club time zone) after one of her purchases in another counted
 * category; 60 days apart counts, 61 does not. A member counts for a span (a month, the
 * period) when she made a north-star purchase in it: the later purchase of the pair falls in
 * the span, the earlier one may be before it. So each month's value stands on its own and
 * the trend moves with what members did that month; dividing by all members (not only
 * those who bought) makes the metric fall when members stop coming, as a north star should.
 */
typedef struct
{
  gint64     window_days;
  gint64     members;
  gint64     active;
  gint64     qualified;
  double     value;
  double     value_of_active;
  GPtrArray *trend;
} SkAnalyticsNsm;

/**
 * SkAnalyticsCohortCell:
 * @offset: months since the cohort's month (0 = the month she joined)
 * @active: members of the cohort who bought in that month
 */
typedef struct
{
  guint  offset;
  gint64 active;
} SkAnalyticsCohortCell;

/**
 * SkAnalyticsCohort:
 * @month: the cohort's month, YYYY-MM-01
 * @size: members who joined that month (up to the period's end), not deleted
 * @cells: (element-type SkAnalyticsCohortCell): offsets 0..N, N reaching the period's last
 *   month; retention of a cell is its @active / @size
 */
typedef struct
{
  char   *month;
  gint64  size;
  GArray *cells;
} SkAnalyticsCohort;

/**
 * SkAnalyticsCohorts:
 * @cohorts: (element-type SkAnalyticsCohort): one per month of the period, oldest first
 *
 * For the club a cohort is the month a member joined (members.joined_at) and "active" means
 * any purchase; for a business a cohort is the month of her first purchase there and
 * "active" means a purchase there.
 */
typedef struct
{
  GPtrArray *cohorts;
} SkAnalyticsCohorts;

/**
 * SkAnalyticsStatement:
 * @business_id: the partner (uuid text)
 * @business_name: its name
 * @month: YYYY-MM-01
 * @transactions: its sales in the month (refunds are not transactions)
 * @revenue_kopecks: all its purchases in the month, refunds netted
 * @involved_revenue_kopecks: purchases the club brought (involved_via other than none),
 *   refunds of such purchases netted
 * @rate_bp: the commission rate in force on the month's last day covered
 * @mixed_rates: %TRUE when the month's involved purchases were charged at more than one rate
 *   (the partner's phase changed in the month)
 * @commission_kopecks: the platform's commission
 * @stored: %TRUE when partner_statements has a row for the partner and month
 * @stored_commission_kopecks: that row's commission, when @stored
 *
 * Each involved purchase is charged at business_commission_bp() at its moment (a refund at
 * its original's, so it takes back exactly what was charged) and its commission rounded on
 * its own, half away from zero, as sk_commission_compute() does; the month sums them.
 */
typedef struct
{
  char     *business_id;
  char     *business_name;
  char     *month;
  gint64    transactions;
  gint64    revenue_kopecks;
  gint64    involved_revenue_kopecks;
  gint64    rate_bp;
  gboolean  mixed_rates;
  gint64    commission_kopecks;
  gboolean  stored;
  gint64    stored_commission_kopecks;
} SkAnalyticsStatement;

/**
 * SkAnalyticsCommission:
 * @statements: (element-type SkAnalyticsStatement): per partner per month of the period, by
 *   name then month; every active partner gets a row for every month, even an empty one
 * @revenue_kopecks: sum over @statements
 * @involved_revenue_kopecks: sum over @statements
 * @commission_kopecks: sum over @statements
 * @disagreements: statements whose stored commission differs from the computed one
 */
typedef struct
{
  GPtrArray *statements;
  gint64     revenue_kopecks;
  gint64     involved_revenue_kopecks;
  gint64     commission_kopecks;
  guint      disagreements;
} SkAnalyticsCommission;

void                     sk_analytics_club_overview_free (SkAnalyticsClubOverview *overview);
void                     sk_analytics_nsm_free           (SkAnalyticsNsm          *nsm);
void                     sk_analytics_cohorts_free       (SkAnalyticsCohorts      *cohorts);
void                     sk_analytics_commission_free    (SkAnalyticsCommission   *commission);

SkAnalyticsClubOverview *sk_analytics_club_overview      (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsNsm          *sk_analytics_nsm                (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsCohorts      *sk_analytics_cohorts            (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);
SkAnalyticsCommission   *sk_analytics_commission         (PGconn                  *conn,
                                                          const SkAnalyticsPeriod *period,
                                                          GCancellable            *cancellable,
                                                          GError                 **error);

GPtrArray *sk_analytics_report_club       (PGconn                  *conn,
                                           const SkAnalyticsPeriod *period,
                                           GCancellable            *cancellable,
                                           GError                 **error);
GPtrArray *sk_analytics_report_nsm        (PGconn                  *conn,
                                           const SkAnalyticsPeriod *period,
                                           GCancellable            *cancellable,
                                           GError                 **error);
GPtrArray *sk_analytics_report_cohorts    (PGconn                  *conn,
                                           const SkAnalyticsPeriod *period,
                                           GCancellable            *cancellable,
                                           GError                 **error);
GPtrArray *sk_analytics_report_commission (PGconn                  *conn,
                                           const SkAnalyticsPeriod *period,
                                           GCancellable            *cancellable,
                                           GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsClubOverview, sk_analytics_club_overview_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsNsm, sk_analytics_nsm_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsCohorts, sk_analytics_cohorts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsCommission, sk_analytics_commission_free)

G_END_DECLS
