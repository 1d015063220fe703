/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include <string.h>

#include "sk-core.h"
#include "sk-fuzz.h"

/*
 * The CSV upload parser over arbitrary bytes: header and rows, fed all at once and again in
 * small pieces. Both parses must agree row for row (the parser claims chunking never
 * matters), every row must keep the promises of SkCsvRow, and everything is freed.
 */

static GTimeZone *
club_tz (void)
{
  static GTimeZone *tz;

  /* Once: reading the zone file per input would be most of the time spent. */
  if (tz == NULL)
    tz = g_time_zone_new_identifier ("Europe/Moscow");
  if (tz == NULL)
    tz = g_time_zone_new_offset (3 * 3600);
  return tz;
}

typedef struct
{
  GPtrArray *rows;
  GError    *error;
} Parse;

static void
parse_clear (Parse *p)
{
  g_clear_pointer (&p->rows, g_ptr_array_unref);
  g_clear_error (&p->error);
}

static void
parse (const char *data,
       gsize       len,
       gsize       chunk,
       Parse      *out)
{
  static const guint8 key[] = "fuzz-key";
  g_autoptr(SkCsvParser) parser = sk_csv_parser_new (club_tz (), key, sizeof key - 1);
  SkCsvRow *row;
  gsize done = 0;

  out->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_csv_row_free);
  out->error = NULL;

  /* An empty piece before anything is buffered changes nothing. */
  SK_FUZZ_CHECK (sk_csv_parser_feed (parser, "", 0, &out->error));
  while (done < len)
    {
      gsize n = MIN (chunk, len - done);

      if (!sk_csv_parser_feed (parser, data + done, n, &out->error))
        return;
      done += n;
      while ((row = sk_csv_parser_pop (parser)) != NULL)
        g_ptr_array_add (out->rows, row);
    }

  if (!sk_csv_parser_finish (parser, &out->error))
    return;
  while ((row = sk_csv_parser_pop (parser)) != NULL)
    g_ptr_array_add (out->rows, row);

  /* Nothing is left once finished. */
  SK_FUZZ_CHECK (sk_csv_parser_pop (parser) == NULL);
}

static void
check_row (const SkCsvRow *row,
           guint           prev_line)
{
  SK_FUZZ_CHECK (row->line >= 2);
  SK_FUZZ_CHECK (row->line >= prev_line);

  if (row->status == SK_CSV_ROW_OK)
    {
      SK_FUZZ_CHECK (row->reason == NULL);
      SK_FUZZ_CHECK (sk_phone_is_e164 (row->phone_e164));
      SK_FUZZ_CHECK (row->amount > 0);
      SK_FUZZ_CHECK (row->external_id != NULL && row->external_id[0] != '\0');
      SK_FUZZ_CHECK (g_utf8_validate (row->external_id, -1, NULL));
      SK_FUZZ_CHECK (row->description == NULL || g_utf8_validate (row->description, -1, NULL));
      if (row->external_id_derived)
        SK_FUZZ_CHECK (g_str_has_prefix (row->external_id, "csv:"));
    }
  else
    {
      SK_FUZZ_CHECK (row->reason != NULL && g_utf8_validate (row->reason, -1, NULL));
      SK_FUZZ_CHECK (row->status <= SK_CSV_ROW_BAD_EXTERNAL_ID);
    }
}

static void
check_same_row (const SkCsvRow *a,
                const SkCsvRow *b)
{
  SK_FUZZ_CHECK (a->line == b->line);
  SK_FUZZ_CHECK (a->status == b->status);
  SK_FUZZ_CHECK (g_strcmp0 (a->reason, b->reason) == 0);
  SK_FUZZ_CHECK (a->phone_reason == b->phone_reason);
  SK_FUZZ_CHECK (g_strcmp0 (a->external_id, b->external_id) == 0);
  SK_FUZZ_CHECK (a->external_id_derived == b->external_id_derived);
  SK_FUZZ_CHECK (a->occurred_at == b->occurred_at);
  SK_FUZZ_CHECK (g_strcmp0 (a->phone_e164, b->phone_e164) == 0);
  SK_FUZZ_CHECK (a->amount == b->amount);
  SK_FUZZ_CHECK (g_strcmp0 (a->description, b->description) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Parse whole = { 0 };
  Parse pieces = { 0 };
  guint prev_line = 0;
  /* Pieces of 1 to 8 bytes, so that a BOM, a CRLF or a quote pair is split somewhere. */
  gsize chunk = 1 + (size % 8);

  parse ((const char *) data, size, MAX (size, 1), &whole);
  parse ((const char *) data, size, chunk, &pieces);

  SK_FUZZ_CHECK ((whole.error == NULL) == (pieces.error == NULL));
  if (whole.error != NULL)
    {
      SK_FUZZ_CHECK (g_error_matches (pieces.error, whole.error->domain, whole.error->code));
      SK_FUZZ_CHECK (g_str_equal (whole.error->message, pieces.error->message));
      SK_FUZZ_CHECK (g_utf8_validate (whole.error->message, -1, NULL));
    }

  SK_FUZZ_CHECK (whole.rows->len == pieces.rows->len);
  for (guint i = 0; i < whole.rows->len; i++)
    {
      const SkCsvRow *row = g_ptr_array_index (whole.rows, i);

      check_row (row, prev_line);
      check_same_row (row, g_ptr_array_index (pieces.rows, i));
      prev_line = row->line;
    }

  parse_clear (&whole);
  parse_clear (&pieces);
  return 0;
}
