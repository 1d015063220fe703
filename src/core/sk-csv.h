/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-phone.h"

G_BEGIN_DECLS

/**
 * SkCsvRowStatus:
 * @SK_CSV_ROW_OK: the row is a purchase
 * @SK_CSV_ROW_BAD_DATE: the date is neither YYYY-MM-DD nor DD.MM.YYYY (optional HH:MM[:SS])
 * @SK_CSV_ROW_BAD_AMOUNT: the amount is not money, or is negative
 * @SK_CSV_ROW_ZERO_AMOUNT: the amount is zero
 * @SK_CSV_ROW_BAD_PHONE: the phone is missing or rejected; see @phone_reason
 * @SK_CSV_ROW_MISSING_COLUMN: fewer fields than the header has
 * @SK_CSV_ROW_TOO_MANY_COLUMNS: more fields than the header has
 * @SK_CSV_ROW_UNTERMINATED_QUOTE: a quoted field runs to the end of the file
 * @SK_CSV_ROW_BAD_QUOTE: text after the closing quote of a field
 * @SK_CSV_ROW_INVALID_UTF8: the row is not UTF-8
 * @SK_CSV_ROW_BAD_EXTERNAL_ID: the external id is too long
 */
typedef enum
{
  SK_CSV_ROW_OK,
  SK_CSV_ROW_BAD_DATE,
  SK_CSV_ROW_BAD_AMOUNT,
  SK_CSV_ROW_ZERO_AMOUNT,
  SK_CSV_ROW_BAD_PHONE,
  SK_CSV_ROW_MISSING_COLUMN,
  SK_CSV_ROW_TOO_MANY_COLUMNS,
  SK_CSV_ROW_UNTERMINATED_QUOTE,
  SK_CSV_ROW_BAD_QUOTE,
  SK_CSV_ROW_INVALID_UTF8,
  SK_CSV_ROW_BAD_EXTERNAL_ID,
} SkCsvRowStatus;

/**
 * SkCsvRow:
 * @line: the physical line (from 1, the header is line 1) where the row starts
 * @status: %SK_CSV_ROW_OK, or why the row is bad
 * @reason: (nullable): for a bad row, one translated sentence that never repeats the
 *   row's phone or description
 * @phone_reason: for %SK_CSV_ROW_BAD_PHONE, why
 * @external_id: the file's `external_id`, else "csv:" + hex digest + ":" + occurrence
 * @external_id_derived: whether @external_id was derived from the row
 * @occurred_at: unix microseconds
 * @phone_e164: the customer's phone, normalised
 * @amount: kopecks, > 0
 * @description: (nullable): the description as written; the importer drops it for
 *   medical partners
 *
 * One data row of an upload: a purchase when @status is %SK_CSV_ROW_OK, else only @line,
 * @status and @reason are set.
 */
typedef struct
{
  guint           line;
  SkCsvRowStatus  status;
  char           *reason;
  SkPhoneReason   phone_reason;
  char           *external_id;
  gboolean        external_id_derived;
  gint64          occurred_at;
  char           *phone_e164;
  SkKopecks       amount;
  char           *description;
} SkCsvRow;

typedef struct _SkCsvParser SkCsvParser;

void         sk_csv_row_free                (SkCsvRow      *row);

SkCsvParser *sk_csv_parser_new              (GTimeZone     *tz,
                                             const guint8  *key,
                                             gsize          key_len);
void         sk_csv_parser_free             (SkCsvParser   *self);
gboolean     sk_csv_parser_feed             (SkCsvParser   *self,
                                             const char    *data,
                                             gsize          len,
                                             GError       **error);
gboolean     sk_csv_parser_finish           (SkCsvParser   *self,
                                             GError       **error);
SkCsvRow    *sk_csv_parser_pop              (SkCsvParser   *self);
char         sk_csv_parser_get_delimiter    (SkCsvParser   *self);
gboolean     sk_csv_parser_has_external_id  (SkCsvParser   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkCsvRow, sk_csv_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkCsvParser, sk_csv_parser_free)

G_END_DECLS
