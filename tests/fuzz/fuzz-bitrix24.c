/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include "sk-fuzz-connector.h"

/*
 * Both Bitrix24 parsers over the same arbitrary bytes (crm.deal.list and crm.contact.list
 * share the envelope): the deals page (won deals in roubles, each naming its contact) and the
 * contacts page (contact id to a normalised phone). Each gives a result or an error, never
 * both, and an error envelope is the same error for both; the purchases keep the promises of
 * sk-fuzz-connector.c, before and after taking the contacts' phones; "next" is a positive
 * offset; and everything is freed.
 */
static const SkFuzzSystem bitrix24 = { .code = "bitrix24", .contacts = TRUE };

static void
check_next (const char *next)
{
  guint64 n;

  if (next == NULL)
    return;
  SK_FUZZ_CHECK (g_ascii_string_to_unsigned (next, 10, 1, G_MAXINT32, &n, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  g_autoptr(GError) deals_error = NULL;
  g_autoptr(GError) contacts_error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  g_autoptr(GHashTable) phones = NULL;
  g_autofree char *next = NULL;

  page = sk_bitrix24_parse_deals (ctx, (const char *) data, size, &deals_error);
  sk_fuzz_check_page (&bitrix24, ctx, page, deals_error);

  phones = sk_bitrix24_parse_contacts ((const char *) data, size, &next, &contacts_error);
  sk_fuzz_check_phones (phones, next, contacts_error);

  /* The same envelope: both read it or both refuse it, for the same reason. */
  SK_FUZZ_CHECK ((page == NULL) == (phones == NULL));
  if (page == NULL)
    {
      SK_FUZZ_CHECK (deals_error->code == contacts_error->code);
      return 0;
    }

  /* The same "next" and the same rows. */
  check_next (page->next);
  SK_FUZZ_CHECK (g_strcmp0 (page->next, next) == 0);
  sk_fuzz_check_resolved (&bitrix24, ctx, page, phones);
  return 0;
}
