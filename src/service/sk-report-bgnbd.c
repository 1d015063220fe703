/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include <math.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sk-bgnbd.h"
#include "sk-report-bgnbd.h"

static void
add_number (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  /* Whole numbers as JSON integers: "39", not "39.0". */
  if (value == floor (value) && fabs (value) < 1e15)
    json_builder_add_int_value (builder, (gint64) value);
  else
    json_builder_add_double_value (builder, value);
}

/**
 * sk_report_bgnbd:
 * @summary_csv_path: a customer summary CSV (`ID,frequency,recency,T`, times in weeks),
 *   see sk_bgnbd_parse_summary()
 * @horizon_weeks: how far ahead to predict purchases, > 0
 * @out: where the JSON goes
 * @error: return location for a #GError
 *
 * Fits the BG/NBD model to the file and writes one JSON object:
 *
 * |[
 * {"model": "bgnbd", "customers": 2357, "repeat_purchases": 2457,
 *  "parameters": {"r": …, "alpha": …, "a": …, "b": …}, "log_likelihood": …,
 *  "converged": true, "status": "converged", "iterations": …, "fit_ms": …,
 *  "horizon_weeks": 39,
 *  "predictions": [{"id": "1", "frequency": 2, "recency": 30.43, "T": 38.86,
 *                   "p_alive": …, "expected_purchases": …}, …]}
 * ]|
 *
 * @expected_purchases is E[Y(@horizon_weeks) | frequency, recency, T]. When there is too
 * little data to fit ("status": "too-little-data"), "parameters" and "log_likelihood" are
 * null and "predictions" is empty; that is still a report, not an error.
 *
 * Returns: %FALSE if the file cannot be read or parsed (the message names the file and
 *   the line) or @out fails
 */
gboolean
sk_report_bgnbd (const char     *summary_csv_path,
                 double          horizon_weeks,
                 GOutputStream  *out,
                 GError        **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) customers = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  const SkBgnbdCustomer *c;
  SkBgnbdFit fit;
  double repeat_purchases = 0;
  gint64 start;
  double fit_ms;
  gboolean fitted;

  g_return_val_if_fail (summary_csv_path != NULL, FALSE);
  g_return_val_if_fail (horizon_weeks > 0 && isfinite (horizon_weeks), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* g_file_get_contents() names the file in its message already. */
  if (!g_file_get_contents (summary_csv_path, &text, &length, error))
    return FALSE;
  if (!sk_bgnbd_parse_summary (text, length, &ids, &customers, error))
    {
      g_prefix_error (error, "%s: ", summary_csv_path);
      return FALSE;
    }

  c = (const SkBgnbdCustomer *) customers->data;
  for (guint i = 0; i < customers->len; i++)
    repeat_purchases += c[i].x;

  start = g_get_monotonic_time ();
  sk_bgnbd_fit (c, customers->len, &fit);
  fit_ms = (g_get_monotonic_time () - start) / 1000.0;
  fitted = fit.status != SK_BGNBD_TOO_LITTLE_DATA;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, "bgnbd");
  json_builder_set_member_name (builder, "customers");
  json_builder_add_int_value (builder, customers->len);
  add_number (builder, "repeat_purchases", repeat_purchases);

  json_builder_set_member_name (builder, "parameters");
  if (fitted)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "r");
      json_builder_add_double_value (builder, fit.params.r);
      json_builder_set_member_name (builder, "alpha");
      json_builder_add_double_value (builder, fit.params.alpha);
      json_builder_set_member_name (builder, "a");
      json_builder_add_double_value (builder, fit.params.a);
      json_builder_set_member_name (builder, "b");
      json_builder_add_double_value (builder, fit.params.b);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "log_likelihood");
  if (fitted)
    json_builder_add_double_value (builder, fit.log_likelihood);
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "converged");
  json_builder_add_boolean_value (builder, fit.status == SK_BGNBD_CONVERGED);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, sk_bgnbd_status_to_string (fit.status));
  json_builder_set_member_name (builder, "iterations");
  json_builder_add_int_value (builder, fit.iterations);
  json_builder_set_member_name (builder, "fit_ms");
  json_builder_add_double_value (builder, round (fit_ms * 100) / 100);
  add_number (builder, "horizon_weeks", horizon_weeks);

  json_builder_set_member_name (builder, "predictions");
  json_builder_begin_array (builder);
  for (guint i = 0; fitted && i < customers->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, g_ptr_array_index (ids, i));
      add_number (builder, "frequency", c[i].x);
      add_number (builder, "recency", c[i].t_x);
      add_number (builder, "T", c[i].T);
      json_builder_set_member_name (builder, "p_alive");
      json_builder_add_double_value (builder, sk_bgnbd_p_alive (&fit.params, &c[i]));
      json_builder_set_member_name (builder, "expected_purchases");
      json_builder_add_double_value (builder,
                                     sk_bgnbd_expected_purchases (&fit.params, &c[i],
                                                                  horizon_weeks));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  generator = json_generator_new ();
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json = json_generator_to_data (generator, &length);

  if (!g_output_stream_write_all (out, json, length, NULL, NULL, error) ||
      !g_output_stream_write_all (out, "\n", 1, NULL, NULL, error))
    {
      g_prefix_error (error, _("cannot write the report: "));
      return FALSE;
    }
  return TRUE;
}
