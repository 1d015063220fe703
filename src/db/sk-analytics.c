/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-analytics.h"

#include <math.h>

#include "sk-db.h"
#include "sk-money.h"

SkAnalyticsPeriod *
sk_analytics_period_new (const char  *business_id,
                         const GDate *from,
                         const GDate *to)
{
  SkAnalyticsPeriod *period;

  g_return_val_if_fail (from != NULL && g_date_valid (from), NULL);
  g_return_val_if_fail (to != NULL && g_date_valid (to), NULL);

  period = g_new0 (SkAnalyticsPeriod, 1);
  period->business_id = g_strdup (business_id);
  period->from = *from;
  period->to = *to;
  return period;
}

SkAnalyticsPeriod *
sk_analytics_period_copy (const SkAnalyticsPeriod *period)
{
  g_return_val_if_fail (period != NULL, NULL);

  return sk_analytics_period_new (period->business_id, &period->from, &period->to);
}

void
sk_analytics_period_free (SkAnalyticsPeriod *period)
{
  if (period == NULL)
    return;

  g_free (period->business_id);
  g_free (period);
}

/* The period of the same number of days just before @period, for "change against the
 * previous period". */
void
sk_analytics_period_previous (const SkAnalyticsPeriod *period,
                              GDate                   *from,
                              GDate                   *to)
{
  gint days;

  g_return_if_fail (period != NULL && from != NULL && to != NULL);

  days = g_date_days_between (&period->from, &period->to) + 1;
  *to = period->from;
  g_date_subtract_days (to, 1);
  *from = period->from;
  g_date_subtract_days (from, days);
}

/* Returns: (transfer full): YYYY-MM-DD, for a query parameter or a report. */
char *
sk_analytics_date_string (const GDate *date)
{
  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);

  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date),
                          g_date_get_month (date), g_date_get_day (date));
}

/**
 * sk_analytics_connect:
 * @conninfo: the analytics replica's URL, or the primary's
 *
 * A connection for reports. JIT is off on it: the reports' plans cost enough to trigger
 * it, and compiling took seconds longer than running them (an overview went from 15 s to
 * under 1 s without it).
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
PGconn *
sk_analytics_connect (const char  *conninfo,
                      GError     **error)
{
  g_autoptr(PGconn) conn = sk_db_connect_for (conninfo, "svoikrug analytics", NULL, error);

  if (conn == NULL || !sk_db_exec (conn, "SET jit = off", error))
    return NULL;
  return g_steal_pointer (&conn);
}

static void
cancel_query (GCancellable *cancellable,
              PGcancel     *cancel)
{
  char reason[256];

  /* PQcancel is safe from any thread; a failure only means the query runs to its end. */
  if (!PQcancel (cancel, reason, sizeof reason))
    g_debug ("cannot cancel the query: %s", reason);
}

/**
 * sk_analytics_query:
 * @what: what the query computes, for the error message
 * @params: (array length=n_params) (nullable): text parameters ($1…)
 * @cancellable: (nullable): cancels the query on the server (PQcancel) when it fires
 *
 * Runs one parameterised read on @conn, which the calling thread owns, and waits for its
 * result. Blocks: call it from a worker thread, never the main loop.
 *
 * Returns: (transfer full): the tuples, or %NULL with @error set (%G_IO_ERROR_CANCELLED when
 *   @cancellable fired, %SK_DB_ERROR_QUERY otherwise).
 */
PGresult *
sk_analytics_query (PGconn              *conn,
                    const char          *what,
                    const char          *sql,
                    int                  n_params,
                    const char * const  *params,
                    GCancellable        *cancellable,
                    GError             **error)
{
  PGcancel *cancel = NULL;
  gulong handler = 0;
  PGresult *result = NULL;
  PGresult *next;

  g_return_val_if_fail (conn != NULL && what != NULL && sql != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (!PQsendQueryParams (conn, sql, n_params, NULL, params, NULL, NULL, 0))
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "%s: %s", what,
                   PQerrorMessage (conn));
      return NULL;
    }

  if (cancellable != NULL)
    {
      cancel = PQgetCancel (conn);
      if (cancel != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_query), cancel, NULL);
    }

  /* Read to the end so that the connection is ready for the next query. */
  while ((next = PQgetResult (conn)) != NULL)
    {
      if (result == NULL)
        result = next;
      else
        PQclear (next);
    }

  if (cancel != NULL)
    {
      g_cancellable_disconnect (cancellable, handler);
      PQfreeCancel (cancel);
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      PQclear (result);
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  if (!sk_db_result_ok (result, what, error))
    {
      PQclear (result);
      return NULL;
    }
  return result;
}

/**
 * sk_analytics_snapshot_begin:
 * @own: (out): whether a transaction was begun here (and sk_analytics_snapshot_end() must
 *   end it)
 *
 * Makes the queries of one report see one moment: on an idle connection a read-only
 * repeatable-read transaction with enough memory for a year's sorts and hashes (at the default
 * 4 MB they spill to disk) and no JIT. Inside the caller's transaction nothing changes: the
 * report runs there, as the caller set it up.
 */
gboolean
sk_analytics_snapshot_begin (PGconn        *conn,
                             gboolean      *own,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(PGresult) begin = NULL;
  g_autoptr(PGresult) settings = NULL;

  g_return_val_if_fail (conn != NULL && own != NULL, FALSE);

  *own = PQtransactionStatus (conn) == PQTRANS_IDLE;
  if (!*own)
    return TRUE;

  begin = sk_analytics_query (conn, "report snapshot",
                              "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                              0, NULL, cancellable, error);
  if (begin != NULL)
    settings = sk_analytics_query (conn, "report snapshot",
                                   "SELECT set_config ('work_mem', '64MB', true),"
                                   "       set_config ('jit', 'off', true)",
                                   0, NULL, cancellable, error);
  if (settings == NULL)
    {
      sk_analytics_snapshot_end (conn, begin != NULL, FALSE, NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * sk_analytics_snapshot_end:
 * @own: what sk_analytics_snapshot_begin() said
 * @ok: whether the report succeeded: commit, else roll back
 *
 * Returns: %FALSE when @ok was %FALSE or the commit failed (with @error set for the commit)
 */
gboolean
sk_analytics_snapshot_end (PGconn    *conn,
                           gboolean   own,
                           gboolean   ok,
                           GError   **error)
{
  g_autoptr(PGresult) end = NULL;

  g_return_val_if_fail (conn != NULL, FALSE);

  if (!own)
    return ok;

  /* Not cancellable: the connection must be left idle whatever happened. */
  if (ok)
    {
      end = sk_analytics_query (conn, "report snapshot", "COMMIT", 0, NULL, NULL, error);
      if (end != NULL && PQtransactionStatus (conn) == PQTRANS_IDLE)
        return TRUE;
      if (end != NULL)
        g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_QUERY,
                             "report snapshot: the transaction did not end");
      g_clear_pointer (&end, PQclear);
    }
  end = PQexec (conn, "ROLLBACK");
  return FALSE;
}

/* 0 for SQL NULL. */
gint64
sk_analytics_get_int (PGresult *result,
                      int       row,
                      int       column)
{
  if (PQgetisnull (result, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

/* NAN for SQL NULL (a median of nobody). */
double
sk_analytics_get_real (PGresult *result,
                       int       row,
                       int       column)
{
  if (PQgetisnull (result, row, column))
    return NAN;
  return g_ascii_strtod (PQgetvalue (result, row, column), NULL);
}

/* %NULL for SQL NULL. */
char *
sk_analytics_dup_text (PGresult *result,
                       int       row,
                       int       column)
{
  if (PQgetisnull (result, row, column))
    return NULL;
  return g_strdup (PQgetvalue (result, row, column));
}

/* An average in kopecks (an average check), rounded as money is; 0 over nothing. */
gint64
sk_analytics_average (gint64 total_kopecks,
                      gint64 count)
{
  SkKopecks average = 0;

  if (count <= 0 || !sk_money_mul_div_round (total_kopecks, 1, count, &average))
    return 0;
  return average;
}
