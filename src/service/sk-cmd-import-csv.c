/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "sk-command.h"
#include "sk-csv.h"
#include "sk-db.h"
#include "sk-pipeline.h"
#include "sk-purchase.h"
#include "sk-service.h"

/*
 * svoikrugd import-csv --business ID [--all-or-nothing] FILE
 *
 * The file is read twice in chunks, never whole: a first pass counts the rows (for the
 * progress and for --all-or-nothing), the second records the good rows through the pipeline
 * in batches. Each row is one idempotent pipeline call, so nothing is half-written and
 * importing the same file again reports every row as a duplicate. Only the phone's keyed hash
 * leaves this process; the description is never sent to the database.
 */

#define CHUNK_SIZE       (64 * 1024)
#define BATCH_SIZE       1000
/* Progress is shown from this many rows on. */
#define PROGRESS_MIN     1000
#define PROGRESS_TTY_USEC (G_USEC_PER_SEC / 4)

typedef struct
{
  const char *path;
  const char *business_id;
  gboolean    all_or_nothing;
  GTimeZone  *tz;
  GBytes     *key;
  PGconn     *conn;

  /* The batch being filled, and each purchase's line. */
  GPtrArray  *batch;
  GArray     *lines;

  guint64     total;
  guint64     done;
  guint64     recorded;
  guint64     duplicates;
  guint64     unmatched;
  guint64     bad;

  gboolean    tty;
  gint64      last_progress;
  guint       last_decile;
} Import;

/* Called on every row of the file. */
typedef gboolean (*RowFunc) (Import    *import,
                             SkCsvRow  *row,
                             GError   **error);

static gboolean
read_file (Import   *import,
           RowFunc   row_cb,
           GError  **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (import->path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(SkCsvParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *buffer = g_malloc (CHUNK_SIZE);
  const guint8 *key;
  gsize key_len;
  gboolean at_end = FALSE;

  stream = g_file_read (file, NULL, &local_error);
  if (stream == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("cannot read %s: %s"), import->path, local_error->message);
      return FALSE;
    }

  key = g_bytes_get_data (import->key, &key_len);
  parser = sk_csv_parser_new (import->tz, key, key_len);

  while (!at_end)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, CHUNK_SIZE, NULL,
                                      &local_error);
      SkCsvRow *row;

      if (n < 0)
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                       _("cannot read %s: %s"), import->path, local_error->message);
          return FALSE;
        }

      if (n == 0)
        at_end = TRUE;

      if ((n > 0 && !sk_csv_parser_feed (parser, buffer, (gsize) n, &local_error)) ||
          (at_end && !sk_csv_parser_finish (parser, &local_error)))
        {
          /* An unusable header: the file is not an upload at all. */
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       "%s: %s", import->path, local_error->message);
          return FALSE;
        }

      while ((row = sk_csv_parser_pop (parser)) != NULL)
        {
          g_autoptr(SkCsvRow) owned = row;

          if (!row_cb (import, owned, error))
            return FALSE;
        }
    }

  return TRUE;
}

static gboolean
count_row_cb (Import    *import,
              SkCsvRow  *row,
              GError   **error)
{
  import->total++;
  if (row->status != SK_CSV_ROW_OK)
    import->bad++;
  return TRUE;
}

static void
show_progress (Import   *import,
               gboolean  last)
{
  guint decile;

  if (import->total < PROGRESS_MIN)
    return;

  /* On a terminal a few times a second; in a log at every tenth. */
  if (import->tty)
    {
      gint64 now = g_get_monotonic_time ();

      if (!last && now - import->last_progress < PROGRESS_TTY_USEC)
        return;
      import->last_progress = now;
    }
  else
    {
      decile = (guint) (import->done * 10 / import->total);
      if (decile == import->last_decile)
        return;
      import->last_decile = decile;
    }

  fprintf (stderr, _("%" PRIu64 "/%" PRIu64 " rows\n"),
           (uint64_t) import->done, (uint64_t) import->total);
}

static gboolean
flush_batch (Import  *import,
             GError **error)
{
  g_autoptr(GArray) results = NULL;

  if (import->batch->len == 0)
    return TRUE;

  results = g_array_new (FALSE, TRUE, sizeof (SkRecordResult));
  if (!sk_pipeline_record_batch (import->conn, import->batch, results, error))
    return FALSE;

  if (results->len != import->batch->len)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                   _("the pipeline returned %u results for %u purchases"),
                   results->len, import->batch->len);
      return FALSE;
    }

  for (guint i = 0; i < results->len; i++)
    {
      const SkRecordResult *result = &g_array_index (results, SkRecordResult, i);

      /* The rows name no member and no category: a missing reference is the business, and
       * then every row would say so. */
      if (result->outcome == SK_RECORD_REJECTED && g_str_equal (result->sqlstate, "23503"))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--business %s: no such business"), import->business_id);
          return FALSE;
        }

      switch (result->outcome)
        {
        case SK_RECORD_RECORDED:
          import->recorded++;
          break;
        case SK_RECORD_DUPLICATE:
          import->duplicates++;
          break;
        case SK_RECORD_UNMATCHED:
          import->unmatched++;
          break;
        case SK_RECORD_REJECTED:
        default:
          import->bad++;
          fprintf (stderr, _("line %u: rejected by the database: %s\n"),
                   g_array_index (import->lines, guint, i), result->reason);
          break;
        }
    }

  import->done += import->batch->len;
  g_ptr_array_set_size (import->batch, 0);
  g_array_set_size (import->lines, 0);
  show_progress (import, FALSE);
  return TRUE;
}

static gboolean
import_row_cb (Import    *import,
               SkCsvRow  *row,
               GError   **error)
{
  g_autoptr(SkPurchase) purchase = NULL;
  gsize key_len;
  const guint8 *key;

  if (row->status != SK_CSV_ROW_OK)
    {
      fprintf (stderr, _("line %u: %s\n"), row->line, row->reason);
      import->bad++;
      import->done++;
      return TRUE;
    }

  /* With --all-or-nothing and a bad row somewhere, the rows are only checked. */
  if (import->conn == NULL)
    {
      import->done++;
      return TRUE;
    }

  key = g_bytes_get_data (import->key, &key_len);
  purchase = sk_purchase_new ();
  purchase->business_id = g_strdup (import->business_id);
  purchase->external_id = g_strdup (row->external_id);
  purchase->occurred_at = row->occurred_at;
  purchase->customer_hash = sk_customer_hash (key, key_len, row->phone_e164);
  purchase->amount = row->amount;
  purchase->source = SK_PURCHASE_SOURCE_CSV;

  g_ptr_array_add (import->batch, g_steal_pointer (&purchase));
  g_array_append_val (import->lines, row->line);

  if (import->batch->len >= BATCH_SIZE)
    return flush_batch (import, error);
  return TRUE;
}

static gboolean
import_csv_run (const SkCommandContext  *context,
                GStrv                   *args,
                GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GArray) lines = NULL;
  g_autofree char *business_id = NULL;
  g_auto(GStrv) files = NULL;
  gboolean all_or_nothing = FALSE;
  gboolean help_shown;
  gboolean in_transaction = FALSE;
  Import import = { 0, };
  const GOptionEntry entries[] = {
    { "business", 0, 0, G_OPTION_ARG_STRING, &business_id,
      N_("The partner whose sales the file holds (its id)"), N_("ID") },
    { "all-or-nothing", 0, 0, G_OPTION_ARG_NONE, &all_or_nothing,
      N_("Record nothing unless every row is good"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, N_("FILE") },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  if (files == NULL || files[0] == NULL || files[1] != NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("import-csv needs exactly one FILE"));
      return FALSE;
    }
  if (business_id == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("import-csv needs --business ID"));
      return FALSE;
    }
  if (!g_uuid_string_is_valid (business_id))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--business “%s” is not a business id (a UUID)"), business_id);
      return FALSE;
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;
  key = sk_config_load_phone_hash_key (config, error);
  if (key == NULL)
    return FALSE;
  tz = g_time_zone_new_identifier (config->timezone);
  g_assert (tz != NULL);

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  lines = g_array_new (FALSE, FALSE, sizeof (guint));
  import.path = files[0];
  import.business_id = business_id;
  import.all_or_nothing = all_or_nothing;
  import.tz = tz;
  import.key = key;
  import.batch = batch;
  import.lines = lines;
  import.tty = isatty (STDERR_FILENO);

  /* The first pass: how many rows, and are they all good? */
  if (!read_file (&import, count_row_cb, error))
    return FALSE;

  if (!all_or_nothing || import.bad == 0)
    {
      conn = sk_db_connect (config->database_url, error);
      if (conn == NULL)
        return FALSE;
      import.conn = conn;
    }

  if (import.conn != NULL && all_or_nothing)
    {
      if (!sk_db_exec (conn, "BEGIN", error))
        return FALSE;
      in_transaction = TRUE;
    }

  import.bad = 0;
  if (!read_file (&import, import_row_cb, error) || !flush_batch (&import, error))
    {
      if (in_transaction)
        sk_db_exec (conn, "ROLLBACK", NULL);
      return FALSE;
    }
  show_progress (&import, TRUE);

  if (in_transaction)
    {
      /* A row the database refused counts as bad: then nothing is kept. */
      if (import.bad > 0)
        {
          if (!sk_db_exec (conn, "ROLLBACK", error))
            return FALSE;
          import.recorded = import.duplicates = import.unmatched = 0;
        }
      else if (!sk_db_exec (conn, "COMMIT", error))
        return FALSE;
    }

  g_print (_("recorded %" PRIu64 ", duplicates %" PRIu64 ", unmatched %" PRIu64
             ", bad rows %" PRIu64 "\n"),
           (uint64_t) import.recorded, (uint64_t) import.duplicates,
           (uint64_t) import.unmatched, (uint64_t) import.bad);
  fflush (stdout);

  if (import.bad > 0)
    {
      if (all_or_nothing)
        g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%" PRIu64 " bad row: nothing was recorded",
                                  "%" PRIu64 " bad rows: nothing was recorded",
                                  import.bad),
                     (uint64_t) import.bad);
      else
        g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%" PRIu64 " bad row: the good rows were recorded",
                                  "%" PRIu64 " bad rows: the good rows were recorded",
                                  import.bad),
                     (uint64_t) import.bad);
      return FALSE;
    }

  return TRUE;
}

const SkCommand sk_command_import_csv = {
  .name = "import-csv",
  .summary = N_("Record a partner's purchases from a CSV file"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = import_csv_run,
};
