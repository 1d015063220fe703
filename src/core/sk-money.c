/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-core-error.h"
#include "sk-money.h"

/* Markers used in the ASCII copy of the input. */
#define MARK_ROUBLE '\x01'
#define MARK_GROUP  ' '

static gboolean
is_group_space (gunichar c)
{
  return c == ' ' || c == '\t' || c == 0x00A0 || c == 0x202F || c == 0x2009;
}

/**
 * sk_money_parse:
 * @text: money as people and partner exports write it
 * @out: (out): the amount in kopecks
 * @error: return location for a #GError
 *
 * Parses "3000", "3000.50", "3 000,50", "3\u00a0000,50", "-1500", "1500.5" (150050),
 * "+12", "−12,00 ₽". The decimal separator is '.' or ','; at most two decimals. Thousands
 * may be grouped by a space, U+00A0, U+202F or U+2009, and then every group after the first
 * has exactly three digits ("30 00" is rejected). A trailing "₽" is allowed so that
 * sk_money_format() round-trips. "1,500" is rejected (three decimals) rather than guessed.
 *
 * Returns: %TRUE on success
 */
gboolean
sk_money_parse (const char  *text,
                SkKopecks   *out,
                GError     **error)
{
  g_autoptr(GString) s = NULL;
  const char *p;
  const char *end;
  gboolean negative = FALSE;
  guint64 whole = 0;
  guint64 frac = 0;
  guint n_frac = 0;
  guint group_len = 0;
  guint n_groups = 0;
  guint n_int = 0;
  guint64 value;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_EMPTY, _("The amount is empty"));
      return FALSE;
    }

  if (!g_utf8_validate (text, -1, NULL))
    goto invalid;

  /* Fold the input to ASCII: spaces of every kind become ' ', the minus sign '-'. */
  s = g_string_new (NULL);
  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_group_space (c))
        g_string_append_c (s, MARK_GROUP);
      else if (c == 0x2212)
        g_string_append_c (s, '-');
      else if (c == 0x20BD)
        g_string_append_c (s, MARK_ROUBLE);
      else if (c < 0x80 && c != (gunichar) MARK_ROUBLE)
        g_string_append_c (s, (char) c);
      else
        goto invalid;
    }

  p = s->str;
  end = s->str + s->len;
  while (p < end && *p == MARK_GROUP)
    p++;
  while (end > p && end[-1] == MARK_GROUP)
    end--;
  if (end > p && end[-1] == MARK_ROUBLE)
    {
      end--;
      while (end > p && end[-1] == MARK_GROUP)
        end--;
    }

  if (p == end)
    {
      g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_EMPTY, _("The amount is empty"));
      return FALSE;
    }

  if (*p == '-' || *p == '+')
    negative = (*p++ == '-');

  /* The whole part: digits, optionally grouped by single spaces. */
  for (; p < end; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (whole > G_MAXINT64 / 10)
            goto overflow;
          whole = whole * 10 + (guint64) (*p - '0');
          group_len++;
          n_int++;
        }
      else if (*p == MARK_GROUP)
        {
          /* A separator needs digits on both sides, and groups after the first are 3 long. */
          if (group_len == 0 || (n_groups == 0 && group_len > 3) || (n_groups > 0 && group_len != 3))
            goto invalid;
          if (p + 1 >= end || !g_ascii_isdigit (p[1]))
            goto invalid;
          n_groups++;
          group_len = 0;
        }
      else
        break;
    }

  if (n_int == 0)
    goto invalid;
  if (n_groups > 0 && group_len != 3)
    goto invalid;

  if (p < end && (*p == '.' || *p == ','))
    {
      p++;
      if (p >= end)
        goto invalid;
      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          n_frac++;
          if (n_frac <= 2)
            frac = frac * 10 + (guint64) (*p - '0');
        }
      if (p < end)
        goto invalid;
      if (n_frac == 0)
        goto invalid;
      if (n_frac > 2)
        {
          g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_PRECISION,
                               _("An amount has at most two digits after the decimal separator"));
          return FALSE;
        }
      if (n_frac == 1)
        frac *= 10;
    }

  if (p != end)
    goto invalid;

  if (__builtin_mul_overflow (whole, (guint64) 100, &value) ||
      __builtin_add_overflow (value, frac, &value) ||
      value > (guint64) G_MAXINT64)
    goto overflow;

  *out = negative ? -(SkKopecks) value : (SkKopecks) value;
  return TRUE;

invalid:
  g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                       _("The amount is not a number of roubles and kopecks"));
  return FALSE;

overflow:
  g_set_error_literal (error, SK_CORE_ERROR, SK_CORE_ERROR_OVERFLOW, _("The amount is too large"));
  return FALSE;
}

/**
 * sk_money_format_full:
 * @amount: kopecks
 * @flags: #SkMoneyFormatFlags
 *
 * Formats for people: "3 000,50 ₽", "-1 500,00 ₽". Groups and the space before the sign are
 * U+00A0 (no-break space) unless @flags has %SK_MONEY_FORMAT_ASCII_SPACES; sk_money_parse()
 * reads every variant back.
 *
 * Returns: (transfer full): the text
 */
char *
sk_money_format_full (SkKopecks          amount,
                      SkMoneyFormatFlags flags)
{
  const char *space = (flags & SK_MONEY_FORMAT_ASCII_SPACES) ? " " : "\u00a0";
  g_autoptr(GString) s = g_string_new (NULL);
  char digits[32];
  guint64 magnitude;
  guint64 rubles;
  guint kop;
  gsize len;

  /* G_MININT64 has no positive counterpart in gint64. */
  magnitude = amount < 0 ? (guint64) (-(amount + 1)) + 1 : (guint64) amount;
  rubles = magnitude / 100;
  kop = (guint) (magnitude % 100);

  if (amount < 0)
    g_string_append_c (s, '-');

  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, rubles);
  len = strlen (digits);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (s, space);
      g_string_append_c (s, digits[i]);
    }

  if (!((flags & SK_MONEY_FORMAT_WHOLE) && kop == 0))
    g_string_append_printf (s, ",%02u", kop);

  if (!(flags & SK_MONEY_FORMAT_NO_SYMBOL))
    {
      g_string_append (s, space);
      g_string_append (s, "\u20bd");
    }

  return g_string_free (g_steal_pointer (&s), FALSE);
}

/**
 * sk_money_format:
 * @amount: kopecks
 *
 * Returns: (transfer full): "3 000,50 ₽" with no-break spaces
 */
char *
sk_money_format (SkKopecks amount)
{
  return sk_money_format_full (amount, SK_MONEY_FORMAT_DEFAULT);
}

/**
 * sk_money_to_decimal:
 * @amount: kopecks
 *
 * Formats for machines (CSV export): "3000.50", "-0.05".
 *
 * Returns: (transfer full): the text
 */
char *
sk_money_to_decimal (SkKopecks amount)
{
  guint64 magnitude = amount < 0 ? (guint64) (-(amount + 1)) + 1 : (guint64) amount;

  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%02u", amount < 0 ? "-" : "",
                          magnitude / 100, (guint) (magnitude % 100));
}

/**
 * sk_money_mul_div_round:
 * @amount: kopecks (negative for refunds)
 * @num: the numerator
 * @den: the denominator, > 0
 * @out: (out): round (@amount × @num / @den), half away from zero
 *
 * Multiplies, then divides once and rounds half up in magnitude, so that a refund of a
 * purchase mirrors it exactly: 0.5 -> 1 and -0.5 -> -1.
 *
 * Returns: %FALSE when the product or the result overflows 64 bits
 */
gboolean
sk_money_mul_div_round (SkKopecks  amount,
                        gint64     num,
                        gint64     den,
                        SkKopecks *out)
{
  return sk_money_scale (amount, &num, 1, den, out);
}

/**
 * sk_money_scale:
 * @amount: kopecks
 * @factors: (array length=n_factors): integer factors (rates in bp, multipliers in bp, …)
 * @n_factors: how many
 * @divisor: > 0, usually a power of %SK_BP_ONE
 * @out: (out): round (@amount × Π @factors / @divisor), half away from zero
 *
 * All factors are multiplied first and the product is divided and rounded once, as the
 * money rule asks. The product is kept in 128 bits where the compiler has them, so
 * amount × bp × bp × bp does not overflow for any real purchase.
 *
 * Returns: %FALSE on overflow
 */
gboolean
sk_money_scale (SkKopecks     amount,
                const gint64 *factors,
                gsize         n_factors,
                gint64        divisor,
                SkKopecks    *out)
{
#ifdef __SIZEOF_INT128__
  __int128 p = amount;
  __int128 half;
  __int128 q;
#else
  gint64 p = amount;
  gint64 half;
  gint64 q;
#endif

  g_return_val_if_fail (factors != NULL || n_factors == 0, FALSE);
  g_return_val_if_fail (divisor > 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  for (gsize i = 0; i < n_factors; i++)
    if (__builtin_mul_overflow (p, factors[i], &p))
      return FALSE;

  half = divisor / 2;
  if (p >= 0)
    {
      if (__builtin_add_overflow (p, half, &q))
        return FALSE;
    }
  else
    {
      if (__builtin_sub_overflow (p, half, &q))
        return FALSE;
    }
  q /= divisor;

  if (q > G_MAXINT64 || q < G_MININT64)
    return FALSE;

  *out = (SkKopecks) q;
  return TRUE;
}

/**
 * sk_money_apply_bp:
 * @amount: kopecks
 * @rate_bp: a rate in basis points
 * @out: (out): @amount × @rate_bp / 10000, half away from zero
 *
 * Returns: %FALSE on overflow
 */
gboolean
sk_money_apply_bp (SkKopecks  amount,
                   gint64     rate_bp,
                   SkKopecks *out)
{
  return sk_money_mul_div_round (amount, rate_bp, SK_BP_ONE, out);
}
