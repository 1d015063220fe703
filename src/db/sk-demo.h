/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-db.h"

G_BEGIN_DECLS

#define SK_DEMO_DEFAULT_MEMBERS 500
#define SK_DEMO_DEFAULT_MONTHS  12
#define SK_DEMO_DEFAULT_SEED    1
#define SK_DEMO_MAX_MEMBERS     10000000
#define SK_DEMO_MAX_MONTHS      60

typedef struct
{
  guint       members;
  guint       months;
  guint64     seed;
  /* The last day of the demo history (club time zone); invalid: today. */
  GDate       until;
  /* The club's time zone identifier, for business days and budget months. */
  const char *timezone;
  /* Replace the demo data of an earlier seed-demo (never real data). */
  gboolean    replace;
} SkDemoOptions;

typedef struct
{
  guint64 businesses;
  guint64 members;
  guint64 purchases;
  guint64 events;
  guint64 registrations;
  guint64 proposals;
  guint64 votes;
} SkDemoCounts;

/* Called from the loading thread now and then: @stage is a short English word, @done of
 * @total rows of it are loaded. */
typedef void (*SkDemoProgressFunc) (const char *stage,
                                    guint64     done,
                                    guint64     total,
                                    gpointer    user_data);

void     sk_demo_options_init (SkDemoOptions       *options);
gboolean sk_demo_load         (PGconn              *conn,
                               const SkDemoOptions *options,
                               SkDemoProgressFunc   progress,
                               gpointer             user_data,
                               SkDemoCounts        *counts,
                               GError             **error);

G_END_DECLS
