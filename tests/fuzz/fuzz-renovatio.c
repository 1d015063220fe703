/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-fuzz-connector.h"

/*
 * The МИС Renovatio invoices parser over arbitrary bytes. A medical partner's purchases are
 * anonymised at the boundary, whatever the bytes: no phone, category medical_service, the
 * invoice id only as an HMAC, the day without its time; besides the promises of
 * sk-fuzz-connector.c, a page or an error, every record counted once, "next" the following
 * page, and everything freed.
 */
static const SkFuzzSystem renovatio = { .code = "renovatio", .medical = TRUE };

/* At least SK_RENOVATIO_HASH_KEY_MIN bytes, as the connector asks. */
static const guint8 key[] = "fuzz-phone-hash-key-0123456789ab";

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;

  page = sk_renovatio_parse_page (ctx, key, sizeof key - 1, (const char *) data, size, &error);
  sk_fuzz_check_page (&renovatio, ctx, page, error);
  if (page != NULL)
    {
      sk_fuzz_check_next_page (ctx, page);
      sk_fuzz_check_resolved (&renovatio, ctx, page, NULL);
    }
  return 0;
}
