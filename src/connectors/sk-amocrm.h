/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-connector.h"

G_BEGIN_DECLS

#define SK_TYPE_AMOCRM_CONNECTOR (sk_amocrm_connector_get_type ())

G_DECLARE_FINAL_TYPE (SkAmocrmConnector, sk_amocrm_connector, SK, AMOCRM_CONNECTOR, GObject)

SkConnector     *sk_amocrm_connector_new     (GHashTable           *settings,
                                              GError              **error);

SkConnectorPage *sk_amocrm_parse_leads       (const SkPageContext  *ctx,
                                              const char           *data,
                                              gsize                 len,
                                              GError              **error);
GHashTable      *sk_amocrm_parse_contacts    (const char           *data,
                                              gsize                 len,
                                              char                **out_next,
                                              GError              **error);

G_END_DECLS
