/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include <json-glib/json-glib.h>

#include "sk-db.h"
#include "sk-test-pg.h"
#include "sk-test-service.h"

/* `svoikrugd report`: each kind on a small demo club, its figures checked against the
 * purchases themselves, and the usage errors a user can make. */

#define FROM "2026-05-01"
#define TO   "2026-05-31"

typedef struct
{
  SkTestDb *db;
  char     *url;
  char     *business;   /* the demo's salon */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *args[] = { "seed-demo", "--members", "80", "--months", "3", "--until", "2026-06-30",
                         NULL };
  const char *env[2] = { NULL, NULL };
  g_autoptr(SkRun) seeded = NULL;

  f->db = sk_test_db_new ("svc_report");
  f->url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", f->db->conninfo);
  env[0] = f->url;
  seeded = sk_test_runv (env, args);
  g_assert_cmpint (seeded->status, ==, 0);
  f->business = sk_test_query_value (f->db->conn,
                                     "SELECT id FROM businesses WHERE category = 'beauty'", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->business);
  g_free (f->url);
  sk_test_db_free (f->db);
}

static SkRun *
report (Fixture    *f,
        const char *first_arg,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *env[] = { f->url, NULL };
  va_list ap;

  g_ptr_array_add (args, (char *) "report");
  va_start (ap, first_arg);
  for (const char *a = first_arg; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return sk_test_runv (env, (const char * const *) args->pdata);
}

static JsonObject *
parse (SkRun     *run,
       JsonNode **root)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("%s%s", run->out, run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  *root = json_from_string (run->out, &error);
  g_assert_no_error (error);
  return json_node_get_object (*root);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autofree char *value = sk_test_query_value (f->db->conn, sql, f->business, NULL);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

/* The overview's revenue and sales are the month's purchases at the salon, in Moscow days. */
static void
test_overview (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SkRun) run = report (f, "overview", "--business", f->business, "--from", FROM,
                                 "--to", TO, NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = parse (run, &root);
  JsonObject *row;
  gint64 revenue = query_int (f, "SELECT sum(amount) FROM purchases WHERE business_id = $1"
                                 " AND occurred_at >= '" FROM " 00:00+03'"
                                 " AND occurred_at < '2026-06-01 00:00+03'");
  gint64 sales = query_int (f, "SELECT count(*) FROM purchases WHERE business_id = $1"
                               " AND amount > 0 AND occurred_at >= '" FROM " 00:00+03'"
                               " AND occurred_at < '2026-06-01 00:00+03'");

  g_assert_cmpstr (json_object_get_string_member (object, "report"), ==, "overview");
  g_assert_cmpstr (json_object_get_string_member (object, "business_id"), ==, f->business);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "period"),
                                                  "from"), ==, FROM);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "overview")), ==, 1);
  row = json_array_get_object_element (json_object_get_array_member (object, "overview"), 0);
  g_assert_cmpint (revenue, >, 0);
  g_assert_cmpint (json_object_get_int_member (row, "total_revenue_kopecks"), ==, revenue);
  g_assert_cmpint (json_object_get_int_member (row, "total_transactions"), ==, sales);
}

/* CSV: a header and one line per row; the numbers as the JSON has them. */
static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(SkRun) json = report (f, "rfm", "--business", f->business, "--to", TO, NULL);
  g_autoptr(SkRun) csv = report (f, "rfm", "--business", f->business, "--to", TO,
                                 "--format", "csv", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = parse (json, &root);
  JsonArray *segments = json_object_get_array_member (object, "segments");
  JsonArray *customers = json_object_get_array_member (object, "customers");
  g_auto(GStrv) lines = NULL;
  gint64 counted = 0;

  g_assert_cmpint (csv->status, ==, 0);
  g_assert_cmpstr (csv->err, ==, "");
  g_assert_true (g_str_has_prefix (csv->out, "# segments\r\nsegment,"));
  lines = g_strsplit (csv->out, "\r\n", -1);
  /* "# segments", header, rows, blank, "# customers", header, rows, and the final empty. */
  g_assert_cmpuint (g_strv_length (lines), ==,
                    2 + json_array_get_length (segments) + 1 + 2 +
                    json_array_get_length (customers) + 1);

  /* Every customer of the salon in the year up to --to is in exactly one segment. */
  for (guint i = 0; i < json_array_get_length (segments); i++)
    counted += json_object_get_int_member (json_array_get_object_element (segments, i), "count");
  g_assert_cmpint (counted, ==, json_array_get_length (customers));
  g_assert_cmpint (counted, ==,
                   query_int (f, "SELECT count(DISTINCT member_id) FROM purchases"
                                 " WHERE business_id = $1 AND member_id IS NOT NULL"
                                 " AND occurred_at < '2026-06-01 00:00+03'"));
}

/* Every kind runs on the demo club and answers JSON with its tables. */
static void
test_every_kind (Fixture       *f,
                 gconstpointer  data)
{
  static const struct
  {
    const char *kind;
    gboolean    business;
    const char *table;
  } kinds[] = {
    { "overview", TRUE, "overview" },
    { "sources", TRUE, "sources" },
    { "destinations", TRUE, "destinations" },
    { "chains", FALSE, "chains" },
    { "rfm", FALSE, "segments" },
    { "churn", TRUE, "customers" },
    { "club", FALSE, NULL },
    { "nsm", FALSE, "nsm" },
    { "cohorts", FALSE, "cohorts" },
    { "commission", FALSE, "statements" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(SkRun) run = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *object;

      if (kinds[i].business)
        run = report (f, kinds[i].kind, "--business", f->business, "--from", FROM, "--to", TO,
                      NULL);
      else
        run = report (f, kinds[i].kind, "--from", FROM, "--to", TO, NULL);
      object = parse (run, &root);
      g_assert_cmpstr (json_object_get_string_member (object, "report"), ==, kinds[i].kind);
      if (kinds[i].table != NULL)
        g_assert_true (json_object_has_member (object, kinds[i].table));
    }
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  static const struct
  {
    const char *args[8];
    const char *err;
  } cases[] = {
    { { NULL }, "svoikrugd: report needs a kind: overview, sources, destinations, chains, rfm, "
                "churn, club, nsm, cohorts, commission, bgnbd\n" },
    { { "weather", NULL }, "svoikrugd: report: unknown kind “weather”; use one of overview, "
                           "sources, destinations, chains, rfm, churn, club, nsm, cohorts, "
                           "commission, bgnbd\n" },
    { { "overview", NULL }, "svoikrugd: report overview needs --business ID\n" },
    { { "overview", "--business", "salon", NULL },
      "svoikrugd: --business “salon” is not a business id (a UUID)\n" },
    { { "nsm", "--format", "xml", NULL }, "svoikrugd: --format “xml”: use json or csv\n" },
    { { "nsm", "--from", "31.05.2026", NULL }, "svoikrugd: --from “31.05.2026” is not a day "
                                               "(YYYY-MM-DD)\n" },
    { { "nsm", "--from", "2026-06-01", "--to", "2026-05-01", NULL },
      "svoikrugd: --from is after --to\n" },
    { { "nsm", "--horizon", "10", NULL },
      "svoikrugd: --summary-csv and --horizon are for report bgnbd only\n" },
    { { "bgnbd", NULL }, "svoikrugd: report bgnbd needs --summary-csv FILE "
                         "(rows of ID,frequency,recency,T)\n" },
    { { "bgnbd", "--summary-csv", "x.csv", "--horizon", "-3", NULL },
      "svoikrugd: --horizon “-3” is not a number of weeks from 0 to 520\n" },
    { { "nsm", "extra", NULL }, "svoikrugd: report: unexpected argument “extra”\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(SkRun) run = NULL;
      const char *env[] = { f->url, NULL };

      g_ptr_array_add (args, (char *) "report");
      for (guint j = 0; cases[i].args[j] != NULL; j++)
        g_ptr_array_add (args, (char *) cases[i].args[j]);
      g_ptr_array_add (args, NULL);
      run = sk_test_runv (env, (const char * const *) args->pdata);
      g_assert_cmpint (run->status, ==, 2);
      g_assert_cmpstr (run->out, ==, "");
      g_assert_cmpstr (run->err, ==, cases[i].err);
    }
}

/* The CDNOW summary through the command: the paper's parameters. */
static void
test_bgnbd (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "core", "data",
                                                 "cdnow_customers_summary.csv", NULL);
  const char *env[] = { NULL };
  g_autoptr(SkRun) run = sk_test_run (env, "report", "bgnbd", "--summary-csv", path, NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = parse (run, &root);
  JsonObject *params = json_object_get_object_member (object, "parameters");

  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (params, "r"), 0.243, 0.0005);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (params, "alpha"), 4.414, 0.0005);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (params, "a"), 0.793, 0.0005);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (params, "b"), 2.426, 0.0005);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "log_likelihood"),
                                  -9582.4, 0.05);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "predictions")),
                    ==, 2357);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/report/bgnbd", test_bgnbd);
  g_test_add ("/service/report/overview", Fixture, NULL, fixture_setup, test_overview,
              fixture_teardown);
  g_test_add ("/service/report/csv", Fixture, NULL, fixture_setup, test_csv, fixture_teardown);
  g_test_add ("/service/report/every-kind", Fixture, NULL, fixture_setup, test_every_kind,
              fixture_teardown);
  g_test_add ("/service/report/usage-errors", Fixture, NULL, fixture_setup, test_usage_errors,
              fixture_teardown);

  return g_test_run ();
}
