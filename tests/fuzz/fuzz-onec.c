/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-fuzz-connector.h"

/*
 * The 1C OData page parser over arbitrary bytes, with the default attributes and with those
 * of other configurations (another amount, a longer or a one-member path to the phones): a
 * page or an error, never both; every purchase keeps the promises of sk-fuzz-connector.c;
 * every record is counted once; "next" is the following page; and everything is freed.
 */
static const SkFuzzSystem onec = { .code = "onec" };

static const SkOnecFields fields[] = {
  { NULL, NULL },
  { "СуммаОплаты", "ДисконтнаяКарта/ВладелецКарты/КонтактнаяИнформация" },
  { "Сумма", "КонтактнаяИнформация" },
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  const SkOnecFields *f = &fields[(size / 5) % G_N_ELEMENTS (fields)];
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;

  page = sk_onec_parse_page (ctx, f, (const char *) data, size, &error);
  sk_fuzz_check_page (&onec, ctx, page, error);
  if (page != NULL)
    {
      sk_fuzz_check_next_page (ctx, page);
      sk_fuzz_check_resolved (&onec, ctx, page, NULL);
    }
  return 0;
}
