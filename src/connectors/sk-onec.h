/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_ONEC_CONNECTOR (sk_onec_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkOnecConnector, sk_onec_connector, SK, ONEC_CONNECTOR, GObject)

/**
 * SkOnecFields:
 * @amount: (nullable): the document's amount attribute; "СуммаДокумента" when %NULL
 * @phone_path: (nullable): the members from the document to the contact information table,
 *   separated by "/"; "Контрагент/КонтактнаяИнформация" when %NULL
 * @refund_reference: (nullable): the attribute of a "Возврат" document holding the sale it
 *   refunds; "ЧекККМПродажа_Key" when %NULL
 *
 * What depends on the 1C configuration (Розница, УТ, УНФ…). Everything is borrowed.
 */
typedef struct
{
  const char *amount;
  const char *phone_path;
  const char *refund_reference;
} SkOnecFields;

SkConnector     *sk_onec_connector_new  (GHashTable           *settings,
                                         GError              **error);

SkConnectorPage *sk_onec_parse_page     (const SkPageContext  *ctx,
                                         const SkOnecFields   *fields,
                                         const char           *data,
                                         gsize                 len,
                                         GError              **error);

G_END_DECLS
