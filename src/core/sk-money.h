/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Money is whole kopecks: a JSON int and an SQL bigint. Never a double. */
typedef gint64 SkKopecks;

/* Rates and multipliers are basis points: 500 = 5 %, 15000 = x1.5. */
#define SK_BP_ONE ((gint64) 10000)

/**
 * SkMoneyFormatFlags:
 * @SK_MONEY_FORMAT_DEFAULT: "3 000,50 ₽" (no-break spaces, comma, the rouble sign)
 * @SK_MONEY_FORMAT_NO_SYMBOL: leave out " ₽"
 * @SK_MONEY_FORMAT_WHOLE: leave out ",00" when there are no kopecks
 * @SK_MONEY_FORMAT_ASCII_SPACES: ordinary spaces instead of U+00A0
 */
typedef enum
{
  SK_MONEY_FORMAT_DEFAULT      = 0,
  SK_MONEY_FORMAT_NO_SYMBOL    = 1 << 0,
  SK_MONEY_FORMAT_WHOLE        = 1 << 1,
  SK_MONEY_FORMAT_ASCII_SPACES = 1 << 2,
} SkMoneyFormatFlags;

gboolean  sk_money_parse          (const char         *text,
                                   SkKopecks          *out,
                                   GError            **error);
char     *sk_money_format         (SkKopecks           amount);
char     *sk_money_format_full    (SkKopecks           amount,
                                   SkMoneyFormatFlags  flags);
char     *sk_money_to_decimal     (SkKopecks           amount);

gboolean  sk_money_mul_div_round  (SkKopecks           amount,
                                   gint64              num,
                                   gint64              den,
                                   SkKopecks          *out);
gboolean  sk_money_scale          (SkKopecks           amount,
                                   const gint64       *factors,
                                   gsize               n_factors,
                                   gint64              divisor,
                                   SkKopecks          *out);
gboolean  sk_money_apply_bp       (SkKopecks           amount,
                                   gint64              rate_bp,
                                   SkKopecks          *out);

G_END_DECLS
