/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sk-connectors.h"

G_BEGIN_DECLS

typedef struct _SkFakePartner SkFakePartner;

/**
 * SkFakeHandler:
 * @fake: the server
 * @msg: the request; the handler sets the status and body
 * @user_data: the test's fixture
 *
 * Runs in the server's own thread (the client under test blocks the test's thread), so it
 * must only read the fixture.
 */
typedef void (*SkFakeHandler) (SkFakePartner     *fake,
                               SoupServerMessage *msg,
                               gpointer           user_data);

SkFakePartner *sk_fake_partner_new             (SkFakeHandler       handler,
                                                gpointer            user_data);
void           sk_fake_partner_free            (SkFakePartner      *fake);
const char    *sk_fake_partner_get_url         (SkFakePartner      *fake);
guint          sk_fake_partner_get_n_requests  (SkFakePartner      *fake);
void           sk_fake_partner_queue           (SkFakePartner      *fake,
                                                guint               status,
                                                const char         *retry_after,
                                                const char         *body);

void           sk_fake_reply_json              (SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *content_type,
                                                JsonNode           *root);
void           sk_fake_reply_text              (SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *content_type,
                                                const char         *text);
GPtrArray     *sk_fake_query_values            (SoupServerMessage  *msg,
                                                const char         *key);
const char    *sk_fake_header                  (SoupServerMessage  *msg,
                                                const char         *name);

JsonNode      *sk_test_fixture_json            (const char         *name);
char          *sk_test_fixture_text            (const char         *name,
                                                gsize              *len);

/**
 * SkExpectedSale:
 * @external_id: the namespaced id
 * @phone: (nullable): the normalised phone, %NULL for an unmatched sale
 * @amount: kopecks
 *
 * One row of a fixtures README table.
 */
typedef struct
{
  const char *external_id;
  const char *phone;
  SkKopecks   amount;
} SkExpectedSale;

void             sk_test_assert_sales   (GPtrArray             *purchases,
                                         const SkExpectedSale  *expected,
                                         guint                  n_expected);
SkPartnerClient *sk_test_client_new     (void);
void             sk_test_check_garbage  (SkConnectorPage *(*parse) (const SkPageContext *,
                                                                    const char *,
                                                                    gsize,
                                                                    GError **));

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkFakePartner, sk_fake_partner_free)

G_END_DECLS
