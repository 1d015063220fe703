/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-rules.h"

G_BEGIN_DECLS

/**
 * SkBudgetAllocation:
 * @open: open events (Insider+)
 * @vip: VIP+ events
 * @elite: Elite+ events
 * @reserve: reserve and special projects; also takes the rounding remainder
 *
 * A monthly events budget split by level; the four always add up to the total.
 */
typedef struct
{
  SkKopecks open;
  SkKopecks vip;
  SkKopecks elite;
  SkKopecks reserve;
} SkBudgetAllocation;

gboolean sk_budget_contribution (const SkRules       *rules,
                                 SkKopecks            amount,
                                 SkKopecks           *out,
                                 GError             **error);
gboolean sk_budget_allocate     (const SkRules       *rules,
                                 SkKopecks            total,
                                 SkBudgetAllocation  *out,
                                 GError             **error);

G_END_DECLS
