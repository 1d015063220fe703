/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SK_TYPE_SERVER (sk_server_get_type ())

G_DECLARE_FINAL_TYPE (SkServer, sk_server, SK, SERVER, GObject)

SkServer *sk_server_new      (const char  *database_url);
gboolean  sk_server_listen   (SkServer    *self,
                              const char  *address,
                              guint        port,
                              GError     **error);
char     *sk_server_dup_uri  (SkServer    *self);
void      sk_server_shutdown (SkServer    *self);

G_END_DECLS
