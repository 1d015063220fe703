/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-table.h"

#include <math.h>

SkTable *
sk_table_new (const char *name)
{
  SkTable *table;

  g_return_val_if_fail (name != NULL, NULL);

  table = g_new0 (SkTable, 1);
  table->name = g_strdup (name);
  table->column_names = g_ptr_array_new_with_free_func (g_free);
  table->column_types = g_array_new (FALSE, FALSE, sizeof (SkTableType));
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return table;
}

void
sk_table_free (SkTable *table)
{
  if (table == NULL)
    return;

  g_free (table->name);
  g_ptr_array_unref (table->column_names);
  g_array_unref (table->column_types);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

/* Columns come first: a table with rows keeps its shape. */
void
sk_table_add_column (SkTable     *table,
                     const char  *name,
                     SkTableType  type)
{
  g_return_if_fail (table != NULL && name != NULL);
  g_return_if_fail (table->rows->len == 0);

  g_ptr_array_add (table->column_names, g_strdup (name));
  g_array_append_val (table->column_types, type);
}

guint
sk_table_n_columns (const SkTable *table)
{
  g_return_val_if_fail (table != NULL, 0);

  return table->column_names->len;
}

/* Returns: the new row's index; its cells start as %NULL and the setters fill the last row. */
guint
sk_table_add_row (SkTable *table)
{
  GPtrArray *row;

  g_return_val_if_fail (table != NULL, 0);

  row = g_ptr_array_new_full (table->column_names->len, g_free);
  g_ptr_array_set_size (row, table->column_names->len);
  g_ptr_array_add (table->rows, row);
  return table->rows->len - 1;
}

static void
set_cell (SkTable     *table,
          guint        column,
          SkTableType  type,
          char        *value)
{
  GPtrArray *row;

  g_return_if_fail (table->rows->len > 0);
  g_return_if_fail (column < table->column_names->len);
  g_return_if_fail (g_array_index (table->column_types, SkTableType, column) == type);

  row = g_ptr_array_index (table->rows, table->rows->len - 1);
  g_free (g_ptr_array_index (row, column));
  g_ptr_array_index (row, column) = value;
}

void
sk_table_set_text (SkTable    *table,
                   guint       column,
                   const char *value)
{
  g_return_if_fail (table != NULL);

  set_cell (table, column, SK_TABLE_TEXT, g_strdup (value));
}

void
sk_table_set_int (SkTable *table,
                  guint    column,
                  gint64   value)
{
  g_return_if_fail (table != NULL);

  set_cell (table, column, SK_TABLE_INT, g_strdup_printf ("%" G_GINT64_FORMAT, value));
}

/* Ten significant digits, plenty for rates and model parameters and the same on every
 * machine; NaN and infinities are no value. */
void
sk_table_set_real (SkTable *table,
                   guint    column,
                   double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (table != NULL);

  if (!isfinite (value))
    {
      set_cell (table, column, SK_TABLE_REAL, NULL);
      return;
    }
  g_ascii_formatd (buffer, sizeof buffer, "%.10g", value);
  set_cell (table, column, SK_TABLE_REAL, g_strdup (buffer));
}

void
sk_table_set_bool (SkTable  *table,
                   guint     column,
                   gboolean  value)
{
  g_return_if_fail (table != NULL);

  set_cell (table, column, SK_TABLE_BOOL, g_strdup (value ? "true" : "false"));
}

/* Returns: (nullable): the cell's text, %NULL when it has no value. */
const char *
sk_table_get (const SkTable *table,
              guint          row,
              guint          column)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (row < table->rows->len, NULL);
  g_return_val_if_fail (column < table->column_names->len, NULL);

  return g_ptr_array_index ((GPtrArray *) g_ptr_array_index (table->rows, row), column);
}
