/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-db.h"
#include "sk-pipeline.h"

/* Rows per record_purchase_batch() call: large enough to amortise the round trip and the
 * per-round statements, small enough that one call's JSON stays a few megabytes. */
#define BATCH_CHUNK 5000

static const char *outcomes[] = {
  [SK_RECORD_RECORDED]  = "recorded",
  [SK_RECORD_DUPLICATE] = "duplicate",
  [SK_RECORD_UNMATCHED] = "unmatched",
  [SK_RECORD_REJECTED]  = "rejected",
};

/**
 * sk_record_outcome_to_string:
 * @outcome: an #SkRecordOutcome
 *
 * Returns: the outcome's code as the database reports it, or %NULL
 */
const char *
sk_record_outcome_to_string (SkRecordOutcome outcome)
{
  if ((guint) outcome >= G_N_ELEMENTS (outcomes))
    return NULL;
  return outcomes[outcome];
}

static SkRecordOutcome
outcome_from_string (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    if (g_strcmp0 (code, outcomes[i]) == 0)
      return (SkRecordOutcome) i;
  return SK_RECORD_REJECTED;
}

static gboolean
check_purchase (const SkPurchase  *purchase,
                GError           **error)
{
  if (purchase->phone_e164 != NULL && purchase->customer_hash == NULL)
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The customer's phone must be hashed before it is recorded"));
      return FALSE;
    }
  if (purchase->business_id == NULL || purchase->external_id == NULL)
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("A purchase needs a business and an external id"));
      return FALSE;
    }
  return TRUE;
}

static void
copy_field (char       *dest,
            gsize       size,
            const char *value)
{
  g_strlcpy (dest, value != NULL ? value : "", size);
}

static void
json_string (GString    *s,
             const char *value)
{
  if (value == NULL)
    {
      g_string_append (s, "null");
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, (char) c);
        }
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

static void
json_purchase (GString          *s,
               const SkPurchase *p)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (p->occurred_at / G_USEC_PER_SEC);
  g_autofree char *when = NULL;
  const char *category = p->category == SK_CATEGORY_NONE ? NULL : sk_category_to_string (p->category);

  /* Whole seconds from GDateTime, microseconds appended so nothing is rounded away. */
  when = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  g_string_append (s, "{\"business_id\":");
  json_string (s, p->business_id);
  g_string_append (s, ",\"external_id\":");
  json_string (s, p->external_id);
  g_string_append_printf (s, ",\"amount\":%" G_GINT64_FORMAT ",\"occurred_at\":\"%s.%06dZ\"",
                          p->amount, when, (int) (p->occurred_at % G_USEC_PER_SEC));
  g_string_append (s, ",\"source\":");
  json_string (s, sk_purchase_source_to_string (p->source));
  g_string_append (s, ",\"phone_hash\":");
  json_string (s, p->customer_hash);
  g_string_append (s, ",\"member_id\":");
  json_string (s, p->member_id);
  g_string_append (s, ",\"category\":");
  json_string (s, category);
  g_string_append (s, ",\"involved_via\":");
  json_string (s, sk_involved_via_to_string (p->involved_via));
  g_string_append (s, ",\"original_external_id\":");
  json_string (s, p->original_external_id);
  g_string_append_c (s, '}');
}

static void
read_result (PGresult       *result,
             int             row,
             int             first_col,
             SkRecordResult *out)
{
  memset (out, 0, sizeof *out);
  out->outcome = outcome_from_string (PQgetvalue (result, row, first_col));
  copy_field (out->purchase_id, sizeof out->purchase_id, PQgetvalue (result, row, first_col + 1));
  out->bonus = g_ascii_strtoll (PQgetvalue (result, row, first_col + 2), NULL, 10);
  out->cross_bonus = g_ascii_strtoll (PQgetvalue (result, row, first_col + 3), NULL, 10);
  out->budget = g_ascii_strtoll (PQgetvalue (result, row, first_col + 4), NULL, 10);
  copy_field (out->new_tier, sizeof out->new_tier, PQgetvalue (result, row, first_col + 5));
  copy_field (out->badges, sizeof out->badges, PQgetvalue (result, row, first_col + 6));
}

#define RESULT_COLUMNS \
  "outcome, purchase_id, bonus, cross_bonus, budget, coalesce (new_tier, ''), " \
  "array_to_string (badges, ',')"

/**
 * sk_pipeline_record:
 * @conn: a connection
 * @purchase: the purchase or refund
 * @out: (out caller-allocates): what the pipeline did
 * @error: return location for a #GError
 *
 * Records one purchase through record_purchase() (DESIGN.md steps 1-9, one transaction).
 * A purchase the database refuses (unknown business, refund beyond the original, a date in
 * the future…) is an error with its SQLSTATE in the message.
 *
 * Returns: %TRUE when recorded, duplicate or unmatched
 */
gboolean
sk_pipeline_record (PGconn            *conn,
                    const SkPurchase  *purchase,
                    SkRecordResult    *out,
                    GError           **error)
{
  g_autoptr(GString) json = g_string_new ("[");
  g_autoptr(PGresult) result = NULL;
  const char *params[1];

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (purchase != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_purchase (purchase, error))
    return FALSE;

  json_purchase (json, purchase);
  g_string_append_c (json, ']');
  params[0] = json->str;

  /* The single call raises on a refused row; the batch reports it: go through the batch
   * and turn 'rejected' into an error, so both paths share one statement. */
  result = PQexecParams (conn,
                         "SELECT " RESULT_COLUMNS ", sqlstate, reason"
                         " FROM record_purchase_batch ($1::jsonb)",
                         1, NULL, params, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "record_purchase", error))
    return FALSE;
  if (PQntuples (result) != 1)
    {
      g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                           _("The pipeline returned no result"));
      return FALSE;
    }

  read_result (result, 0, 0, out);
  if (out->outcome == SK_RECORD_REJECTED)
    {
      copy_field (out->sqlstate, sizeof out->sqlstate, PQgetvalue (result, 0, 7));
      copy_field (out->reason, sizeof out->reason, PQgetvalue (result, 0, 8));
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY,
                   "record_purchase failed: %s (SQLSTATE %s)", out->reason, out->sqlstate);
      return FALSE;
    }
  return TRUE;
}

/**
 * sk_pipeline_record_batch:
 * @conn: a connection
 * @purchases: (element-type SkPurchase): the purchases, in order
 * @results: a #GArray of #SkRecordResult; one element per purchase is appended, in order
 * @error: return location for a #GError
 *
 * Records many purchases set-based through record_purchase_batch(), in chunks of a few
 * thousand rows (each chunk is one statement; wrap the call in BEGIN/COMMIT for one
 * transaction). A row the database refuses is %SK_RECORD_REJECTED with its SQLSTATE and
 * reason, and the others are still recorded. A purchase with a plain phone and no
 * customer_hash fails the whole call before anything is sent.
 *
 * Returns: %FALSE when a statement failed (the rows of earlier chunks stay recorded and
 *   their results appended)
 */
gboolean
sk_pipeline_record_batch (PGconn     *conn,
                          GPtrArray  *purchases,
                          GArray     *results,
                          GError    **error)
{
  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (purchases != NULL, FALSE);
  g_return_val_if_fail (results != NULL, FALSE);
  g_return_val_if_fail (g_array_get_element_size (results) == sizeof (SkRecordResult), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < purchases->len; i++)
    if (!check_purchase (g_ptr_array_index (purchases, i), error))
      return FALSE;

  for (guint start = 0; start < purchases->len; start += BATCH_CHUNK)
    {
      guint end = MIN (start + BATCH_CHUNK, purchases->len);
      g_autoptr(GString) json = g_string_sized_new ((end - start) * 320);
      g_autoptr(PGresult) result = NULL;
      const char *params[1];
      guint base = results->len;

      g_string_append_c (json, '[');
      for (guint i = start; i < end; i++)
        {
          if (i > start)
            g_string_append_c (json, ',');
          json_purchase (json, g_ptr_array_index (purchases, i));
        }
      g_string_append_c (json, ']');
      params[0] = json->str;

      result = PQexecParams (conn,
                             "SELECT ord, " RESULT_COLUMNS ", coalesce (sqlstate, ''),"
                             " coalesce (reason, '') FROM record_purchase_batch ($1::jsonb)",
                             1, NULL, params, NULL, NULL, 0);
      if (!sk_db_result_ok (result, "record_purchase_batch", error))
        return FALSE;
      if ((guint) PQntuples (result) != end - start)
        {
          g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                               _("The pipeline returned a result per row of another batch"));
          return FALSE;
        }

      g_array_set_size (results, base + (end - start));
      for (int row = 0; row < PQntuples (result); row++)
        {
          int ord = atoi (PQgetvalue (result, row, 0));
          SkRecordResult *out;

          if (ord < 1 || (guint) ord > end - start)
            {
              g_set_error_literal (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                                   _("The pipeline returned a result for no row"));
              return FALSE;
            }
          out = &g_array_index (results, SkRecordResult, base + (guint) ord - 1);
          read_result (result, row, 1, out);
          copy_field (out->sqlstate, sizeof out->sqlstate, PQgetvalue (result, row, 8));
          copy_field (out->reason, sizeof out->reason, PQgetvalue (result, row, 9));
        }
    }
  return TRUE;
}

/**
 * sk_pipeline_spend:
 * @conn: a connection
 * @member_id: her member id
 * @amount: kopecks, > 0
 * @business_id: (nullable): where she spends them
 * @idempotency_key: the request's key: a replay returns the first result
 * @out: (out caller-allocates): the result
 * @error: return location for a #GError
 *
 * Spends available bonuses FIFO through spend(); never below zero. Not having enough is
 * not an error: @out->ok is %FALSE.
 *
 * Returns: %FALSE when the statement failed
 */
gboolean
sk_pipeline_spend (PGconn         *conn,
                   const char     *member_id,
                   SkKopecks       amount,
                   const char     *business_id,
                   const char     *idempotency_key,
                   SkSpendResult  *out,
                   GError        **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *amount_text = g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  const char *params[4] = { member_id, amount_text, business_id, idempotency_key };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (member_id != NULL, FALSE);
  g_return_val_if_fail (idempotency_key != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  result = PQexecParams (conn,
                         "SELECT outcome, spent, available_after, replayed"
                         " FROM spend ($1::uuid, $2::bigint, $3::uuid, $4)",
                         4, NULL, params, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "spend", error))
    return FALSE;

  memset (out, 0, sizeof *out);
  out->ok = g_str_equal (PQgetvalue (result, 0, 0), "spent");
  out->spent = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
  out->available_after = g_ascii_strtoll (PQgetvalue (result, 0, 2), NULL, 10);
  out->replayed = g_str_equal (PQgetvalue (result, 0, 3), "t");
  return TRUE;
}

/**
 * sk_pipeline_run_jobs:
 * @conn: a connection
 * @now: (nullable): the time to run as (%NULL: the server's now)
 * @out: (out caller-allocates): what the jobs did
 * @error: return location for a #GError
 *
 * Runs jobs_run(): hold release, expiry, debt repayment, the club-wide ranking and the
 * daily tier recompute, in one transaction.
 *
 * Returns: %FALSE when the statement failed
 */
gboolean
sk_pipeline_run_jobs (PGconn        *conn,
                      GDateTime     *now,
                      SkJobsReport  *out,
                      GError       **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *when = now != NULL ? g_date_time_format_iso8601 (now) : NULL;
  const char *params[1] = { when };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  result = PQexecParams (conn,
                         "SELECT released, expired, debt_repaid, tiers_changed, ranked"
                         " FROM jobs_run (coalesce ($1::timestamptz, now ()))",
                         1, NULL, params, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "jobs_run", error))
    return FALSE;

  out->released = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  out->expired = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
  out->debt_repaid = g_ascii_strtoll (PQgetvalue (result, 0, 2), NULL, 10);
  out->tiers_changed = g_ascii_strtoll (PQgetvalue (result, 0, 3), NULL, 10);
  out->ranked = g_ascii_strtoll (PQgetvalue (result, 0, 4), NULL, 10);
  return TRUE;
}
