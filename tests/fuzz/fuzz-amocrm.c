/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-fuzz-connector.h"

/*
 * Both amoCRM parsers over the same arbitrary bytes: the leads page (sales of status 142
 * inside the context's window, each naming its contact) and the contacts page (contact id to
 * a normalised phone). Each gives a result or an error, never both; the leads' purchases keep
 * the promises of sk-fuzz-connector.c, before and after taking the phones of the contacts the
 * same bytes name; and everything is freed.
 */
static const SkFuzzSystem amocrm = { .code = "amocrm", .contacts = TRUE, .window = TRUE };

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  g_autoptr(GError) leads_error = NULL;
  g_autoptr(GError) contacts_error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  g_autoptr(GHashTable) phones = NULL;
  g_autofree char *next = NULL;

  page = sk_amocrm_parse_leads (ctx, (const char *) data, size, &leads_error);
  sk_fuzz_check_page (&amocrm, ctx, page, leads_error);

  phones = sk_amocrm_parse_contacts ((const char *) data, size, &next, &contacts_error);
  sk_fuzz_check_phones (phones, next, contacts_error);

  if (page != NULL)
    sk_fuzz_check_resolved (&amocrm, ctx, page, phones);
  return 0;
}
