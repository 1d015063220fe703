/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_YCLIENTS_CONNECTOR (sk_yclients_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkYclientsConnector, sk_yclients_connector, SK, YCLIENTS_CONNECTOR, GObject)

SkConnector     *sk_yclients_connector_new  (GHashTable           *settings,
                                             GError              **error);

SkConnectorPage *sk_yclients_parse_page     (const SkPageContext  *ctx,
                                             const char           *data,
                                             gsize                 len,
                                             GError              **error);

G_END_DECLS
