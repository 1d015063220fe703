/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "sk-core-error.h"
#include "sk-report-bgnbd.h"
#include "sk-test-service.h"

/* sk_report_bgnbd() on the CDNOW sample (tests/core/data, see its README): the fit of
 * Fader, Hardie & Lee (2005), r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
 * LL = -9582.4, and Hardie's E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226. */

static char *
cdnow_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "core", "data", "cdnow_customers_summary.csv",
                                NULL);
}

/* Runs the report into memory; returns the parsed JSON root object, or NULL with @error
 * set (and then checks that nothing was written). */
static JsonNode *
run_report (const char  *path,
            double       horizon,
            GError     **error)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  const char *data;
  gsize size;

  if (!sk_report_bgnbd (path, horizon, out, error))
    {
      g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                        ==, 0);
      return NULL;
    }
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  size = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpuint (size, >, 0);
  data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpint (data[size - 1], ==, '\n');
  g_assert_true (json_parser_load_from_data (parser, data, size, &json_error));
  g_assert_no_error (json_error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_copy (json_parser_get_root (parser));
}

static double
number (JsonObject *o,
        const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  g_assert_nonnull (n);
  g_assert_true (JSON_NODE_HOLDS_VALUE (n));
  return json_node_get_double (n);
}

static void
test_cdnow (void)
{
  g_autofree char *path = cdnow_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = run_report (path, 39, &error);
  JsonObject *o, *params, *first, *last;
  JsonArray *predictions;

  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, "bgnbd");
  g_assert_cmpint (json_object_get_int_member (o, "customers"), ==, 2357);
  g_assert_cmpint (json_object_get_int_member (o, "repeat_purchases"), ==, 2457);
  g_assert_true (json_object_get_boolean_member (o, "converged"));
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "converged");
  g_assert_cmpint (json_object_get_int_member (o, "iterations"), >, 0);
  g_assert_cmpfloat (number (o, "fit_ms"), >=, 0);
  /* A whole number of weeks is written as a JSON integer. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "horizon_weeks")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (o, "horizon_weeks"), ==, 39);

  params = json_object_get_object_member (o, "parameters");
  g_assert_nonnull (params);
  g_assert_cmpuint (json_object_get_size (params), ==, 4);
  g_assert_cmpfloat_with_epsilon (number (params, "r"), 0.243, 0.0005);
  g_assert_cmpfloat_with_epsilon (number (params, "alpha"), 4.414, 0.0005);
  g_assert_cmpfloat_with_epsilon (number (params, "a"), 0.793, 0.0005);
  g_assert_cmpfloat_with_epsilon (number (params, "b"), 2.426, 0.0005);
  g_assert_cmpfloat_with_epsilon (number (o, "log_likelihood"), -9582.4, 0.05);

  predictions = json_object_get_array_member (o, "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, 2357);

  /* 1,2,30.43,38.86: P(alive) 0.72658 and E[Y(39)] 1.22603 at the published parameters. */
  first = json_array_get_object_element (predictions, 0);
  g_assert_cmpuint (json_object_get_size (first), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, "1");
  g_assert_cmpint (json_object_get_int_member (first, "frequency"), ==, 2);
  g_assert_cmpfloat (number (first, "recency"), ==, 30.43);
  g_assert_cmpfloat (number (first, "T"), ==, 38.86);
  g_assert_cmpfloat_with_epsilon (number (first, "p_alive"), 0.72658, 1e-3);
  g_assert_cmpfloat_with_epsilon (number (first, "expected_purchases"), 1.226, 5e-4);

  /* 2357,0,0.0,27.0: no repeat purchase, so alive by the model; E[Y(39)] > 0. */
  last = json_array_get_object_element (predictions, 2356);
  g_assert_cmpstr (json_object_get_string_member (last, "id"), ==, "2357");
  g_assert_cmpint (json_object_get_int_member (last, "frequency"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (last, "recency"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (last, "T"), ==, 27);
  g_assert_cmpfloat (number (last, "p_alive"), ==, 1);
  g_assert_cmpfloat (number (last, "expected_purchases"), >, 0);
  g_assert_cmpfloat (number (last, "expected_purchases"), <, 1);

  /* Every row is a probability and a finite non-negative expectation. */
  for (guint i = 0; i < json_array_get_length (predictions); i++)
    {
      JsonObject *p = json_array_get_object_element (predictions, i);
      double pa = number (p, "p_alive");
      double e = number (p, "expected_purchases");

      g_assert_true (pa >= 0 && pa <= 1);
      g_assert_true (isfinite (e) && e >= 0);
    }
}

static void
test_horizon (void)
{
  g_autofree char *path = cdnow_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) week = run_report (path, 1, &error);
  g_autoptr(JsonNode) longer = run_report (path, 52.5, &error);
  JsonObject *o1 = json_node_get_object (week);
  JsonObject *o2 = json_node_get_object (longer);
  JsonArray *p1 = json_object_get_array_member (o1, "predictions");
  JsonArray *p2 = json_object_get_array_member (o2, "predictions");

  g_assert_no_error (error);
  g_assert_cmpfloat (number (o2, "horizon_weeks"), ==, 52.5);
  /* lifetimes' Quickstart: customer 1516 (26, 30.86, 31.0) expects 0.7106 in the next week. */
  for (guint i = 0; i < json_array_get_length (p1); i++)
    {
      JsonObject *a = json_array_get_object_element (p1, i);
      JsonObject *b = json_array_get_object_element (p2, i);

      if (g_str_equal (json_object_get_string_member (a, "id"), "1516"))
        g_assert_cmpfloat_with_epsilon (number (a, "expected_purchases"), 0.7106, 5e-4);
      /* A longer horizon never expects fewer purchases; P(alive) does not depend on it. */
      g_assert_cmpfloat (number (b, "expected_purchases"), >=, number (a, "expected_purchases"));
      g_assert_cmpfloat (number (b, "p_alive"), ==, number (a, "p_alive"));
    }
}

static const struct
{
  const char *name;
  const char *contents;
  const char *message;      /* after "PATH: " */
  SkCoreError code;
} bad_files[] = {
  { "missing-column.csv", "ID,frequency,T\n1,2,38.86\n",
    "Line 1: the header has no column recency; expected ID,frequency,recency,T",
    SK_CORE_ERROR_INVALID },
  { "text-in-number.csv", "ID,frequency,recency,T\n1,2,30.43,38.86\n2,two,1.71,38.86\n",
    "Line 3: frequency “two” is not a number", SK_CORE_ERROR_INVALID },
  { "short-row.csv", "ID,frequency,recency,T\n1,2,30.43,38.86\n2,1,1.71\n",
    "Line 3: 3 fields, but the header has 4", SK_CORE_ERROR_INVALID },
  { "recency-after-T.csv", "ID,frequency,recency,T\n1,2,40,38.86\n",
    "Line 2: recency is greater than T", SK_CORE_ERROR_INVALID },
  { "empty.csv", "", "Line 1: the file is empty; expected the header ID,frequency,recency,T",
    SK_CORE_ERROR_EMPTY },
};

static void
test_bad_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree char *path = sk_test_write_file (bad_files[i].name, bad_files[i].contents);
      g_autofree char *message = g_strdup_printf ("%s: %s", path, bad_files[i].message);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = run_report (path, 39, &error);

      g_assert_null (root);
      g_assert_error (error, SK_CORE_ERROR, (gint) bad_files[i].code);
      g_assert_cmpstr (error->message, ==, message);
    }

  /* A missing file: GLib's message, which names the file. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = run_report ("/nonexistent/summary.csv", 39, &error);

    g_assert_null (root);
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_assert_nonnull (strstr (error->message, "/nonexistent/summary.csv"));
  }
}

static void
test_too_little_data (void)
{
  g_autofree char *path = sk_test_write_file ("tiny.csv",
                                              "ID,frequency,recency,T\n"
                                              "a,2,30.43,38.86\n"
                                              "b,0,0,38.86\n"
                                              "c,1,1.71,38.86\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = run_report (path, 39, &error);
  JsonObject *o;

  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (o, "customers"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "repeat_purchases"), ==, 3);
  g_assert_false (json_object_get_boolean_member (o, "converged"));
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "too-little-data");
  g_assert_true (json_object_get_null_member (o, "parameters"));
  g_assert_true (json_object_get_null_member (o, "log_likelihood"));
  g_assert_cmpint (json_object_get_int_member (o, "iterations"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "predictions")), ==,
                    0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/report-bgnbd/cdnow", test_cdnow);
  g_test_add_func ("/service/report-bgnbd/horizon", test_horizon);
  g_test_add_func ("/service/report-bgnbd/bad-files", test_bad_files);
  g_test_add_func ("/service/report-bgnbd/too-little-data", test_too_little_data);

  return g_test_run ();
}
