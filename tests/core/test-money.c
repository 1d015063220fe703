/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

static const struct
{
  const char *text;
  gboolean    ok;
  SkKopecks   kopecks;
  SkCoreError code;
} parse_cases[] = {
  { "3000",                    TRUE,  300000 },
  { "3000.50",                 TRUE,  300050 },
  { "3000,50",                 TRUE,  300050 },
  { "3 000,50",                TRUE,  300050 },
  { "3\u00a0000,50",           TRUE,  300050 },
  { "3\u202f000,50",           TRUE,  300050 },
  { "1\u2009234\u2009567,89",  TRUE,  123456789 },
  { "-1500",                   TRUE,  -150000 },
  { "\u22121500,00",           TRUE,  -150000 },
  { "+12",                     TRUE,  1200 },
  { "1500.5",                  TRUE,  150050 },
  { "0.01",                    TRUE,  1 },
  { "0",                       TRUE,  0 },
  { "-0",                      TRUE,  0 },
  { "007",                     TRUE,  700 },
  { "  42 ",                   TRUE,  4200 },
  { "3 000,50 \u20bd",         TRUE,  300050 },
  { "3\u00a0000,50\u00a0\u20bd", TRUE, 300050 },
  { "92233720368547758.07",    TRUE,  G_MAXINT64 },
  { "-92233720368547758.07",   TRUE,  -G_MAXINT64 },
  { "",                        FALSE, 0, SK_CORE_ERROR_EMPTY },
  { "   ",                     FALSE, 0, SK_CORE_ERROR_EMPTY },
  { "\u20bd",                  FALSE, 0, SK_CORE_ERROR_EMPTY },
  { "abc",                     FALSE, 0, SK_CORE_ERROR_INVALID },
  { "12abc",                   FALSE, 0, SK_CORE_ERROR_INVALID },
  { "1.2.3",                   FALSE, 0, SK_CORE_ERROR_INVALID },
  { "1,5,0",                   FALSE, 0, SK_CORE_ERROR_INVALID },
  { "1500.",                   FALSE, 0, SK_CORE_ERROR_INVALID },
  { ".50",                     FALSE, 0, SK_CORE_ERROR_INVALID },
  { "--5",                     FALSE, 0, SK_CORE_ERROR_INVALID },
  { "-",                       FALSE, 0, SK_CORE_ERROR_INVALID },
  { "30 00",                   FALSE, 0, SK_CORE_ERROR_INVALID },
  { "3000 000",                FALSE, 0, SK_CORE_ERROR_INVALID },
  { "3  000",                  FALSE, 0, SK_CORE_ERROR_INVALID },
  { "3 000 ,50",               FALSE, 0, SK_CORE_ERROR_INVALID },
  { "3,000.50",                FALSE, 0, SK_CORE_ERROR_INVALID },
  { "1e3",                     FALSE, 0, SK_CORE_ERROR_INVALID },
  { "0x10",                    FALSE, 0, SK_CORE_ERROR_INVALID },
  { "12 \u20ac",               FALSE, 0, SK_CORE_ERROR_INVALID },
  { "\u20bd 12 \u20bd",        FALSE, 0, SK_CORE_ERROR_INVALID },
  { "\xff\xfe",                FALSE, 0, SK_CORE_ERROR_INVALID },
  { "1500.505",                FALSE, 0, SK_CORE_ERROR_PRECISION },
  { "1,500",                   FALSE, 0, SK_CORE_ERROR_PRECISION },
  { "92233720368547758.08",    FALSE, 0, SK_CORE_ERROR_OVERFLOW },
  { "99999999999999999999999", FALSE, 0, SK_CORE_ERROR_OVERFLOW },
};

static void
test_parse (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SkKopecks out = -42;
      gboolean ok;

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, parse_cases[i].text);
      ok = sk_money_parse (parse_cases[i].text, &out, &error);
      if (parse_cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (out, ==, parse_cases[i].kopecks);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, SK_CORE_ERROR, (gint) parse_cases[i].code);
          g_assert_cmpint (out, ==, -42);
        }
    }
}

static void
test_parse_null (void)
{
  g_autoptr(GError) error = NULL;
  SkKopecks out;

  g_assert_false (sk_money_parse (NULL, &out, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_EMPTY);
}

static const struct
{
  SkKopecks          amount;
  SkMoneyFormatFlags flags;
  const char        *text;
} format_cases[] = {
  { 300050,     SK_MONEY_FORMAT_DEFAULT,      "3\u00a0000,50\u00a0\u20bd" },
  { 300050,     SK_MONEY_FORMAT_ASCII_SPACES, "3 000,50 \u20bd" },
  { 0,          SK_MONEY_FORMAT_ASCII_SPACES, "0,00 \u20bd" },
  { 5,          SK_MONEY_FORMAT_ASCII_SPACES, "0,05 \u20bd" },
  { -150000,    SK_MONEY_FORMAT_ASCII_SPACES, "-1 500,00 \u20bd" },
  { 99999,      SK_MONEY_FORMAT_ASCII_SPACES, "999,99 \u20bd" },
  { 100000,     SK_MONEY_FORMAT_ASCII_SPACES, "1 000,00 \u20bd" },
  { 123456789,  SK_MONEY_FORMAT_ASCII_SPACES | SK_MONEY_FORMAT_NO_SYMBOL, "1 234 567,89" },
  { 7000000,    SK_MONEY_FORMAT_ASCII_SPACES | SK_MONEY_FORMAT_WHOLE, "70 000 \u20bd" },
  { 7000001,    SK_MONEY_FORMAT_ASCII_SPACES | SK_MONEY_FORMAT_WHOLE, "70 000,01 \u20bd" },
  { G_MININT64, SK_MONEY_FORMAT_ASCII_SPACES | SK_MONEY_FORMAT_NO_SYMBOL,
    "-92 233 720 368 547 758,08" },
};

static void
test_format (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_cases); i++)
    {
      g_autofree char *s = sk_money_format_full (format_cases[i].amount, format_cases[i].flags);

      g_assert_cmpstr (s, ==, format_cases[i].text);
    }
}

static void
test_format_round_trip (void)
{
  static const SkKopecks amounts[] = { 0, 1, 99, 100, 300050, -150000, 123456789, G_MAXINT64 };

  for (gsize i = 0; i < G_N_ELEMENTS (amounts); i++)
    {
      g_autofree char *s = sk_money_format (amounts[i]);
      g_autofree char *d = sk_money_to_decimal (amounts[i]);
      g_autoptr(GError) error = NULL;
      SkKopecks back = 0;

      g_assert_true (sk_money_parse (s, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, amounts[i]);

      back = 0;
      g_assert_true (sk_money_parse (d, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, amounts[i]);
    }
}

static void
test_decimal (void)
{
  g_autofree char *a = sk_money_to_decimal (300050);
  g_autofree char *b = sk_money_to_decimal (-5);
  g_autofree char *c = sk_money_to_decimal (0);

  g_assert_cmpstr (a, ==, "3000.50");
  g_assert_cmpstr (b, ==, "-0.05");
  g_assert_cmpstr (c, ==, "0.00");
}

static const struct
{
  SkKopecks amount;
  gint64    num;
  gint64    den;
  gboolean  ok;
  SkKopecks out;
} mul_div_cases[] = {
  { 1,      500,  10000, TRUE, 0 },    /* 0.05 -> 0 */
  { 10,     500,  10000, TRUE, 1 },    /* 0.5 -> 1: half up */
  { -10,    500,  10000, TRUE, -1 },   /* a refund mirrors: -0.5 -> -1 */
  { 9,      500,  10000, TRUE, 0 },    /* 0.45 -> 0 */
  { 29,     500,  10000, TRUE, 1 },    /* 1.45 -> 1 */
  { 30,     500,  10000, TRUE, 2 },    /* 1.5 -> 2 */
  { -30,    500,  10000, TRUE, -2 },
  { 1,      1,    2,     TRUE, 1 },
  { -1,     1,    2,     TRUE, -1 },
  { 1,      1,    3,     TRUE, 0 },
  { 2,      1,    3,     TRUE, 1 },
  { -2,     1,    3,     TRUE, -1 },
  { 500000, 700,  10000, TRUE, 35000 },
  { 0,      700,  10000, TRUE, 0 },
  { G_MAXINT64, 1, 1,    TRUE, G_MAXINT64 },
  { G_MAXINT64, 2, 1,    FALSE },      /* the result does not fit */
  { G_MAXINT64, 10000, 10000, TRUE, G_MAXINT64 }, /* the product does (128 bits) */
  { G_MININT64, 2, 1,    FALSE },
};

static void
test_mul_div_round (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mul_div_cases); i++)
    {
      SkKopecks out = 12345;
      gboolean ok;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      ok = sk_money_mul_div_round (mul_div_cases[i].amount, mul_div_cases[i].num,
                                   mul_div_cases[i].den, &out);
      g_assert_cmpint (ok, ==, mul_div_cases[i].ok);
      if (ok)
        g_assert_cmpint (out, ==, mul_div_cases[i].out);
      else
        g_assert_cmpint (out, ==, 12345);
    }
}

static void
test_scale_once (void)
{
  /* Rounding once: 333 × 5 % × 1.5 = 24.975 -> 25. Rounding each step would give
   * round (16.65) = 17, × 1.5 = 25.5 -> 26. */
  const gint64 factors[] = { 500, 15000 };
  SkKopecks out = 0;

  g_assert_true (sk_money_scale (333, factors, 2, SK_BP_ONE * SK_BP_ONE, &out));
  g_assert_cmpint (out, ==, 25);

  g_assert_true (sk_money_scale (-333, factors, 2, SK_BP_ONE * SK_BP_ONE, &out));
  g_assert_cmpint (out, ==, -25);

  g_assert_true (sk_money_apply_bp (500000, 200, &out));
  g_assert_cmpint (out, ==, 10000);
}

static void
test_scale_overflow (void)
{
  const gint64 huge[] = { G_MAXINT64, G_MAXINT64, 2 };
  SkKopecks out = 7;

  g_assert_false (sk_money_scale (G_MAXINT64, huge, G_N_ELEMENTS (huge), 1, &out));
  g_assert_cmpint (out, ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/money/parse", test_parse);
  g_test_add_func ("/core/money/parse-null", test_parse_null);
  g_test_add_func ("/core/money/format", test_format);
  g_test_add_func ("/core/money/format-round-trip", test_format_round_trip);
  g_test_add_func ("/core/money/decimal", test_decimal);
  g_test_add_func ("/core/money/mul-div-round", test_mul_div_round);
  g_test_add_func ("/core/money/scale-once", test_scale_once);
  g_test_add_func ("/core/money/scale-overflow", test_scale_overflow);

  return g_test_run ();
}
