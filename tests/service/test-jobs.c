/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "sk-test-pipeline.h"
#include "sk-test-service.h"

/* `svoikrugd jobs run-once` and the jobs `serve` runs on its own: both release a bonus
 * whose hold is over, through jobs_run(), on a database whose purchases went through the
 * pipeline (the fixture of tests/db/sk-test-pipeline.h). */

/* An unreachable PostgreSQL: nothing listens on port 1 of the loopback address. */
#define CLOSED_DB "host=127.0.0.1 port=1 dbname=nothing connect_timeout=5"

#define NOW_ERROR "is not a date or time in ISO 8601 (e.g. 2026-01-15 or " \
                  "2026-01-15T03:00:00+03:00)"

typedef struct
{
  Fixture           base;      /* the database, for the pipeline helpers */
  char             *url;       /* SVOIKRUG_DATABASE_URL=… */
  char             *config;
  GSubprocess      *process;
  GDataInputStream *out;
  char             *base_uri;
  SoupSession      *session;
} JobsFixture;

static void
jobs_setup (JobsFixture   *f,
            gconstpointer  data)
{
  fixture_setup (&f->base, data);
  f->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", f->base.db->conninfo);
}

static void
jobs_teardown (JobsFixture   *f,
               gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->out);
  g_clear_object (&f->process);
  g_clear_pointer (&f->base_uri, g_free);
  if (f->config != NULL)
    g_unlink (f->config);
  g_clear_pointer (&f->config, g_free);
  g_clear_pointer (&f->url, g_free);
  fixture_teardown (&f->base, data);
}

static SkRun *
run_once (JobsFixture *f,
          const char  *now)
{
  const char *env[] = { f->url, NULL };

  if (now != NULL)
    return sk_test_run (env, "jobs", "run-once", "--now", now, NULL);
  return sk_test_run (env, "jobs", "run-once", NULL);
}

static gint64
available_of (JobsFixture *f,
              const char  *member)
{
  return sk_test_query_int (f->base.conn,
                            "SELECT coalesce ((SELECT available FROM bonus_balances"
                            " WHERE member_id = $1), 0)", member, NULL);
}

/* A day in the club's time zone, @days from today. */
static char *
club_day (int days)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Europe/Moscow");
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static void
test_run_once (JobsFixture   *f,
               gconstpointer  data)
{
  g_autoptr(SkRun) early = NULL;
  g_autoptr(SkRun) later = NULL;
  g_autoptr(SkRun) again = NULL;
  g_autofree char *held = NULL;
  g_autofree char *released = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *day = club_day (15);
  g_autofree char *day_and_time = g_strdup_printf ("%sT03:00:00+03:00", day);

  g_free (record_at (&f->base, SALON, "jobs-1", "100000", "now () - interval '1 day'", ALICE));
  held = balance_of (&f->base, ALICE);
  g_assert_cmpstr (held, ==, "7500/0/0");

  /* Today the hold is not over: nothing is released. */
  early = run_once (f, NULL);
  g_assert_cmpstr (early->err, ==, "");
  g_assert_cmpint (early->status, ==, 0);
  g_assert_cmpstr (early->out, ==,
                   "released 0, expired 0, debt repaid 0, tiers changed 0, ranked 1\n");
  g_assert_cmpint (available_of (f, ALICE), ==, 0);

  /* Midnight 15 days from now (club time) is past the 14-day hold. */
  later = run_once (f, day);
  g_assert_cmpstr (later->err, ==, "");
  g_assert_cmpint (later->status, ==, 0);
  g_assert_cmpstr (later->out, ==,
                   "released 1, expired 0, debt repaid 0, tiers changed 0, ranked 1\n");
  released = balance_of (&f->base, ALICE);
  g_assert_cmpstr (released, ==, "0/7500/0");
  rows = ledger_of (&f->base, ALICE);
  g_assert_cmpstr (rows, ==, "earned 7500/0/0 new_category;"
                             " became_available -7500/7500/0 new_category");

  /* Again, a few hours later: the accrual is released once. */
  again = run_once (f, day_and_time);
  g_assert_cmpstr (again->err, ==, "");
  g_assert_cmpint (again->status, ==, 0);
  g_assert_cmpstr (again->out, ==,
                   "released 0, expired 0, debt repaid 0, tiers changed 0, ranked 1\n");
  g_assert_cmpint (qint (&f->base, "SELECT count(*) FROM bonus_ledger"
                                   " WHERE kind = 'became_available'"), ==, 1);
}

typedef struct
{
  const char *name;
  const char *file;         /* the configuration, "@FILE@" in the message */
  const char *env[3];
  const char *args[6];
  int         status;
  const char *message;      /* the whole stderr line, without "svoikrugd: " and "\n" */
  gboolean    prefix_only;  /* the message ends with text from libpq */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "now-word", NULL, { NULL }, { "jobs", "run-once", "--now", "yesterday" },
    2, "--now “yesterday” " NOW_ERROR },
  { "now-no-such-day", NULL, { NULL }, { "jobs", "run-once", "--now", "2026-02-30" },
    2, "--now “2026-02-30” " NOW_ERROR },
  { "now-bad-hour", NULL, { NULL }, { "jobs", "run-once", "--now=2026-01-15T25:00:00" },
    2, "--now “2026-01-15T25:00:00” " NOW_ERROR },
  { "now-russian-order", NULL, { NULL }, { "jobs", "--now", "15.01.2026", "run-once" },
    2, "--now “15.01.2026” " NOW_ERROR },
  { "now-empty", NULL, { NULL }, { "jobs", "run-once", "--now", "" },
    2, "--now “” " NOW_ERROR },
  { "no-action", NULL, { NULL }, { "jobs" },
    2, "jobs needs an action: run-once" },
  { "unknown-action", NULL, { NULL }, { "jobs", "run-twice" },
    2, "jobs: unknown action “run-twice”; the only one is run-once" },
  { "extra-argument", NULL, { NULL }, { "jobs", "run-once", "now" },
    2, "jobs: unexpected argument “now”" },
  { "cannot-connect", NULL, { NULL }, { "jobs", "run-once", "--now", "2026-01-15" },
    1, "cannot connect to PostgreSQL: ", TRUE },
  { "interval-zero", "[jobs]\ninterval-minutes = 0\n", { NULL }, { "serve" },
    2, "@FILE@: [jobs] interval-minutes \"0\" is not a number of minutes between 1 and 1440" },
  { "interval-over-a-day", "[jobs]\ninterval-minutes = 1441\n", { NULL }, { "serve" },
    2, "@FILE@: [jobs] interval-minutes \"1441\" is not a number of minutes between 1 and 1440" },
  { "interval-words", "[jobs]\ninterval-minutes = hourly\n", { NULL }, { "serve" },
    2, "@FILE@: [jobs] interval-minutes \"hourly\" is not a number of minutes between 1 and "
       "1440" },
  { "interval-env", "[jobs]\ninterval-minutes = 5\n", { "SVOIKRUG_JOBS_INTERVAL_MINUTES=-5" },
    { "serve" },
    2, "SVOIKRUG_JOBS_INTERVAL_MINUTES \"-5\" is not a number of minutes between 1 and 1440" },
  { "interval-unknown-key", "[jobs]\ninterval = 5\n", { NULL }, { "jobs", "run-once" },
    2, "@FILE@: unknown key \"interval\" in [jobs]" },
};

static char *
replace_file (const char *text,
              const char *path)
{
  g_auto(GStrv) parts = g_strsplit (text, "@FILE@", -1);

  return g_strjoinv (path ? path : "", parts);
}

/* Each error is one line on stderr, nothing on stdout, and no database is needed. */
static void
test_error (gconstpointer data)
{
  const ErrorCase *c = &error_cases[GPOINTER_TO_UINT (data)];
  g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SkRun) result = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;

  g_ptr_array_add (env, g_strdup ("SVOIKRUG_DATABASE_URL=" CLOSED_DB));
  if (c->file != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s.conf", c->name);

      path = sk_test_write_file (name, c->file);
      g_ptr_array_add (env, g_strdup_printf ("SVOIKRUG_CONFIG=%s", path));
    }
  for (guint i = 0; c->env[i] != NULL; i++)
    g_ptr_array_add (env, g_strdup (c->env[i]));
  g_ptr_array_add (env, NULL);

  result = sk_test_runv ((const char * const *) env->pdata, c->args);
  message = replace_file (c->message, path);
  expected = g_strdup_printf ("svoikrugd: %s", message);

  g_test_message ("stderr: %s", result->err);
  g_assert_cmpint (result->status, ==, c->status);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_suffix (result->err, "\n"));
  g_assert_true (strchr (result->err, '\n') == result->err + strlen (result->err) - 1);
  if (c->prefix_only)
    g_assert_true (g_str_has_prefix (result->err, expected));
  else
    {
      g_autofree char *line = g_strdup_printf ("%s\n", expected);

      g_assert_cmpstr (result->err, ==, line);
    }

  if (path != NULL)
    g_unlink (path);
}

static void
start_server (JobsFixture *f)
{
  g_autofree char *config_env = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "svoikrugd: listening on ";

  /* Through the key file, to check its group on the way. */
  f->config = sk_test_write_file ("serve.conf", "[jobs]\ninterval-minutes = 1\n");
  config_env = g_strdup_printf ("SVOIKRUG_CONFIG=%s", f->config);

  {
    const char *env[] = { f->url, config_env, NULL };

    launcher = sk_test_launcher (env);
  }
  f->process = g_subprocess_launcher_spawn (launcher, &error, sk_test_bin (),
                                            "serve", "--port", "0", NULL);
  g_assert_no_error (error);
  f->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->process));

  line = g_data_input_stream_read_line_utf8 (f->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  f->base_uri = g_strdup (line + strlen (prefix));
  f->session = soup_session_new ();
}

static guint
healthz (JobsFixture *f)
{
  g_autofree char *uri = g_strconcat (f->base_uri, "healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (f->session, message, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (message);
}

/* Polls until @member has @available kopecks available, asking /healthz each time. */
static void
wait_for_available (JobsFixture *f,
                    const char  *member,
                    gint64       available,
                    int          seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (available_of (f, member) != available)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("no release within %d s: %s has %" G_GINT64_FORMAT " available", seconds,
                 member, available_of (f, member));

      /* The jobs run off the main loop: the service keeps answering meanwhile. */
      g_assert_cmpuint (healthz (f), ==, 200);
      g_usleep (G_USEC_PER_SEC / 4);
    }
}

static char *
stop_server (JobsFixture *f)
{
  g_autoptr(GOutputStream) err = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;

  g_subprocess_send_signal (f->process, SIGTERM);
  g_subprocess_wait (f->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (f->process));
  g_assert_cmpint (g_subprocess_get_exit_status (f->process), ==, 0);

  rest = g_data_input_stream_read_line_utf8 (f->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rest, ==, "svoikrugd: stopped");

  g_output_stream_splice (err, g_subprocess_get_stderr_pipe (f->process),
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write (err, "", 1, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (err));
}

static guint
count_lines (const char *log,
             const char *text)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], text))
      n++;
  return n;
}

/* A due accrual is released shortly after the start, a new one at the next minute. */
static void
test_serve (JobsFixture   *f,
            gconstpointer  data)
{
  g_autofree char *log = NULL;
  g_autofree char *held = NULL;

  g_free (record_at (&f->base, SALON, "serve-1", "100000", "now () - interval '20 days'",
                     ALICE));
  held = balance_of (&f->base, ALICE);
  g_assert_cmpstr (held, ==, "7500/0/0");

  start_server (f);
  wait_for_available (f, ALICE, 7500, 20);

  /* Bella's first purchase earns the same; the next run, a minute after the first, releases
   * it. */
  g_free (record_at (&f->base, MARKET, "serve-2", "100000", "now () - interval '20 days'",
                     BELLA));
  wait_for_available (f, BELLA, 7500, 90);

  log = stop_server (f);
  g_test_message ("stderr:\n%s", log);
  g_assert_cmpuint (count_lines (log, ": jobs: released 1, expired 0, debt repaid 0,"
                                      " tiers changed 0, ranked 1"), ==, 1);
  g_assert_cmpuint (count_lines (log, ": jobs: released 1, expired 0, debt repaid 0,"
                                      " tiers changed 0, ranked 2"), ==, 1);
  g_assert_null (strstr (log, "WARNING"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service/jobs/run-once", JobsFixture, NULL,
              jobs_setup, test_run_once, jobs_teardown);
  g_test_add ("/service/jobs/serve", JobsFixture, NULL,
              jobs_setup, test_serve, jobs_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/service/jobs/error/%s", error_cases[i].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_error);
    }

  return g_test_run ();
}
