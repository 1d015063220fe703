/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SK_TYPE_PARTNER_CLIENT (sk_partner_client_get_type ())

G_DECLARE_FINAL_TYPE (SkPartnerClient, sk_partner_client, SK, PARTNER_CLIENT, GObject)

SkPartnerClient *sk_partner_client_new             (void);
GBytes          *sk_partner_client_request         (SkPartnerClient     *self,
                                                    const char          *method,
                                                    const char          *uri,
                                                    const char * const  *headers,
                                                    const char          *content_type,
                                                    GBytes              *body,
                                                    guint               *out_status,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
guint            sk_partner_client_get_n_requests  (SkPartnerClient     *self);

G_END_DECLS
