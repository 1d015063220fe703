/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-test-service.h"

/* An unreachable PostgreSQL: nothing listens on port 1 of the loopback address. */
#define CLOSED_DB "host=127.0.0.1 port=1 dbname=nothing connect_timeout=5"

typedef struct
{
  const char *name;
  const char *file;          /* written to a temporary file, "@FILE@" in args and message */
  const char *env[4];
  const char *args[6];
  int         status;
  const char *message;       /* the whole stderr line, without "svoikrugd: " and "\n" */
  gboolean    prefix_only;   /* the message ends with text from GLib or libpq */
} ConfigCase;

static const ConfigCase config_cases[] = {
  { "port-not-a-number", "[server]\nport = abc\n", { NULL }, { "--config", "@FILE@", "migrate" },
    2, "@FILE@: [server] port \"abc\" is not a number between 1 and 65535" },
  { "port-zero", "[server]\nport = 0\n", { NULL }, { "migrate", "--config", "@FILE@" },
    2, "@FILE@: [server] port \"0\" is not a number between 1 and 65535" },
  { "port-too-big", "[server]\nport=65536\n", { NULL }, { "migrate", "--config=@FILE@" },
    2, "@FILE@: [server] port \"65536\" is not a number between 1 and 65535" },
  { "port-negative", "[server]\nport=-1\n", { NULL }, { "serve", "--config=@FILE@" },
    2, "@FILE@: [server] port \"-1\" is not a number between 1 and 65535" },
  { "unknown-key", "[server]\nprot = 8080\n", { NULL }, { "--config", "@FILE@", "migrate" },
    2, "@FILE@: unknown key \"prot\" in [server]" },
  { "unknown-group", "[databse]\nurl = x\n", { NULL }, { "--config", "@FILE@", "migrate" },
    2, "@FILE@: unknown group [databse]" },
  { "not-a-key-file", "port: 8080\n", { NULL }, { "--config", "@FILE@", "migrate" },
    2, "@FILE@: not a configuration file: ", TRUE },
  { "missing-file", NULL, { NULL }, { "--config", "/nonexistent/svoikrugd.conf", "migrate" },
    2, "/nonexistent/svoikrugd.conf: cannot read the configuration: No such file or directory" },
  { "missing-file-env", NULL, { "SVOIKRUG_CONFIG=/nonexistent/x.conf" }, { "migrate" },
    2, "/nonexistent/x.conf: cannot read the configuration: No such file or directory" },
  { "bad-timezone", "[club]\ntimezone = Mars/Olympus_Mons\n", { NULL },
    { "--config", "@FILE@", "migrate" },
    2, "@FILE@: [club] timezone \"Mars/Olympus_Mons\" is not a known time zone" },
  { "bad-timezone-env", NULL, { "SVOIKRUG_TIMEZONE=Nowhere/City" }, { "migrate" },
    2, "SVOIKRUG_TIMEZONE \"Nowhere/City\" is not a known time zone" },
  { "bad-port-env", NULL, { "SVOIKRUG_PORT=80a" }, { "migrate" },
    2, "SVOIKRUG_PORT \"80a\" is not a number between 1 and 65535" },
  { "bad-address", "[server]\naddress = localhost\n", { NULL },
    { "--config", "@FILE@", "serve" },
    2, "@FILE@: [server] address \"localhost\" is not an IP address" },
  { "bad-address-env", NULL, { "SVOIKRUG_LISTEN_ADDRESS=300.1.1.1" }, { "serve" },
    2, "SVOIKRUG_LISTEN_ADDRESS \"300.1.1.1\" is not an IP address" },
  { "no-database-url", "[server]\nport = 8081\n", { NULL }, { "--config", "@FILE@", "migrate" },
    2, "no database URL: set [database] url in @FILE@ or SVOIKRUG_DATABASE_URL" },
  { "no-database-url-serve", "", { NULL }, { "serve", "--config", "@FILE@" },
    2, "no database URL: set [database] url in @FILE@ or SVOIKRUG_DATABASE_URL" },
  { "env-overrides-file", "[server]\nport = abc\n", { "SVOIKRUG_PORT=8082",
                                                      "SVOIKRUG_DATABASE_URL=" CLOSED_DB },
    { "--config", "@FILE@", "migrate" },
    1, "cannot connect to PostgreSQL: ", TRUE },
  { "cannot-connect", "[database]\nurl = " CLOSED_DB "\n", { NULL },
    { "--config", "@FILE@", "migrate" },
    1, "cannot connect to PostgreSQL: ", TRUE },
  { "serve-bad-port-option", NULL, { "SVOIKRUG_DATABASE_URL=" CLOSED_DB },
    { "serve", "--port", "http" },
    2, "--port \"http\" is not a number between 0 and 65535" },
  { "unknown-command", NULL, { NULL }, { "frobnicate" },
    2, "unknown command “frobnicate”; try “svoikrugd --help”" },
  { "unknown-option", NULL, { NULL }, { "migrate", "--frob" },
    2, "Unknown option --frob" },
  { "unknown-global-option", NULL, { NULL }, { "--frob", "migrate" },
    2, "unknown option --frob; try “svoikrugd --help”" },
  { "no-command", NULL, { NULL }, { NULL },
    2, "no command given; try “svoikrugd --help”" },
  { "stray-argument", NULL, { "SVOIKRUG_DATABASE_URL=" CLOSED_DB }, { "migrate", "now" },
    2, "migrate: unexpected argument “now”" },
  { "config-without-file", NULL, { NULL }, { "migrate", "--config" },
    2, "--config needs a file name" },
  { "seed-demo-bad-members", NULL, { "SVOIKRUG_DATABASE_URL=" CLOSED_DB },
    { "seed-demo", "--members", "0" },
    2, "--members must be between 1 and 10000000" },
  { "seed-demo-bad-until", NULL, { "SVOIKRUG_DATABASE_URL=" CLOSED_DB },
    { "seed-demo", "--until", "yesterday" },
    2, "--until \"yesterday\" is not a date (YYYY-MM-DD)" },
};

static char *
replace_file (const char *text,
              const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return NULL;
  parts = g_strsplit (text, "@FILE@", -1);
  return g_strjoinv (path ? path : "", parts);
}

static void
test_config_case (gconstpointer data)
{
  const ConfigCase *c = data;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SkRun) run = NULL;
  g_autofree char *file_name = NULL;

  if (c->file != NULL)
    {
      file_name = g_strdup_printf ("%s.conf", c->name);
      path = sk_test_write_file (file_name, c->file);
    }

  for (guint i = 0; c->args[i] != NULL; i++)
    g_ptr_array_add (args, replace_file (c->args[i], path));
  g_ptr_array_add (args, NULL);

  run = sk_test_runv (c->env, (const char * const *) args->pdata);
  message = replace_file (c->message, path);
  expected = g_strdup_printf ("svoikrugd: %s", message);

  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, c->status);
  /* Exactly one line, and nothing from GLib (criticals, warnings) around it. */
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
  if (c->prefix_only)
    g_assert_true (g_str_has_prefix (run->err, expected));
  else
    {
      g_autofree char *line = g_strdup_printf ("%s\n", expected);

      g_assert_cmpstr (run->err, ==, line);
    }
  g_assert_cmpstr (run->out, ==, "");
}

static void
test_version (void)
{
  g_autoptr(SkRun) run = sk_test_run (NULL, "--version", NULL);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "svoikrugd 0.1.0\n");
  g_assert_cmpstr (run->err, ==, "");
}

static void
test_help (void)
{
  const char *forms[][3] = {
    { "--help", NULL },
    { "-h", NULL },
    { "help", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(SkRun) run = sk_test_runv (NULL, forms[i]);

      g_assert_cmpint (run->status, ==, 0);
      g_assert_cmpstr (run->err, ==, "");
      g_assert_nonnull (strstr (run->out, "Usage: svoikrugd [--config FILE] COMMAND"));
      g_assert_nonnull (strstr (run->out, "  migrate "));
      g_assert_nonnull (strstr (run->out, "  seed-demo "));
      g_assert_nonnull (strstr (run->out, "  serve "));
    }
}

static void
test_command_help (void)
{
  const char *forms[][3] = {
    { "help", "serve", NULL },
    { "serve", "--help", NULL },
  };

  /* Help needs no configuration, not even a valid one. */
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      const char *env[] = { "SVOIKRUG_PORT=nonsense", NULL };
      g_autoptr(SkRun) run = sk_test_runv (env, forms[i]);

      g_assert_cmpint (run->status, ==, 0);
      g_assert_cmpstr (run->err, ==, "");
      g_assert_nonnull (strstr (run->out, "svoikrugd serve [OPTION…]"));
      g_assert_nonnull (strstr (run->out, "--port"));
    }
}

static void
test_missing_default_config (void)
{
  /* Without --config and SVOIKRUG_CONFIG the default file may be missing: the environment
   * supplies everything, so we get as far as connecting. */
  const char *env[] = { "SVOIKRUG_CONFIG", "SVOIKRUG_DATABASE_URL=" CLOSED_DB, NULL };
  g_autoptr(SkRun) run = NULL;

  if (g_file_test ("/etc/svoikrug/svoikrugd.conf", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("/etc/svoikrug/svoikrugd.conf exists on this machine");
      return;
    }

  run = sk_test_run (env, "migrate", NULL);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "svoikrugd: cannot connect to PostgreSQL: "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (config_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/service/cli/config/%s", config_cases[i].name);

      g_test_add_data_func (path, &config_cases[i], test_config_case);
    }
  g_test_add_func ("/service/cli/version", test_version);
  g_test_add_func ("/service/cli/help", test_help);
  g_test_add_func ("/service/cli/command-help", test_command_help);
  g_test_add_func ("/service/cli/missing-default-config", test_missing_default_config);

  return g_test_run ();
}
