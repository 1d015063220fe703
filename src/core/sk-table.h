/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SkTableType:
 * @SK_TABLE_TEXT: a string
 * @SK_TABLE_INT: a 64-bit integer (kopecks, counts)
 * @SK_TABLE_REAL: a double (rates, probabilities, model parameters)
 * @SK_TABLE_BOOL: true or false
 *
 * How a column is written: JSON gets numbers as numbers, CSV gets them in the C locale.
 */
typedef enum
{
  SK_TABLE_TEXT,
  SK_TABLE_INT,
  SK_TABLE_REAL,
  SK_TABLE_BOOL,
} SkTableType;

/**
 * SkTable:
 * @name: what the rows are ("overview", "customers", "model"), a JSON key
 * @column_names: (element-type utf8): one per column, snake_case
 * @column_types: (element-type SkTableType): one per column
 * @rows: (element-type GPtrArray): each row a #GPtrArray of as many cells as columns; a cell
 *   is a string in the C locale ("12", "0.25", "true") or %NULL for no value
 *
 * One table of a report, typed so that every output (CLI JSON and CSV, the member API,
 * the Studio's export) writes it the same way. Analytics results are plain structs; their
 * `_to_table` functions turn them into this.
 */
typedef struct
{
  char      *name;
  GPtrArray *column_names;
  GArray    *column_types;
  GPtrArray *rows;
} SkTable;

SkTable    *sk_table_new          (const char  *name);
void        sk_table_free         (SkTable     *table);
void        sk_table_add_column   (SkTable     *table,
                                   const char  *name,
                                   SkTableType  type);
guint       sk_table_n_columns    (const SkTable *table);
guint       sk_table_add_row      (SkTable     *table);
void        sk_table_set_text     (SkTable     *table,
                                   guint        column,
                                   const char  *value);
void        sk_table_set_int      (SkTable     *table,
                                   guint        column,
                                   gint64       value);
void        sk_table_set_real     (SkTable     *table,
                                   guint        column,
                                   double       value);
void        sk_table_set_bool     (SkTable     *table,
                                   guint        column,
                                   gboolean     value);
const char *sk_table_get          (const SkTable *table,
                                   guint        row,
                                   guint        column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkTable, sk_table_free)

G_END_DECLS
