/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SK_CORE_ERROR (sk_core_error_quark ())

/**
 * SkCoreError:
 * @SK_CORE_ERROR_EMPTY: a required value is empty
 * @SK_CORE_ERROR_INVALID: the text or value is malformed
 * @SK_CORE_ERROR_PRECISION: money with more than two decimals
 * @SK_CORE_ERROR_OVERFLOW: the result does not fit in 64 bits
 * @SK_CORE_ERROR_PHONE: a phone number was rejected; the reason is an #SkPhoneReason
 * @SK_CORE_ERROR_RULES: a rule value is out of bounds or inconsistent
 * @SK_CORE_ERROR_UNKNOWN_KEY: no such rule key
 * @SK_CORE_ERROR_INSUFFICIENT: not enough bonuses to spend (balance never goes negative)
 * @SK_CORE_ERROR_RANGE: a date or amount is outside what the rule allows
 *
 * The one error domain of the core layer.
 */
typedef enum
{
  SK_CORE_ERROR_EMPTY,
  SK_CORE_ERROR_INVALID,
  SK_CORE_ERROR_PRECISION,
  SK_CORE_ERROR_OVERFLOW,
  SK_CORE_ERROR_PHONE,
  SK_CORE_ERROR_RULES,
  SK_CORE_ERROR_UNKNOWN_KEY,
  SK_CORE_ERROR_INSUFFICIENT,
  SK_CORE_ERROR_RANGE,
} SkCoreError;

GQuark sk_core_error_quark (void);

G_END_DECLS
