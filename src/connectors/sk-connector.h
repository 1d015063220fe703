/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sk-connector-page.h"
#include "sk-partner-client.h"

G_BEGIN_DECLS

#define SK_TYPE_CONNECTOR (sk_connector_get_type ())

G_DECLARE_INTERFACE (SkConnector, sk_connector, SK, CONNECTOR, GObject)

/**
 * SkConnectorInterface:
 * @get_system: the system's code ("yclients")
 * @fetch: walks every page of the window the cursor opens and returns the completed sales
 *
 * One partner system. A connector reads its settings once, when it is made, and keeps no
 * other state: the cursor is stored by the caller.
 */
struct _SkConnectorInterface
{
  GTypeInterface parent_iface;

  const char       *(*get_system) (SkConnector      *self);
  SkConnectorBatch *(*fetch)      (SkConnector      *self,
                                   SkPartnerClient  *client,
                                   const char       *cursor,
                                   gint64            now_us,
                                   GCancellable     *cancellable,
                                   GError          **error);
};

/* The window starts this much before the stored cursor: records the partner files late are
 * fetched again, and idempotency drops the ones already recorded. */
#define SK_CONNECTOR_OVERLAP_US (G_GINT64_CONSTANT (15) * 60 * G_USEC_PER_SEC)

/* A first run (no cursor) looks back this far; iiko guarantees no more than 7 days. */
#define SK_CONNECTOR_FIRST_RUN_US (G_GINT64_CONSTANT (7) * 24 * 3600 * G_USEC_PER_SEC)

/* A partner that never says "done" must not keep a sync running forever. */
#define SK_CONNECTOR_MAX_PAGES 2000

SkConnector      *sk_connector_new             (const char        *system,
                                                GHashTable        *settings,
                                                GError           **error);
const char       *sk_connector_get_system      (SkConnector       *self);
SkConnectorBatch *sk_connector_fetch           (SkConnector       *self,
                                                SkPartnerClient   *client,
                                                const char        *cursor,
                                                gint64             now_us,
                                                GCancellable      *cancellable,
                                                GError           **error);

gboolean          sk_connector_window          (const char        *cursor,
                                                gint64             now_us,
                                                gint64            *since_us,
                                                GError           **error);
const char       *sk_connector_setting         (GHashTable        *settings,
                                                const char        *key,
                                                const char        *fallback,
                                                GError           **error);
GTimeZone        *sk_connector_setting_tz      (GHashTable        *settings,
                                                GError           **error);
gboolean          sk_connector_setting_uint    (GHashTable        *settings,
                                                const char        *key,
                                                const char        *fallback,
                                                guint              min,
                                                guint              max,
                                                guint             *out,
                                                GError           **error);
gboolean          sk_connector_is_digits       (const char        *text);
char             *sk_connector_origin          (const char        *url,
                                                GError           **error);

G_END_DECLS
