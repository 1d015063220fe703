/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include "sk-connector-json.h"
#include "sk-connector-page.h"

/**
 * sk_connector_page_new:
 *
 * Returns: (transfer full): an empty page, not done
 */
SkConnectorPage *
sk_connector_page_new (void)
{
  SkConnectorPage *page = g_new0 (SkConnectorPage, 1);

  page->purchases = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  page->contact_ids = g_ptr_array_new_with_free_func (g_free);
  page->cancelled = g_ptr_array_new_with_free_func (g_free);
  return page;
}

void
sk_connector_page_free (SkConnectorPage *page)
{
  if (page == NULL)
    return;

  g_clear_pointer (&page->purchases, g_ptr_array_unref);
  g_clear_pointer (&page->contact_ids, g_ptr_array_unref);
  g_clear_pointer (&page->cancelled, g_ptr_array_unref);
  g_free (page->next);
  g_free (page->resume_at);
  g_free (page);
}

/**
 * sk_connector_page_add_sale:
 * @page: a page being parsed
 * @ctx: the page's context
 * @system: the system's code, the first part of the external id
 * @id: the record's id
 * @occurred_at: unix microseconds
 * @amount: kopecks, > 0
 * @raw_phone: (nullable): the phone as the partner has it; unusable is the same as none
 * @contact_id: (nullable): the contact whose phone is fetched later (amoCRM, Bitrix24)
 *
 * Adds a completed sale, or counts it invalid when its external id would be too long.
 *
 * Returns: whether it was added
 */
gboolean
sk_connector_page_add_sale (SkConnectorPage     *page,
                            const SkPageContext *ctx,
                            const char          *system,
                            const char          *id,
                            gint64               occurred_at,
                            SkKopecks            amount,
                            const char          *raw_phone,
                            const char          *contact_id)
{
  g_autoptr(SkPurchase) p = sk_purchase_new ();

  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (ctx != NULL, FALSE);

  p->external_id = sk_connector_external_id (system, ctx->account, id);
  if (p->external_id == NULL)
    {
      page->n_invalid++;
      return FALSE;
    }
  p->business_id = g_strdup (ctx->business_id);
  p->occurred_at = occurred_at;
  p->amount = amount;
  p->phone_e164 = sk_connector_phone_normalize (raw_phone);
  p->source = SK_PURCHASE_SOURCE_PARTNER;
  p->completed = TRUE;

  g_ptr_array_add (page->purchases, g_steal_pointer (&p));
  g_ptr_array_add (page->contact_ids, g_strdup (contact_id != NULL ? contact_id : ""));
  return TRUE;
}

/**
 * sk_connector_page_add_cancelled:
 * @id: the record's id
 *
 * Notes a record that is cancelled or deleted now. It is not a sale (the caller counts it
 * skipped), but it may have been one at an earlier sync: the sync then reverses it.
 */
void
sk_connector_page_add_cancelled (SkConnectorPage     *page,
                                 const SkPageContext *ctx,
                                 const char          *system,
                                 const char          *id)
{
  char *external_id;

  g_return_if_fail (page != NULL);
  g_return_if_fail (ctx != NULL);

  external_id = sk_connector_external_id (system, ctx->account, id);
  if (external_id != NULL)
    g_ptr_array_add (page->cancelled, external_id);
}

/**
 * sk_connector_page_add_refund:
 * @id: the refund's own id in the partner's system
 * @original_id: the id of the sale it refunds, in the same system and account
 * @amount: how much was returned, > 0 (stored as a negative purchase)
 *
 * Adds a refund of a sale this connector reported. It carries no phone: the pipeline gives
 * it to the sale's buyer, and refuses it if the sale is unknown or already refunded in full.
 *
 * Returns: %FALSE (and counts the record as invalid) when an id is unusable
 */
gboolean
sk_connector_page_add_refund (SkConnectorPage     *page,
                              const SkPageContext *ctx,
                              const char          *system,
                              const char          *id,
                              const char          *original_id,
                              gint64               occurred_at,
                              SkKopecks            amount)
{
  g_autoptr(SkPurchase) p = sk_purchase_new ();

  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (ctx != NULL, FALSE);
  g_return_val_if_fail (amount > 0, FALSE);

  p->external_id = sk_connector_external_id (system, ctx->account, id);
  p->original_external_id = sk_connector_external_id (system, ctx->account, original_id);
  if (p->external_id == NULL || p->original_external_id == NULL ||
      g_str_equal (p->external_id, p->original_external_id))
    {
      page->n_invalid++;
      return FALSE;
    }
  p->business_id = g_strdup (ctx->business_id);
  p->occurred_at = occurred_at;
  p->amount = -amount;
  p->source = SK_PURCHASE_SOURCE_PARTNER;
  p->completed = TRUE;

  g_ptr_array_add (page->purchases, g_steal_pointer (&p));
  g_ptr_array_add (page->contact_ids, g_strdup (""));
  return TRUE;
}

/**
 * sk_connector_page_resolve_phones:
 * @page: a parsed page with contact ids
 * @phones: (element-type utf8 utf8): contact id to normalised phone
 *
 * Gives each purchase its contact's phone; a contact that is not in @phones leaves the
 * purchase unmatched.
 */
void
sk_connector_page_resolve_phones (SkConnectorPage *page,
                                  GHashTable      *phones)
{
  g_return_if_fail (page != NULL);
  g_return_if_fail (phones != NULL);

  for (guint i = 0; i < page->purchases->len && i < page->contact_ids->len; i++)
    {
      SkPurchase *p = g_ptr_array_index (page->purchases, i);
      const char *phone = g_hash_table_lookup (phones, g_ptr_array_index (page->contact_ids, i));

      if (p->phone_e164 == NULL && phone != NULL)
        p->phone_e164 = g_strdup (phone);
    }
}

/**
 * sk_connector_batch_new:
 *
 * Returns: (transfer full): an empty batch
 */
SkConnectorBatch *
sk_connector_batch_new (void)
{
  SkConnectorBatch *batch = g_new0 (SkConnectorBatch, 1);

  batch->purchases = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  batch->cancelled = g_ptr_array_new_with_free_func (g_free);
  return batch;
}

void
sk_connector_batch_free (SkConnectorBatch *batch)
{
  if (batch == NULL)
    return;

  g_clear_pointer (&batch->purchases, g_ptr_array_unref);
  g_clear_pointer (&batch->cancelled, g_ptr_array_unref);
  g_free (batch->cursor);
  g_free (batch);
}

/**
 * sk_connector_batch_add_page:
 * @batch: a batch
 * @page: a parsed page; its purchases move into @batch
 *
 * Adds the page's counts and takes its purchases, counting those without a customer as
 * unmatched, and its cancelled records. Phones must already be resolved.
 */
void
sk_connector_batch_add_page (SkConnectorBatch *batch,
                             SkConnectorPage  *page)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (page != NULL);

  batch->n_fetched += page->n_records;
  batch->n_skipped += page->n_skipped;
  batch->n_invalid += page->n_invalid;

  for (guint i = 0; i < page->purchases->len; i++)
    {
      SkPurchase *p = g_ptr_array_index (page->purchases, i);

      if (p->phone_e164 == NULL && p->customer_hash == NULL)
        batch->n_unmatched++;
      g_ptr_array_add (batch->purchases, p);
    }

  /* The batch owns them now. */
  g_ptr_array_set_free_func (page->purchases, NULL);
  g_ptr_array_set_size (page->purchases, 0);
  g_ptr_array_set_free_func (page->purchases, (GDestroyNotify) sk_purchase_free);
  g_ptr_array_set_size (page->contact_ids, 0);
  g_ptr_array_extend_and_steal (batch->cancelled, g_steal_pointer (&page->cancelled));
  page->cancelled = g_ptr_array_new_with_free_func (g_free);
}

/**
 * sk_connector_external_id:
 * @system: "yclients", "amocrm", "bitrix24"…
 * @account: the account within the system
 * @id: the record's own id
 *
 * The idempotency key of the fixtures README, (system, account, id), as one string.
 *
 * Returns: (transfer full) (nullable): "yclients:731402:912004411", or %NULL when longer than
 *   a purchase id may be
 */
char *
sk_connector_external_id (const char *system,
                          const char *account,
                          const char *id)
{
  g_autofree char *s = NULL;

  g_return_val_if_fail (system != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  s = g_strdup_printf ("%s:%s:%s", system, account != NULL ? account : "", id);
  if (g_utf8_strlen (s, -1) > SK_PURCHASE_EXTERNAL_ID_MAX)
    return NULL;
  return g_steal_pointer (&s);
}
