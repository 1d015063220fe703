/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connectors.h"
#include "sk-core.h"
#include "sk-fuzz.h"

G_BEGIN_DECLS

/*
 * What the connector targets share: the page contexts a target parses with, and the checks
 * that hold for whatever a page parser returns, whatever the bytes were.
 */

/**
 * SkFuzzSystem:
 * @code: the first part of every external id ("yclients")
 * @contacts: purchases name the contact whose phone is fetched later (amoCRM, Bitrix24);
 *   otherwise every contact id is ""
 * @medical: a medical partner: no phone ever, category medical_service, the record's id only
 *   as an HMAC, the day without its time
 * @window: the parser drops sales outside the context's window (amoCRM)
 */
typedef struct
{
  const char *code;
  gboolean    contacts;
  gboolean    medical;
  gboolean    window;
} SkFuzzSystem;

/* One of a few contexts, picked by the input's length: accounts of every kind (one so long
 * that no external id fits), with and without a zone, a window and a page size. Context 0
 * (a length that is a multiple of 15, which also picks 1C's default attributes) reads the
 * fixtures as the connectors' tests do: the seeds are padded with newlines to such lengths. */
const SkPageContext *sk_fuzz_page_context        (size_t                 size);

/* Checks a page parser's result: @page or @error, never both. Frees nothing. */
void                 sk_fuzz_check_page          (const SkFuzzSystem    *system,
                                                  const SkPageContext   *ctx,
                                                  SkConnectorPage       *page,
                                                  GError                *error);

/* Checks a contacts parser's result (contact id to phone) and its next page. Frees nothing. */
void                 sk_fuzz_check_phones        (GHashTable            *phones,
                                                  char                  *next,
                                                  GError                *error);

/* Checks one purchase of @system read with @ctx. */
void                 sk_fuzz_check_purchase      (const SkFuzzSystem    *system,
                                                  const SkPageContext   *ctx,
                                                  const SkPurchase      *p);

/* Gives the page's purchases the phones of @phones (when not %NULL), checks them again, then
 * moves them into a batch, checking its counts, and frees the batch: @page is left empty. */
void                 sk_fuzz_check_resolved      (const SkFuzzSystem    *system,
                                                  const SkPageContext   *ctx,
                                                  SkConnectorPage       *page,
                                                  GHashTable            *phones);

/* For systems numbering pages: "next" is the page after the one asked for, and there is none
 * after the last page number. */
void                 sk_fuzz_check_next_page     (const SkPageContext   *ctx,
                                                  const SkConnectorPage *page);

/* A contact id as sk_connector_json_dup_id() makes them. */
gboolean             sk_fuzz_is_id               (const char            *id);

G_END_DECLS
