/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include <string.h>

#include "sk-core.h"
#include "sk-fuzz.h"

/*
 * Money as partners write it, over arbitrary text: a parsed amount round-trips through every
 * format sk_money_format_full() and sk_money_to_decimal() produce. The same bytes, read as
 * integers, also drive the rounding arithmetic (overflow must be reported, never undefined).
 */
static void
check_round_trip (SkKopecks  amount,
                  char      *text)
{
  g_autofree char *owned = text;
  g_autoptr(GError) error = NULL;
  SkKopecks again = 0;

  SK_FUZZ_CHECK (sk_money_parse (owned, &again, &error));
  SK_FUZZ_CHECK (again == amount);
}

static void
check_arithmetic (const uint8_t *data,
                  size_t         size)
{
  gint64 v[4] = { 0 };
  SkKopecks out = 0;

  memcpy (v, data, MIN (size, sizeof v));
  /* A divisor > 0, as both functions require. */
  if (v[3] == G_MININT64)
    v[3] = 1;
  v[3] = ABS (v[3]);
  if (v[3] == 0)
    v[3] = 1;

  if (sk_money_mul_div_round (v[0], v[1], v[3], &out) && v[1] == 1 && v[3] == 1)
    SK_FUZZ_CHECK (out == v[0]);
  (void) sk_money_scale (v[0], &v[1], 2, v[3], &out);
  (void) sk_money_apply_bp (v[0], v[1], &out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  SkKopecks amount = 0;

  if (sk_money_parse (text, &amount, &error))
    {
      SK_FUZZ_CHECK (error == NULL);
      for (guint flags = 0; flags < 8; flags++)
        check_round_trip (amount, sk_money_format_full (amount, flags));
      check_round_trip (amount, sk_money_to_decimal (amount));
    }
  else
    SK_FUZZ_CHECK (error != NULL && g_utf8_validate (error->message, -1, NULL));

  check_arithmetic (data, size);
  return 0;
}
