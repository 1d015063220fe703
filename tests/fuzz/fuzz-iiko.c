/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include <string.h>

#include "sk-fuzz-connector.h"

/*
 * Both iiko Cloud parsers over the same arbitrary bytes: the orders answer (closed orders of
 * every organisation; iiko does not page, so it is always the last page) and the access
 * token answer (a token that goes into a header: printable ASCII, at most 4096 bytes). Each
 * gives a result or an error, never both; the purchases keep the promises of
 * sk-fuzz-connector.c; and everything is freed.
 */
static const SkFuzzSystem iiko = { .code = "iiko" };

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const SkPageContext *ctx = sk_fuzz_page_context (size);
  g_autoptr(GError) page_error = NULL;
  g_autoptr(GError) token_error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  g_autofree char *token = NULL;

  page = sk_iiko_parse_page (ctx, (const char *) data, size, &page_error);
  sk_fuzz_check_page (&iiko, ctx, page, page_error);
  if (page != NULL)
    {
      SK_FUZZ_CHECK (page->done && page->next == NULL);
      SK_FUZZ_CHECK (page->resume_at == NULL ||
                     g_ascii_string_to_unsigned (page->resume_at, 10, 0, G_MAXINT64, NULL, NULL));
      sk_fuzz_check_resolved (&iiko, ctx, page, NULL);
    }

  token = sk_iiko_parse_token ((const char *) data, size, &token_error);
  SK_FUZZ_CHECK ((token == NULL) != (token_error == NULL));
  if (token != NULL)
    {
      SK_FUZZ_CHECK (token[0] != '\0' && strlen (token) <= 4096);
      for (const char *c = token; *c != '\0'; c++)
        SK_FUZZ_CHECK (g_ascii_isgraph (*c));
    }
  else
    {
      SK_FUZZ_CHECK (token_error->domain == SK_CONNECTOR_ERROR);
      SK_FUZZ_CHECK (token_error->code == SK_CONNECTOR_ERROR_PARSE ||
                     token_error->code == SK_CONNECTOR_ERROR_PARTNER);
    }
  return 0;
}
