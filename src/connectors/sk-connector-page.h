/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-purchase.h"

G_BEGIN_DECLS

/**
 * SkPageContext:
 * @account: the partner account (YCLIENTS company, amoCRM subdomain, Bitrix24 portal); external
 *   ids are "<system>:<account>:<id>", so the same id in two accounts never collides
 * @business_id: (nullable): copied into each purchase
 * @tz: (nullable): the partner's zone, for times without an offset (UTC when %NULL)
 * @page: the page asked for, from 1, where the system numbers pages
 * @page_size: the rows per page asked for, where the system needs it to know it is done
 * @since_us: the window asked for, unix microseconds, checked again where a system's filter
 *   is not trusted (amoCRM); 0 when unchecked
 * @until_us: its end (exclusive); 0 when unchecked
 *
 * What a page parser knows besides the bytes. Everything is borrowed.
 */
typedef struct
{
  const char *account;
  const char *business_id;
  GTimeZone  *tz;
  guint       page;
  guint       page_size;
  gint64      since_us;
  gint64      until_us;
} SkPageContext;

/**
 * SkConnectorPage:
 * @purchases: (element-type SkPurchase): the completed sales of the page
 * @contact_ids: (element-type utf8): for systems that keep phones on contacts (amoCRM,
 *   Bitrix24), the contact of each purchase at the same index, "" when it has none; empty
 *   otherwise
 * @n_records: records on the page
 * @n_skipped: records that are not sales: cancelled, deleted, no-show, lost, still open
 * @n_invalid: records that look like sales but cannot be read (no id, amount or date)
 * @done: the last page
 * @next: (nullable): what asks for the next page (a page number, an offset or a link)
 * @resume_at: (nullable): where the next run can start, when the partner says (iiko's
 *   maxRevision)
 * @cancelled: (element-type utf8): external ids of records that are cancelled or deleted now;
 *   any of them recorded as a sale before is reversed (sk_sync_reverse_cancelled())
 *
 * One response page, parsed.
 */
typedef struct
{
  GPtrArray *purchases;
  GPtrArray *contact_ids;
  guint      n_records;
  guint      n_skipped;
  guint      n_invalid;
  gboolean   done;
  char      *next;
  char      *resume_at;
  GPtrArray *cancelled;
} SkConnectorPage;

SkConnectorPage *sk_connector_page_new             (void);
void             sk_connector_page_free            (SkConnectorPage      *page);
gboolean         sk_connector_page_add_sale        (SkConnectorPage      *page,
                                                    const SkPageContext  *ctx,
                                                    const char           *system,
                                                    const char           *id,
                                                    gint64                occurred_at,
                                                    SkKopecks             amount,
                                                    const char           *raw_phone,
                                                    const char           *contact_id);
void             sk_connector_page_add_cancelled   (SkConnectorPage      *page,
                                                    const SkPageContext  *ctx,
                                                    const char           *system,
                                                    const char           *id);
gboolean         sk_connector_page_add_refund      (SkConnectorPage      *page,
                                                    const SkPageContext  *ctx,
                                                    const char           *system,
                                                    const char           *id,
                                                    const char           *original_id,
                                                    gint64                occurred_at,
                                                    SkKopecks             amount);
void             sk_connector_page_resolve_phones  (SkConnectorPage      *page,
                                                    GHashTable           *phones);

/**
 * SkConnectorBatch:
 * @purchases: (element-type SkPurchase): every completed sale fetched, phones resolved
 * @n_fetched: records read over all pages
 * @n_skipped: records that are not sales
 * @n_invalid: records that could not be read
 * @n_unmatched: sales with no usable phone (kept, with neither phone nor hash)
 * @cursor: what to pass to the next run, once this batch is recorded
 *
 * What one fetch hands to the sync: the caller stores @cursor only after recording
 * @purchases, so a crash in between fetches the same records again (they are idempotent).
 */
typedef struct
{
  GPtrArray *purchases;
  GPtrArray *cancelled;
  guint      n_fetched;
  guint      n_skipped;
  guint      n_invalid;
  guint      n_unmatched;
  char      *cursor;
} SkConnectorBatch;

SkConnectorBatch *sk_connector_batch_new       (void);
void              sk_connector_batch_free      (SkConnectorBatch *batch);
void              sk_connector_batch_add_page  (SkConnectorBatch *batch,
                                                SkConnectorPage  *page);

char             *sk_connector_external_id     (const char       *system,
                                                const char       *account,
                                                const char       *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkConnectorPage, sk_connector_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkConnectorBatch, sk_connector_batch_free)

G_END_DECLS
