/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "sk-report-output.h"

#include <json-glib/json-glib.h>

static void
add_cell (JsonBuilder *builder,
          SkTableType  type,
          const char  *cell)
{
  if (cell == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  switch (type)
    {
    case SK_TABLE_INT:
      json_builder_add_int_value (builder, g_ascii_strtoll (cell, NULL, 10));
      break;
    case SK_TABLE_REAL:
      json_builder_add_double_value (builder, g_ascii_strtod (cell, NULL));
      break;
    case SK_TABLE_BOOL:
      json_builder_add_boolean_value (builder, g_str_equal (cell, "true"));
      break;
    case SK_TABLE_TEXT:
    default:
      json_builder_add_string_value (builder, cell);
      break;
    }
}

/**
 * sk_report_to_json:
 * @tables: (element-type SkTable): the report's tables
 *
 * Returns: (transfer full): one JSON object: the header's fields, then each table as an
 *   array of row objects under the table's name; numbers are JSON numbers.
 */
char *
sk_report_to_json (const SkReportHeader *header,
                   GPtrArray            *tables)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (header != NULL && tables != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_add_string_value (builder, header->report);
  json_builder_set_member_name (builder, "business_id");
  if (header->business_id != NULL)
    json_builder_add_string_value (builder, header->business_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "period");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, header->from);
  json_builder_set_member_name (builder, "to");
  json_builder_add_string_value (builder, header->to);
  json_builder_end_object (builder);

  for (guint t = 0; t < tables->len; t++)
    {
      const SkTable *table = g_ptr_array_index (tables, t);

      json_builder_set_member_name (builder, table->name);
      json_builder_begin_array (builder);
      for (guint r = 0; r < table->rows->len; r++)
        {
          json_builder_begin_object (builder);
          for (guint c = 0; c < sk_table_n_columns (table); c++)
            {
              json_builder_set_member_name (builder, g_ptr_array_index (table->column_names, c));
              add_cell (builder, g_array_index (table->column_types, SkTableType, c),
                        sk_table_get (table, r, c));
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a leading
 * apostrophe, since business names and the like come from users. */
static void
append_csv_cell (GString     *out,
                 SkTableType  type,
                 const char  *cell)
{
  gboolean formula;

  if (cell == NULL)
    return;

  formula = type == SK_TABLE_TEXT && strchr ("=+-@\t\r", cell[0]) != NULL && cell[0] != '\0';
  if (!formula && strpbrk (cell, ",\"\r\n") == NULL)
    {
      g_string_append (out, cell);
      return;
    }

  g_string_append_c (out, '"');
  if (formula)
    g_string_append_c (out, '\'');
  for (const char *p = cell; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * sk_report_to_csv:
 * @tables: (element-type SkTable): the report's tables
 *
 * Returns: (transfer full): each table as a header line and its rows, CRLF-ended; when there
 *   are several, each starts with a "# name" line and a blank line separates them.
 */
char *
sk_report_to_csv (GPtrArray *tables)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (tables != NULL, NULL);

  for (guint t = 0; t < tables->len; t++)
    {
      const SkTable *table = g_ptr_array_index (tables, t);
      guint n_columns = sk_table_n_columns (table);

      if (tables->len > 1)
        g_string_append_printf (out, "%s# %s\r\n", t > 0 ? "\r\n" : "", table->name);

      for (guint c = 0; c < n_columns; c++)
        {
          if (c > 0)
            g_string_append_c (out, ',');
          g_string_append (out, g_ptr_array_index (table->column_names, c));
        }
      g_string_append (out, "\r\n");

      for (guint r = 0; r < table->rows->len; r++)
        {
          for (guint c = 0; c < n_columns; c++)
            {
              if (c > 0)
                g_string_append_c (out, ',');
              append_csv_cell (out, g_array_index (table->column_types, SkTableType, c),
                               sk_table_get (table, r, c));
            }
          g_string_append (out, "\r\n");
        }
    }
  return g_string_free (out, FALSE);
}
