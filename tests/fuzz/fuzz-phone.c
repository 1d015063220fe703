/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-core.h"
#include "sk-fuzz.h"

/*
 * The phone normaliser over arbitrary text: an accepted number is in the stored form,
 * normalising it again changes nothing, and its formatted and masked forms exist; a rejected
 * one has a reason and a message that never repeats the number.
 */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *raw = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autofree char *e164 = NULL;
  SkPhoneReason reason = SK_PHONE_REASON_NONE;

  e164 = sk_phone_normalize_full (raw, &reason, &error);

  if (e164 != NULL)
    {
      g_autofree char *again = NULL;
      g_autofree char *formatted = NULL;
      g_autofree char *reformatted = NULL;
      g_autofree char *masked = NULL;

      SK_FUZZ_CHECK (error == NULL && reason == SK_PHONE_REASON_NONE);
      SK_FUZZ_CHECK (sk_phone_is_e164 (e164));

      again = sk_phone_normalize (e164, NULL);
      SK_FUZZ_CHECK (g_strcmp0 (again, e164) == 0);

      formatted = sk_phone_format (e164);
      SK_FUZZ_CHECK (formatted != NULL);
      reformatted = sk_phone_normalize (formatted, NULL);
      SK_FUZZ_CHECK (g_strcmp0 (reformatted, e164) == 0);

      masked = sk_phone_mask (e164);
      SK_FUZZ_CHECK (masked != NULL);
    }
  else
    {
      SK_FUZZ_CHECK (error != NULL && error->message != NULL);
      SK_FUZZ_CHECK (reason != SK_PHONE_REASON_NONE);
      SK_FUZZ_CHECK (sk_phone_reason_to_string (reason) != NULL);
      SK_FUZZ_CHECK (!sk_phone_is_e164 (raw));
    }

  return 0;
}
