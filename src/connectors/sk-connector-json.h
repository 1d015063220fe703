/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sk-money.h"

G_BEGIN_DECLS

/* Deeper JSON than this is refused before json-glib (which recurses) sees it. */
#define SK_CONNECTOR_JSON_MAX_DEPTH 64

JsonNode   *sk_connector_json_parse        (const char   *data,
                                            gsize         len,
                                            GError      **error);

JsonObject *sk_connector_json_object       (JsonNode     *node);
JsonObject *sk_connector_json_get_object   (JsonObject   *object,
                                            const char   *member);
JsonArray  *sk_connector_json_get_array    (JsonObject   *object,
                                            const char   *member);
const char *sk_connector_json_get_string   (JsonObject   *object,
                                            const char   *member);
gboolean    sk_connector_json_get_int      (JsonObject   *object,
                                            const char   *member,
                                            gint64       *out);
gboolean    sk_connector_json_get_bool     (JsonObject   *object,
                                            const char   *member,
                                            gboolean     *out);
gboolean    sk_connector_json_is_null      (JsonObject   *object,
                                            const char   *member);
char       *sk_connector_json_dup_id       (JsonObject   *object,
                                            const char   *member);
gboolean    sk_connector_json_get_kopecks  (JsonObject   *object,
                                            const char   *member,
                                            SkKopecks    *out);
gboolean    sk_connector_json_get_time     (JsonObject   *object,
                                            const char   *member,
                                            GTimeZone    *tz,
                                            gint64       *out_us);

char       *sk_connector_phone_normalize   (const char   *raw);

G_END_DECLS
