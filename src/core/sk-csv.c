/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-csv.h"
#include "sk-purchase.h"

/* The longest header line accepted, in bytes. */
#define HEADER_MAX (64 * 1024)

/*
 * A purchase upload: a header line naming the columns, then one purchase per row.
 *
 * The caller feeds bytes in chunks of any size and pops the rows parsed so far, so a large
 * file is never held in memory: the parser keeps only the row being read, the rows not yet
 * popped, and one small counter per distinct row (for the derived keys).
 *
 * Quoting is RFC 4180. The line of a row is the physical line where it starts, counting
 * CR, LF and CRLF as one line break each, including the ones inside quoted fields.
 */

typedef enum
{
  COLUMN_DATE,
  COLUMN_PHONE,
  COLUMN_AMOUNT,
  COLUMN_DESCRIPTION,
  COLUMN_EXTERNAL_ID,
  N_COLUMNS,
  COLUMN_IGNORED = N_COLUMNS,
} Column;

static const char * const column_names[N_COLUMNS] = {
  [COLUMN_DATE] = "date",
  [COLUMN_PHONE] = "customer_phone",
  [COLUMN_AMOUNT] = "amount",
  [COLUMN_DESCRIPTION] = "description",
  [COLUMN_EXTERNAL_ID] = "external_id",
};

/* Header names, compared after case folding and trimming. */
static const struct
{
  const char *name;
  Column      column;
} column_aliases[] = {
  { "date",           COLUMN_DATE },
  { "дата",           COLUMN_DATE },
  { "customer_phone", COLUMN_PHONE },
  { "phone",          COLUMN_PHONE },
  { "телефон",        COLUMN_PHONE },
  { "телефон клиента", COLUMN_PHONE },
  { "amount",         COLUMN_AMOUNT },
  { "сумма",          COLUMN_AMOUNT },
  { "description",    COLUMN_DESCRIPTION },
  { "описание",       COLUMN_DESCRIPTION },
  { "комментарий",    COLUMN_DESCRIPTION },
  { "external_id",    COLUMN_EXTERNAL_ID },
  { "id",             COLUMN_EXTERNAL_ID },
  { "номер",          COLUMN_EXTERNAL_ID },
};

struct _SkCsvParser
{
  GTimeZone  *tz;
  GBytes     *key;

  /* Bytes before the header's delimiter is known. */
  GByteArray *pending;
  gboolean    bom_checked;
  char        delimiter;

  /* The header: which column each field is, and where each column is (-1: absent). */
  gboolean    have_header;
  GArray     *header;
  int         position[N_COLUMNS];

  /* The row being read. */
  GPtrArray  *fields;
  GString    *field;
  gboolean    in_quotes;
  gboolean    quote_seen;
  gboolean    after_quote;
  gboolean    field_quoted;
  gboolean    bad_quote;
  gboolean    prev_cr;
  guint       line;
  guint       row_line;

  /* Occurrences of each derived digest so far: hex -> count. */
  GHashTable *occurrences;
  GQueue      rows;
  gboolean    failed;
  gboolean    finished;
};

void
sk_csv_row_free (SkCsvRow *row)
{
  if (row == NULL)
    return;

  g_free (row->reason);
  g_free (row->external_id);
  g_free (row->phone_e164);
  g_free (row->description);
  g_free (row);
}

/**
 * sk_csv_parser_new:
 * @tz: (nullable): the club's time zone, for dates without one (default Europe/Moscow)
 * @key: (nullable) (array length=key_len): a secret for the derived keys
 * @key_len: its length
 *
 * Derived keys are a digest of the date, phone, amount and description. With @key it is an
 * HMAC-SHA256, so that the keys stored in the database cannot be searched for a phone
 * number; without, a plain SHA-256.
 *
 * Returns: (transfer full): a parser waiting for the header
 */
SkCsvParser *
sk_csv_parser_new (GTimeZone    *tz,
                   const guint8 *key,
                   gsize         key_len)
{
  SkCsvParser *self;

  g_return_val_if_fail (key != NULL || key_len == 0, NULL);

  self = g_new0 (SkCsvParser, 1);

  if (tz != NULL)
    self->tz = g_time_zone_ref (tz);
  else
    self->tz = g_time_zone_new_identifier ("Europe/Moscow");
  if (self->tz == NULL)
    self->tz = g_time_zone_new_offset (3 * 3600);
  if (key != NULL && key_len > 0)
    self->key = g_bytes_new (key, key_len);

  self->pending = g_byte_array_new ();
  self->header = g_array_new (FALSE, FALSE, sizeof (Column));
  for (guint i = 0; i < N_COLUMNS; i++)
    self->position[i] = -1;
  self->fields = g_ptr_array_new_with_free_func (g_free);
  self->field = g_string_new (NULL);
  self->line = 1;
  self->row_line = 1;
  self->occurrences = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->rows);

  return self;
}

void
sk_csv_parser_free (SkCsvParser *self)
{
  if (self == NULL)
    return;

  g_time_zone_unref (self->tz);
  g_clear_pointer (&self->key, g_bytes_unref);
  g_byte_array_unref (self->pending);
  g_array_unref (self->header);
  g_ptr_array_unref (self->fields);
  g_string_free (self->field, TRUE);
  g_hash_table_unref (self->occurrences);
  g_queue_clear_full (&self->rows, (GDestroyNotify) sk_csv_row_free);
  g_free (self);
}

/**
 * sk_csv_parser_get_delimiter:
 *
 * Returns: ',' or ';' once the header line was read, else '\0'
 */
char
sk_csv_parser_get_delimiter (SkCsvParser *self)
{
  g_return_val_if_fail (self != NULL, '\0');

  return self->delimiter;
}

/**
 * sk_csv_parser_has_external_id:
 *
 * Returns: whether the header has an `external_id` column
 */
gboolean
sk_csv_parser_has_external_id (SkCsvParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->position[COLUMN_EXTERNAL_ID] >= 0;
}

/**
 * sk_csv_parser_pop:
 *
 * Returns: (transfer full) (nullable): the next row parsed, in file order, or %NULL when
 *   every row fed so far was popped
 */
SkCsvRow *
sk_csv_parser_pop (SkCsvParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_queue_pop_head (&self->rows);
}

static SkCsvRow *
bad_row (SkCsvParser    *self,
         SkCsvRowStatus  status,
         const char     *reason)
{
  SkCsvRow *row = g_new0 (SkCsvRow, 1);

  row->line = self->row_line;
  row->status = status;
  row->reason = g_strdup (reason);
  return row;
}

static char *
strip_copy (const char *text)
{
  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

/* Columns: a header. */
static gboolean
take_header (SkCsvParser  *self,
             GError      **error)
{
  g_autoptr(GString) missing = NULL;

  for (guint i = 0; i < self->fields->len; i++)
    {
      const char *raw = g_ptr_array_index (self->fields, i);
      g_autofree char *name = NULL;
      g_autofree char *folded = NULL;
      Column column = COLUMN_IGNORED;

      if (!g_utf8_validate (raw, -1, NULL))
        {
          g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                       _("The header line is not UTF-8 text"));
          return FALSE;
        }

      name = strip_copy (raw);
      folded = g_utf8_casefold (name, -1);
      for (guint j = 0; j < G_N_ELEMENTS (column_aliases); j++)
        {
          g_autofree char *alias = g_utf8_casefold (column_aliases[j].name, -1);

          if (g_str_equal (folded, alias))
            {
              column = column_aliases[j].column;
              break;
            }
        }

      if (column == COLUMN_IGNORED)
        {
          g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                       _("Unknown column “%s” in the header; the columns are date, "
                         "customer_phone, amount, description and external_id"), name);
          return FALSE;
        }
      if (self->position[column] >= 0)
        {
          g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                       _("The column %s appears twice in the header"), column_names[column]);
          return FALSE;
        }

      self->position[column] = (int) i;
      g_array_append_val (self->header, column);
    }

  for (Column c = COLUMN_DATE; c <= COLUMN_AMOUNT; c++)
    if (self->position[c] < 0)
      {
        if (missing == NULL)
          missing = g_string_new (column_names[c]);
        else
          g_string_append_printf (missing, ", %s", column_names[c]);
      }

  if (missing != NULL)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("The header has no column %s"), missing->str);
      return FALSE;
    }

  self->have_header = TRUE;
  return TRUE;
}

static gboolean
parse_uint (const char *p,
            guint       n,
            guint      *out)
{
  guint value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      value = value * 10 + (guint) (p[i] - '0');
    }
  *out = value;
  return TRUE;
}

/* "2025-11-15" or "15.11.2025", optionally followed by " HH:MM" or " HH:MM:SS" (or 'T'). */
static gboolean
parse_date (SkCsvParser *self,
            const char  *text,
            gint64      *out)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *s = strip_copy (text);
  guint year, month, day;
  guint hour = 0, minute = 0, second = 0;
  gsize len = strlen (s);
  const char *t;

  if (len < 10)
    return FALSE;

  if (s[4] == '-' && s[7] == '-')
    {
      if (!parse_uint (s, 4, &year) || !parse_uint (s + 5, 2, &month) ||
          !parse_uint (s + 8, 2, &day))
        return FALSE;
    }
  else if (s[2] == '.' && s[5] == '.')
    {
      if (!parse_uint (s, 2, &day) || !parse_uint (s + 3, 2, &month) ||
          !parse_uint (s + 6, 4, &year))
        return FALSE;
    }
  else
    return FALSE;

  t = s + 10;
  if (*t != '\0')
    {
      gsize rest;

      if (*t != ' ' && *t != 'T')
        return FALSE;
      t++;
      while (*t == ' ')
        t++;
      rest = strlen (t);
      if (rest != 5 && rest != 8)
        return FALSE;
      if (!parse_uint (t, 2, &hour) || t[2] != ':' || !parse_uint (t + 3, 2, &minute))
        return FALSE;
      if (rest == 8 && (t[5] != ':' || !parse_uint (t + 6, 2, &second)))
        return FALSE;
      if (hour > 23 || minute > 59 || second > 59)
        return FALSE;
    }

  if (year < 1900 || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return FALSE;

  dt = g_date_time_new (self->tz, (int) year, (int) month, (int) day,
                        (int) hour, (int) minute, (double) second);
  if (dt == NULL)
    return FALSE;

  *out = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return TRUE;
}

/* The derived key: a digest of the normalised row and which occurrence of it this is. */
static char *
derive_key (SkCsvParser *self,
            SkCsvRow    *row)
{
  g_autoptr(GString) canonical = g_string_new (NULL);
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (row->occurred_at / G_USEC_PER_SEC);
  g_autofree char *iso = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *digest = NULL;
  guint n;

  /* Unit separators cannot occur in the normalised date, phone and amount. */
  g_string_append_printf (canonical, "%s\x1f%s\x1f%" G_GINT64_FORMAT "\x1f%s",
                          iso, row->phone_e164, row->amount,
                          row->description != NULL ? row->description : "");

  if (self->key != NULL)
    {
      gsize key_len;
      const guint8 *key = g_bytes_get_data (self->key, &key_len);

      digest = g_compute_hmac_for_data (G_CHECKSUM_SHA256, key, key_len,
                                        (const guchar *) canonical->str, canonical->len);
    }
  else
    digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guchar *) canonical->str, canonical->len);

  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->occurrences, digest)) + 1;
  g_hash_table_insert (self->occurrences, g_strdup (digest), GUINT_TO_POINTER (n));

  return g_strdup_printf ("csv:%s:%u", digest, n);
}

static const char *
field_at (SkCsvParser *self,
          Column       column)
{
  int i = self->position[column];

  if (i < 0)
    return NULL;
  return g_ptr_array_index (self->fields, i);
}

static SkCsvRow *
make_row (SkCsvParser *self)
{
  g_autoptr(SkCsvRow) row = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *external_id = NULL;
  const char *description;

  for (guint i = 0; i < self->fields->len; i++)
    if (!g_utf8_validate (g_ptr_array_index (self->fields, i), -1, NULL))
      return bad_row (self, SK_CSV_ROW_INVALID_UTF8, _("invalid UTF-8"));

  if (self->bad_quote)
    return bad_row (self, SK_CSV_ROW_BAD_QUOTE,
                    _("text after the closing quote of a field"));

  if (self->fields->len < self->header->len)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = self->fields->len; i < self->header->len; i++)
        {
          Column c = g_array_index (self->header, Column, i);

          if (names->len > 0)
            g_string_append (names, ", ");
          g_string_append (names, column_names[c]);
        }
      {
        g_autofree char *reason = g_strdup_printf (_("missing column: %s"), names->str);

        return bad_row (self, SK_CSV_ROW_MISSING_COLUMN, reason);
      }
    }

  if (self->fields->len > self->header->len)
    {
      g_autofree char *reason =
        g_strdup_printf (_("too many columns: %u, the header has %u"),
                         self->fields->len, self->header->len);

      return bad_row (self, SK_CSV_ROW_TOO_MANY_COLUMNS, reason);
    }

  row = g_new0 (SkCsvRow, 1);
  row->line = self->row_line;

  if (!parse_date (self, field_at (self, COLUMN_DATE), &row->occurred_at))
    return bad_row (self, SK_CSV_ROW_BAD_DATE,
                    _("bad date: expected YYYY-MM-DD or DD.MM.YYYY, optionally with HH:MM"));

  {
    g_autofree char *amount = strip_copy (field_at (self, COLUMN_AMOUNT));

    if (!sk_money_parse (amount, &row->amount, &local_error))
      {
        g_autofree char *reason = g_strdup_printf (_("bad amount: %s"), local_error->message);

        return bad_row (self, SK_CSV_ROW_BAD_AMOUNT, reason);
      }
    if (row->amount == 0)
      return bad_row (self, SK_CSV_ROW_ZERO_AMOUNT, _("zero amount"));
    if (row->amount < 0)
      return bad_row (self, SK_CSV_ROW_BAD_AMOUNT,
                      _("bad amount: negative; refunds cannot be uploaded in a file"));
  }

  {
    g_autofree char *phone = strip_copy (field_at (self, COLUMN_PHONE));
    SkPhoneReason phone_reason = SK_PHONE_REASON_NONE;

    row->phone_e164 = sk_phone_normalize_full (phone, &phone_reason, &local_error);
    if (row->phone_e164 == NULL)
      {
        g_autofree char *reason = NULL;
        SkCsvRow *bad;

        if (phone_reason == SK_PHONE_REASON_EMPTY)
          reason = g_strdup (_("bad phone: missing"));
        else
          reason = g_strdup_printf (_("bad phone: %s"), local_error->message);
        bad = bad_row (self, SK_CSV_ROW_BAD_PHONE, reason);
        bad->phone_reason = phone_reason;
        return bad;
      }
  }

  description = field_at (self, COLUMN_DESCRIPTION);
  if (description != NULL)
    {
      row->description = strip_copy (description);
      if (*row->description == '\0')
        g_clear_pointer (&row->description, g_free);
    }

  external_id = strip_copy (field_at (self, COLUMN_EXTERNAL_ID));
  if (strlen (external_id) > SK_PURCHASE_EXTERNAL_ID_MAX)
    {
      g_autofree char *reason =
        g_strdup_printf (_("bad external_id: longer than %d bytes"), SK_PURCHASE_EXTERNAL_ID_MAX);

      return bad_row (self, SK_CSV_ROW_BAD_EXTERNAL_ID, reason);
    }

  /* An empty external_id is derived like a file without the column. */
  if (*external_id != '\0')
    row->external_id = g_steal_pointer (&external_id);
  else
    {
      row->external_id = derive_key (self, row);
      row->external_id_derived = TRUE;
    }

  row->status = SK_CSV_ROW_OK;
  return g_steal_pointer (&row);
}

static void
end_field (SkCsvParser *self)
{
  g_ptr_array_add (self->fields, g_strndup (self->field->str, self->field->len));
  g_string_truncate (self->field, 0);
  self->after_quote = FALSE;
  self->field_quoted = FALSE;
}

static void
reset_row (SkCsvParser *self)
{
  g_ptr_array_set_size (self->fields, 0);
  g_string_truncate (self->field, 0);
  self->after_quote = FALSE;
  self->field_quoted = FALSE;
  self->bad_quote = FALSE;
}

static gboolean
end_row (SkCsvParser  *self,
         GError      **error)
{
  /* Blank lines are skipped. */
  if (self->fields->len == 0 && self->field->len == 0 && !self->field_quoted &&
      !self->after_quote)
    {
      reset_row (self);
      return TRUE;
    }

  end_field (self);

  if (!self->have_header)
    {
      if (!take_header (self, error))
        return FALSE;
    }
  else
    g_queue_push_tail (&self->rows, make_row (self));

  reset_row (self);
  return TRUE;
}

static gboolean
scan (SkCsvParser  *self,
      const char   *data,
      gsize         len,
      GError      **error)
{
  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];
      gboolean prev_cr = self->prev_cr;

      /* The LF of a CRLF: the CR already did the work. */
      if (c == '\n' && prev_cr)
        {
          self->prev_cr = FALSE;
          continue;
        }

      if (self->field->len == 0 && self->fields->len == 0 && !self->in_quotes &&
          !self->field_quoted && !self->after_quote)
        self->row_line = self->line;

      if (self->in_quotes)
        {
          if (self->quote_seen)
            {
              self->quote_seen = FALSE;
              if (c == '"')
                {
                  g_string_append_c (self->field, '"');
                  self->prev_cr = FALSE;
                  continue;
                }
              /* The closing quote: read c as outside quotes. */
              self->in_quotes = FALSE;
              self->after_quote = TRUE;
            }
          else if (c == '"')
            {
              self->quote_seen = TRUE;
              self->prev_cr = FALSE;
              continue;
            }
          else
            {
              if (c == '\r' || c == '\n')
                {
                  self->line++;
                  g_string_append_c (self->field, '\n');
                }
              else
                g_string_append_c (self->field, c);
              self->prev_cr = (c == '\r');
              continue;
            }
        }

      self->prev_cr = (c == '\r');

      if (c == self->delimiter)
        end_field (self);
      else if (c == '\r' || c == '\n')
        {
          self->line++;
          if (!end_row (self, error))
            return FALSE;
        }
      else if (c == '"' && self->field->len == 0 && !self->after_quote && !self->field_quoted)
        {
          self->in_quotes = TRUE;
          self->field_quoted = TRUE;
        }
      else if (self->after_quote)
        {
          /* Spaces after a closing quote are harmless; anything else is not. */
          if (c != ' ' && c != '\t')
            self->bad_quote = TRUE;
        }
      else
        g_string_append_c (self->field, c);
    }

  return TRUE;
}

/* The delimiter is whichever of ',' and ';' the header line has more of, outside quotes. */
static gboolean
detect_delimiter (SkCsvParser *self,
                  gboolean     at_end)
{
  const guint8 *p = self->pending->data;
  gsize len = self->pending->len;
  gboolean quoted = FALSE;
  guint commas = 0, semicolons = 0;
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (p[i] == '"')
        quoted = !quoted;
      else if (quoted)
        continue;
      else if (p[i] == ',')
        commas++;
      else if (p[i] == ';')
        semicolons++;
      else if (p[i] == '\n' || p[i] == '\r')
        break;
    }

  if (i == len && !at_end)
    return FALSE;

  self->delimiter = semicolons > commas ? ';' : ',';
  return TRUE;
}

/**
 * sk_csv_parser_feed:
 * @data: (array length=len): the next bytes of the file
 *
 * Parses what it can; complete rows are then ready for sk_csv_parser_pop(). Bad rows are
 * rows with a status, not errors.
 *
 * Returns: %FALSE with @error set if the header is unusable; the parser is then done
 */
gboolean
sk_csv_parser_feed (SkCsvParser  *self,
                    const char   *data,
                    gsize         len,
                    GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (!self->finished && !self->failed, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len == 0)
    return TRUE;

  if (self->delimiter != '\0')
    {
      if (!scan (self, data, len, error))
        {
          self->failed = TRUE;
          return FALSE;
        }
      return TRUE;
    }

  g_byte_array_append (self->pending, (const guint8 *) data, (guint) len);

  if (!self->bom_checked)
    {
      static const guint8 bom[] = { 0xEF, 0xBB, 0xBF };
      gsize n = MIN (self->pending->len, sizeof bom);

      if (memcmp (self->pending->data, bom, n) != 0)
        self->bom_checked = TRUE;
      else if (self->pending->len >= sizeof bom)
        {
          g_byte_array_remove_range (self->pending, 0, sizeof bom);
          self->bom_checked = TRUE;
        }
      else
        return TRUE;
    }

  if (!detect_delimiter (self, FALSE))
    {
      /* A header is a line of a few names; without this bound a file with no line break
       * would be rescanned on every feed while it grew in memory. */
      if (self->pending->len > HEADER_MAX)
        {
          g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                       _("The first line is not a header: it is longer than %d KiB"),
                       HEADER_MAX / 1024);
          self->failed = TRUE;
          return FALSE;
        }
      return TRUE;
    }

  {
    g_autoptr(GByteArray) pending = g_steal_pointer (&self->pending);

    self->pending = g_byte_array_new ();
    if (!scan (self, (const char *) pending->data, pending->len, error))
      {
        self->failed = TRUE;
        return FALSE;
      }
  }

  return TRUE;
}

/**
 * sk_csv_parser_finish:
 *
 * Ends the input: the last row need not end with a line break. An unterminated quoted field
 * becomes a bad row at the line where its row starts.
 *
 * Returns: %FALSE with @error set if the header is unusable or missing
 */
gboolean
sk_csv_parser_finish (SkCsvParser  *self,
                      GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->finished && !self->failed, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->finished = TRUE;

  if (self->delimiter == '\0')
    {
      /* A BOM cut short is no BOM; the header then fails below. */
      detect_delimiter (self, TRUE);
      if (!scan (self, (const char *) self->pending->data, self->pending->len, error))
        return FALSE;
    }

  if (self->in_quotes && self->quote_seen)
    {
      /* The file ends right after a closing quote. */
      self->in_quotes = FALSE;
      self->quote_seen = FALSE;
      self->after_quote = TRUE;
    }
  else if (self->in_quotes && !self->have_header)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("The header line has an unterminated quote"));
      return FALSE;
    }
  else if (self->in_quotes)
    {
      g_queue_push_tail (&self->rows,
                         bad_row (self, SK_CSV_ROW_UNTERMINATED_QUOTE,
                                  _("unterminated quote: a quoted field runs to the end "
                                    "of the file")));
      reset_row (self);
      self->in_quotes = FALSE;
      return TRUE;
    }

  if (!end_row (self, error))
    return FALSE;

  if (!self->have_header)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_EMPTY,
                   _("The file is empty: it has no header line"));
      return FALSE;
    }

  return TRUE;
}
