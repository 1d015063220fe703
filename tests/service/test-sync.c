/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sk-fake-partner.h"
#include "sk-purchase.h"
#include "sk-test-pg.h"
#include "sk-test-service.h"

/* `svoikrugd sync` and the sync scheduler of `serve` against a real database and a fake
 * YCLIENTS on the loopback address (tests/connectors/sk-fake-partner.c) serving the
 * fixture's six records: three completed sales (one without a phone), three that are not. */

#define BUSINESS   "5c5c0000-0000-4000-8000-000000000001"
#define MEMBER_1   "5c5c0000-0000-4000-8000-0000000000a1"
#define MEMBER_2   "5c5c0000-0000-4000-8000-0000000000a2"
#define COMPANY    "731402"
#define PHONE_KEY  "test-phone-hash-key-0123456789"
#define MASTER_KEY "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define TOKEN      "partner-token-Qz9w"
#define AUTH       "Bearer " TOKEN ", User user-token"
#define NEW_ID     "912009999"
/* Seconds to wait for the fake or the database to get somewhere. */
#define PATIENCE   30

typedef struct
{
  SkTestDb      *db;
  char          *url;         /* SVOIKRUG_DATABASE_URL=… */
  char          *credentials;
  JsonNode      *fixture;
  SkFakePartner *fake;

  /* Shared with the fake's thread. */
  GMutex         mutex;
  GCond          cond;
  GPtrArray     *records;     /* JsonNode, each with "changed_us" (ours, not YCLIENTS') */
  guint          hold_page;   /* this page waits for release, 0 for none */
  gboolean       holding;
  gboolean       released;
} Fixture;

static gint64
parse_local (const char *text)
{
  g_autoptr(GTimeZone) msk = g_time_zone_new_identifier ("Europe/Moscow");
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, msk);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

/* A fixture record as changed at @changed_us, its visit an hour before (never in the
 * future, whatever today is). */
static void
add_record (Fixture    *f,
            JsonNode   *record,
            const char *id,
            gint64      changed_us)
{
  /* json_node_copy() would share the object: a deep copy through the text. */
  g_autofree char *text = json_to_string (record, FALSE);
  JsonNode *copy = json_from_string (text, NULL);
  JsonObject *object = json_node_get_object (copy);
  g_autoptr(GDateTime) visit = g_date_time_new_from_unix_utc (changed_us / G_USEC_PER_SEC -
                                                              3600);
  g_autofree char *datetime = g_date_time_format_iso8601 (visit);

  if (id != NULL)
    json_object_set_int_member (object, "id", g_ascii_strtoll (id, NULL, 10));
  json_object_set_string_member (object, "datetime", datetime);
  json_object_set_int_member (object, "changed_us", changed_us);

  g_mutex_lock (&f->mutex);
  g_ptr_array_add (f->records, copy);
  g_mutex_unlock (&f->mutex);
}

/* GET /api/v1/records/{company}: the records changed in [changed_after, changed_before), in
 * pages of `count`, with YCLIENTS' envelope. */
static void
serve_records (SkFakePartner     *fake,
               SoupServerMessage *msg,
               gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GPtrArray) window = g_ptr_array_new ();
  g_autoptr(GHashTable) query = NULL;
  guint64 page, count;
  gint64 after, before;

  if (g_strcmp0 (g_uri_get_path (soup_server_message_get_uri (msg)),
                 "/api/v1/records/" COMPANY) != 0)
    {
      sk_fake_reply_text (msg, 404, "application/json", "{\"success\":false}");
      return;
    }
  if (g_strcmp0 (sk_fake_header (msg, "Authorization"), AUTH) != 0)
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"success\":false,\"data\":null,"
                          "\"meta\":{\"message\":\"INVALID_PARTNER_TOKEN\"}}");
      return;
    }

  query = soup_form_decode (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "page"), 10, 1, 100,
                                             &page, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "count"), 10, 1, 300,
                                             &count, NULL));
  after = parse_local (g_hash_table_lookup (query, "changed_after"));
  before = parse_local (g_hash_table_lookup (query, "changed_before"));

  g_mutex_lock (&f->mutex);
  if (page == f->hold_page)
    {
      gint64 deadline = g_get_monotonic_time () + PATIENCE * G_USEC_PER_SEC;

      f->holding = TRUE;
      g_cond_broadcast (&f->cond);
      while (!f->released && g_cond_wait_until (&f->cond, &f->mutex, deadline))
        ;
    }
  for (guint i = 0; i < f->records->len; i++)
    {
      JsonNode *record = g_ptr_array_index (f->records, i);
      gint64 changed = json_object_get_int_member (json_node_get_object (record), "changed_us");

      /* The API's filter has whole seconds. */
      if (changed / G_USEC_PER_SEC >= after / G_USEC_PER_SEC &&
          changed / G_USEC_PER_SEC < before / G_USEC_PER_SEC + 1)
        g_ptr_array_add (window, json_node_copy (record));
    }
  g_mutex_unlock (&f->mutex);
  g_ptr_array_set_free_func (window, (GDestroyNotify) json_node_unref);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "success");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = (page - 1) * count; i < window->len && i < page * count; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (window, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "meta");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total_count");
  json_builder_add_int_value (b, window->len);
  json_builder_end_object (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json", reply);
}

static char *
hash_sql (const char *phone)
{
  g_autofree char *hex = sk_customer_hash ((const guint8 *) PHONE_KEY, strlen (PHONE_KEY),
                                           phone);

  return g_strdup_printf ("decode('%s', 'hex')", hex);
}

static SkRun *
svoikrugd (Fixture    *f,
           const char *first_arg,
           ...)
{
  const char *env[] = {
    f->url, "SVOIKRUG_MASTER_KEY=" MASTER_KEY, "SVOIKRUG_PHONE_HASH_KEY=" PHONE_KEY, NULL
  };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return sk_test_runv (env, (const char * const *) args->pdata);
}

/* Stores the credentials (@token, the fake's address, 2 records a page) as an admin
 * would. */
static void
set_credentials (Fixture    *f,
                 const char *token)
{
  g_autofree char *json = g_strdup_printf ("{\"partner_token\": \"%s\", \"user_token\": "
                                           "\"user-token\", \"base_url\": \"%s\", "
                                           "\"page_size\": 2}",
                                           token, sk_fake_partner_get_url (f->fake));
  g_autoptr(SkRun) set = NULL;

  if (f->credentials != NULL)
    g_unlink (f->credentials);
  g_free (f->credentials);
  f->credentials = sk_test_write_file ("credentials.json", json);
  set = svoikrugd (f, "partner", "set-credentials", "--business", BUSINESS,
                   "--system", "yclients", "--account", COMPANY,
                   "--from-file", f->credentials, NULL);
  g_assert_cmpstr (set->err, ==, "");
  g_assert_cmpint (set->status, ==, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *hash_1 = hash_sql ("+79167003341");
  g_autofree char *hash_2 = hash_sql ("+79035124407");
  g_autofree char *sql = NULL;
  JsonArray *records;
  gint64 hour_ago = g_get_real_time () - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;

  g_mutex_init (&f->mutex);
  g_cond_init (&f->cond);
  f->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  f->fixture = sk_test_fixture_json ("yclients-records.json");
  records = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  for (guint i = 0; i < json_array_get_length (records); i++)
    add_record (f, json_array_get_element (records, i), NULL, hour_ago);
  f->fake = sk_fake_partner_new (serve_records, f);

  f->db = sk_test_db_new ("svc_sync");
  f->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", f->db->conninfo);
  sql = g_strdup_printf ("INSERT INTO businesses (id, name, category) VALUES"
                         " ('" BUSINESS "', 'Миндаль', 'beauty');"
                         "INSERT INTO members (id, phone_hash) VALUES"
                         " ('" MEMBER_1 "', %s), ('" MEMBER_2 "', %s)", hash_1, hash_2);
  sk_test_assert_ok (PQexec (f->db->conn, sql));
  set_credentials (f, TOKEN);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_mutex_lock (&f->mutex);
  f->released = TRUE;
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->mutex);
  g_clear_pointer (&f->fake, sk_fake_partner_free);

  g_clear_pointer (&f->db, sk_test_db_free);
  g_clear_pointer (&f->url, g_free);
  if (f->credentials != NULL)
    g_unlink (f->credentials);
  g_clear_pointer (&f->credentials, g_free);
  g_clear_pointer (&f->fixture, json_node_unref);
  g_clear_pointer (&f->records, g_ptr_array_unref);
  g_mutex_clear (&f->mutex);
  g_cond_clear (&f->cond);
}

static gint64
qint (Fixture    *f,
      const char *sql)
{
  return sk_test_query_int (f->db->conn, sql, NULL);
}

static char *
qstr (Fixture    *f,
      const char *sql)
{
  char *value = sk_test_query_value (f->db->conn, sql, NULL);

  g_assert_nonnull (value);
  return value;
}

/* The run's log row: "fetched recorded duplicates unmatched skipped finished error". */
static char *
last_log (Fixture *f)
{
  return qstr (f, "SELECT fetched || ' ' || recorded || ' ' || duplicates || ' ' || unmatched"
                  " || ' ' || skipped || ' ' || (finished_at IS NOT NULL) || ' '"
                  " || coalesce (error, '-') FROM sync_log ORDER BY id DESC LIMIT 1");
}

/* Each purchase once: "external_id amount member-or-unmatched" rows. */
static char *
purchases (Fixture *f)
{
  return qstr (f, "SELECT coalesce (string_agg (external_id || ' ' || amount || ' ' ||"
                  " CASE WHEN member_id IS NULL THEN 'unmatched' ELSE 'member' END, '; '"
                  " ORDER BY external_id), '') FROM purchases");
}

static void
assert_line (const SkRun *run,
             const char  *counts)
{
  g_assert_true (g_str_has_prefix (run->out, "integration "));
  g_assert_nonnull (strstr (run->out, " (yclients, business " BUSINESS "): started "));
  g_assert_cmpstr (run->out + strlen (run->out) - MIN (strlen (counts), strlen (run->out)), ==,
                   counts);
  /* One line per partner. */
  g_assert_cmpstr (strchr (run->out, '\n'), ==, run->out + strlen (run->out) - 1);
}

#define FIRST_THREE "yclients:731402:912004411 250000 member;" \
                    " yclients:731402:912004437 216000 member;" \
                    " yclients:731402:912004471 110000 unmatched"

static void
test_full_then_incremental (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) second = NULL;
  g_autoptr(SkRun) idle = NULL;
  g_autofree char *log = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *cursor_after = NULL;
  JsonArray *records;

  first = svoikrugd (f, "sync", NULL);
  g_assert_cmpstr (first->err, ==, "");
  g_assert_cmpint (first->status, ==, 0);
  assert_line (first, ", fetched 6, recorded 2, duplicates 0, unmatched 1, skipped 3\n");
  log = last_log (f);
  g_assert_cmpstr (log, ==, "6 2 0 1 3 true -");
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, FIRST_THREE);
  cursor = qstr (f, "SELECT sync_cursor FROM partner_integrations");
  g_assert_cmpint (qint (f, "SELECT consecutive_failures FROM partner_integrations"), ==, 0);

  /* Not due again for 15 minutes. */
  idle = svoikrugd (f, "sync", NULL);
  g_assert_cmpint (idle->status, ==, 0);
  g_assert_cmpstr (idle->out, ==, "No partner is due for a sync\n");

  /* A new sale since: only it is fetched. */
  records = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  add_record (f, json_array_get_element (records, 0), NEW_ID, g_get_real_time ());
  second = svoikrugd (f, "sync", "--business", BUSINESS, NULL);
  g_assert_cmpstr (second->err, ==, "");
  g_assert_cmpint (second->status, ==, 0);
  assert_line (second, ", fetched 1, recorded 1, duplicates 0, unmatched 0, skipped 0\n");
  g_clear_pointer (&log, g_free);
  log = last_log (f);
  g_assert_cmpstr (log, ==, "1 1 0 0 0 true -");
  g_clear_pointer (&rows, g_free);
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, FIRST_THREE "; yclients:731402:" NEW_ID " 250000 member");
  cursor_after = qstr (f, "SELECT sync_cursor FROM partner_integrations");
  g_assert_cmpint (g_ascii_strtoll (cursor_after, NULL, 10), >, g_ascii_strtoll (cursor, NULL, 10));
}

/* A visit recorded at one sync and deleted in YCLIENTS before the next: the next sync
 * reverses it (and the one after finds nothing more to do). */
static void
test_deleted_after_sync (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) second = NULL;
  g_autoptr(SkRun) third = NULL;
  g_autoptr(JsonNode) deleted = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *text = NULL;
  JsonArray *records;

  first = svoikrugd (f, "sync", NULL);
  g_assert_cmpint (first->status, ==, 0);

  records = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  /* A deep copy through the text, as add_record() does. */
  text = json_to_string (json_array_get_element (records, 0), FALSE);
  deleted = json_from_string (text, NULL);
  json_object_set_boolean_member (json_node_get_object (deleted), "deleted", TRUE);
  add_record (f, deleted, "912004411", g_get_real_time ());

  second = svoikrugd (f, "sync", "--business", BUSINESS, NULL);
  g_assert_cmpstr (second->err, ==, "");
  g_assert_cmpint (second->status, ==, 0);
  assert_line (second, ", fetched 1, recorded 1, duplicates 0, unmatched 0, skipped 0\n");
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, "yclients:731402:912004411 250000 member;"
                             " yclients:731402:912004411:cancelled -250000 member;"
                             " yclients:731402:912004437 216000 member;"
                             " yclients:731402:912004471 110000 unmatched");

  third = svoikrugd (f, "sync", "--business", BUSINESS, NULL);
  g_assert_cmpint (third->status, ==, 0);
  assert_line (third, ", fetched 1, recorded 0, duplicates 0, unmatched 0, skipped 1\n");
  g_assert_cmpint (qint (f, "SELECT count(*) FROM purchases WHERE amount < 0"), ==, 1);
}

static void
test_since (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) again = NULL;
  g_autoptr(SkRun) bad = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *since = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);

  first = svoikrugd (f, "sync", NULL);
  g_assert_cmpint (first->status, ==, 0);

  /* From yesterday: all six again, nothing recorded twice. */
  since = g_date_time_format_iso8601 (yesterday);
  again = svoikrugd (f, "sync", "--business", BUSINESS, "--since", since, NULL);
  g_assert_cmpstr (again->err, ==, "");
  g_assert_cmpint (again->status, ==, 0);
  assert_line (again, ", fetched 6, recorded 0, duplicates 3, unmatched 0, skipped 3\n");
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, FIRST_THREE);

  bad = svoikrugd (f, "sync", "--since", "yesterday", NULL);
  g_assert_cmpint (bad->status, ==, 2);
  g_assert_cmpstr (bad->out, ==, "");
  g_assert_cmpstr (bad->err, ==, "svoikrugd: --since “yesterday” is not a date or time in "
                                 "ISO 8601 (e.g. 2026-01-15 or 2026-01-15T03:00:00+03:00)\n");
}

static void
test_wrong_token (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) refused = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *cursor_after = NULL;
  g_autofree char *log = NULL;
  guint requests;

  first = svoikrugd (f, "sync", NULL);
  g_assert_cmpint (first->status, ==, 0);
  cursor = qstr (f, "SELECT sync_cursor FROM partner_integrations");

  /* New credentials make it due at once. */
  set_credentials (f, "stale-token-91b2");
  requests = sk_fake_partner_get_n_requests (f->fake);
  refused = svoikrugd (f, "sync", NULL);
  g_assert_cmpint (refused->status, ==, 1);
  assert_line (refused, ", fetched 0, recorded 0, duplicates 0, unmatched 0, skipped 0, error: "
                        "yclients: The partner refused the credentials (HTTP 401): check the "
                        "token or key in the partner’s settings; store new ones with "
                        "“svoikrugd partner set-credentials”\n");
  g_assert_cmpstr (refused->err, ==, "svoikrugd: 1 of 1 partner syncs failed\n");
  g_assert_null (strstr (refused->out, "stale-token"));
  /* Refused once, not retried. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, requests + 1);

  cursor_after = qstr (f, "SELECT sync_cursor FROM partner_integrations");
  g_assert_cmpstr (cursor_after, ==, cursor);
  g_assert_cmpint (qint (f, "SELECT consecutive_failures FROM partner_integrations"), ==, 1);
  log = last_log (f);
  g_assert_true (g_str_has_prefix (log, "0 0 0 0 0 true yclients: The partner refused the "
                                        "credentials (HTTP 401)"));
}

/* Killed while it waits for the second page, then run again: each sale recorded once. */
static void
test_killed (Fixture       *f,
             gconstpointer  data)
{
  const char *env[] = {
    f->url, "SVOIKRUG_MASTER_KEY=" MASTER_KEY, "SVOIKRUG_PHONE_HASH_KEY=" PHONE_KEY, NULL
  };
  g_autoptr(GSubprocessLauncher) launcher = sk_test_launcher (env);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SkRun) again = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *log = NULL;
  gint64 deadline = g_get_monotonic_time () + PATIENCE * G_USEC_PER_SEC;

  g_mutex_lock (&f->mutex);
  f->hold_page = 2;
  g_mutex_unlock (&f->mutex);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                             G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  process = g_subprocess_launcher_spawn (launcher, &error, sk_test_bin (), "sync", NULL);
  g_assert_no_error (error);

  g_mutex_lock (&f->mutex);
  while (!f->holding)
    g_assert_true (g_cond_wait_until (&f->cond, &f->mutex, deadline));
  g_mutex_unlock (&f->mutex);

  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);

  g_mutex_lock (&f->mutex);
  f->hold_page = 0;
  f->released = TRUE;
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->mutex);

  /* The run's log row stays open, as after any crash; its lock goes with its connection. */
  log = last_log (f);
  g_assert_cmpstr (log, ==, "0 0 0 0 0 false -");
  while (qint (f, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 20);
    }

  again = svoikrugd (f, "sync", NULL);
  g_assert_cmpstr (again->err, ==, "");
  g_assert_cmpint (again->status, ==, 0);
  assert_line (again, ", fetched 6, recorded 2, duplicates 0, unmatched 1, skipped 3\n");
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, FIRST_THREE);
  g_assert_cmpint (qint (f, "SELECT count(*) FROM sync_log"), ==, 2);
}

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
} Serve;

static void
serve_start (Fixture *f,
             Serve   *serve)
{
  const char *env[] = {
    f->url, "SVOIKRUG_MASTER_KEY=" MASTER_KEY, "SVOIKRUG_PHONE_HASH_KEY=" PHONE_KEY,
    "SVOIKRUG_SYNC_TICK_SECONDS=1", "SVOIKRUG_JOBS_INTERVAL_MINUTES=1440", NULL
  };
  g_autoptr(GSubprocessLauncher) launcher = sk_test_launcher (env);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  serve->process = g_subprocess_launcher_spawn (launcher, &error, sk_test_bin (), "serve",
                                                "--port", "0", NULL);
  g_assert_no_error (error);
  serve->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve->process));
  line = g_data_input_stream_read_line_utf8 (serve->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "svoikrugd: listening on "));
}

/* SIGTERM; returns its log (stderr). */
static char *
serve_stop (Serve *serve)
{
  g_autoptr(GOutputStream) err = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;

  g_subprocess_send_signal (serve->process, SIGTERM);
  g_subprocess_wait (serve->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (serve->process));
  g_assert_cmpint (g_subprocess_get_exit_status (serve->process), ==, 0);

  rest = g_data_input_stream_read_line_utf8 (serve->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rest, ==, "svoikrugd: stopped");

  g_output_stream_splice (err, g_subprocess_get_stderr_pipe (serve->process),
                          G_OUTPUT_STREAM_SPLICE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write (err, "", 1, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (err, NULL, NULL);
  g_clear_object (&serve->out);
  g_clear_object (&serve->process);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (err));
}

static guint
count_lines (const char *log,
             const char *text)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], text) != NULL)
      n++;
  return n;
}

/* `serve` syncs a due partner on its own, once per interval. */
static void
test_serve (Fixture       *f,
            gconstpointer  data)
{
  Serve serve = { NULL, };
  g_autofree char *rows = NULL;
  g_autofree char *log = NULL;
  g_autofree char *stderr_log = NULL;
  gint64 deadline = g_get_monotonic_time () + PATIENCE * G_USEC_PER_SEC;

  serve_start (f, &serve);
  while (qint (f, "SELECT count(*) FROM sync_log WHERE finished_at IS NOT NULL") == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 10);
    }

  /* A few more ticks: not due again for 15 minutes. */
  g_usleep (G_USEC_PER_SEC * 5 / 2);
  stderr_log = serve_stop (&serve);

  log = last_log (f);
  g_assert_cmpstr (log, ==, "6 2 0 1 3 true -");
  g_assert_cmpint (qint (f, "SELECT count(*) FROM sync_log"), ==, 1);
  rows = purchases (f);
  g_assert_cmpstr (rows, ==, FIRST_THREE);
  g_assert_cmpuint (count_lines (stderr_log, "sync: integration "), ==, 1);
  g_assert_cmpuint (count_lines (stderr_log, " (yclients, business " BUSINESS "): started "), ==, 1);
  g_assert_cmpuint (count_lines (stderr_log, ", fetched 6, recorded 2, duplicates 0, unmatched 1,"
                                             " skipped 3"), ==, 1);
}

/* Stopped while a run waits for a page: it stops at once, records nothing half-way. */
static void
test_serve_stopped (Fixture       *f,
                    gconstpointer  data)
{
  Serve serve = { NULL, };
  g_autofree char *stderr_log = NULL;
  g_autofree char *rows = NULL;
  gint64 deadline = g_get_monotonic_time () + PATIENCE * G_USEC_PER_SEC;
  gint64 stopping;

  g_mutex_lock (&f->mutex);
  f->hold_page = 2;
  g_mutex_unlock (&f->mutex);

  serve_start (f, &serve);
  g_mutex_lock (&f->mutex);
  while (!f->holding)
    g_assert_true (g_cond_wait_until (&f->cond, &f->mutex, deadline));
  g_mutex_unlock (&f->mutex);

  stopping = g_get_monotonic_time ();
  stderr_log = serve_stop (&serve);
  /* Well before the fake lets the page go. */
  g_assert_cmpint (g_get_monotonic_time () - stopping, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (count_lines (stderr_log, "sync: "), ==, 0);

  rows = purchases (f);
  g_assert_cmpstr (rows, ==, "");
  g_assert_cmpint (qint (f, "SELECT consecutive_failures FROM partner_integrations"), ==, 0);
}

/* A medical partner: a clinic on Renovatio (tests/connectors/fixtures/renovatio-invoices.json).
 * Nothing of a service, doctor or diagnosis may reach the database or the service's log. */

#define CLINIC     "5c5c0000-0000-4000-8000-000000000002"
#define RNOVA_KEY  "rnova-4p1-k3y"
#define RNOVA_PAGE 3

/* POST /api/public/getInvoices: the fixture's invoices in pages of `count`, Renovatio's
 * envelope; the window is not checked here (tests/connectors/test-renovatio.c does). */
static void
serve_invoices (SkFakePartner     *fake,
                SoupServerMessage *msg,
                gpointer           user_data)
{
  Fixture *f = user_data;
  JsonArray *invoices = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  guint64 page, count;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0 ||
      g_strcmp0 (g_uri_get_path (soup_server_message_get_uri (msg)),
                 "/api/public/getInvoices") != 0)
    {
      sk_fake_reply_text (msg, 404, "application/json", "{\"error\":1}");
      return;
    }
  form = soup_form_decode (text);
  if (g_strcmp0 (g_hash_table_lookup (form, "api_key"), RNOVA_KEY) != 0)
    {
      sk_fake_reply_text (msg, 200, "application/json",
                          "{\"error\":1,\"data\":{\"code\":403,\"desc\":\"No access to method\"}}");
      return;
    }
  g_assert_cmpstr (g_hash_table_lookup (form, "clinic_id"), ==, "3");
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (form, "page"), 10, 1, 100,
                                             &page, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (form, "count"), 10, 1, 1000,
                                             &count, NULL));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = (page - 1) * count; i < json_array_get_length (invoices) && i < page * count; i++)
    json_builder_add_value (b, json_node_copy (json_array_get_element (invoices, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json", reply);
}

static void
medical_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *hash_1 = hash_sql ("+79161112233");
  g_autofree char *hash_2 = hash_sql ("+79254445566");
  g_autofree char *sql = NULL;
  g_autofree char *json = NULL;
  g_autoptr(SkRun) set = NULL;

  g_mutex_init (&f->mutex);
  g_cond_init (&f->cond);
  f->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  f->fixture = sk_test_fixture_json ("renovatio-invoices.json");
  f->fake = sk_fake_partner_new (serve_invoices, f);

  f->db = sk_test_db_new ("svc_sync_med");
  f->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", f->db->conninfo);
  sql = g_strdup_printf ("INSERT INTO businesses (id, name, category, is_medical) VALUES"
                         " ('" CLINIC "', 'Клиника Здоровье', 'medicine', true);"
                         "INSERT INTO members (id, phone_hash) VALUES"
                         " ('" MEMBER_1 "', %s), ('" MEMBER_2 "', %s)", hash_1, hash_2);
  sk_test_assert_ok (PQexec (f->db->conn, sql));

  json = g_strdup_printf ("{\"api_key\": \"" RNOVA_KEY "\", \"base_url\": \"%s\", "
                          "\"clinic_id\": 3, \"page_size\": %d}",
                          sk_fake_partner_get_url (f->fake), RNOVA_PAGE);
  f->credentials = sk_test_write_file ("credentials.json", json);
  set = svoikrugd (f, "partner", "set-credentials", "--business", CLINIC,
                   "--system", "renovatio", "--account", "clinic",
                   "--from-file", f->credentials, NULL);
  g_assert_cmpstr (set->err, ==, "");
  g_assert_cmpint (set->status, ==, 0);
}

/* Every string of the fixture that tells what was done to whom: the services' titles and any
 * member of an invoice or a service named like a doctor, a diagnosis, a speciality or a
 * comment, plus each invoice's number and raw id as an external id. */
static GPtrArray *
medical_strings (Fixture *f)
{
  static const char * const sensitive[] = {
    "title", "doctor", "doctor_name", "diagnosis", "diagnosis_name", "diagnosis_code",
    "mkb", "mkb10", "speciality", "specialty", "comment", "complaint", "note", "number",
  };
  JsonArray *invoices = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  guint titles = 0;

  for (guint i = 0; i < json_array_get_length (invoices); i++)
    {
      JsonObject *invoice = json_array_get_object_element (invoices, i);
      JsonArray *services = json_object_get_array_member (invoice, "services");
      g_autoptr(GPtrArray) objects = g_ptr_array_new ();

      g_ptr_array_add (objects, invoice);
      for (guint j = 0; j < json_array_get_length (services); j++)
        g_ptr_array_add (objects, json_array_get_object_element (services, j));
      for (guint j = 0; j < objects->len; j++)
        for (guint k = 0; k < G_N_ELEMENTS (sensitive); k++)
          {
            JsonObject *object = g_ptr_array_index (objects, j);
            JsonNode *node = json_object_get_member (object, sensitive[k]);

            if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
                json_node_get_value_type (node) != G_TYPE_STRING)
              continue;
            g_ptr_array_add (strings, g_strdup (json_node_get_string (node)));
            if (g_str_equal (sensitive[k], "title"))
              titles++;
          }

      g_ptr_array_add (strings, g_strdup_printf ("renovatio:clinic:%" G_GINT64_FORMAT,
                                                 json_object_get_int_member (invoice, "id")));
    }
  /* The fixture is what the test thinks it is. */
  g_assert_cmpuint (titles, ==, 5);
  return strings;
}

static void
assert_no_trace (const char *what,
                 const char *text,
                 GPtrArray  *strings)
{
  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);

      if (strstr (text, s) != NULL)
        g_error ("%s contains “%s”", what, s);
    }
  /* Not even a word of the titles, nor a patient's phone. */
  g_assert_null (strstr (text, "приём"));
  g_assert_null (strstr (text, "УЗИ"));
  g_assert_null (strstr (text, "79161112233"));
  g_assert_null (strstr (text, "9254445566"));
  g_assert_null (strstr (text, "(925) 444-55-66"));
}

static char *
pg_dump (Fixture *f)
{
  g_autofree char *bindir = NULL;
  g_autofree char *program = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  if (g_file_test ("/usr/lib/postgresql/15/bin/pg_dump", G_FILE_TEST_IS_EXECUTABLE))
    program = g_strdup ("/usr/lib/postgresql/15/bin/pg_dump");
  else
    {
      g_assert_true (g_spawn_command_line_sync ("pg_config --bindir", &bindir, NULL, &status,
                                                &error));
      g_assert_no_error (error);
      program = g_build_filename (g_strstrip (bindir), "pg_dump", NULL);
    }

  {
    const char *argv[] = { program, "--no-owner", "--no-privileges", "-d", f->db->conninfo,
                           NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                  &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("pg_dump failed: %s", err);
  /* A dump of the whole database, data included. */
  g_assert_nonnull (strstr (out, "COPY public.purchases"));
  return out;
}

static void
test_medical_leaves_no_trace (Fixture       *f,
                              gconstpointer  data)
{
  const char *env[] = {
    f->url, "SVOIKRUG_MASTER_KEY=" MASTER_KEY, "SVOIKRUG_PHONE_HASH_KEY=" PHONE_KEY,
    "G_MESSAGES_DEBUG=all", NULL
  };
  g_autoptr(SkRun) run = sk_test_run (env, "sync", "--since", "2026-11-19", NULL);
  g_autoptr(GPtrArray) strings = medical_strings (f);
  g_autofree char *rows = NULL;
  g_autofree char *log = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *hash_1 = hash_sql ("+79161112233");
  g_autofree char *hash_2 = hash_sql ("+79254445566");
  g_autofree char *sql = NULL;

  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, " (renovatio, business " CLINIC "): started "));
  g_assert_nonnull (strstr (run->out, ", fetched 5, recorded 2, duplicates 0, unmatched 1, "
                                      "skipped 2\n"));
  log = last_log (f);
  g_assert_cmpstr (log, ==, "5 2 0 1 2 true -");

  /* 50411 and 50418 counted for their members, 50431 unmatched: the amounts, the category
   * medical_service, the invoice ids hashed. */
  rows = qstr (f, "SELECT string_agg (amount || ' ' || category || ' ' ||"
                  " CASE WHEN member_id IS NULL THEN 'unmatched' ELSE 'member' END, '; '"
                  " ORDER BY amount) FROM purchases");
  g_assert_cmpstr (rows, ==, "190000 medical_service unmatched;"
                             " 350000 medical_service member;"
                             " 468000 medical_service member");
  sql = g_strdup_printf ("SELECT count(*) FROM purchases p JOIN members m ON m.id = p.member_id"
                         " WHERE (p.amount = 350000 AND m.phone_hash = %s)"
                         " OR (p.amount = 468000 AND m.phone_hash = %s)", hash_1, hash_2);
  g_assert_cmpint (qint (f, sql), ==, 2);
  g_assert_cmpint (qint (f, "SELECT count(*) FROM purchases WHERE business_id = '" CLINIC "'"
                            " AND external_id ~ '^renovatio:clinic:[0-9a-f]{64}$'"), ==, 3);

  dump = pg_dump (f);
  assert_no_trace ("pg_dump", dump, strings);
  assert_no_trace ("svoikrugd's output", run->out, strings);
  assert_no_trace ("svoikrugd's log", run->err, strings);
}

/* A string member of @object, when it is one and not empty. */
static void
add_string (GPtrArray  *strings,
            JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING && *json_node_get_string (node) != '\0')
    g_ptr_array_add (strings, g_strdup (json_node_get_string (node)));
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A dental or cosmetology partner on a system that is not a medical one (here YCLIENTS):
 * the runner anonymises its sales before recording them. */
static void
test_medical_on_yclients (Fixture       *f,
                          gconstpointer  data)
{
  const char *env[] = {
    f->url, "SVOIKRUG_MASTER_KEY=" MASTER_KEY, "SVOIKRUG_PHONE_HASH_KEY=" PHONE_KEY,
    "G_MESSAGES_DEBUG=all", NULL
  };
  JsonArray *records = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SkRun) run = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *hash_1 = hash_sql ("+79167003341");
  g_autofree char *hash_2 = hash_sql ("+79035124407");
  g_autofree char *sql = NULL;
  guint titles = 0;

  sk_test_assert_ok (PQexec (f->db->conn, "UPDATE businesses SET is_medical = true,"
                                          " category = 'cosmetology'"));

  /* What was done, by whom, to whom: the services, the staff, the client, the comment, and
   * the record's own id. */
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      JsonObject *staff = get_object (record, "staff");
      JsonArray *services = json_object_get_array_member (record, "services");

      for (guint j = 0; services != NULL && j < json_array_get_length (services); j++)
        {
          add_string (strings, json_array_get_object_element (services, j), "title");
          titles++;
        }
      add_string (strings, staff, "name");
      add_string (strings, staff, "specialization");
      add_string (strings, get_object (staff, "position"), "title");
      add_string (strings, get_object (record, "client"), "name");
      add_string (strings, record, "comment");
      g_ptr_array_add (strings, g_strdup_printf ("yclients:" COMPANY ":%" G_GINT64_FORMAT,
                                                 json_object_get_int_member (record, "id")));
    }
  g_assert_cmpuint (titles, >=, 6);

  run = sk_test_run (env, "sync", NULL);
  g_assert_cmpint (run->status, ==, 0);
  /* The debug log is on stdout too. */
  g_assert_nonnull (strstr (run->out, " (yclients, business " BUSINESS "): started "));
  g_assert_nonnull (strstr (run->out, ", fetched 6, recorded 2, duplicates 0, unmatched 1, "
                                      "skipped 3\n"));

  /* The amounts, medical_service, a day without its time, the ids hashed. */
  rows = qstr (f, "SELECT string_agg (amount || ' ' || category || ' ' ||"
                  " CASE WHEN member_id IS NULL THEN 'unmatched' ELSE 'member' END, '; '"
                  " ORDER BY amount) FROM purchases");
  g_assert_cmpstr (rows, ==, "110000 medical_service unmatched;"
                             " 216000 medical_service member;"
                             " 250000 medical_service member");
  g_assert_cmpint (qint (f, "SELECT count(*) FROM purchases"
                            " WHERE external_id ~ '^yclients:" COMPANY ":[0-9a-f]{64}$'"
                            " AND occurred_at = date_trunc ('day', occurred_at"
                            " AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow'"), ==, 3);
  sql = g_strdup_printf ("SELECT count(*) FROM purchases p JOIN members m ON m.id = p.member_id"
                         " WHERE (p.amount = 250000 AND m.phone_hash = %s)"
                         " OR (p.amount = 216000 AND m.phone_hash = %s)", hash_1, hash_2);
  g_assert_cmpint (qint (f, sql), ==, 2);

  dump = pg_dump (f);
  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);

      if (strstr (dump, s) != NULL || strstr (run->out, s) != NULL ||
          strstr (run->err, s) != NULL)
        g_error ("“%s” was kept", s);
    }
  g_assert_null (strstr (dump, "79167003341"));
  g_assert_null (strstr (dump, "79035124407"));
}

/* A bad tick stops serve before it listens, naming the setting. */
static void
test_bad_tick (void)
{
  const char *env[] = {
    "SVOIKRUG_DATABASE_URL=host=127.0.0.1 port=1 dbname=nothing",
    "SVOIKRUG_SYNC_TICK_SECONDS=0", NULL
  };
  g_autoptr(SkRun) run = sk_test_run (env, "serve", NULL);

  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_cmpstr (run->err, ==, "svoikrugd: SVOIKRUG_SYNC_TICK_SECONDS \"0\" is not a number of "
                                 "seconds between 1 and 3600\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/sync/bad-tick", test_bad_tick);

  g_test_add ("/service/sync/full-then-incremental", Fixture, NULL, fixture_setup,
              test_full_then_incremental, fixture_teardown);
  g_test_add ("/service/sync/deleted-after-sync", Fixture, NULL, fixture_setup,
              test_deleted_after_sync, fixture_teardown);
  g_test_add ("/service/sync/since", Fixture, NULL, fixture_setup, test_since,
              fixture_teardown);
  g_test_add ("/service/sync/wrong-token", Fixture, NULL, fixture_setup, test_wrong_token,
              fixture_teardown);
  g_test_add ("/service/sync/killed", Fixture, NULL, fixture_setup, test_killed,
              fixture_teardown);
  g_test_add ("/service/sync/serve", Fixture, NULL, fixture_setup, test_serve,
              fixture_teardown);
  g_test_add ("/service/sync/serve-stopped", Fixture, NULL, fixture_setup, test_serve_stopped,
              fixture_teardown);
  g_test_add ("/service/sync/medical-leaves-no-trace", Fixture, NULL, medical_setup,
              test_medical_leaves_no_trace, fixture_teardown);
  g_test_add ("/service/sync/medical-on-yclients", Fixture, NULL, fixture_setup,
              test_medical_on_yclients, fixture_teardown);

  return g_test_run ();
}
