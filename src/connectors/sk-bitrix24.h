/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_BITRIX24_CONNECTOR (sk_bitrix24_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkBitrix24Connector, sk_bitrix24_connector, SK, BITRIX24_CONNECTOR, GObject)

SkConnector     *sk_bitrix24_connector_new     (GHashTable           *settings,
                                                GError              **error);

SkConnectorPage *sk_bitrix24_parse_deals       (const SkPageContext  *ctx,
                                                const char           *data,
                                                gsize                 len,
                                                GError              **error);
GHashTable      *sk_bitrix24_parse_contacts    (const char           *data,
                                                gsize                 len,
                                                char                **out_next,
                                                GError              **error);

G_END_DECLS
