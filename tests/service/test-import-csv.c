/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>
#include <glib/gstdio.h>

#include "sk-purchase.h"
#include "sk-test-pg.h"
#include "sk-test-service.h"

#define BUSINESS "c5c00000-0000-4000-8000-000000000001"
#define OTHER    "c5c00000-0000-4000-8000-000000000002"
#define MEMBER   "c5c00000-0000-4000-8000-0000000000aa"
#define KEY      "test-phone-hash-key-0123456789"

/* One row of every kind: good rows on lines 2, 3, 8 and 14 (the last spans 14-15). */
static const char bad_rows_csv[] =
  "\xef\xbb\xbf" "date,customer_phone,amount,description\r\n"
  "2026-11-20,+79161234501,2500.00,Стрижка\r\n"
  "20.11.2026 14:30,8 (903) 512-44-07,\"2 160,00\",\"Маникюр, гель-лак\"\r\n"
  "2026-13-20,+79152407710,980.50,secret\r\n"
  "2026-11-20,+79152407710,сто рублей,secret\r\n"
  "2026-11-20,+79152407710,0,secret\r\n"
  "2026-11-20,,1100.00,secret\r\n"
  "2026-11-21,79031234455,4500.00,\r\n"
  "20.11.2026;+79265550112;100;secret\r\n"
  "2026-11-20,+79152407710,100,secret,extra\r\n"
  "2026-11-20,12345,100,secret\r\n"
  "2026-11-20,+79152407710,100,\"secret\"x\r\n"
  "2026-11-20,+79152407710,100,secret\xff\r\n"
  "2026-11-21,+79152407710,100,\"two\r\nlines\"\r\n"
  "2026-11-21,+79152407710,100,\"secret\r\n"
  "2026-11-22,+79152407710,100,never read\r\n";

static const char bad_rows_stderr[] =
  "line 4: bad date: expected YYYY-MM-DD or DD.MM.YYYY, optionally with HH:MM\n"
  "line 5: bad amount: The amount is not a number of roubles and kopecks\n"
  "line 6: zero amount\n"
  "line 7: bad phone: missing\n"
  "line 9: missing column: customer_phone, amount, description\n"
  "line 10: too many columns: 5, the header has 4\n"
  "line 11: bad phone: ";

static const char bad_rows_stderr_tail[] =
  "line 12: text after the closing quote of a field\n"
  "line 13: invalid UTF-8\n"
  "line 16: unterminated quote: a quoted field runs to the end of the file\n"
  "svoikrugd: 10 bad rows: the good rows were recorded\n";

typedef struct
{
  SkTestDb *db;
  char     *url;
  char     *file;
} Fixture;

static char *
phone_hash_sql (const char *phone)
{
  g_autofree char *hex = sk_customer_hash ((const guint8 *) KEY, strlen (KEY), phone);

  return g_strdup_printf ("decode('%s', 'hex')", hex);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *hash = phone_hash_sql ("+79161234501");
  g_autofree char *sql = NULL;

  fixture->db = sk_test_db_new ("svc_import_csv");
  fixture->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", fixture->db->conninfo);
  sk_test_assert_ok (sk_test_exec (fixture->db->conn,
                                   "INSERT INTO businesses (id, name, category) VALUES"
                                   " ('" BUSINESS "', 'Миндаль', 'beauty'),"
                                   " ('" OTHER "', 'Лисичкино', 'gastronomy')", NULL));
  sql = g_strdup_printf ("INSERT INTO members (id, phone_hash, tier) VALUES"
                         " ('" MEMBER "', %s, 'insider')", hash);
  sk_test_assert_ok (sk_test_exec (fixture->db->conn, sql, NULL));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->db, sk_test_db_free);
  g_free (fixture->url);
  if (fixture->file != NULL)
    g_unlink (fixture->file);
  g_free (fixture->file);
}

static SkRun *
import (Fixture    *fixture,
        const char *contents,
        const char *first_option,
        const char *business)
{
  const char *env[] = { fixture->url, "SVOIKRUG_PHONE_HASH_KEY=" KEY, NULL };

  if (fixture->file != NULL)
    g_unlink (fixture->file);
  g_free (fixture->file);
  fixture->file = sk_test_write_file ("upload.csv", contents);

  if (first_option != NULL)
    return sk_test_run (env, "import-csv", first_option, "--business", business, fixture->file,
                        NULL);
  return sk_test_run (env, "import-csv", "--business", business, fixture->file, NULL);
}

static int
count (Fixture    *fixture,
       const char *sql)
{
  g_autofree char *value = sk_test_query_value (fixture->db->conn, sql, NULL);

  return atoi (value);
}

static void
test_bad_rows (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) again = NULL;
  const char *phone_line;

  first = import (fixture, bad_rows_csv, NULL, BUSINESS);
  g_assert_cmpint (first->status, ==, 1);
  g_assert_cmpstr (first->out, ==, "recorded 1, duplicates 0, unmatched 3, bad rows 10\n");
  g_assert_true (g_str_has_prefix (first->err, bad_rows_stderr));
  g_assert_true (g_str_has_suffix (first->err, bad_rows_stderr_tail));
  phone_line = strstr (first->err, "line 11: bad phone: ");
  g_assert_nonnull (phone_line);
  /* No phone number and no description is ever repeated. */
  g_assert_null (strstr (first->err, "secret"));
  g_assert_null (strstr (first->err, "12345"));
  g_assert_null (strstr (first->err, "7915"));

  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE business_id = '" BUSINESS "' AND source = 'csv'"),
                   ==, 4);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE member_id = '" MEMBER "' AND amount = 250000"),
                   ==, 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE amount = 216000"
                                   " AND occurred_at = '2026-11-20 14:30+03'"), ==, 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE status = 'unmatched'"), ==, 3);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE external_id NOT LIKE 'csv:%'"), ==, 0);

  /* The same file again: every good row is a duplicate, nothing new. */
  again = import (fixture, bad_rows_csv, NULL, BUSINESS);
  g_assert_cmpint (again->status, ==, 1);
  g_assert_cmpstr (again->out, ==, "recorded 0, duplicates 4, unmatched 0, bad rows 10\n");
  g_assert_cmpstr (again->err, ==, first->err);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"), ==, 4);
}

static void
test_all_good (Fixture       *fixture,
               gconstpointer  data)
{
  const char *csv = "Дата;Телефон;Сумма;External_ID\n"
                    "20.11.2026;+79161234501;3 000,50;A-1\n"
                    "21.11.2026;+79161234501;100;A-2\n";
  g_autoptr(SkRun) run = import (fixture, csv, "--all-or-nothing", BUSINESS);

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "recorded 2, duplicates 0, unmatched 0, bad rows 0\n");
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE external_id IN ('A-1', 'A-2')"
                                   " AND member_id = '" MEMBER "'"), ==, 2);
}

static void
test_all_or_nothing (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *csv = "date,customer_phone,amount\n"
                    "2026-11-20,+79161234501,100\n"
                    "2026-11-20,+79152407710,100\n"
                    "2026-11-20,+79152407710,abc\n"
                    "2026-11-21,+79152407710,100\n";
  g_autoptr(SkRun) run = import (fixture, csv, "--all-or-nothing", BUSINESS);

  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpstr (run->out, ==, "recorded 0, duplicates 0, unmatched 0, bad rows 1\n");
  g_assert_cmpstr (run->err, ==,
                   "line 4: bad amount: The amount is not a number of roubles and kopecks\n"
                   "svoikrugd: 1 bad row: nothing was recorded\n");
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"), ==, 0);
}

/* The key from [security] phone-hash-key-file, its final newline ignored, is the same key. */
static void
test_key_file (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *key_file = sk_test_write_file ("phone-hash.key", KEY "\n");
  g_autofree char *config_text = g_strdup_printf ("[security]\nphone-hash-key-file = %s\n",
                                                  key_file);
  g_autofree char *config = sk_test_write_file ("key.conf", config_text);
  g_autofree char *config_env = g_strdup_printf ("SVOIKRUG_CONFIG=%s", config);
  g_autofree char *csv = sk_test_write_file ("one.csv", "date,customer_phone,amount\n"
                                                        "2026-11-20,+79161234501,100\n");
  const char *env[] = { fixture->url, config_env, NULL };
  g_autoptr(SkRun) run = sk_test_run (env, "import-csv", "--business", BUSINESS, csv, NULL);

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "recorded 1, duplicates 0, unmatched 0, bad rows 0\n");
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"
                                   " WHERE member_id = '" MEMBER "'"), ==, 1);
  g_unlink (key_file);
  g_unlink (config);
  g_unlink (csv);
}

static void
test_unknown_business (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *csv = "date,customer_phone,amount\n"
                    "2026-11-20,+79161234501,100\n"
                    "2026-11-20,+79152407710,100\n";
  g_autoptr(SkRun) run = import (fixture, csv, NULL, "c5c00000-0000-4000-8000-0000000000ff");

  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_cmpstr (run->err, ==, "svoikrugd: --business c5c00000-0000-4000-8000-0000000000ff: "
                                 "no such business\n");
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM purchases"), ==, 0);
}

typedef struct
{
  const char *name;
  const char *args[6];
  const char *env[4];
  const char *message;
} UsageCase;

static const UsageCase usage_cases[] = {
  { "no-business", { "import-csv", "@FILE@" }, { "SVOIKRUG_PHONE_HASH_KEY=" KEY },
    "import-csv needs --business ID" },
  { "bad-business", { "import-csv", "--business", "42", "@FILE@" },
    { "SVOIKRUG_PHONE_HASH_KEY=" KEY }, "--business “42” is not a business id (a UUID)" },
  { "no-file", { "import-csv", "--business", BUSINESS }, { "SVOIKRUG_PHONE_HASH_KEY=" KEY },
    "import-csv needs exactly one FILE" },
  { "two-files", { "import-csv", "--business", BUSINESS, "@FILE@", "@FILE@" },
    { "SVOIKRUG_PHONE_HASH_KEY=" KEY }, "import-csv needs exactly one FILE" },
  { "no-key", { "import-csv", "--business", BUSINESS, "@FILE@" }, { NULL },
    "no phone hash key: set [security] phone-hash-key-file in @CONFIG@ or "
    "SVOIKRUG_PHONE_HASH_KEY" },
  { "short-key", { "import-csv", "--business", BUSINESS, "@FILE@" },
    { "SVOIKRUG_PHONE_HASH_KEY=short" },
    "SVOIKRUG_PHONE_HASH_KEY: the phone hash key must be at least 16 bytes long" },
  { "missing-file", { "import-csv", "--business", BUSINESS, "/nonexistent/upload.csv" },
    { "SVOIKRUG_PHONE_HASH_KEY=" KEY }, "cannot read /nonexistent/upload.csv: " },
  { "bad-header", { "import-csv", "--business", BUSINESS, "@BAD@" },
    { "SVOIKRUG_PHONE_HASH_KEY=" KEY }, "@BAD@: The header has no column amount" },
};

static void
test_usage (gconstpointer data)
{
  const UsageCase *c = &usage_cases[GPOINTER_TO_UINT (data)];
  g_autofree char *file = sk_test_write_file ("usage.csv", "date,customer_phone,amount\n");
  g_autofree char *bad = sk_test_write_file ("bad.csv", "date,customer_phone\n");
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SkRun) run = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *config = NULL;
  const char *config_path;

  /* No database is needed: every case stops before connecting. */
  g_ptr_array_add (env, g_strdup ("SVOIKRUG_DATABASE_URL=host=127.0.0.1 port=1"));
  for (guint i = 0; c->env[i] != NULL; i++)
    g_ptr_array_add (env, g_strdup (c->env[i]));
  g_ptr_array_add (env, NULL);
  for (guint i = 0; c->args[i] != NULL; i++)
    {
      g_autoptr(GString) arg = g_string_new (c->args[i]);

      g_string_replace (arg, "@FILE@", file, 0);
      g_string_replace (arg, "@BAD@", bad, 0);
      g_ptr_array_add (args, g_string_free (g_steal_pointer (&arg), FALSE));
    }
  g_ptr_array_add (args, NULL);

  run = sk_test_runv ((const char * const *) env->pdata, (const char * const *) args->pdata);
  g_assert_cmpint (run->status, ==, 2);

  {
    g_autoptr(GString) message = g_string_new (c->message);

    /* sk_test_launcher points SVOIKRUG_CONFIG at an empty file of its own. */
    config_path = strstr (run->err, " in ");
    if (config_path != NULL && strstr (c->message, "@CONFIG@") != NULL)
      {
        config = g_strndup (config_path + 4, strstr (config_path, " or ") - config_path - 4);
        g_string_replace (message, "@CONFIG@", config, 0);
      }
    g_string_replace (message, "@BAD@", bad, 0);
    expected = g_strdup_printf ("svoikrugd: %s", message->str);
  }
  g_assert_true (g_str_has_prefix (run->err, expected));
  g_unlink (file);
  g_unlink (bad);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service/import-csv/bad-rows", Fixture, NULL,
              fixture_setup, test_bad_rows, fixture_teardown);
  g_test_add ("/service/import-csv/all-good", Fixture, NULL,
              fixture_setup, test_all_good, fixture_teardown);
  g_test_add ("/service/import-csv/all-or-nothing", Fixture, NULL,
              fixture_setup, test_all_or_nothing, fixture_teardown);
  g_test_add ("/service/import-csv/key-file", Fixture, NULL,
              fixture_setup, test_key_file, fixture_teardown);
  g_test_add ("/service/import-csv/unknown-business", Fixture, NULL,
              fixture_setup, test_unknown_business, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (usage_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/service/import-csv/usage/%s",
                                               usage_cases[i].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_usage);
    }

  return g_test_run ();
}
