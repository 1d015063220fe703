/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_IIKO_CONNECTOR (sk_iiko_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkIikoConnector, sk_iiko_connector, SK, IIKO_CONNECTOR, GObject)

SkConnector     *sk_iiko_connector_new  (GHashTable           *settings,
                                         GError              **error);

char            *sk_iiko_parse_token    (const char           *data,
                                         gsize                 len,
                                         GError              **error);
SkConnectorPage *sk_iiko_parse_page     (const SkPageContext  *ctx,
                                         const char           *data,
                                         gsize                 len,
                                         GError              **error);

G_END_DECLS
