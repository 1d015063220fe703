/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A failed check is a crash libFuzzer reports, with or without G_DISABLE_ASSERT. */
#define SK_FUZZ_CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      g_error ("%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
  } G_STMT_END
