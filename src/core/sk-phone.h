/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SkPhoneReason:
 * @SK_PHONE_REASON_NONE: accepted
 * @SK_PHONE_REASON_EMPTY: nothing, or no digits at all
 * @SK_PHONE_REASON_LETTERS: contains letters ("доб. 12", "+7 999 CALL-ME")
 * @SK_PHONE_REASON_BAD_CHARACTER: a symbol other than digits, spaces, "()-." or a leading "+"
 * @SK_PHONE_REASON_TOO_SHORT: fewer digits than a Russian number has
 * @SK_PHONE_REASON_TOO_LONG: more digits than a Russian number has
 * @SK_PHONE_REASON_WRONG_COUNTRY: another country code (+1, +380, +8…, Kazakhstan's +7 6xx/7xx)
 * @SK_PHONE_REASON_TRUNK_LENGTH: ten digits starting with 8 or 7: the trunk prefix is there
 *   but a digit is missing
 * @SK_PHONE_REASON_BAD_AREA_CODE: +7 followed by 0, 1, 2 or 5: no such Russian code
 */
typedef enum
{
  SK_PHONE_REASON_NONE,
  SK_PHONE_REASON_EMPTY,
  SK_PHONE_REASON_LETTERS,
  SK_PHONE_REASON_BAD_CHARACTER,
  SK_PHONE_REASON_TOO_SHORT,
  SK_PHONE_REASON_TOO_LONG,
  SK_PHONE_REASON_WRONG_COUNTRY,
  SK_PHONE_REASON_TRUNK_LENGTH,
  SK_PHONE_REASON_BAD_AREA_CODE,
} SkPhoneReason;

char       *sk_phone_normalize         (const char    *raw,
                                        GError       **error);
char       *sk_phone_normalize_full    (const char    *raw,
                                        SkPhoneReason *reason,
                                        GError       **error);
gboolean    sk_phone_is_e164           (const char    *phone);
char       *sk_phone_format            (const char    *e164);
char       *sk_phone_mask              (const char    *e164);
const char *sk_phone_reason_to_string  (SkPhoneReason  reason);

G_END_DECLS
