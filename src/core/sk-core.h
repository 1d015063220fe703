/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pure rules of Svoi Krug: GLib only, no I/O. */

#include "sk-core-error.h"
#include "sk-money.h"
#include "sk-phone.h"
#include "sk-category.h"
#include "sk-rules.h"
#include "sk-tier.h"
#include "sk-cashback.h"
#include "sk-ledger.h"
#include "sk-budget.h"
#include "sk-voting.h"
#include "sk-badges.h"
#include "sk-commission.h"
#include "sk-purchase.h"
#include "sk-medical.h"
#include "sk-csv.h"
#include "sk-table.h"
#include "sk-bgnbd.h"
#include "sk-rfm.h"
