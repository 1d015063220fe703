/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sk-application.h"

G_BEGIN_DECLS

#define SK_TYPE_WINDOW (sk_window_get_type ())

G_DECLARE_FINAL_TYPE (SkWindow, sk_window, SK, WINDOW, AdwApplicationWindow)

SkWindow   *sk_window_new                   (SkApplication *application);
const char *sk_window_get_visible_page_name (SkWindow      *self);
void        sk_window_set_visible_page_name (SkWindow      *self,
                                             const char    *name);

G_END_DECLS
