/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sk-table.h"

G_BEGIN_DECLS

/**
 * SkAnalyticsPeriod:
 * @business_id: (nullable): the business the figures are for, %NULL for the whole club
 * @from: the first day of the period, a day in the club's time zone
 * @to: the last day of the period (inclusive)
 *
 * What every analytics query takes. Days are calendar days in the club's time zone
 * (club_time_zone()), so "1–31 October" means the same to the owner and to the SQL.
 */
typedef struct
{
  char  *business_id;
  GDate  from;
  GDate  to;
} SkAnalyticsPeriod;

SkAnalyticsPeriod *sk_analytics_period_new   (const char              *business_id,
                                              const GDate             *from,
                                              const GDate             *to);
SkAnalyticsPeriod *sk_analytics_period_copy  (const SkAnalyticsPeriod *period);
void               sk_analytics_period_free  (SkAnalyticsPeriod       *period);
void               sk_analytics_period_previous (const SkAnalyticsPeriod *period,
                                                 GDate                   *from,
                                                 GDate                   *to);
char              *sk_analytics_date_string  (const GDate             *date);

PGconn            *sk_analytics_connect      (const char              *conninfo,
                                              GError                 **error);
PGresult          *sk_analytics_query        (PGconn                  *conn,
                                              const char              *what,
                                              const char              *sql,
                                              int                      n_params,
                                              const char * const      *params,
                                              GCancellable            *cancellable,
                                              GError                 **error);

gboolean           sk_analytics_snapshot_begin (PGconn               *conn,
                                                gboolean             *own,
                                                GCancellable         *cancellable,
                                                GError              **error);
gboolean           sk_analytics_snapshot_end   (PGconn               *conn,
                                                gboolean              own,
                                                gboolean              ok,
                                                GError              **error);

gint64             sk_analytics_average      (gint64                   total_kopecks,
                                              gint64                   count);

gint64             sk_analytics_get_int      (PGresult                *result,
                                              int                      row,
                                              int                      column);
double             sk_analytics_get_real     (PGresult                *result,
                                              int                      row,
                                              int                      column);
char              *sk_analytics_dup_text     (PGresult                *result,
                                              int                      row,
                                              int                      column);

/* A report as the CLI, the API and the Studio's export write it: one or more tables. */
typedef GPtrArray *(*SkAnalyticsReportFunc) (PGconn                  *conn,
                                             const SkAnalyticsPeriod *period,
                                             GCancellable            *cancellable,
                                             GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkAnalyticsPeriod, sk_analytics_period_free)

G_END_DECLS
