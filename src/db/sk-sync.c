/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-sync.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sk-db.h"
#include "sk-pipeline.h"

/*
 * The database side of a partner sync run:
 *
 *   sk_sync_try_begin ()     session advisory lock per integration, sync_log row, settings,
 *                            cursor and decrypted credentials
 *   sk_sync_record_page ()   one transaction: the page's purchases through the pipeline, the
 *                            new cursor and the log's counts, so a crash between pages
 *                            neither loses nor doubles anything
 *   sk_sync_finish ()        the log row's end, the integration's success/failure state and
 *                            next_sync_at, an alert to platform admins after the third
 *                            failure in a row; then the lock is released
 *
 * The lock is PostgreSQL's, held by the connection: two service instances never run one
 * partner at once, and a crashed instance's lock goes with its connection. The run borrows
 * its connection, which must stay the same from begin to finish.
 */

#define LOCK_KEY "hashtextextended ('svoikrug:partner_sync:' || $1, 0)"
#define ALERT_TEMPLATE "partner_sync.failing"
/* Credential values shorter than this are not looked for in error texts. */
#define SECRET_MIN 4

struct _SkSyncRun
{
  PGconn       *conn;
  gint64        integration_id;
  gint64        log_id;
  char         *business_id;
  char         *system;
  char         *account_id;
  char         *time_zone;
  guint         interval_minutes;
  char         *cursor;
  char         *credentials;
  GPtrArray    *secrets;
  SkSyncCounts  counts;
  gboolean      locked;
  gboolean      finished;
};

static void
secret_free (gpointer data)
{
  sk_credentials_text_free (data);
}

/* The string values (not the keys) of a JSON document, as written: what an error text
 * must never repeat. */
static GPtrArray *
collect_secrets (const char *json)
{
  GPtrArray *secrets = g_ptr_array_new_with_free_func (secret_free);
  const char *p = json;

  while (p != NULL && *p != '\0')
    {
      const char *start;
      const char *after;

      if (*p != '"')
        {
          p++;
          continue;
        }

      start = ++p;
      while (*p != '\0' && *p != '"')
        p += (*p == '\\' && p[1] != '\0') ? 2 : 1;
      if (*p == '\0')
        break;

      after = p + 1;
      while (g_ascii_isspace (*after))
        after++;
      if (*after != ':' && p - start >= SECRET_MIN)
        g_ptr_array_add (secrets, g_strndup (start, p - start));
      p++;
    }

  return secrets;
}

/* A short technical reason fit for sync_log and the alert: no credential, one line, at most
 * SK_SYNC_ERROR_MAX characters. */
static char *
clean_failure (const SkSyncRun *run,
               const char      *failure)
{
  g_autoptr(GString) text = NULL;
  glong chars;

  if (failure == NULL)
    return NULL;

  text = g_string_new (failure);
  if (*failure == '\0')
    g_string_assign (text, "failed");

  for (guint i = 0; run->secrets != NULL && i < run->secrets->len; i++)
    g_string_replace (text, g_ptr_array_index (run->secrets, i), "***", 0);

  if (!g_utf8_validate (text->str, text->len, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (text->str, text->len);

      g_string_assign (text, valid);
    }
  for (gsize i = 0; i < text->len; i++)
    if (text->str[i] == '\n' || text->str[i] == '\r' || text->str[i] == '\t')
      text->str[i] = ' ';

  chars = g_utf8_strlen (text->str, -1);
  if (chars > SK_SYNC_ERROR_MAX)
    {
      g_autofree char *cut = g_utf8_substring (text->str, 0, SK_SYNC_ERROR_MAX - 1);

      g_string_assign (text, cut);
      g_string_append (text, "…");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
sk_sync_run_free (SkSyncRun *run)
{
  if (run == NULL)
    return;

  /* Dropped without sk_sync_finish(): the log row stays open, as after a crash, but the
   * partner must not stay locked for as long as the connection lives. */
  if (run->locked)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->integration_id);
      const char *values[1] = { id };
      g_autoptr(PGresult) result = PQexecParams (run->conn,
                                                 "SELECT pg_advisory_unlock (" LOCK_KEY ")",
                                                 1, NULL, values, NULL, NULL, 0);
    }

  g_free (run->business_id);
  g_free (run->system);
  g_free (run->account_id);
  g_free (run->time_zone);
  g_free (run->cursor);
  sk_credentials_text_free (run->credentials);
  g_clear_pointer (&run->secrets, g_ptr_array_unref);
  g_free (run);
}

static gboolean
exec_params (PGconn      *conn,
             const char  *what,
             const char  *sql,
             int          n,
             const char **values,
             PGresult   **out,
             GError     **error)
{
  g_autoptr(PGresult) result = PQexecParams (conn, sql, n, NULL, values, NULL, NULL, 0);

  if (!sk_db_result_ok (result, what, error))
    return FALSE;
  if (out != NULL)
    *out = g_steal_pointer (&result);
  return TRUE;
}

static void
rollback (PGconn *conn)
{
  if (PQtransactionStatus (conn) != PQTRANS_IDLE)
    {
      g_autoptr(PGresult) result = PQexec (conn, "ROLLBACK");
    }
}

static gboolean
unlock (SkSyncRun  *run,
        GError    **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->integration_id);
  const char *values[1] = { id };

  run->locked = FALSE;
  return exec_params (run->conn, "pg_advisory_unlock",
                      "SELECT pg_advisory_unlock (" LOCK_KEY ")", 1, values, NULL, error);
}

/**
 * sk_sync_try_begin:
 * @conn: a connection as the service, outside any transaction; the run borrows it until
 *   sk_sync_run_free()
 * @key: the master key that opens the integration's credentials
 * @integration_id: the integration to sync
 * @out_run: (out) (transfer full): the run, for %SK_SYNC_STARTED
 * @error: set for %SK_SYNC_FAILED
 *
 * Takes the integration's session-level advisory lock without waiting (another connection
 * holding it is %SK_SYNC_BUSY: nothing is written), starts a sync_log row and reads the
 * integration's settings, cursor and credentials. A run that starts but cannot open the
 * credentials is finished at once as a failure (it counts towards the alert) and returns
 * %SK_SYNC_FAILED. A disabled or missing integration fails without a log row.
 *
 * Returns: whether the run started
 */
SkSyncStart
sk_sync_try_begin (PGconn             *conn,
                   const SkMasterKey  *key,
                   gint64              integration_id,
                   SkSyncRun         **out_run,
                   GError            **error)
{
  g_autoptr(SkSyncRun) run = NULL;
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) row = NULL;
  g_autoptr(PGresult) log = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, integration_id);
  const char *values[1] = { id };

  g_return_val_if_fail (conn != NULL, SK_SYNC_FAILED);
  g_return_val_if_fail (key != NULL, SK_SYNC_FAILED);
  g_return_val_if_fail (out_run != NULL && *out_run == NULL, SK_SYNC_FAILED);
  g_return_val_if_fail (PQtransactionStatus (conn) == PQTRANS_IDLE, SK_SYNC_FAILED);

  if (!exec_params (conn, "pg_try_advisory_lock",
                    "SELECT pg_try_advisory_lock (" LOCK_KEY ")", 1, values, &locked, error))
    return SK_SYNC_FAILED;
  if (!g_str_equal (PQgetvalue (locked, 0, 0), "t"))
    return SK_SYNC_BUSY;

  run = g_new0 (SkSyncRun, 1);
  run->conn = conn;
  run->integration_id = integration_id;
  run->locked = TRUE;

  if (!exec_params (conn, "partner_integrations",
                    "SELECT business_id, system, account_id, time_zone,"
                    " (extract (epoch FROM sync_interval) / 60)::bigint, sync_cursor, enabled"
                    " FROM partner_integrations WHERE id = $1::bigint",
                    1, values, &row, error))
    return SK_SYNC_FAILED;
  if (PQntuples (row) == 0)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   _("There is no partner integration %" PRId64), (int64_t) integration_id);
      return SK_SYNC_FAILED;
    }
  if (!g_str_equal (PQgetvalue (row, 0, 6), "t"))
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   _("Partner integration %" PRId64 " is disabled"), (int64_t) integration_id);
      return SK_SYNC_FAILED;
    }

  run->business_id = g_strdup (PQgetvalue (row, 0, 0));
  run->system = g_strdup (PQgetvalue (row, 0, 1));
  run->account_id = g_strdup (PQgetvalue (row, 0, 2));
  run->time_zone = g_strdup (PQgetvalue (row, 0, 3));
  run->interval_minutes = (guint) g_ascii_strtoull (PQgetvalue (row, 0, 4), NULL, 10);
  if (!PQgetisnull (row, 0, 5))
    run->cursor = g_strdup (PQgetvalue (row, 0, 5));

  if (!exec_params (conn, "sync_log",
                    "INSERT INTO sync_log (integration_id) VALUES ($1::bigint) RETURNING id",
                    1, values, &log, error))
    return SK_SYNC_FAILED;
  run->log_id = g_ascii_strtoll (PQgetvalue (log, 0, 0), NULL, 10);

  run->credentials = sk_credentials_load (conn, key, integration_id, &local_error);
  if (local_error == NULL && run->credentials == NULL && !g_str_equal (run->system, "csv"))
    g_set_error_literal (&local_error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                         _("No credentials are stored for this integration; set them with "
                           "“svoikrugd partner set-credentials”"));
  if (local_error != NULL)
    {
      /* A wrong master key is a failed run like any other: admins hear of it. */
      sk_sync_finish (run, local_error->message, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return SK_SYNC_FAILED;
    }
  run->secrets = collect_secrets (run->credentials);

  *out_run = g_steal_pointer (&run);
  return SK_SYNC_STARTED;
}

static gboolean
write_page (SkSyncRun           *run,
            GPtrArray           *purchases,
            const char          *next_cursor,
            SkSyncCounts        *page,
            const SkSyncCounts  *total,
            GError             **error)
{
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (SkRecordResult));
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->integration_id);
  g_autofree char *log_id = g_strdup_printf ("%" G_GINT64_FORMAT, run->log_id);
  g_autofree char *fetched = NULL;
  g_autofree char *recorded = NULL;
  g_autofree char *duplicates = NULL;
  g_autofree char *unmatched = NULL;
  g_autofree char *skipped = NULL;
  SkSyncCounts sum;

  if (purchases->len > 0 && !sk_pipeline_record_batch (run->conn, purchases, results, error))
    return FALSE;

  for (guint i = 0; i < results->len; i++)
    switch (g_array_index (results, SkRecordResult, i).outcome)
      {
      case SK_RECORD_RECORDED:
        page->recorded++;
        break;
      case SK_RECORD_DUPLICATE:
        page->duplicates++;
        break;
      case SK_RECORD_UNMATCHED:
        page->unmatched++;
        break;
      case SK_RECORD_REJECTED:
      default:
        /* A row the database refuses would refuse again: the run goes past it. */
        page->rejected++;
        page->skipped++;
        break;
      }

  if (next_cursor != NULL)
    {
      const char *values[2] = { id, next_cursor };

      if (!exec_params (run->conn, "sync cursor",
                        "UPDATE partner_integrations SET sync_cursor = $2 WHERE id = $1::bigint",
                        2, values, NULL, error))
        return FALSE;
    }

  sum.fetched = total->fetched + page->fetched;
  sum.recorded = total->recorded + page->recorded;
  sum.duplicates = total->duplicates + page->duplicates;
  sum.unmatched = total->unmatched + page->unmatched;
  sum.skipped = total->skipped + page->skipped;
  fetched = g_strdup_printf ("%u", sum.fetched);
  recorded = g_strdup_printf ("%u", sum.recorded);
  duplicates = g_strdup_printf ("%u", sum.duplicates);
  unmatched = g_strdup_printf ("%u", sum.unmatched);
  skipped = g_strdup_printf ("%u", sum.skipped);

  {
    const char *values[6] = { log_id, fetched, recorded, duplicates, unmatched, skipped };

    if (!exec_params (run->conn, "sync_log counts",
                      "UPDATE sync_log SET fetched = $2::integer, recorded = $3::integer,"
                      " duplicates = $4::integer, unmatched = $5::integer,"
                      " skipped = $6::integer WHERE id = $1::bigint",
                      6, values, NULL, error))
      return FALSE;
  }

  return sk_db_exec (run->conn, "COMMIT", error);
}

/**
 * sk_sync_record_page:
 * @run: a started run
 * @purchases: (element-type SkPurchase): the page's purchases, all of the run's business
 * @skipped: records of the page the connector did not turn into purchases (cancelled…)
 * @next_cursor: (nullable): where the next fetch starts once this page is recorded (%NULL:
 *   the cursor stays)
 * @page: (out caller-allocates) (optional): this page's counts
 *
 * Records the page and moves the cursor in one transaction: either both happen or neither
 * (on %FALSE nothing of the page is recorded and the cursor is where it was). A purchase the
 * database refuses is counted as rejected and skipped, and the page still commits.
 *
 * Returns: %FALSE with @error set when the page was not recorded
 */
gboolean
sk_sync_record_page (SkSyncRun     *run,
                     GPtrArray     *purchases,
                     guint          skipped,
                     const char    *next_cursor,
                     SkSyncCounts  *page,
                     GError       **error)
{
  SkSyncCounts counts = { 0, };

  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (!run->finished, FALSE);
  g_return_val_if_fail (purchases != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (page != NULL)
    memset (page, 0, sizeof *page);

  for (guint i = 0; i < purchases->len; i++)
    {
      const SkPurchase *purchase = g_ptr_array_index (purchases, i);

      if (g_strcmp0 (purchase->business_id, run->business_id) != 0)
        {
          g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                               _("A page of a partner sync holds a purchase of another "
                                 "business"));
          return FALSE;
        }
    }

  counts.fetched = purchases->len + skipped;
  counts.skipped = skipped;

  if (!sk_db_exec (run->conn, "BEGIN", error))
    return FALSE;
  if (!write_page (run, purchases, next_cursor, &counts, &run->counts, error))
    {
      rollback (run->conn);
      return FALSE;
    }

  run->counts.fetched += counts.fetched;
  run->counts.recorded += counts.recorded;
  run->counts.duplicates += counts.duplicates;
  run->counts.unmatched += counts.unmatched;
  run->counts.skipped += counts.skipped;
  run->counts.rejected += counts.rejected;
  if (next_cursor != NULL)
    {
      g_free (run->cursor);
      run->cursor = g_strdup (next_cursor);
    }
  if (page != NULL)
    *page = counts;
  return TRUE;
}

static gboolean
write_finish (SkSyncRun   *run,
              const char  *failure,
              GError     **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->integration_id);
  g_autofree char *log_id = g_strdup_printf ("%" G_GINT64_FORMAT, run->log_id);
  g_autofree char *threshold = g_strdup_printf ("%d", SK_SYNC_ALERT_FAILURES);
  const char *log_values[2] = { log_id, failure };
  const char *values[4] = { id, failure, log_id, threshold };

  if (!exec_params (run->conn, "sync_log",
                    "UPDATE sync_log SET finished_at = greatest (now (), started_at),"
                    " error = $2 WHERE id = $1::bigint",
                    2, log_values, NULL, error))
    return FALSE;

  /* The alert goes out when the streak reaches the threshold; its dedup key names the
   * streak (the last success before it), so it is sent once per streak. */
  if (!exec_params (run->conn, "partner_integrations",
                    "WITH done AS ("
                    "  UPDATE partner_integrations"
                    "     SET last_success_at = CASE WHEN $2::text IS NULL THEN now ()"
                    "                                ELSE last_success_at END,"
                    "         last_failure_at = CASE WHEN $2::text IS NULL THEN last_failure_at"
                    "                                ELSE now () END,"
                    "         consecutive_failures = CASE WHEN $2::text IS NULL THEN 0"
                    "                                     ELSE consecutive_failures + 1 END,"
                    "         next_sync_at = now () + sync_interval"
                    "   WHERE id = $1::bigint"
                    "  RETURNING id, business_id, system, account_id, consecutive_failures,"
                    "            last_success_at)"
                    " INSERT INTO notification_outbox (channel, template, payload, dedup_key)"
                    " SELECT 'staff_alert', '" ALERT_TEMPLATE "',"
                    "        jsonb_build_object ('audience', 'platform_admin',"
                    "                            'integration_id', id,"
                    "                            'business_id', business_id,"
                    "                            'system', system,"
                    "                            'account_id', account_id,"
                    "                            'failures', consecutive_failures,"
                    "                            'sync_log_id', $3::bigint,"
                    "                            'error', $2::text),"
                    "        '" ALERT_TEMPLATE ":' || id || ':'"
                    "          || coalesce (to_char (last_success_at AT TIME ZONE 'UTC',"
                    "                                'YYYYMMDDHH24MISSUS'), 'never')"
                    "   FROM done WHERE $2::text IS NOT NULL"
                    "    AND consecutive_failures = $4::integer"
                    " ON CONFLICT (dedup_key) DO NOTHING",
                    4, values, NULL, error))
    return FALSE;

  return sk_db_exec (run->conn, "COMMIT", error);
}

/**
 * sk_sync_reverse_cancelled:
 * @run: a started run
 * @external_ids: (element-type utf8): records the partner reports cancelled or deleted
 *   (#SkConnectorBatch's cancelled)
 * @n_reversals: (out): how many of them were sales recorded before, now reversed
 *
 * Reverses what is left of each of those records that was recorded as a sale: a refund
 * "ID:cancelled" of the rest, recorded now through the pipeline (bonuses taken back as for
 * any refund) in a page of its own. A record never recorded, already refunded in full or
 * reversed at an earlier run changes nothing, so a run may see the same cancellation again.
 * The reversals count as fetched and recorded: the caller counts @n_reversals fewer records
 * skipped.
 *
 * Returns: %FALSE with @error set when the reversals were not recorded
 */
gboolean
sk_sync_reverse_cancelled (SkSyncRun  *run,
                           GPtrArray  *external_ids,
                           guint      *n_reversals,
                           GError    **error)
{
  g_autoptr(PGresult) left = NULL;
  g_autoptr(GPtrArray) refunds = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  g_autofree char *ids = NULL;
  gint64 now = g_get_real_time ();
  const char *values[2];

  g_return_val_if_fail (run != NULL && !run->finished, FALSE);
  g_return_val_if_fail (external_ids != NULL && n_reversals != NULL, FALSE);

  *n_reversals = 0;
  if (external_ids->len == 0)
    return TRUE;

  ids = sk_db_text_array (external_ids);
  values[0] = run->business_id;
  values[1] = ids;
  if (!exec_params (run->conn, "cancelled sales",
                    "SELECT k.external_id,"
                    "       p.amount + coalesce ((SELECT sum (r.amount) FROM purchases r"
                    "                              WHERE r.original_purchase_id = k.id), 0)"
                    "  FROM purchase_keys k"
                    "  JOIN purchases p ON p.id = k.id AND p.occurred_at = k.occurred_at"
                    " WHERE k.business_id = $1::uuid AND k.external_id = ANY ($2::text[])"
                    "   AND p.amount > 0"
                    " ORDER BY k.external_id",
                    2, values, &left, error))
    return FALSE;

  for (int i = 0; i < PQntuples (left); i++)
    {
      const char *original = PQgetvalue (left, i, 0);
      gint64 rest = g_ascii_strtoll (PQgetvalue (left, i, 1), NULL, 10);
      SkPurchase *refund;

      if (rest <= 0 || strlen (original) + strlen (":cancelled") > SK_PURCHASE_EXTERNAL_ID_MAX)
        continue;
      refund = sk_purchase_new ();
      refund->business_id = g_strdup (run->business_id);
      refund->external_id = g_strconcat (original, ":cancelled", NULL);
      refund->original_external_id = g_strdup (original);
      refund->occurred_at = now;
      refund->amount = -rest;
      refund->source = SK_PURCHASE_SOURCE_PARTNER;
      refund->completed = TRUE;
      g_ptr_array_add (refunds, refund);
    }

  if (refunds->len == 0)
    return TRUE;
  if (!sk_sync_record_page (run, refunds, 0, NULL, NULL, error))
    return FALSE;
  *n_reversals = refunds->len;
  return TRUE;
}

/**
 * sk_sync_finish:
 * @run: a started run
 * @failure: (nullable): why the run failed (%NULL: it succeeded); a short technical reason.
 *   Any credential value in it is masked and it is cut to %SK_SYNC_ERROR_MAX characters.
 *
 * Ends the run's sync_log row, updates the integration (last success or failure, the
 * failure streak, next_sync_at = now + its interval), alerts platform admins through the
 * notification outbox when the streak reaches %SK_SYNC_ALERT_FAILURES, and releases the
 * lock (also when writing failed). Free the run with sk_sync_run_free() afterwards.
 *
 * Returns: %FALSE with @error set when the state could not be written
 */
gboolean
sk_sync_finish (SkSyncRun   *run,
                const char  *failure,
                GError     **error)
{
  g_autofree char *cleaned = NULL;
  g_autoptr(GError) unlock_error = NULL;
  gboolean ok;

  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (!run->finished, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  run->finished = TRUE;
  cleaned = clean_failure (run, failure);

  ok = sk_db_exec (run->conn, "BEGIN", error);
  if (ok && !write_finish (run, cleaned, error))
    {
      rollback (run->conn);
      ok = FALSE;
    }

  if (!unlock (run, &unlock_error) && ok)
    {
      g_propagate_error (error, g_steal_pointer (&unlock_error));
      ok = FALSE;
    }
  return ok;
}

/**
 * sk_sync_due:
 * @conn: a connection as the service
 *
 * Returns: (transfer full) (element-type gint64): the enabled integrations whose next sync
 *   is due (next_sync_at <= now) and that have credentials (or are CSV uploads), the
 *   longest waiting first; %NULL with @error set when the query failed
 */
GArray *
sk_sync_due (PGconn  *conn,
             GError **error)
{
  g_autoptr(PGresult) result = NULL;
  GArray *ids;

  g_return_val_if_fail (conn != NULL, NULL);

  result = PQexec (conn,
                   "SELECT id FROM partner_integrations"
                   " WHERE enabled AND next_sync_at <= now ()"
                   /* CSV files are uploaded by the partner, never fetched. */
                   "   AND credentials_enc IS NOT NULL AND system <> 'csv'"
                   " ORDER BY next_sync_at, id");
  if (!sk_db_result_ok (result, "partner_integrations", error))
    return NULL;

  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), PQntuples (result));
  for (int i = 0; i < PQntuples (result); i++)
    {
      gint64 id = g_ascii_strtoll (PQgetvalue (result, i, 0), NULL, 10);

      g_array_append_val (ids, id);
    }
  return ids;
}

gint64
sk_sync_run_get_integration_id (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, 0);
  return run->integration_id;
}

gint64
sk_sync_run_get_log_id (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, 0);
  return run->log_id;
}

const char *
sk_sync_run_get_business_id (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->business_id;
}

const char *
sk_sync_run_get_system (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->system;
}

const char *
sk_sync_run_get_account_id (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->account_id;
}

const char *
sk_sync_run_get_time_zone (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->time_zone;
}

guint
sk_sync_run_get_interval_minutes (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, 0);
  return run->interval_minutes;
}

/* (nullable): %NULL before the first sync. */
const char *
sk_sync_run_get_cursor (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->cursor;
}

/* (nullable): the decrypted credentials JSON; %NULL for a CSV integration without any. */
const char *
sk_sync_run_get_credentials (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->credentials;
}

const SkSyncCounts *
sk_sync_run_get_counts (const SkSyncRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return &run->counts;
}

void
sk_integration_info_free (SkIntegrationInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->business_id);
  g_free (info->system);
  g_free (info->account_id);
  g_free (info);
}

/**
 * sk_sync_list_integrations:
 * @conn: a connection
 * @business_id: (nullable): only this partner's integrations
 *
 * Returns: (transfer full) (element-type SkIntegrationInfo): the integrations ordered by
 *   business, system and account, without their credentials; %NULL with @error set when
 *   the query failed
 */
GPtrArray *
sk_sync_list_integrations (PGconn      *conn,
                           const char  *business_id,
                           GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *values[1] = { business_id };
  GPtrArray *list;

  g_return_val_if_fail (conn != NULL, NULL);

  result = PQexecParams (conn,
                         "SELECT id, business_id, system, account_id, enabled,"
                         " credentials_enc IS NOT NULL,"
                         " (extract (epoch FROM sync_interval) / 60)::bigint,"
                         " coalesce ((extract (epoch FROM last_success_at) * 1000000)::bigint, 0),"
                         " coalesce ((extract (epoch FROM last_failure_at) * 1000000)::bigint, 0),"
                         " consecutive_failures"
                         " FROM partner_integrations"
                         " WHERE $1::uuid IS NULL OR business_id = $1::uuid"
                         " ORDER BY business_id, system, account_id",
                         1, NULL, values, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "partner_integrations", error))
    return NULL;

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_integration_info_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      SkIntegrationInfo *info = g_new0 (SkIntegrationInfo, 1);

      info->id = g_ascii_strtoll (PQgetvalue (result, i, 0), NULL, 10);
      info->business_id = g_strdup (PQgetvalue (result, i, 1));
      info->system = g_strdup (PQgetvalue (result, i, 2));
      info->account_id = g_strdup (PQgetvalue (result, i, 3));
      info->enabled = g_str_equal (PQgetvalue (result, i, 4), "t");
      info->has_credentials = g_str_equal (PQgetvalue (result, i, 5), "t");
      info->interval_minutes = (guint) g_ascii_strtoull (PQgetvalue (result, i, 6), NULL, 10);
      info->last_success_at = g_ascii_strtoll (PQgetvalue (result, i, 7), NULL, 10);
      info->last_failure_at = g_ascii_strtoll (PQgetvalue (result, i, 8), NULL, 10);
      info->consecutive_failures =
        (guint) g_ascii_strtoull (PQgetvalue (result, i, 9), NULL, 10);
      g_ptr_array_add (list, info);
    }
  return list;
}
