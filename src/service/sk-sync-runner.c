/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-sync-runner.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sk-connectors.h"
#include "sk-db.h"
#include "sk-medical.h"
#include "sk-phone.h"
#include "sk-purchase.h"

/*
 * One partner's sync run, joining the connectors (HTTP, no SQL) to the database side
 * (src/db/sk-sync.c):
 *
 *   sk_sync_try_begin ()     the integration's lock, a sync_log row, its settings, cursor and
 *                            credentials
 *   sk_connector_new ()      from the credentials JSON plus the integration's business, time
 *                            zone and account, through the factory (every system it knows)
 *   sk_connector_fetch ()    every page from the stored cursor
 *   sk_medical_anonymize ()  for a medical business on a system that is not a medical one
 *                            (a dental clinic on YCLIENTS, a cosmetologist on amoCRM): each
 *                            sale cut down to its day, amount, medical_service and hashes
 *   sk_sync_reverse_cancelled () sales recorded before and cancelled since, reversed
 *   sk_sync_record_page ()   the purchases in chunks of SK_SYNC_RUNNER_CHUNK, phones hashed
 *                            first; the cursor moves with the last chunk only, so a run that
 *                            dies half-way fetches the same records again and the pipeline's
 *                            idempotency drops those already recorded
 *   sk_sync_finish ()        the log row's end and the failure streak
 *
 * The runner itself holds only the two keys and is never changed after it is made, so the
 * scheduler's threads share it. Each run uses the connection it is given, from start to end.
 */

struct _SkSyncRunner
{
  SkMasterKey *master_key;
  GBytes      *phone_hash_key;
};

/* Where a system keeps the integration's account among its settings besides "account". */
static const struct
{
  const char *system;
  const char *key;
} account_keys[] = {
  { "yclients", "company-id" },
};

/**
 * sk_sync_runner_new:
 * @master_key: (transfer full): opens the stored credentials
 * @phone_hash_key: the key of sk_customer_hash()
 *
 * Returns: (transfer full): a runner, safe to use from several threads at once
 */
SkSyncRunner *
sk_sync_runner_new (SkMasterKey *master_key,
                    GBytes      *phone_hash_key)
{
  SkSyncRunner *self;

  g_return_val_if_fail (master_key != NULL, NULL);
  g_return_val_if_fail (phone_hash_key != NULL && g_bytes_get_size (phone_hash_key) > 0, NULL);

  self = g_new0 (SkSyncRunner, 1);
  self->master_key = master_key;
  self->phone_hash_key = g_bytes_ref (phone_hash_key);
  return self;
}

void
sk_sync_runner_free (SkSyncRunner *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->master_key, sk_master_key_free);
  g_clear_pointer (&self->phone_hash_key, g_bytes_unref);
  g_free (self);
}

void
sk_sync_summary_free (SkSyncSummary *summary)
{
  if (summary == NULL)
    return;

  g_free (summary->system);
  g_free (summary->business_id);
  g_free (summary->error);
  g_free (summary);
}

/**
 * sk_sync_summary_failed:
 *
 * Returns: whether the run failed (busy and cancelled runs did not)
 */
gboolean
sk_sync_summary_failed (const SkSyncSummary *summary)
{
  g_return_val_if_fail (summary != NULL, TRUE);

  return summary->error != NULL && !summary->busy && !summary->cancelled;
}

static void
secret_free (gpointer data)
{
  sk_credentials_text_free (data);
}

static void
set_setting (GHashTable *settings,
             const char *key,
             char       *value)
{
  g_hash_table_replace (settings, g_strdup (key), value);
}

/* The credentials' members as settings: strings as they are, integers and booleans as text.
 * "partner_token" is also "partner-token", the connectors' spelling. */
static gboolean
add_credentials (GHashTable  *settings,
                 const char  *json,
                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *root;

  /* The parser's message may quote the text: say only that it is not an object. */
  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The stored credentials are not a JSON object; set them again "
                             "with “svoikrugd partner set-credentials”"));
      return FALSE;
    }

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      g_autofree char *dashed = NULL;
      char *value;

      if (!JSON_NODE_HOLDS_VALUE (node))
        continue;

      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          value = g_strdup (json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          value = g_strdup (json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          continue;
        }

      dashed = g_strdelimit (g_strdup (name), "_", '-');
      if (!g_str_equal (dashed, name) && !json_object_has_member (object, dashed))
        set_setting (settings, dashed, g_strdup (value));
      set_setting (settings, name, value);
    }

  return TRUE;
}

/* Systems whose connector anonymises a medical partner's sales itself, at the boundary. */
static const char * const medical_systems[] = { "renovatio" };

static gboolean
is_medical_system (const char *system)
{
  for (guint i = 0; i < G_N_ELEMENTS (medical_systems); i++)
    if (g_str_equal (medical_systems[i], system))
      return TRUE;
  return FALSE;
}

/* The credentials, then what the integration's row says: its business and time zone always,
 * its account where the credentials do not name one. */
static GHashTable *
build_settings (const SkSyncRunner  *self,
                const SkSyncRun     *run,
                GError             **error)
{
  g_autoptr(GHashTable) settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          secret_free);
  const char *credentials = sk_sync_run_get_credentials (run);
  const char *system = sk_sync_run_get_system (run);
  const char *account = sk_sync_run_get_account_id (run);
  const char *time_zone = sk_sync_run_get_time_zone (run);

  if (credentials != NULL && !add_credentials (settings, credentials, error))
    return NULL;

  set_setting (settings, "business-id", g_strdup (sk_sync_run_get_business_id (run)));
  /* A medical system's connector hashes its customers itself, at the boundary. */
  if (is_medical_system (system))
    {
      gsize key_len;
      const char *key = g_bytes_get_data (self->phone_hash_key, &key_len);

      set_setting (settings, "phone-hash-key", g_strndup (key, key_len));
    }
  if (time_zone != NULL && *time_zone != '\0')
    set_setting (settings, "time-zone", g_strdup (time_zone));

  if (account != NULL && *account != '\0')
    {
      if (!g_hash_table_contains (settings, "account"))
        set_setting (settings, "account", g_strdup (account));
      for (guint i = 0; i < G_N_ELEMENTS (account_keys); i++)
        if (g_str_equal (account_keys[i].system, system) &&
            !g_hash_table_contains (settings, account_keys[i].key))
          set_setting (settings, account_keys[i].key, g_strdup (account));
    }

  return g_steal_pointer (&settings);
}

static void
wipe_free (char *text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

/* Only the phone's keyed hash goes to the database (sk-pipeline.h): the one hash of
 * import-csv, sk_customer_hash(). A phone that is not E.164 is dropped and the sale kept
 * unmatched, like a sale without a phone. */
static void
hash_phones (const SkSyncRunner *self,
             GPtrArray          *purchases)
{
  gsize key_len;
  const guint8 *key = g_bytes_get_data (self->phone_hash_key, &key_len);

  for (guint i = 0; i < purchases->len; i++)
    {
      SkPurchase *purchase = g_ptr_array_index (purchases, i);

      if (purchase->phone_e164 == NULL)
        continue;
      if (purchase->customer_hash == NULL && sk_phone_is_e164 (purchase->phone_e164))
        purchase->customer_hash = sk_customer_hash (key, key_len, purchase->phone_e164);
      g_clear_pointer (&purchase->phone_e164, wipe_free);
    }
}

/* Whether the integration's business is a medical partner (businesses.is_medical). */
static gboolean
business_is_medical (PGconn      *conn,
                     const char  *business_id,
                     gboolean    *out,
                     GError     **error)
{
  const char *params[] = { business_id };
  PGresult *result = PQexecParams (conn, "SELECT is_medical FROM businesses WHERE id = $1",
                                   1, NULL, params, NULL, NULL, 0);
  gboolean ok = PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1;

  if (ok)
    *out = g_str_equal (PQgetvalue (result, 0, 0), "t");
  else
    g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY,
                 _("Cannot tell whether business %s is a medical partner: %s"), business_id,
                 PQresultStatus (result) == PGRES_TUPLES_OK ? _("no such business")
                                                             : PQerrorMessage (conn));
  PQclear (result);
  return ok;
}

/* "system:account:id" → "system:account:<hash>": the namespace kept, the partner's own id
 * replaced by its HMAC. */
static char *
hashed_external_id (const char *external_id,
                    const char *hash)
{
  const char *colon = strrchr (external_id, ':');
  gsize prefix = colon != NULL ? (gsize) (colon - external_id) + 1 : 0;
  char *id = g_strdup_printf ("%.*s%s", (int) prefix, external_id, hash);

  if (strlen (id) > SK_PURCHASE_EXTERNAL_ID_MAX)
    g_clear_pointer (&id, g_free);
  return id;
}

/* The part of a "system:account:id" external id that is the partner's own. */
static const char *
own_id (const char *external_id)
{
  const char *colon = external_id != NULL ? strrchr (external_id, ':') : NULL;

  return colon != NULL ? colon + 1 : external_id;
}

/* A medical partner's sales from a system that does not anonymise them: each replaced by
 * what sk_medical_anonymize() keeps (the day in the integration's zone, the amount,
 * medical_service, the phone's and the id's HMACs). A sale that cannot be anonymised is not
 * recorded; it counts as invalid. */
static void
anonymize_medical (const SkSyncRunner *self,
                   const SkSyncRun    *run,
                   SkConnectorBatch   *batch)
{
  gsize key_len;
  const guint8 *key = g_bytes_get_data (self->phone_hash_key, &key_len);
  const char *zone = sk_sync_run_get_time_zone (run);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone != NULL && *zone != '\0'
                                                        ? zone : "Europe/Moscow");
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);

  if (tz == NULL)
    tz = g_time_zone_new_utc ();

  for (guint i = 0; i < batch->purchases->len; i++)
    {
      SkPurchase *p = g_ptr_array_index (batch->purchases, i);
      const char *phone = p->phone_e164 != NULL && sk_phone_is_e164 (p->phone_e164)
                          ? p->phone_e164 : NULL;
      SkMedicalInput input = { NULL, };
      SkMedicalRecord medical;
      g_autoptr(SkPurchase) anonymous = NULL;

      input.external_id = own_id (p->external_id);
      input.original_external_id = own_id (p->original_external_id);
      input.occurred_at = p->occurred_at;
      input.amount = p->amount;
      input.phone = phone;
      /* The anonymiser needs a customer; one without a phone stays unmatched below. */
      input.customer_id = phone == NULL ? input.external_id : NULL;
      if (!sk_medical_anonymize (&input, tz, key, key_len, &medical, NULL))
        {
          batch->n_invalid++;
          continue;
        }

      anonymous = sk_medical_record_to_purchase (&medical, p->business_id != NULL
                                                           ? p->business_id
                                                           : sk_sync_run_get_business_id (run),
                                                 tz);
      g_free (anonymous->external_id);
      anonymous->external_id = hashed_external_id (p->external_id, medical.external_hash);
      if (anonymous->original_external_id != NULL)
        {
          char *original = hashed_external_id (p->original_external_id,
                                               medical.original_external_hash);

          g_free (anonymous->original_external_id);
          anonymous->original_external_id = original;
        }
      if (anonymous->external_id == NULL ||
          (p->original_external_id != NULL && anonymous->original_external_id == NULL))
        {
          batch->n_invalid++;
          continue;
        }
      /* Members are found by their phone's hash only. */
      if (phone == NULL)
        g_clear_pointer (&anonymous->customer_hash, g_free);
      anonymous->involved_via = p->involved_via;
      g_ptr_array_add (kept, g_steal_pointer (&anonymous));
    }

  /* The partner's own purchases, phones and all, go now. */
  for (guint i = 0; i < batch->purchases->len; i++)
    {
      SkPurchase *p = g_ptr_array_index (batch->purchases, i);

      g_clear_pointer (&p->phone_e164, wipe_free);
    }
  g_ptr_array_set_size (batch->purchases, 0);
  g_ptr_array_extend_and_steal (batch->purchases, g_steal_pointer (&kept));
}

static gboolean
record (SkSyncRun         *run,
        SkConnectorBatch  *batch,
        GCancellable      *cancellable,
        GError           **error)
{
  GPtrArray *purchases = batch->purchases;
  guint done = 0;

  /* At least one page, even an empty one: it moves the cursor and writes the skipped. */
  do
    {
      guint n = MIN (SK_SYNC_RUNNER_CHUNK, purchases->len - done);
      gboolean last = done + n == purchases->len;
      g_autoptr(GPtrArray) chunk = g_ptr_array_new_full (n, NULL);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (chunk, g_ptr_array_index (purchases, done + i));

      if (!sk_sync_record_page (run, chunk,
                                last ? batch->n_skipped + batch->n_invalid : 0,
                                last ? batch->cursor : NULL,
                                NULL, error))
        return FALSE;
      done += n;
    }
  while (done < purchases->len);

  return TRUE;
}

/* The connector's reason, made to say what to do when the partner refused the
 * credentials. */
static char *
describe_error (const char   *system,
                const GError *error)
{
  if (g_error_matches (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH))
    return g_strdup_printf (_("%s: %s; store new ones with “svoikrugd partner "
                              "set-credentials”"), system, error->message);
  return g_strdup_printf ("%s: %s", system, error->message);
}

static gboolean
sync_started (const SkSyncRunner  *self,
              PGconn              *conn,
              SkSyncRun           *run,
              const char          *cursor,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autoptr(GHashTable) settings = NULL;
  g_autoptr(SkConnector) connector = NULL;
  g_autoptr(SkPartnerClient) client = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;
  const char *system = sk_sync_run_get_system (run);
  gboolean medical = FALSE;

  if (!is_medical_system (system) &&
      !business_is_medical (conn, sk_sync_run_get_business_id (run), &medical, error))
    return FALSE;

  settings = build_settings (self, run, error);
  if (settings == NULL)
    return FALSE;

  connector = sk_connector_new (sk_sync_run_get_system (run), settings, error);
  if (connector == NULL)
    return FALSE;

  client = sk_partner_client_new ();
  batch = sk_connector_fetch (connector, client,
                              cursor != NULL ? cursor : sk_sync_run_get_cursor (run),
                              g_get_real_time (), cancellable, error);
  if (batch == NULL)
    return FALSE;

  if (medical)
    anonymize_medical (self, run, batch);
  hash_phones (self, batch->purchases);

  /* Before the pages: a crash in between leaves the cursor where it was, and the next run
   * finds the same sales already reversed. A medical partner's sales are stored under
   * hashed ids, so its cancellations find nothing (left for when the systems say). */
  if (!medical)
    {
      guint reversed;

      if (!sk_sync_reverse_cancelled (run, batch->cancelled, &reversed, error))
        return FALSE;
      batch->n_skipped -= MIN (reversed, batch->n_skipped);
    }
  return record (run, batch, cancellable, error);
}

/**
 * sk_sync_runner_run:
 * @self: a runner
 * @conn: a connection as the service, outside any transaction, used by this run alone
 * @integration_id: the integration to sync
 * @cursor: (nullable): where to start instead of the stored cursor (`sync --since`)
 * @cancellable: (nullable): stops the HTTP requests; a cancelled run is not finished, so
 *   it is left as a crashed one: what it committed stays, its log row has no end
 *
 * Runs one partner's sync from start to end. Failures are in the summary, not a #GError:
 * a failed run is a result to report, and it has been written to sync_log.
 *
 * Returns: (transfer full): what the run did
 */
SkSyncSummary *
sk_sync_runner_run (const SkSyncRunner *self,
                    PGconn             *conn,
                    gint64              integration_id,
                    const char         *cursor,
                    GCancellable       *cancellable)
{
  g_autoptr(SkSyncSummary) summary = g_new0 (SkSyncSummary, 1);
  g_autoptr(SkSyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) finish_error = NULL;
  SkSyncStart start;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (conn != NULL, NULL);

  summary->integration_id = integration_id;
  summary->started_at = g_get_real_time ();

  start = sk_sync_try_begin (conn, self->master_key, integration_id, &run, &error);
  if (start == SK_SYNC_BUSY)
    {
      summary->busy = TRUE;
      summary->error = g_strdup (_("already running elsewhere"));
      summary->finished_at = g_get_real_time ();
      return g_steal_pointer (&summary);
    }
  if (start == SK_SYNC_FAILED)
    {
      summary->error = g_strdup (error->message);
      summary->finished_at = g_get_real_time ();
      return g_steal_pointer (&summary);
    }

  summary->system = g_strdup (sk_sync_run_get_system (run));
  summary->business_id = g_strdup (sk_sync_run_get_business_id (run));

  if (!sync_started (self, conn, run, cursor, cancellable, &error))
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          summary->cancelled = TRUE;
          summary->error = g_strdup (_("stopped"));
        }
      else
        {
          summary->error = describe_error (summary->system, error);
          if (!sk_sync_finish (run, summary->error, &finish_error))
            g_warning ("sync of integration %" G_GINT64_FORMAT ": %s",
                       integration_id, finish_error->message);
        }
    }
  else if (!sk_sync_finish (run, NULL, &finish_error))
    summary->error = g_strdup (finish_error->message);

  summary->counts = *sk_sync_run_get_counts (run);
  summary->finished_at = g_get_real_time ();
  return g_steal_pointer (&summary);
}

static char *
format_time (gint64     usec,
             GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

/**
 * sk_sync_summary_describe:
 * @summary: a run's summary
 * @tz: the zone of the times shown (the club's)
 *
 * Returns: (transfer full): one translated line, without a final newline
 */
char *
sk_sync_summary_describe (const SkSyncSummary *summary,
                          GTimeZone           *tz)
{
  g_autofree char *started = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *who = NULL;
  GString *line;

  g_return_val_if_fail (summary != NULL, NULL);
  g_return_val_if_fail (tz != NULL, NULL);

  if (summary->system != NULL)
    who = g_strdup_printf (_("integration %" PRId64 " (%s, business %s)"),
                           (int64_t) summary->integration_id, summary->system,
                           summary->business_id);
  else
    who = g_strdup_printf (_("integration %" PRId64), (int64_t) summary->integration_id);

  if (summary->busy)
    return g_strdup_printf (_("%s: already running elsewhere"), who);

  started = format_time (summary->started_at, tz);
  finished = format_time (summary->finished_at, tz);
  line = g_string_new (NULL);
  g_string_append_printf (line,
                          _("%s: started %s, finished %s, fetched %u, recorded %u, "
                            "duplicates %u, unmatched %u, skipped %u"),
                          who, started, finished, summary->counts.fetched,
                          summary->counts.recorded, summary->counts.duplicates,
                          summary->counts.unmatched, summary->counts.skipped);
  if (summary->error != NULL)
    g_string_append_printf (line, _(", error: %s"), summary->error);
  return g_string_free (line, FALSE);
}
