/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-phone.h"

/*
 * Which numbers the club accepts: Russian ones only, stored as "+7" and ten digits whose
 * first digit is 3, 4, 8 or 9 (geographic codes 3xx/4xx/8xx and mobile 9xx). +7 6xx and
 * +7 7xx are Kazakhstan, which shares the country code, so they are a wrong country;
 * +7 0xx/1xx/2xx/5xx are not allocated.
 *
 * Accepted spellings (spaces of any kind, '-', '(', ')', '.', and a '+' in front only):
 *   +7 and 10 digits          "+7 999 123 45 67", "+7(999)123-45-67"
 *   8 or 7 and 10 digits      "8 (999) 123-45-67", "79991234567", "8-999-123-45-67"
 *   10 digits                 "9991234567"
 * Ten digits starting with 8 or 7 are taken as a trunk prefix with a digit missing and
 * rejected, although 8xx is also a St Petersburg-style area code: members write those
 * as "8 812 …" or "+7 812 …", and guessing would match the wrong person.
 */

static gboolean
is_separator (gunichar c)
{
  return c == ' ' || c == '\t' || c == 0x00A0 || c == 0x202F || c == 0x2009 ||
         c == '-' || c == 0x2010 || c == 0x2011 || c == 0x2013 ||
         c == '(' || c == ')' || c == '.';
}

static const char *
reason_message (SkPhoneReason reason)
{
  switch (reason)
    {
    case SK_PHONE_REASON_EMPTY:
      return _("The phone number is empty");
    case SK_PHONE_REASON_LETTERS:
      return _("A phone number has no letters");
    case SK_PHONE_REASON_BAD_CHARACTER:
      return _("The phone number has a character other than digits, spaces, brackets, dashes or a leading +");
    case SK_PHONE_REASON_TOO_SHORT:
      return _("The phone number is too short");
    case SK_PHONE_REASON_TOO_LONG:
      return _("The phone number is too long");
    case SK_PHONE_REASON_WRONG_COUNTRY:
      return _("Only Russian phone numbers (+7) are accepted");
    case SK_PHONE_REASON_TRUNK_LENGTH:
      return _("The phone number starts with 8 or 7 but has only ten digits");
    case SK_PHONE_REASON_BAD_AREA_CODE:
      return _("There is no such Russian phone code");
    case SK_PHONE_REASON_NONE:
    default:
      return "";
    }
}

/**
 * sk_phone_reason_to_string:
 * @reason: an #SkPhoneReason
 *
 * Returns: a stable code for logs and JSON ("too_short"); never the number itself
 */
const char *
sk_phone_reason_to_string (SkPhoneReason reason)
{
  switch (reason)
    {
    case SK_PHONE_REASON_NONE: return "none";
    case SK_PHONE_REASON_EMPTY: return "empty";
    case SK_PHONE_REASON_LETTERS: return "letters";
    case SK_PHONE_REASON_BAD_CHARACTER: return "bad_character";
    case SK_PHONE_REASON_TOO_SHORT: return "too_short";
    case SK_PHONE_REASON_TOO_LONG: return "too_long";
    case SK_PHONE_REASON_WRONG_COUNTRY: return "wrong_country";
    case SK_PHONE_REASON_TRUNK_LENGTH: return "trunk_length";
    case SK_PHONE_REASON_BAD_AREA_CODE: return "bad_area_code";
    default: return "unknown";
    }
}

static SkPhoneReason
classify (const char *raw,
          char        national[11])
{
  char digits[16];
  gsize n = 0;
  gsize total = 0;
  gboolean plus = FALSE;
  gboolean seen_any = FALSE;
  const char *d;

  if (raw == NULL)
    return SK_PHONE_REASON_EMPTY;
  if (!g_utf8_validate (raw, -1, NULL))
    return SK_PHONE_REASON_BAD_CHARACTER;

  for (const char *p = raw; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalpha (c))
        return SK_PHONE_REASON_LETTERS;
    }

  for (const char *p = raw; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        {
          if (n < sizeof digits)
            digits[n++] = (char) c;
          total++;
          seen_any = TRUE;
        }
      else if (c == '+')
        {
          if (seen_any || plus)
            return SK_PHONE_REASON_BAD_CHARACTER;
          plus = TRUE;
          seen_any = TRUE;
        }
      else if (is_separator (c))
        {
          if (c != ' ' && c != '\t' && c != 0x00A0 && c != 0x202F && c != 0x2009)
            seen_any = TRUE;
        }
      else
        return SK_PHONE_REASON_BAD_CHARACTER;
    }

  if (total == 0)
    return SK_PHONE_REASON_EMPTY;

  if (plus)
    {
      if (digits[0] != '7')
        return SK_PHONE_REASON_WRONG_COUNTRY;
      if (total < 11)
        return SK_PHONE_REASON_TOO_SHORT;
      if (total > 11)
        return SK_PHONE_REASON_TOO_LONG;
      d = digits + 1;
    }
  else if (total < 10)
    return SK_PHONE_REASON_TOO_SHORT;
  else if (total == 10)
    {
      if (digits[0] == '7' || digits[0] == '8')
        return SK_PHONE_REASON_TRUNK_LENGTH;
      d = digits;
    }
  else if (total == 11)
    {
      if (digits[0] != '7' && digits[0] != '8')
        return SK_PHONE_REASON_WRONG_COUNTRY;
      d = digits + 1;
    }
  else
    return SK_PHONE_REASON_TOO_LONG;

  switch (d[0])
    {
    case '3': case '4': case '8': case '9':
      break;
    case '6': case '7':
      return SK_PHONE_REASON_WRONG_COUNTRY;
    default:
      return SK_PHONE_REASON_BAD_AREA_CODE;
    }

  memcpy (national, d, 10);
  national[10] = '\0';
  return SK_PHONE_REASON_NONE;
}

/**
 * sk_phone_normalize_full:
 * @raw: a phone number as typed or exported
 * @reason: (out) (optional): why it was rejected, or %SK_PHONE_REASON_NONE
 * @error: return location for a #GError (%SK_CORE_ERROR_PHONE); the message never
 *   repeats the number
 *
 * Returns: (transfer full) (nullable): "+79991234567", or %NULL when rejected
 */
char *
sk_phone_normalize_full (const char     *raw,
                         SkPhoneReason  *reason,
                         GError        **error)
{
  char national[11];
  SkPhoneReason r;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  r = classify (raw, national);
  if (reason != NULL)
    *reason = r;

  if (r != SK_PHONE_REASON_NONE)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_PHONE, reason_message (r));
      return NULL;
    }

  return g_strconcat ("+7", national, NULL);
}

/**
 * sk_phone_normalize:
 * @raw: a phone number as typed or exported
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the E.164 form, or %NULL with @error set
 */
char *
sk_phone_normalize (const char  *raw,
                    GError     **error)
{
  return sk_phone_normalize_full (raw, NULL, error);
}

/**
 * sk_phone_is_e164:
 * @phone: (nullable): a string
 *
 * Returns: whether @phone is already in the stored form ("+7" and ten digits, accepted code)
 */
gboolean
sk_phone_is_e164 (const char *phone)
{
  char national[11];

  if (phone == NULL || strlen (phone) != 12 || phone[0] != '+' || phone[1] != '7')
    return FALSE;
  for (int i = 1; i < 12; i++)
    if (!g_ascii_isdigit (phone[i]))
      return FALSE;

  return classify (phone, national) == SK_PHONE_REASON_NONE;
}

/**
 * sk_phone_format:
 * @e164: a normalised number
 *
 * Returns: (transfer full) (nullable): "+7 999 123-45-67", or %NULL if @e164 is not normalised
 */
char *
sk_phone_format (const char *e164)
{
  g_return_val_if_fail (sk_phone_is_e164 (e164), NULL);

  return g_strdup_printf ("+7 %.3s %.3s-%.2s-%.2s", e164 + 2, e164 + 5, e164 + 8, e164 + 10);
}

/**
 * sk_phone_mask:
 * @e164: a normalised number
 *
 * For logs and support screens, where the whole number is personal data.
 *
 * Returns: (transfer full) (nullable): "+7 999 ***-**-67"
 */
char *
sk_phone_mask (const char *e164)
{
  g_return_val_if_fail (sk_phone_is_e164 (e164), NULL);

  return g_strdup_printf ("+7 %.3s ***-**-%.2s", e164 + 2, e164 + 10);
}
