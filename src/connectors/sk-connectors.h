/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-amocrm.h"
#include "sk-bitrix24.h"
#include "sk-connector.h"
#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-connector-page.h"
#include "sk-iiko.h"
#include "sk-onec.h"
#include "sk-partner-client.h"
#include "sk-renovatio.h"
#include "sk-yclients.h"
