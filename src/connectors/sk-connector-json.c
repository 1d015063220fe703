/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-phone.h"

/* Seconds from 1970 to 9999-12-31: anything outside is not a sale we can date. */
#define MAX_UNIX_SECONDS G_GINT64_CONSTANT (253402300799)

static gboolean
parse_error (GError **error)
{
  g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                       _("The partner’s answer is not valid JSON"));
  return FALSE;
}

static gboolean
is_number_char (char c)
{
  return g_ascii_isdigit (c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
}

/* The UTF-16 unit of four hex digits at @p, or -1. */
static gint
hex4_value (const char *p)
{
  gint value = 0;

  for (guint k = 0; k < 4; k++)
    {
      if (!g_ascii_isxdigit (p[k]))
        return -1;
      value = value * 16 + g_ascii_xdigit_value (p[k]);
    }
  return value;
}

/* The length of the escape at @p (starting with the backslash), or 0 if it is not JSON:
 * one of \" \\ \/ \b \f \n \r \t, or \u and four hex digits, a high surrogate only
 * when a \u low surrogate follows it, a low surrogate never alone. */
static gsize
valid_escape_length (const char *p,
                     gsize       len)
{
  gint unit;

  if (len < 2)
    return 0;
  if (strchr ("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0')
    return 2;
  if (p[1] != 'u' || len < 6 || (unit = hex4_value (p + 2)) < 0)
    return 0;
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return 0;
  if (unit < 0xD800 || unit > 0xDBFF)
    return 6;
  if (len < 12 || p[6] != '\\' || p[7] != 'u' || (unit = hex4_value (p + 8)) < 0)
    return 0;
  return unit >= 0xDC00 && unit <= 0xDFFF ? 12 : 0;
}

/*
 * Copies @data, turning every number literal with a fraction or an exponent into a string.
 * json-glib would read "3750.50" as a double, and money must never go through binary floating
 * point: as a string it reaches sk_money_parse() digit for digit. It also refuses nesting
 * deeper than SK_CONNECTOR_JSON_MAX_DEPTH, since json-glib's parser recurses.
 */
static GString *
quote_decimals (const char  *data,
                gsize        len,
                GError     **error)
{
  g_autoptr(GString) text = g_string_sized_new (len + 16);
  gboolean in_string = FALSE;
  /* json-glib 1.6 reads value after value, keeps the last and leaks the others: an answer
   * is one value, so anything after the first is refused here. */
  gboolean first_done = FALSE;
  guint depth = 0;
  gsize i = 0;

  while (i < len)
    {
      char c = data[i];

      if (in_string)
        {
          /* JSON has no raw control characters in strings, and json-glib 1.6 leaks its
           * string buffer on a malformed \u escape: both are refused before it sees them. */
          if ((guchar) c < 0x20)
            {
              parse_error (error);
              return NULL;
            }
          g_string_append_c (text, c);
          if (c == '\\')
            {
              gsize escape_len = valid_escape_length (data + i, len - i);

              if (escape_len == 0)
                {
                  parse_error (error);
                  return NULL;
                }
              g_string_append_len (text, data + i + 1, (gssize) (escape_len - 1));
              i += escape_len;
              continue;
            }
          if (c == '"')
            {
              in_string = FALSE;
              first_done = depth == 0;
            }
          i++;
          continue;
        }

      /* json-glib also takes single-quoted strings and comments, which JSON has not and
       * which would hide brackets from the count above. */
      if ((depth == 0 && !g_ascii_isspace (c) && first_done) || c == '\'' || c == '/')
        {
          parse_error (error);
          return NULL;
        }

      if (c == '-' || g_ascii_isdigit (c))
        {
          gsize start = i;
          gboolean decimal = FALSE;

          for (; i < len && is_number_char (data[i]); i++)
            if (data[i] == '.' || data[i] == 'e' || data[i] == 'E')
              decimal = TRUE;
          if (decimal)
            g_string_append_c (text, '"');
          g_string_append_len (text, data + start, (gssize) (i - start));
          if (decimal)
            g_string_append_c (text, '"');
          first_done = depth == 0;
          continue;
        }

      if (depth == 0 && g_ascii_isalpha (c))
        {
          /* A bare word (true, false, null, or garbage json-glib will refuse). */
          gsize start = i;

          while (i < len && g_ascii_isalnum (data[i]))
            i++;
          g_string_append_len (text, data + start, (gssize) (i - start));
          first_done = TRUE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > SK_CONNECTOR_JSON_MAX_DEPTH)
            {
              parse_error (error);
              return NULL;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        first_done = --depth == 0;

      g_string_append_c (text, c);
      i++;
    }

  return g_steal_pointer (&text);
}

/**
 * sk_connector_json_parse:
 * @data: (array length=len): one response body, any bytes
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE)
 *
 * Parses a partner's answer. Numbers with a fraction come back as strings (see
 * sk_connector_json_get_kopecks()), so no value is ever a double. The message of a failure
 * never quotes the payload.
 *
 * Returns: (transfer full) (nullable): the root node
 */
JsonNode *
sk_connector_json_parse (const char  *data,
                         gsize        len,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GString) text = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len == 0 || len > G_MAXSSIZE || memchr (data, '\0', len) != NULL ||
      !g_utf8_validate_len (data, len, NULL))
    {
      parse_error (error);
      return NULL;
    }

  text = quote_decimals (data, len, error);
  if (text == NULL)
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text->str, (gssize) text->len, NULL))
    {
      parse_error (error);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    parse_error (error);
  return root;
}

/**
 * sk_connector_json_object:
 * @node: (nullable): any node
 *
 * Returns: (transfer none) (nullable): the object @node holds, or %NULL
 */
JsonObject *
sk_connector_json_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonNode *
member_value (JsonObject *object,
              const char *member,
              GType       type)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

/**
 * sk_connector_json_get_object:
 * @object: (nullable): an object
 * @member: a member name
 *
 * The getters below never warn: a missing member or one of another type is %NULL or %FALSE,
 * so any payload can be read without a critical.
 *
 * Returns: (transfer none) (nullable): the member's object
 */
JsonObject *
sk_connector_json_get_object (JsonObject *object,
                              const char *member)
{
  return object != NULL ? sk_connector_json_object (json_object_get_member (object, member))
                        : NULL;
}

JsonArray *
sk_connector_json_get_array (JsonObject *object,
                             const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
sk_connector_json_get_string (JsonObject *object,
                              const char *member)
{
  JsonNode *node = member_value (object, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gboolean
sk_connector_json_get_int (JsonObject *object,
                           const char *member,
                           gint64     *out)
{
  JsonNode *node = member_value (object, member, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
sk_connector_json_get_bool (JsonObject *object,
                            const char *member,
                            gboolean   *out)
{
  JsonNode *node = member_value (object, member, G_TYPE_BOOLEAN);

  if (node == NULL)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

/**
 * sk_connector_json_is_null:
 * @object: (nullable): an object
 * @member: a member name
 *
 * Returns: whether @member is absent or null
 */
gboolean
sk_connector_json_is_null (JsonObject *object,
                           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

/**
 * sk_connector_json_dup_id:
 * @object: (nullable): an object
 * @member: a member name
 *
 * Partners send ids as numbers (YCLIENTS, amoCRM) or strings (Bitrix24, 1C GUIDs).
 *
 * Returns: (transfer full) (nullable): the id as text: a whole number, or a string of 1 to
 *   100 bytes without control characters
 */
char *
sk_connector_json_dup_id (JsonObject *object,
                          const char *member)
{
  const char *s;
  gint64 n;

  if (sk_connector_json_get_int (object, member, &n))
    return g_strdup_printf ("%" G_GINT64_FORMAT, n);

  s = sk_connector_json_get_string (object, member);
  if (s == NULL || *s == '\0' || strlen (s) > 100)
    return NULL;
  for (const char *p = s; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return NULL;
  return g_strdup (s);
}

/**
 * sk_connector_json_get_kopecks:
 * @object: (nullable): an object
 * @member: a member name
 * @out: (out): kopecks
 *
 * Reads an amount in rubles: a whole number (2160), a decimal literal (3750.50, kept as text
 * by sk_connector_json_parse()) or a decimal string ("3750.50").
 *
 * Returns: whether the member is such an amount and fits in 64 bits
 */
gboolean
sk_connector_json_get_kopecks (JsonObject *object,
                               const char *member,
                               SkKopecks  *out)
{
  const char *s;
  gint64 rubles;

  if (sk_connector_json_get_int (object, member, &rubles))
    return !__builtin_mul_overflow (rubles, 100, out);

  s = sk_connector_json_get_string (object, member);
  return s != NULL && sk_money_parse (s, out, NULL);
}

/**
 * sk_connector_json_get_time:
 * @object: (nullable): an object
 * @member: a member name
 * @tz: (nullable): the partner's zone, for times written without an offset (UTC if %NULL)
 * @out_us: (out): unix microseconds
 *
 * Reads unix seconds (amoCRM) or ISO 8601 ("2026-11-20T11:00:00+03:00",
 * "2026-11-20 11:00:00").
 *
 * Returns: whether the member is such a time
 */
gboolean
sk_connector_json_get_time (JsonObject *object,
                            const char *member,
                            GTimeZone  *tz,
                            gint64     *out_us)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *iso = NULL;
  const char *s;
  gint64 seconds;

  if (sk_connector_json_get_int (object, member, &seconds))
    {
      if (seconds <= 0 || seconds > MAX_UNIX_SECONDS)
        return FALSE;
      *out_us = seconds * G_USEC_PER_SEC;
      return TRUE;
    }

  s = sk_connector_json_get_string (object, member);
  if (s == NULL || strlen (s) < 19 || strlen (s) > 40)
    return FALSE;

  /* GLib wants the 'T'; 1C, iiko and YCLIENTS' local form use a space. */
  iso = g_strdup (s);
  if (iso[10] == ' ')
    iso[10] = 'T';
  if (tz == NULL)
    tz = utc = g_time_zone_new_utc ();
  dt = g_date_time_new_from_iso8601 (iso, tz);
  if (dt == NULL)
    return FALSE;
  /* The same range as unix seconds: an offset can push year 1 or 9999 out of what GLib
   * (and anything that formats the time later) can hold. */
  seconds = g_date_time_to_unix (dt);
  if (seconds <= 0 || seconds > MAX_UNIX_SECONDS)
    return FALSE;
  *out_us = seconds * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

/**
 * sk_connector_phone_normalize:
 * @raw: (nullable): a phone as the partner has it
 *
 * A number we cannot read counts as missing: the sale is kept, unmatched. The reason is not
 * logged, since it would say something about the number.
 *
 * Returns: (transfer full) (nullable): "+7XXXXXXXXXX", or %NULL
 */
char *
sk_connector_phone_normalize (const char *raw)
{
  if (raw == NULL || *raw == '\0')
    return NULL;
  return sk_phone_normalize (raw, NULL);
}
