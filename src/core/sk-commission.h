/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-rules.h"

G_BEGIN_DECLS

/**
 * SkCommissionPhase:
 * @start_month: the first partner month (1-based) the rate applies to
 * @rate_bp: the commission rate on involved purchases
 *
 * A partner's commission schedule is a table of phases sorted by @start_month, the first
 * starting at month 1. The default, from the rules: months 1-6 0 %, 7-17 2 %, 18+ 3 %.
 */
typedef struct
{
  guint  start_month;
  gint64 rate_bp;
} SkCommissionPhase;

#define SK_COMMISSION_DEFAULT_PHASES 3

void     sk_commission_phases_from_rules (const SkRules           *rules,
                                          SkCommissionPhase        phases[SK_COMMISSION_DEFAULT_PHASES]);
gboolean sk_commission_phases_validate   (const SkCommissionPhase *phases,
                                          gsize                    n_phases,
                                          GError                 **error);
guint    sk_commission_month_index       (const GDate             *joined,
                                          const GDate             *day);
gint64   sk_commission_rate_bp           (const SkCommissionPhase *phases,
                                          gsize                    n_phases,
                                          guint                    month_index);
gboolean sk_commission_compute           (const SkCommissionPhase *phases,
                                          gsize                    n_phases,
                                          const GDate             *joined,
                                          const GDate             *day,
                                          SkKopecks                amount,
                                          gint64                  *rate_bp,
                                          SkKopecks               *commission,
                                          GError                 **error);

G_END_DECLS
