/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-fuzz-connector.h"

/*
 * The YCLIENTS records page parser over arbitrary bytes: a page or an error, never both;
 * every purchase keeps the promises of sk-fuzz-connector.c (an id "yclients:<company>:…",
 * an amount above 0, a normalised phone or none, valid for sk_purchase_validate()); every
 * record is counted once; and everything is freed.
 */
static const SkFuzzSystem yclients = { .code = "yclients" };

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;

  page = sk_yclients_parse_page (ctx, (const char *) data, size, &error);
  sk_fuzz_check_page (&yclients, ctx, page, error);
  if (page != NULL)
    {
      sk_fuzz_check_next_page (ctx, page);
      sk_fuzz_check_resolved (&yclients, ctx, page, NULL);
    }
  return 0;
}
