/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include "sk-core.h"

#define HEADER "date,customer_phone,amount,description\n"

/* Chunk sizes each input is fed in: byte by byte, odd pieces, all at once. */
static const gsize chunk_sizes[] = { 1, 7, G_MAXSIZE };

static GPtrArray *
parse_chunked (const char  *data,
               gsize        len,
               gsize        chunk,
               GTimeZone   *tz,
               const char  *key,
               GError     **error)
{
  g_autoptr(SkCsvParser) parser = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_csv_row_free);
  SkCsvRow *row;

  parser = sk_csv_parser_new (tz, (const guint8 *) key, key != NULL ? strlen (key) : 0);

  for (gsize done = 0; done < len; done += MIN (chunk, len - done))
    {
      if (!sk_csv_parser_feed (parser, data + done, MIN (chunk, len - done), error))
        return NULL;
      while ((row = sk_csv_parser_pop (parser)) != NULL)
        g_ptr_array_add (rows, row);
    }
  if (!sk_csv_parser_finish (parser, error))
    return NULL;
  while ((row = sk_csv_parser_pop (parser)) != NULL)
    g_ptr_array_add (rows, row);

  return g_steal_pointer (&rows);
}

static GPtrArray *
parse (const char *data,
       GError    **error)
{
  return parse_chunked (data, strlen (data), G_MAXSIZE, NULL, NULL, error);
}

static const char *
status_name (SkCsvRowStatus status)
{
  switch (status)
    {
    case SK_CSV_ROW_OK: return "ok";
    case SK_CSV_ROW_BAD_DATE: return "date";
    case SK_CSV_ROW_BAD_AMOUNT: return "amount";
    case SK_CSV_ROW_ZERO_AMOUNT: return "zero";
    case SK_CSV_ROW_BAD_PHONE: return "phone";
    case SK_CSV_ROW_MISSING_COLUMN: return "missing";
    case SK_CSV_ROW_TOO_MANY_COLUMNS: return "many";
    case SK_CSV_ROW_UNTERMINATED_QUOTE: return "unterminated";
    case SK_CSV_ROW_BAD_QUOTE: return "quote";
    case SK_CSV_ROW_INVALID_UTF8: return "utf8";
    case SK_CSV_ROW_BAD_EXTERNAL_ID: return "external-id";
    default: g_assert_not_reached ();
    }
}

/* "2:ok 3:date": each row's line and status. */
static char *
summarize (GPtrArray *rows)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      SkCsvRow *row = g_ptr_array_index (rows, i);

      g_string_append_printf (s, "%s%u:%s", i > 0 ? " " : "", row->line,
                              status_name (row->status));
      if (row->status == SK_CSV_ROW_OK)
        {
          g_assert_null (row->reason);
          g_assert_nonnull (row->external_id);
          g_assert_true (sk_phone_is_e164 (row->phone_e164));
          g_assert_cmpint (row->amount, >, 0);
        }
      else
        {
          g_assert_nonnull (row->reason);
          /* The reason never repeats the row's phone or description. */
          g_assert_null (strstr (row->reason, "9991234567"));
          g_assert_null (strstr (row->reason, "secret"));
        }
    }

  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const struct
{
  const char *path;
  const char *input;
  const char *expected;
} row_cases[] = {
  { "lf", HEADER "2025-11-15,+79991234567,3000,secret\n", "2:ok" },
  { "no-final-newline", HEADER "2025-11-15,+79991234567,3000,secret", "2:ok" },
  { "crlf",
    "date,customer_phone,amount,description\r\n"
    "2025-11-15,+79991234567,3000,secret\r\n"
    "2025-11-15,+79991234567,0,secret\r\n", "2:ok 3:zero" },
  { "lone-cr", HEADER "2025-11-15,+79991234567,1,a\r2025-11-15,+79991234567,x,a\r",
    "2:ok 3:amount" },
  { "bom", "\xef\xbb\xbf" HEADER "2025-11-15,+79991234567,3000,secret\n", "2:ok" },
  { "blank-lines", HEADER "\n2025-11-15,+79991234567,3000,a\n\n\n2025-11-15,1,1,a\n",
    "3:ok 6:phone" },
  { "semicolon", "дата;телефон;сумма;описание\n"
    "15.11.2025;8 (999) 123-45-67;3 000,50;secret\n", "2:ok" },
  { "quotes", HEADER
    "2025-11-15,+79991234567,\"3 000,50\",\"a, \"\"b\"\"\nand\r\nmore\"\n"
    "2025-11-15,+79991234567,0,\"\"\n", "2:ok 5:zero" },
  { "quoted-header", "\"date\",\"customer_phone\",\"amount\"\n2025-11-15,+79991234567,1\n",
    "2:ok" },
  { "date-forms", HEADER
    "2025-11-15,+79991234567,1,a\n"
    "15.11.2025,+79991234567,1,a\n"
    "2025-11-15 14:30,+79991234567,1,a\n"
    "15.11.2025 14:30:59,+79991234567,1,a\n"
    "2025-11-15T14:30,+79991234567,1,a\n", "2:ok 3:ok 4:ok 5:ok 6:ok" },
  { "bad-date", HEADER
    "2025-13-01,+79991234567,1,a\n"
    "31.02.2025,+79991234567,1,a\n"
    "15/11/2025,+79991234567,1,a\n"
    "2025-11-15 24:00,+79991234567,1,a\n"
    "2025-11-15 12,+79991234567,1,a\n"
    ",+79991234567,1,a\n"
    "15.11.25,+79991234567,1,a\n", "2:date 3:date 4:date 5:date 6:date 7:date 8:date" },
  { "bad-amount", HEADER
    "2025-11-15,+79991234567,сто рублей,secret\n"
    "2025-11-15,+79991234567,-100,secret\n"
    "2025-11-15,+79991234567,1.005,secret\n"
    "2025-11-15,+79991234567,,secret\n", "2:amount 3:amount 4:amount 5:amount" },
  { "zero-amount", HEADER "2025-11-15,+79991234567,0,a\n2025-11-15,+79991234567,\"0,00\",a\n",
    "2:zero 3:zero" },
  { "bad-phone", HEADER
    "2025-11-15,,1,secret\n"
    "2025-11-15,12345,1,secret\n"
    "2025-11-15,+1 202 555 0100,1,secret\n"
    "2025-11-15,+7 999 CALL-ME,1,secret\n", "2:phone 3:phone 4:phone 5:phone" },
  { "missing-column", HEADER "2025-11-15,+79991234567,1\n"
    "20.11.2026;+79991234567;secret;secret\n", "2:missing 3:missing" },
  { "too-many-columns", HEADER "2025-11-15,+79991234567,3000,50,secret\n", "2:many" },
  { "unterminated-quote", HEADER "2025-11-15,+79991234567,1,ok\n"
    "2025-11-15,+79991234567,1,\"secret\n2025-11-15,+79991234567,1,x\n", "2:ok 3:unterminated" },
  { "bad-quote", HEADER "2025-11-15,+79991234567,1,\"secret\"x\n"
    "2025-11-15,+79991234567,1,\"fine\"  \n", "2:quote 3:ok" },
  { "invalid-utf8", HEADER "2025-11-15,+79991234567,1,secret\xff\n"
    "2025-11-15,+79991234567,1,\xd0\n", "2:utf8 3:utf8" },
  { "external-id-too-long", "date,customer_phone,amount,external_id\n"
    "2025-11-15,+79991234567,1,"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "\n", "2:external-id" },
  { "any-order", "AMOUNT ; External_ID ; Customer_Phone ; Date\n"
    "3 000,50;A-1;+79991234567;2025-11-15\n", "2:ok" },
  { "header-only", HEADER, "" },
};

static void
test_rows (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

  for (guint c = 0; c < G_N_ELEMENTS (chunk_sizes); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = NULL;
      g_autofree char *summary = NULL;

      rows = parse_chunked (row_cases[i].input, strlen (row_cases[i].input), chunk_sizes[c],
                            NULL, NULL, &error);
      g_assert_no_error (error);
      summary = summarize (rows);
      g_assert_cmpstr (summary, ==, row_cases[i].expected);
    }
}

static const struct
{
  const char *path;
  const char *input;
  SkCoreError code;
} header_cases[] = {
  { "empty", "", SK_CORE_ERROR_EMPTY },
  { "bom-only", "\xef\xbb\xbf", SK_CORE_ERROR_EMPTY },
  { "blank", "\n\n", SK_CORE_ERROR_EMPTY },
  { "no-amount", "date,customer_phone,description\n", SK_CORE_ERROR_INVALID },
  { "single-column", "date\n2025-11-15\n", SK_CORE_ERROR_INVALID },
  { "unknown-column", "date,customer_phone,amount,colour\n", SK_CORE_ERROR_INVALID },
  { "twice", "date,customer_phone,amount,сумма\n", SK_CORE_ERROR_INVALID },
  { "not-utf8", "date,customer_phone,amount,descr\xff\n", SK_CORE_ERROR_INVALID },
  { "unterminated", "date,customer_phone,\"amount\n", SK_CORE_ERROR_INVALID },
};

static void
test_header (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

  for (guint c = 0; c < G_N_ELEMENTS (chunk_sizes); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = NULL;

      rows = parse_chunked (header_cases[i].input, strlen (header_cases[i].input),
                            chunk_sizes[c], NULL, NULL, &error);
      g_assert_error (error, SK_CORE_ERROR, (int) header_cases[i].code);
      g_assert_null (rows);
    }
}

static SkCsvRow *
only_row (GPtrArray *rows)
{
  g_assert_cmpuint (rows->len, ==, 1);
  return g_ptr_array_index (rows, 0);
}

static void
test_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) semi = NULL;
  g_autoptr(GPtrArray) any = NULL;
  g_autoptr(GPtrArray) quoted = NULL;
  g_autoptr(SkCsvParser) parser = sk_csv_parser_new (NULL, NULL, 0);
  SkCsvRow *row;

  rows = parse (HEADER "2025-11-15 14:30,8 (999) 123-45-67,3000.50,  Стрижка  \n", &error);
  g_assert_no_error (error);
  row = only_row (rows);
  /* 14:30 in Moscow is 11:30 UTC. */
  g_assert_cmpint (row->occurred_at, ==, G_GINT64_CONSTANT (1763206200) * G_USEC_PER_SEC);
  g_assert_cmpstr (row->phone_e164, ==, "+79991234567");
  g_assert_cmpint (row->amount, ==, 300050);
  g_assert_cmpstr (row->description, ==, "Стрижка");
  g_assert_true (row->external_id_derived);
  g_assert_true (g_str_has_prefix (row->external_id, "csv:"));
  g_assert_true (g_str_has_suffix (row->external_id, ":1"));
  g_assert_cmpuint (strlen (row->external_id), ==, 4 + 64 + 2);

  semi = parse ("дата;телефон;сумма\n15.11.2025;9991234567;3 000,50\n", &error);
  g_assert_no_error (error);
  row = only_row (semi);
  g_assert_cmpint (row->occurred_at, ==, G_GINT64_CONSTANT (1763154000) * G_USEC_PER_SEC);
  g_assert_cmpint (row->amount, ==, 300050);
  g_assert_null (row->description);

  any = parse ("AMOUNT;External_ID;Customer_Phone;Date\n3 000,50; A-1 ;+79991234567;2025-11-15\n",
               &error);
  g_assert_no_error (error);
  row = only_row (any);
  g_assert_cmpstr (row->external_id, ==, "A-1");
  g_assert_false (row->external_id_derived);
  g_assert_cmpint (row->amount, ==, 300050);

  quoted = parse (HEADER "2025-11-15,+79991234567,\"3 000,50\",\"a, \"\"b\"\"\r\nc\"\n", &error);
  g_assert_no_error (error);
  row = only_row (quoted);
  g_assert_cmpstr (row->description, ==, "a, \"b\"\nc");

  g_assert_true (sk_csv_parser_feed (parser, "a;b;c", 5, &error));
  g_assert_cmpint (sk_csv_parser_get_delimiter (parser), ==, '\0');
  g_assert_true (sk_csv_parser_feed (parser, "\n", 1, &error) == FALSE);
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
}

/* A file without a line break is not read into memory without end, whole or in pieces;
 * an empty piece changes nothing. */
static void
test_header_too_long (void)
{
  g_autofree char *line = g_strnfill (70 * 1024, 'a');
  g_autoptr(GError) whole = NULL;
  g_autoptr(GError) pieces = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) none_either = NULL;
  g_autoptr(SkCsvParser) parser = sk_csv_parser_new (NULL, NULL, 0);
  g_autoptr(GError) error = NULL;

  none = parse_chunked (line, strlen (line), G_MAXSIZE, NULL, NULL, &whole);
  g_assert_null (none);
  g_assert_error (whole, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
  none_either = parse_chunked (line, strlen (line), 4096, NULL, NULL, &pieces);
  g_assert_null (none_either);
  g_assert_cmpstr (pieces->message, ==, whole->message);

  g_assert_true (sk_csv_parser_feed (parser, NULL, 0, &error));
  g_assert_no_error (error);
}

static void
test_time_zone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  const char *input = HEADER "2025-11-15,+79991234567,1,a\n";
  g_autoptr(GPtrArray) moscow = parse (input, &error);
  g_autoptr(GPtrArray) in_utc = parse_chunked (input, strlen (input), G_MAXSIZE, utc, NULL,
                                               &error);

  g_assert_no_error (error);
  g_assert_cmpint (only_row (in_utc)->occurred_at - only_row (moscow)->occurred_at, ==,
                   G_GINT64_CONSTANT (3) * 3600 * G_USEC_PER_SEC);
  /* The key names the instant, so another zone is another purchase. */
  g_assert_cmpstr (only_row (in_utc)->external_id, !=, only_row (moscow)->external_id);
}

static char *
keys_of (GPtrArray *rows)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      SkCsvRow *row = g_ptr_array_index (rows, i);

      g_string_append_printf (s, "%s\n", row->status == SK_CSV_ROW_OK ? row->external_id : "-");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_stable_keys (void)
{
  const char *input = HEADER
    "2025-11-15,+79991234567,3000,Стрижка\n"
    "2025-11-15,+79991234567,3000,Стрижка\n"
    "2025-11-15,+79991234567,3000,Укладка\n"
    "2025-11-15,8 999 123 45 67,\"3 000,00\",Стрижка\n"
    "2025-11-16,+79991234567,3000,Стрижка\n";
  /* The same purchases written another way: same keys. */
  const char *rewritten = "\xef\xbb\xbf" "Дата;Телефон;Сумма;Описание\r\n"
    "15.11.2025;+7 999 123-45-67;3000;Стрижка\r\n"
    "15.11.2025 00:00;89991234567;3 000,00;\"Стрижка\"\r\n"
    "15.11.2025;+79991234567;3000;Укладка\r\n"
    "15.11.2025;9991234567;3000;Стрижка\r\n"
    "16.11.2025;+79991234567;3000;Стрижка\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = parse (input, &error);
  g_autoptr(GPtrArray) again = parse_chunked (input, strlen (input), 3, NULL, NULL, &error);
  g_autoptr(GPtrArray) other = parse (rewritten, &error);
  g_autoptr(GPtrArray) keyed = parse_chunked (input, strlen (input), G_MAXSIZE, NULL, "k1",
                                              &error);
  g_autoptr(GPtrArray) keyed2 = parse_chunked (input, strlen (input), G_MAXSIZE, NULL, "k2",
                                               &error);
  g_autofree char *first_keys = NULL;
  g_autofree char *again_keys = NULL;
  g_autofree char *other_keys = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  SkCsvRow *a, *b;

  g_assert_no_error (error);
  first_keys = keys_of (first);
  again_keys = keys_of (again);
  other_keys = keys_of (other);
  g_assert_cmpstr (first_keys, ==, again_keys);
  g_assert_cmpstr (first_keys, ==, other_keys);

  /* Two identical purchases in one file stay two: same digest, occurrences 1 and 2. */
  a = g_ptr_array_index (first, 0);
  b = g_ptr_array_index (first, 1);
  g_assert_cmpstr (a->external_id, !=, b->external_id);
  g_assert_true (strncmp (a->external_id, b->external_id, 4 + 64) == 0);
  g_assert_true (g_str_has_suffix (b->external_id, ":2"));
  /* The fourth row is the first row again (normalised), so its third occurrence. */
  g_assert_true (g_str_has_suffix (((SkCsvRow *) g_ptr_array_index (first, 3))->external_id,
                                   ":3"));

  /* A different description or date is a different key. */
  for (guint i = 0; i < first->len; i++)
    g_assert_true (g_hash_table_add (seen,
                                     ((SkCsvRow *) g_ptr_array_index (first, i))->external_id));
  g_assert_true (strncmp (((SkCsvRow *) g_ptr_array_index (first, 2))->external_id,
                          a->external_id, 4 + 64) != 0);
  g_assert_true (strncmp (((SkCsvRow *) g_ptr_array_index (first, 4))->external_id,
                          a->external_id, 4 + 64) != 0);

  /* A secret changes every key: they cannot be recomputed from a phone number alone. */
  for (guint i = 0; i < first->len; i++)
    {
      const char *plain = ((SkCsvRow *) g_ptr_array_index (first, i))->external_id;
      const char *k1 = ((SkCsvRow *) g_ptr_array_index (keyed, i))->external_id;
      const char *k2 = ((SkCsvRow *) g_ptr_array_index (keyed2, i))->external_id;

      g_assert_cmpstr (plain, !=, k1);
      g_assert_cmpstr (k1, !=, k2);
    }
}

static void
test_fixture (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "core", "data", "csv-upload.csv",
                                                 NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *summary = NULL;
  gsize len;
  static const struct
  {
    guint       index;
    const char *phone;
    SkKopecks   amount;
    const char *date;
  } good[] = {
    { 0, "+79161234501", 180000, "2026-11-20" },
    { 1, "+79267001122", 315000, "2026-11-20" },
    { 2, "+79854102030", 64050,  "2026-11-20" },
    { 5, "+79097778899", 520000, "2026-11-21" },
  };

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);

  rows = parse_chunked (contents, len, 64, NULL, NULL, &error);
  g_assert_no_error (error);
  summary = summarize (rows);
  g_assert_cmpstr (summary, ==, "2:ok 3:ok 4:ok 5:phone 6:missing 7:ok");
  g_assert_cmpstr (((SkCsvRow *) g_ptr_array_index (rows, 3))->reason, ==, "bad phone: missing");
  g_assert_cmpstr (((SkCsvRow *) g_ptr_array_index (rows, 4))->reason, ==,
                   "missing column: customer_phone, amount, description");
  g_assert_cmpstr (((SkCsvRow *) g_ptr_array_index (rows, 1))->description, ==,
                   "Маникюр, дизайн");

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      SkCsvRow *row = g_ptr_array_index (rows, good[i].index);
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Europe/Moscow");
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) dt = NULL;
      g_autofree char *date = NULL;

      g_assert_cmpint (row->status, ==, SK_CSV_ROW_OK);
      g_assert_cmpstr (row->phone_e164, ==, good[i].phone);
      g_assert_cmpint (row->amount, ==, good[i].amount);
      utc = g_date_time_new_from_unix_utc (row->occurred_at / G_USEC_PER_SEC);
      dt = g_date_time_to_timezone (utc, tz);
      date = g_date_time_format (dt, "%Y-%m-%d %H:%M");
      g_assert_true (g_str_has_prefix (date, good[i].date));
      g_assert_true (g_str_has_suffix (date, "00:00"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (row_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/csv/rows/%s", row_cases[i].path);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_rows);
    }
  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/csv/header/%s", header_cases[i].path);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_header);
    }
  g_test_add_func ("/core/csv/values", test_values);
  g_test_add_func ("/core/csv/header-too-long", test_header_too_long);
  g_test_add_func ("/core/csv/time-zone", test_time_zone);
  g_test_add_func ("/core/csv/stable-keys", test_stable_keys);
  g_test_add_func ("/core/csv/fixture", test_fixture);

  return g_test_run ();
}
