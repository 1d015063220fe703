/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>
#include <glib/gstdio.h>

#include "sk-credentials.h"
#include "sk-test-pipeline.h"
#include "sk-test-service.h"

/* `svoikrugd partner set-credentials` and `partner list` against a real database: the
 * credentials go in sealed, come back out with the same key, and no output ever shows them. */

#define SECRET      "tok-91b2c3d4-never-print-me"
#define CREDENTIALS "{\"partner_token\": \"" SECRET "\", \"login\": \"salon\"}"
#define KEY_HEX     "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define SYSTEMS     "yclients, amocrm, bitrix24, onec, iiko, renovatio"
#define UNKNOWN_BIZ "aaaaaaaa-0000-4000-8000-0000000000ff"

typedef struct
{
  Fixture  base;
  char    *url;         /* SVOIKRUG_DATABASE_URL=… */
  char    *file;        /* the credentials, as a file */
} PartnerFixture;

static void
partner_setup (PartnerFixture *f,
               gconstpointer   data)
{
  fixture_setup (&f->base, data);
  f->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", f->base.db->conninfo);
  f->file = sk_test_write_file ("credentials.json", CREDENTIALS);
}

static void
partner_teardown (PartnerFixture *f,
                  gconstpointer   data)
{
  g_unlink (f->file);
  g_clear_pointer (&f->file, g_free);
  g_clear_pointer (&f->url, g_free);
  fixture_teardown (&f->base, data);
}

static void
assert_no_secret (const SkRun *run)
{
  g_assert_null (strstr (run->out, SECRET));
  g_assert_null (strstr (run->err, SECRET));
  g_assert_null (strstr (run->out, KEY_HEX));
  g_assert_null (strstr (run->err, KEY_HEX));
}

static char *
load (PartnerFixture *f,
      gint64          id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkMasterKey) key = sk_master_key_new_from_text (KEY_HEX, &error);
  char *text;

  g_assert_no_error (error);
  text = sk_credentials_load (f->base.conn, key, id, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_set_and_list (PartnerFixture *f,
                   gconstpointer   data)
{
  const char *env[] = { f->url, "SVOIKRUG_MASTER_KEY=" KEY_HEX, NULL };
  g_autoptr(SkRun) set = NULL;
  g_autoptr(SkRun) update = NULL;
  g_autoptr(SkRun) listed = NULL;
  g_autoptr(SkRun) only_market = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *settings = NULL;
  char *back;
  gint64 id;

  set = sk_test_run (env, "partner", "set-credentials", "--business", SALON,
                     "--system", "yclients", "--account", "company-42",
                     "--from-file", f->file, NULL);
  g_assert_cmpstr (set->err, ==, "");
  g_assert_cmpint (set->status, ==, 0);
  assert_no_secret (set);

  id = qint (&f->base, "SELECT id FROM partner_integrations");
  expected = g_strdup_printf ("Stored the yclients credentials of business " SALON
                              " (integration %" G_GINT64_FORMAT ")\n", id);
  g_assert_cmpstr (set->out, ==, expected);
  back = load (f, id);
  g_assert_cmpstr (back, ==, CREDENTIALS);
  sk_credentials_text_free (back);

  /* Again with settings: the same row, new settings. */
  update = sk_test_run (env, "partner", "set-credentials", "--business", SALON,
                        "--system", "yclients", "--account", "company-42",
                        "--time-zone", "Asia/Yekaterinburg", "--interval-minutes", "30",
                        "--from-file", f->file, NULL);
  g_assert_cmpstr (update->err, ==, "");
  g_assert_cmpint (update->status, ==, 0);
  g_assert_cmpstr (update->out, ==, expected);
  settings = qstr (&f->base, "SELECT count(*) || ' ' || min (time_zone) || ' '"
                             " || min (sync_interval)::text FROM partner_integrations");
  g_assert_cmpstr (settings, ==, "1 Asia/Yekaterinburg 00:30:00");

  run (&f->base, "INSERT INTO partner_integrations (business_id, system) VALUES"
                 " ('" MARKET "', 'iiko')");
  listed = sk_test_run (env, "partner", "list", NULL);
  g_assert_cmpstr (listed->err, ==, "");
  g_assert_cmpint (listed->status, ==, 0);
  assert_no_secret (listed);
  g_assert_cmpstr (listed->out, ==,
    "BUSINESS                              SYSTEM    ACCOUNT     ENABLED  CREDENTIALS"
    "  INTERVAL  LAST SUCCESS  LAST FAILURE  FAILURES\n"
    SALON "  yclients  company-42  yes      stored       30 min    -             -"
    "             0\n"
    MARKET "  iiko      -           yes      none         15 min    -             -"
    "             0\n");

  only_market = sk_test_run (env, "partner", "list", "--business", MARKET, NULL);
  g_assert_cmpint (only_market->status, ==, 0);
  g_assert_nonnull (strstr (only_market->out, MARKET));
  g_assert_null (strstr (only_market->out, SALON));
}

static void
test_from_stdin (PartnerFixture *f,
                 gconstpointer   data)
{
  const char *env[] = { f->url, "SVOIKRUG_MASTER_KEY=" KEY_HEX, NULL };
  g_autoptr(GSubprocessLauncher) launcher = sk_test_launcher (env);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *back;

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                             G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawn (launcher, &error, sk_test_bin (), "partner",
                                         "set-credentials", "--business", CLINIC,
                                         "--system", "renovatio", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, CREDENTIALS "\n", NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_null (strstr (out, SECRET));

  back = load (f, qint (&f->base, "SELECT id FROM partner_integrations"));
  g_assert_cmpstr (back, ==, CREDENTIALS "\n");
  sk_credentials_text_free (back);
}

/* The key from [security] master-key-file, in base64 with a trailing newline, opens what the
 * same key in hex from the environment sealed. */
static void
test_key_file (PartnerFixture *f,
               gconstpointer   data)
{
  const char *env[] = { f->url, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SkMasterKey) key = sk_master_key_new_from_text (KEY_HEX, &error);
  g_autofree char *base64 = NULL;
  g_autofree char *key_line = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *config = NULL;
  g_autoptr(SkRun) set = NULL;
  guint8 raw[SK_MASTER_KEY_LEN];
  char *back;

  g_assert_no_error (error);
  for (guint i = 0; i < SK_MASTER_KEY_LEN; i++)
    raw[i] = (guint8) g_ascii_strtoull ((char[]) { KEY_HEX[2 * i], KEY_HEX[2 * i + 1], 0 },
                                        NULL, 16);
  base64 = g_base64_encode (raw, sizeof raw);
  key_line = g_strconcat (base64, "\n", NULL);
  key_file = sk_test_write_file ("master.key", key_line);
  config_text = g_strdup_printf ("[security]\nmaster-key-file = %s\n", key_file);
  config = sk_test_write_file ("partner.conf", config_text);

  set = sk_test_run (env, "--config", config, "partner", "set-credentials",
                     "--business", FLORIST, "--system", "bitrix24", "--from-file", f->file, NULL);
  g_assert_cmpstr (set->err, ==, "");
  g_assert_cmpint (set->status, ==, 0);
  assert_no_secret (set);
  g_assert_null (strstr (set->out, base64));

  back = load (f, qint (&f->base, "SELECT id FROM partner_integrations"));
  g_assert_cmpstr (back, ==, CREDENTIALS);
  sk_credentials_text_free (back);
  g_unlink (key_file);
  g_unlink (config);
}

typedef struct
{
  const char *name;
  const char *key;          /* SVOIKRUG_MASTER_KEY, or NULL */
  const char *contents;     /* the credentials file's */
  const char *args[10];     /* after "partner"; "@FILE@" is the credentials file */
  int         status;
  const char *message;      /* the whole stderr line, without "svoikrugd: " and "\n" */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "bad-system", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", SALON, "--system", "sap", "--from-file", "@FILE@" },
    2, "--system “sap” is not a partner system; use one of " SYSTEMS },
  { "no-system", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", SALON, "--from-file", "@FILE@" },
    2, "--system is required: one of " SYSTEMS },
  { "bad-business", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", "salon", "--system", "iiko", "--from-file", "@FILE@" },
    2, "--business “salon” is not a business id (a UUID)" },
  { "no-business", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--system", "iiko", "--from-file", "@FILE@" },
    2, "--business is required" },
  { "unknown-business", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", UNKNOWN_BIZ, "--system", "iiko", "--from-file", "@FILE@" },
    1, "cannot store the credentials: There is no business " UNKNOWN_BIZ },
  { "bad-interval", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", SALON, "--system", "iiko", "--interval-minutes", "0",
      "--from-file", "@FILE@" },
    2, "--interval-minutes “0” is not a number of minutes between 1 and 1440" },
  { "bad-zone", KEY_HEX, CREDENTIALS,
    { "set-credentials", "--business", SALON, "--system", "iiko", "--time-zone", "Mars/Base",
      "--from-file", "@FILE@" },
    2, "--time-zone “Mars/Base” is not a known time zone" },
  { "no-key", NULL, CREDENTIALS,
    { "set-credentials", "--business", SALON, "--system", "iiko", "--from-file", "@FILE@" },
    2, "no master key: set [security] master-key-file in @CONFIG@ or SVOIKRUG_MASTER_KEY" },
  { "short-key", "8f1e2d3c4b5a6978", CREDENTIALS,
    { "set-credentials", "--business", SALON, "--system", "iiko", "--from-file", "@FILE@" },
    2, "SVOIKRUG_MASTER_KEY: The master key must be 32 bytes written as 64 hexadecimal digits "
       "or as 44 characters of base64" },
  { "not-json", KEY_HEX, "partner_token=" SECRET,
    { "set-credentials", "--business", SALON, "--system", "iiko", "--from-file", "@FILE@" },
    2, "the credentials are not valid JSON" },
  { "json-array", KEY_HEX, "[\"" SECRET "\"]",
    { "set-credentials", "--business", SALON, "--system", "iiko", "--from-file", "@FILE@" },
    2, "the credentials must be a JSON object with at least one member" },
  { "no-action", KEY_HEX, CREDENTIALS, { NULL },
    2, "partner needs an action: set-credentials or list" },
  { "bad-action", KEY_HEX, CREDENTIALS, { "delete" },
    2, "partner: unknown action “delete”; use set-credentials or list" },
  { "list-with-system", KEY_HEX, CREDENTIALS, { "list", "--system", "iiko" },
    2, "partner list takes only --business" },
};

static void
test_errors (PartnerFixture *f,
             gconstpointer   data)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      g_autofree char *key_env = c->key ? g_strconcat ("SVOIKRUG_MASTER_KEY=", c->key, NULL)
                                        : g_strdup ("SVOIKRUG_MASTER_KEY");
      g_autofree char *file = sk_test_write_file ("case.json", c->contents);
      const char *env[] = { f->url, key_env, NULL };
      const char *args[12] = { "partner", NULL };
      g_autoptr(SkRun) result = NULL;
      g_autoptr(GString) expected = g_string_new (c->message);
      g_autofree char *config = NULL;
      g_autofree char *dir = g_path_get_dirname (file);

      for (guint a = 0; c->args[a] != NULL; a++)
        args[a + 1] = g_str_equal (c->args[a], "@FILE@") ? file : c->args[a];

      g_test_message ("case %s", c->name);
      result = sk_test_runv (env, args);

      /* The launcher points SVOIKRUG_CONFIG at an empty file of its own. */
      config = g_build_filename (dir, "empty.conf", NULL);
      g_string_replace (expected, "@CONFIG@", config, 0);
      g_string_prepend (expected, "svoikrugd: ");
      g_string_append_c (expected, '\n');

      g_assert_cmpstr (result->out, ==, "");
      g_assert_cmpstr (result->err, ==, expected->str);
      g_assert_cmpint (result->status, ==, c->status);
      assert_no_secret (result);
      g_unlink (file);
    }

  g_assert_cmpint (qint (&f->base, "SELECT count(*) FROM partner_integrations"), ==, 0);
}

#define ADD_PARTNER(path, fn) \
  g_test_add ((path), PartnerFixture, NULL, partner_setup, (fn), partner_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_PARTNER ("/service/partner/set-and-list", test_set_and_list);
  ADD_PARTNER ("/service/partner/from-stdin", test_from_stdin);
  ADD_PARTNER ("/service/partner/key-file", test_key_file);
  ADD_PARTNER ("/service/partner/errors", test_errors);

  return g_test_run ();
}
