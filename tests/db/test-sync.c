/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-credentials.h"
#include "sk-pipeline.h"
#include "sk-sync.h"
#include "sk-test-pipeline.h"

/* The database side of partner sync (src/db/sk-sync.c, src/db/sk-credentials.c and
 * migrations/019-sync.sql), run as the service's own login role so that its privileges are
 * what is tested. */

/* Every 6-character piece has a letter outside 0-9a-f, so it cannot turn up by chance in
 * the hex form of the envelope that row_to_json() prints. */
#define SECRET      "tok-Qz9wXy-very-secret"
#define CREDENTIALS "{\"partner_token\": \"" SECRET "\", \"user_token\": \"u-77aa91\"}"
#define KEY_HEX     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
/* The same 32 bytes in base64. */
#define KEY_BASE64  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define OTHER_HEX   "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define MASTER_KEY_ERROR "credentials cannot be decrypted with this master key"
/* A customer hash that is no member's. */
#define STRANGER    "5555555555555555555555555555555555555555555555555555555555555555"

typedef struct
{
  Fixture      base;
  char        *login;
  PGconn      *service;
  PGconn      *other;
  SkMasterKey *key;
} SyncFixture;

static PGconn *
connect_service (SyncFixture *f)
{
  return sk_test_db_connect_as (f->base.db, f->login);
}

static void
sync_setup (SyncFixture   *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_setup (&f->base, data);
  f->login = g_strconcat (f->base.db->role_prefix, "service", NULL);
  sk_test_assert_ok (sk_test_exec (f->base.conn,
                                   "SELECT create_staff_account ($1, NULL, NULL,"
                                   " 'svoikrug_service')", f->login, NULL));
  f->service = connect_service (f);
  f->key = sk_master_key_new_from_text (KEY_HEX, &error);
  g_assert_no_error (error);
}

static void
sync_teardown (SyncFixture   *f,
               gconstpointer  data)
{
  g_clear_pointer (&f->key, sk_master_key_free);
  g_clear_pointer (&f->other, PQfinish);
  g_clear_pointer (&f->service, PQfinish);
  g_clear_pointer (&f->login, g_free);
  fixture_teardown (&f->base, data);
}

static gint64
store (SyncFixture *f,
       const char  *business,
       const char  *system)
{
  g_autoptr(GError) error = NULL;
  gint64 id = sk_credentials_store (f->service, f->key, business, system, "acc-1", NULL, 0,
                                    CREDENTIALS, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
q (SyncFixture *f,
   const char  *sql,
   gint64       id)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  return sk_test_query_int (f->base.conn, sql, text, NULL);
}

static char *
qs (SyncFixture *f,
    const char  *sql,
    gint64       id)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  return sk_test_query_value (f->base.conn, sql, text, NULL);
}

static void
test_credentials_round_trip (SyncFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = store (f, SALON, "yclients");
  char *back = sk_credentials_load (f->service, f->key, id, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, CREDENTIALS);
  sk_credentials_text_free (back);

  /* Neither the envelope nor anything else of the row, nor the audit log, holds any part of
   * the plain text. */
  for (const char *part = SECRET; strlen (part) >= 6; part += 6)
    {
      g_autofree char *piece = g_strndup (part, 6);

      g_assert_cmpint (sk_test_query_int (f->base.conn,
                         "SELECT count(*) FROM partner_integrations"
                         " WHERE position (convert_to ($1, 'UTF8') IN credentials_enc) > 0"
                         "    OR position (convert_to ($1, 'UTF8') IN credentials_key) > 0"
                         "    OR strpos (row_to_json (partner_integrations)::text, $1) > 0",
                         piece, NULL), ==, 0);
      g_assert_cmpint (sk_test_query_int (f->base.conn,
                         "SELECT count(*) FROM audit_log WHERE strpos (details::text, $1) > 0",
                         piece, NULL), ==, 0);
    }
  g_assert_cmpint (q (f, "SELECT length (credentials_enc) FROM partner_integrations"
                         " WHERE id = $1", id), ==, strlen (CREDENTIALS) + 16);
  g_assert_cmpint (q (f, "SELECT length (credentials_key) FROM partner_integrations"
                         " WHERE id = $1", id), ==, 60);
  g_assert_cmpint (q (f, "SELECT count(*) FROM audit_log WHERE action = 'partner_credentials_set'"
                         " AND target_id = $1::text", id), ==, 1);

  /* Setting them again replaces them on the same row, with a fresh nonce and data key. */
  {
    g_autofree char *nonce = qs (f, "SELECT credentials_nonce::text FROM partner_integrations"
                                    " WHERE id = $1", id);
    g_autofree char *again = NULL;

    g_assert_cmpint (store (f, SALON, "yclients"), ==, id);
    again = qs (f, "SELECT credentials_nonce::text FROM partner_integrations WHERE id = $1", id);
    g_assert_cmpstr (nonce, !=, again);
  }

  /* The same key written in base64 opens them too. */
  {
    g_autoptr(SkMasterKey) same = sk_master_key_new_from_text ("  " KEY_BASE64 "\n", &error);

    g_assert_no_error (error);
    back = sk_credentials_load (f->service, same, id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (back, ==, CREDENTIALS);
    sk_credentials_text_free (back);
  }
}

static void
test_credentials_wrong_key (SyncFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkMasterKey) other = sk_master_key_new_from_text (OTHER_HEX, &error);
  gint64 id = store (f, SALON, "yclients");
  char *back;

  g_assert_no_error (error);
  back = sk_credentials_load (f->service, other, id, &error);
  g_assert_null (back);
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_assert_cmpstr (error->message, ==, MASTER_KEY_ERROR);
}

static void
test_credentials_swapped (SyncFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 salon = store (f, SALON, "yclients");
  gint64 market = sk_credentials_store (f->service, f->key, MARKET, "yclients", "acc-1", NULL,
                                        0, "{\"partner_token\": \"market's own\"}", &error);
  g_autofree char *salon_text = g_strdup_printf ("%" G_GINT64_FORMAT, salon);
  g_autofree char *market_text = g_strdup_printf ("%" G_GINT64_FORMAT, market);
  char *back;

  g_assert_no_error (error);

  /* Someone with write access copies the salon's envelope onto the market's row. */
  sk_test_assert_ok (sk_test_exec (f->base.conn,
                                   "UPDATE partner_integrations m"
                                   " SET credentials_enc = s.credentials_enc,"
                                   "     credentials_nonce = s.credentials_nonce,"
                                   "     credentials_key = s.credentials_key"
                                   " FROM partner_integrations s"
                                   " WHERE m.id = $1::bigint AND s.id = $2::bigint",
                                   market_text, salon_text, NULL));

  back = sk_credentials_load (f->service, f->key, market, &error);
  g_assert_null (back);
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_assert_cmpstr (error->message, !=, MASTER_KEY_ERROR);
  g_assert_nonnull (strstr (error->message, "another integration"));
  g_clear_error (&error);

  /* The salon's own row still opens. */
  back = sk_credentials_load (f->service, f->key, salon, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, CREDENTIALS);
  sk_credentials_text_free (back);
}

typedef struct
{
  const char *text;
  gboolean    ok;
} KeyCase;

static const KeyCase key_cases[] = {
  { KEY_HEX, TRUE },
  { "0001020304050607 08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", FALSE },
  { KEY_BASE64, TRUE },
  { KEY_BASE64 "\n", TRUE },
  { "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", FALSE },
  { "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", FALSE },
  { "000102030405060708090a0b0c0d0e0f", FALSE },
  { "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", FALSE },
  { "", FALSE },
};

static void
test_master_key_text (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (key_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SkMasterKey) key = sk_master_key_new_from_text (key_cases[i].text, &error);

      if (key_cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (key);
          g_assert_cmpint (sk_master_key_get_version (key), ==, 1);
        }
      else
        {
          g_assert_null (key);
          g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
          /* The message never repeats the key. */
          if (*key_cases[i].text != '\0')
            g_assert_null (strstr (error->message, key_cases[i].text));
        }
    }
}

static SkSyncRun *
begin (SyncFixture *f,
       PGconn      *conn,
       gint64       id)
{
  g_autoptr(GError) error = NULL;
  SkSyncRun *run = NULL;

  g_assert_cmpint (sk_sync_try_begin (conn, f->key, id, &run, &error), ==, SK_SYNC_STARTED);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static void
finish (SkSyncRun  *run,
        const char *failure)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sk_sync_finish (run, failure, &error));
  g_assert_no_error (error);
}

static void
test_lock_busy (SyncFixture   *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkSyncRun) first = NULL;
  g_autoptr(SkSyncRun) second = NULL;
  g_autoptr(SkSyncRun) third = NULL;
  gint64 id = store (f, SALON, "yclients");

  first = begin (f, f->service, id);
  g_assert_cmpstr (sk_sync_run_get_credentials (first), ==, CREDENTIALS);
  g_assert_cmpstr (sk_sync_run_get_business_id (first), ==, SALON);
  g_assert_cmpstr (sk_sync_run_get_system (first), ==, "yclients");
  g_assert_cmpstr (sk_sync_run_get_account_id (first), ==, "acc-1");
  g_assert_cmpstr (sk_sync_run_get_time_zone (first), ==, "Europe/Moscow");
  g_assert_cmpuint (sk_sync_run_get_interval_minutes (first), ==, 15);
  g_assert_null (sk_sync_run_get_cursor (first));

  /* Another connection (another service instance) is told "busy" and writes nothing. */
  f->other = connect_service (f);
  g_assert_cmpint (sk_sync_try_begin (f->other, f->key, id, &second, &error), ==, SK_SYNC_BUSY);
  g_assert_no_error (error);
  g_assert_null (second);
  g_assert_cmpint (q (f, "SELECT count(*) FROM sync_log WHERE integration_id = $1", id), ==, 1);

  /* Once the first run finished, the other may run. */
  finish (first, NULL);
  third = begin (f, f->other, id);
  finish (third, NULL);
  g_assert_cmpint (q (f, "SELECT count(*) FROM sync_log WHERE integration_id = $1"
                         " AND finished_at IS NOT NULL", id), ==, 2);

  /* A run dropped without finishing (a bug, a crash) still lets go of the partner. */
  g_clear_pointer (&first, sk_sync_run_free);
  first = begin (f, f->service, id);
  g_clear_pointer (&first, sk_sync_run_free);
  g_clear_pointer (&third, sk_sync_run_free);
  third = begin (f, f->other, id);
  finish (third, NULL);
}

static GPtrArray *
page_of (const char * const *external_ids)
{
  GPtrArray *page = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);

  for (guint i = 0; external_ids[i] != NULL; i++)
    {
      SkPurchase *p = sk_purchase_new ();

      p->business_id = g_strdup (SALON);
      p->external_id = g_strdup (external_ids[i]);
      p->occurred_at = g_get_real_time () - (gint64) G_USEC_PER_SEC * 3600;
      /* Every other one is a stranger's: recorded unmatched. */
      if (i % 2 == 0)
        p->member_id = g_strdup (ALICE);
      else
        p->customer_hash = g_strdup (STRANGER);
      p->amount = 100000;
      p->category = SK_CATEGORY_NONE;
      p->source = SK_PURCHASE_SOURCE_PARTNER;
      p->involved_via = SK_INVOLVED_VIA_NONE;
      p->completed = TRUE;
      g_ptr_array_add (page, p);
    }
  return page;
}

static void
test_page_atomic (SyncFixture   *f,
                  gconstpointer  data)
{
  const char * const first_ids[] = { "yc:acc-1:1", "yc:acc-1:2", NULL };
  const char * const second_ids[] = { "yc:acc-1:3", NULL };
  g_autoptr(GPtrArray) first = page_of (first_ids);
  g_autoptr(GPtrArray) second = page_of (second_ids);
  g_autoptr(SkSyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *log = NULL;
  g_autofree char *state = NULL;
  SkSyncCounts page;
  const SkSyncCounts *total;
  gint64 id = store (f, SALON, "yclients");

  run = begin (f, f->service, id);

  g_assert_true (sk_sync_record_page (run, first, 1, "2026-01-01T10:00:00Z", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.fetched, ==, 3);
  g_assert_cmpuint (page.recorded, ==, 1);
  g_assert_cmpuint (page.unmatched, ==, 1);
  g_assert_cmpuint (page.skipped, ==, 1);
  g_assert_cmpstr (sk_sync_run_get_cursor (run), ==, "2026-01-01T10:00:00Z");

  /* The database fails after the page's purchases went in and before the cursor moved:
   * neither happened. */
  sk_test_assert_ok (PQexec (f->base.conn,
    "CREATE FUNCTION fail_cursor () RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF NEW.sync_cursor = 'boom' THEN RAISE EXCEPTION 'disk full'; END IF;"
    " RETURN NEW; END $$;"
    "CREATE TRIGGER fail_cursor BEFORE UPDATE ON partner_integrations"
    " FOR EACH ROW EXECUTE FUNCTION fail_cursor ();"));
  g_assert_false (sk_sync_record_page (run, second, 0, "boom", &page, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY);
  g_clear_error (&error);
  g_assert_cmpint (sk_test_query_int (f->base.conn, "SELECT count(*) FROM purchases"
                                      " WHERE external_id = 'yc:acc-1:3'", NULL), ==, 0);
  cursor = qs (f, "SELECT sync_cursor FROM partner_integrations WHERE id = $1", id);
  g_assert_cmpstr (cursor, ==, "2026-01-01T10:00:00Z");
  g_assert_cmpstr (sk_sync_run_get_cursor (run), ==, "2026-01-01T10:00:00Z");
  total = sk_sync_run_get_counts (run);
  g_assert_cmpuint (total->fetched, ==, 3);

  /* The same page again, without the failure: recorded once. A page sent twice (a crash
   * after the commit) is all duplicates. */
  g_assert_true (sk_sync_record_page (run, second, 0, "2026-01-01T11:00:00Z", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.recorded, ==, 1);
  g_assert_true (sk_sync_record_page (run, first, 0, NULL, &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.duplicates, ==, 2);
  g_assert_cmpstr (sk_sync_run_get_cursor (run), ==, "2026-01-01T11:00:00Z");
  g_assert_cmpint (sk_test_query_int (f->base.conn, "SELECT count(*) FROM purchases", NULL), ==, 3);

  /* A purchase of another business is refused before anything is written. */
  g_free (((SkPurchase *) g_ptr_array_index (second, 0))->business_id);
  ((SkPurchase *) g_ptr_array_index (second, 0))->business_id = g_strdup (MARKET);
  g_assert_false (sk_sync_record_page (run, second, 0, "elsewhere", NULL, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_clear_error (&error);

  /* The log counts what was written, and the finish records the run's end. */
  log = qs (f, "SELECT fetched || ' ' || recorded || ' ' || duplicates || ' ' || unmatched"
               " || ' ' || skipped FROM sync_log WHERE integration_id = $1", id);
  g_assert_cmpstr (log, ==, "6 2 2 1 1");
  finish (run, NULL);
  state = qs (f, "SELECT (l.finished_at IS NOT NULL) || ' ' || coalesce (l.error, '-') || ' '"
                 " || (i.last_success_at IS NOT NULL) || ' ' || (i.last_failure_at IS NULL)"
                 " || ' ' || i.consecutive_failures || ' '"
                 " || (i.next_sync_at BETWEEN now () + interval '14 minutes'"
                 "                        AND now () + interval '16 minutes')"
                 " FROM sync_log l JOIN partner_integrations i ON i.id = l.integration_id"
                 " WHERE i.id = $1", id);
  g_assert_cmpstr (state, ==, "true - true true 0 true");
}

static void
test_alert_after_three_failures (SyncFixture   *f,
                                 gconstpointer  data)
{
  g_autofree char *error_text = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *expected = NULL;
  gint64 id = store (f, SALON, "yclients");

  for (int i = 1; i <= 5; i++)
    {
      g_autoptr(SkSyncRun) run = begin (f, f->service, id);

      /* A careless connector puts the token in its message. */
      finish (run, "HTTP 401 for token " SECRET);
      g_assert_cmpint (q (f, "SELECT consecutive_failures FROM partner_integrations"
                             " WHERE id = $1", id), ==, i);
      g_assert_cmpint (sk_test_query_int (f->base.conn,
                                          "SELECT count(*) FROM notification_outbox", NULL),
                       ==, i < 3 ? 0 : 1);
    }

  error_text = qs (f, "SELECT string_agg (DISTINCT error, '|') FROM sync_log"
                      " WHERE integration_id = $1", id);
  g_assert_cmpstr (error_text, ==, "HTTP 401 for token ***");
  payload = qs (f, "SELECT channel || ' ' || template || ' ' || (member_id IS NULL) || ' '"
                   " || (payload->>'audience') || ' ' || (payload->>'integration_id') || ' '"
                   " || (payload->>'failures') || ' ' || (payload->>'error')"
                   " FROM notification_outbox WHERE payload->>'integration_id' = $1::text", id);
  expected = g_strdup_printf ("staff_alert partner_sync.failing true platform_admin %"
                              G_GINT64_FORMAT " 3 HTTP 401 for token ***", id);
  g_assert_cmpstr (payload, ==, expected);

  /* A success ends the streak; the next streak of three is alerted again. */
  {
    g_autoptr(SkSyncRun) run = begin (f, f->service, id);

    finish (run, NULL);
  }
  g_assert_cmpint (q (f, "SELECT consecutive_failures FROM partner_integrations"
                         " WHERE id = $1", id), ==, 0);
  for (int i = 1; i <= 3; i++)
    {
      g_autoptr(SkSyncRun) run = begin (f, f->service, id);

      finish (run, "timeout");
    }
  g_assert_cmpint (sk_test_query_int (f->base.conn, "SELECT count(*) FROM notification_outbox",
                                      NULL), ==, 2);

  /* The error text is one line and short. */
  {
    g_autoptr(SkSyncRun) run = begin (f, f->service, id);
    g_autoptr(GString) long_text = g_string_new ("line one\nline two ");

    for (int i = 0; i < 300; i++)
      g_string_append (long_text, "ошибка ");
    finish (run, long_text->str);
    g_assert_cmpint (sk_test_query_int (f->base.conn,
                                        "SELECT max (length (error)) FROM sync_log", NULL),
                     ==, SK_SYNC_ERROR_MAX);
    g_assert_cmpint (sk_test_query_int (f->base.conn,
                                        "SELECT count(*) FROM sync_log"
                                        " WHERE strpos (error, chr (10)) > 0", NULL), ==, 0);
  }
}

static void
test_begin_failures (SyncFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkMasterKey) other = sk_master_key_new_from_text (OTHER_HEX, &error);
  g_autoptr(SkSyncRun) run = NULL;
  g_autofree char *logged = NULL;
  gint64 id = store (f, SALON, "yclients");

  g_assert_no_error (error);

  /* A wrong master key is a failed run: logged, counted, and the partner not left locked. */
  g_assert_cmpint (sk_sync_try_begin (f->service, other, id, &run, &error), ==, SK_SYNC_FAILED);
  g_assert_null (run);
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_assert_cmpstr (error->message, ==, MASTER_KEY_ERROR);
  g_clear_error (&error);
  logged = qs (f, "SELECT error FROM sync_log WHERE integration_id = $1"
                  " AND finished_at IS NOT NULL", id);
  g_assert_cmpstr (logged, ==, MASTER_KEY_ERROR);
  g_assert_cmpint (q (f, "SELECT consecutive_failures FROM partner_integrations WHERE id = $1",
                      id), ==, 1);
  f->other = connect_service (f);
  run = begin (f, f->other, id);
  finish (run, NULL);
  g_clear_pointer (&run, sk_sync_run_free);

  /* No such integration, or a disabled one: nothing starts, nothing is logged. */
  g_assert_cmpint (sk_sync_try_begin (f->service, f->key, id + 1000, &run, &error), ==,
                   SK_SYNC_FAILED);
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_clear_error (&error);
  sk_test_assert_ok (PQexec (f->service, "UPDATE partner_integrations SET enabled = false"));
  g_assert_cmpint (sk_sync_try_begin (f->service, f->key, id, &run, &error), ==,
                   SK_SYNC_FAILED);
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_clear_error (&error);
  g_assert_cmpint (q (f, "SELECT count(*) FROM sync_log WHERE integration_id = $1", id), ==, 2);
}

static void
test_due (SyncFixture   *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) due = NULL;
  g_autoptr(SkSyncRun) run = NULL;
  gint64 salon = store (f, SALON, "yclients");
  gint64 market = store (f, MARKET, "iiko");
  gint64 florist = store (f, FLORIST, "amocrm");

  /* An integration without credentials is never due; the market waited longest. */
  sk_test_assert_ok (PQexec (f->base.conn,
    "INSERT INTO partner_integrations (business_id, system) VALUES"
    " ('" OPTICS "', 'bitrix24');"
    "UPDATE partner_integrations SET next_sync_at = now () - interval '1 hour'"
    " WHERE system = 'iiko';"
    "UPDATE partner_integrations SET enabled = false WHERE system = 'amocrm';"));
  due = sk_sync_due (f->service, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 2);
  g_assert_cmpint (g_array_index (due, gint64, 0), ==, market);
  g_assert_cmpint (g_array_index (due, gint64, 1), ==, salon);
  g_assert_cmpint (florist, >, 0);

  /* After a run, not before its interval is over. */
  run = begin (f, f->service, salon);
  finish (run, NULL);
  g_clear_pointer (&due, g_array_unref);
  due = sk_sync_due (f->service, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpint (g_array_index (due, gint64, 0), ==, market);
}

static void
test_list (SyncFixture   *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) market = NULL;
  const SkIntegrationInfo *info;
  gint64 id = store (f, SALON, "yclients");

  store (f, MARKET, "iiko");
  {
    g_autoptr(SkSyncRun) run = begin (f, f->service, id);

    finish (run, "timeout");
  }

  all = sk_sync_list_integrations (f->service, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  info = g_ptr_array_index (all, 0);
  g_assert_cmpint (info->id, ==, id);
  g_assert_cmpstr (info->system, ==, "yclients");
  g_assert_cmpstr (info->account_id, ==, "acc-1");
  g_assert_true (info->enabled);
  g_assert_true (info->has_credentials);
  g_assert_cmpuint (info->interval_minutes, ==, 15);
  g_assert_cmpint (info->last_success_at, ==, 0);
  g_assert_cmpint (info->last_failure_at, >, 0);
  g_assert_cmpuint (info->consecutive_failures, ==, 1);

  market = sk_sync_list_integrations (f->service, MARKET, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (market->len, ==, 1);
}

static SkPurchase *
refund_of (const char *external_id,
           const char *original_external_id,
           SkKopecks   amount)
{
  SkPurchase *p = sk_purchase_new ();

  p->business_id = g_strdup (SALON);
  p->external_id = g_strdup (external_id);
  p->original_external_id = g_strdup (original_external_id);
  p->occurred_at = g_get_real_time () - (gint64) G_USEC_PER_SEC * 60;
  p->amount = -amount;
  p->category = SK_CATEGORY_NONE;
  p->source = SK_PURCHASE_SOURCE_PARTNER;
  p->completed = TRUE;
  return p;
}

/* A partner's refund (no customer of its own) is recorded against the sale it names and
 * belongs to that sale's buyer; one of an unknown sale, or beyond what is left of the sale,
 * is rejected and counted, and the page still commits. */
static void
test_page_refunds (SyncFixture   *f,
                   gconstpointer  data)
{
  const char * const sale_ids[] = { "onec:base:s1", NULL };
  g_autoptr(GPtrArray) sales = page_of (sale_ids);
  g_autoptr(GPtrArray) refunds = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  g_autoptr(SkSyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rows = NULL;
  SkSyncCounts page;
  gint64 id = store (f, SALON, "onec");

  run = begin (f, f->service, id);
  g_assert_true (sk_sync_record_page (run, sales, 1, "1", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.recorded, ==, 1);

  g_ptr_array_add (refunds, refund_of ("onec:base:r1", "onec:base:s1", 40000));
  g_ptr_array_add (refunds, refund_of ("onec:base:r3", "onec:base:unknown", 100));
  g_assert_true (sk_sync_record_page (run, refunds, 0, "2", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.fetched, ==, 2);
  g_assert_cmpuint (page.recorded, ==, 1);
  g_assert_cmpuint (page.rejected, ==, 1);

  /* 60,000.01 ₽ is more than is left of the sale; 60,000 ₽ is all of it. */
  g_ptr_array_set_size (refunds, 0);
  g_ptr_array_add (refunds, refund_of ("onec:base:r2", "onec:base:s1", 60001));
  g_assert_true (sk_sync_record_page (run, refunds, 0, "3", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.rejected, ==, 1);
  g_ptr_array_set_size (refunds, 0);
  g_ptr_array_add (refunds, refund_of ("onec:base:r4", "onec:base:s1", 60000));
  g_assert_true (sk_sync_record_page (run, refunds, 0, "4", &page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page.recorded, ==, 1);
  finish (run, NULL);

  rows = sk_test_query_value (f->base.conn,
                              "SELECT string_agg(p.external_id || ' ' || p.amount || ' '"
                              "                  || p.member_id || ' ' || coalesce(o.external_id, '-'),"
                              "                  '; ' ORDER BY p.external_id)"
                              "  FROM purchases p"
                              "  LEFT JOIN purchase_keys o ON o.id = p.original_purchase_id"
                              " WHERE p.business_id = $1", SALON, NULL);
  g_assert_cmpstr (rows, ==,
                   "onec:base:r1 -40000 " ALICE " onec:base:s1; "
                   "onec:base:r4 -60000 " ALICE " onec:base:s1; "
                   "onec:base:s1 100000 " ALICE " -");
}

/* Sales cancelled at the partner after they were recorded are reversed once, for what is
 * left of them; a cancelled record never recorded changes nothing. */
static void
test_reverse_cancelled (SyncFixture   *f,
                        gconstpointer  data)
{
  const char * const sale_ids[] = { "yc:acc-1:7", "yc:acc-1:8", "yc:acc-1:9", NULL };
  g_autoptr(GPtrArray) sales = page_of (sale_ids);
  g_autoptr(GPtrArray) refunds = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  g_autoptr(GPtrArray) cancelled = g_ptr_array_new ();
  g_autoptr(SkSyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rows = NULL;
  guint reversed = 99;
  gint64 id = store (f, SALON, "yclients");

  run = begin (f, f->service, id);
  g_assert_true (sk_sync_record_page (run, sales, 0, "1", NULL, &error));
  g_assert_no_error (error);
  /* Half of the 8th was refunded already. */
  g_ptr_array_add (refunds, refund_of ("yc:acc-1:8r", "yc:acc-1:8", 50000));
  g_assert_true (sk_sync_record_page (run, refunds, 0, "2", NULL, &error));
  g_assert_no_error (error);

  /* The 7th (Alice's), the 8th and one never seen; the 9th (a stranger's) stays. */
  g_ptr_array_add (cancelled, (char *) "yc:acc-1:7");
  g_ptr_array_add (cancelled, (char *) "yc:acc-1:8");
  g_ptr_array_add (cancelled, (char *) "yc:acc-1:404");
  g_assert_true (sk_sync_reverse_cancelled (run, cancelled, &reversed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reversed, ==, 2);
  /* Seen cancelled again at the next run: nothing more. */
  g_assert_true (sk_sync_reverse_cancelled (run, cancelled, &reversed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reversed, ==, 0);
  finish (run, NULL);

  rows = sk_test_query_value (f->base.conn,
                              "SELECT string_agg(p.external_id || ' ' || p.amount || ' '"
                              "                  || coalesce(p.member_id::text, '-'), '; '"
                              "                  ORDER BY p.external_id)"
                              "  FROM purchases p WHERE p.business_id = $1", SALON, NULL);
  g_assert_cmpstr (rows, ==,
                   "yc:acc-1:7 100000 " ALICE "; "
                   "yc:acc-1:7:cancelled -100000 " ALICE "; "
                   "yc:acc-1:8 100000 -; "
                   "yc:acc-1:8:cancelled -50000 -; "
                   "yc:acc-1:8r -50000 -; "
                   "yc:acc-1:9 100000 " ALICE);
}

#define ADD_SYNC(path, fn) \
  g_test_add ((path), SyncFixture, NULL, sync_setup, (fn), sync_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/master-key/text", test_master_key_text);
  ADD_SYNC ("/sync/credentials/round-trip", test_credentials_round_trip);
  ADD_SYNC ("/sync/credentials/wrong-master-key", test_credentials_wrong_key);
  ADD_SYNC ("/sync/credentials/swapped-rows", test_credentials_swapped);
  ADD_SYNC ("/sync/lock/busy", test_lock_busy);
  ADD_SYNC ("/sync/page/atomic", test_page_atomic);
  ADD_SYNC ("/sync/page/refunds", test_page_refunds);
  ADD_SYNC ("/sync/reverse-cancelled", test_reverse_cancelled);
  ADD_SYNC ("/sync/finish/alert-after-three-failures", test_alert_after_three_failures);
  ADD_SYNC ("/sync/begin/failures", test_begin_failures);
  ADD_SYNC ("/sync/due", test_due);
  ADD_SYNC ("/sync/list", test_list);

  return g_test_run ();
}
