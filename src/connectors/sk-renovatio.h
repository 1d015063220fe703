/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_RENOVATIO_CONNECTOR (sk_renovatio_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkRenovatioConnector, sk_renovatio_connector, SK, RENOVATIO_CONNECTOR, GObject)

/* The phone hash key must be at least this long, as the service's own. */
#define SK_RENOVATIO_HASH_KEY_MIN 16

SkConnector     *sk_renovatio_connector_new  (GHashTable           *settings,
                                              GError              **error);

SkConnectorPage *sk_renovatio_parse_page     (const SkPageContext  *ctx,
                                              const guint8         *key,
                                              gsize                 key_len,
                                              const char           *data,
                                              gsize                 len,
                                              GError              **error);

G_END_DECLS
