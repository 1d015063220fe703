/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-studio"

#include <glib/gi18n.h>

#include "sk-application.h"
#include "sk-window.h"

struct _SkApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (SkApplication, sk_application, ADW_TYPE_APPLICATION)

/**
 * sk_application_new:
 *
 * Creates the Studio application, with the application id `ru.svoikrug.Studio`.
 *
 * Returns: (transfer full): a new #SkApplication
 */
SkApplication *
sk_application_new (void)
{
  return g_object_new (SK_TYPE_APPLICATION,
                       "application-id", SK_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  SkApplication *self = user_data;
  GtkWindow *window;
  AdwAboutWindow *about;

  g_assert (SK_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", window != NULL,
                        "application-icon", SK_APP_ID,
                        "application-name", _("Svoi Krug Studio"),
                        "developer-name", _("The Svoi Krug Team"),
                        "version", SK_VERSION,
                        "comments", _("The admin and analytics workstation of the Svoi Krug club "
                                      "of independent businesses."),
                        "copyright", "© 2026 The Svoi Krug Team",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line. */
                        "translator-credits", _("translator-credits"),
                        NULL);

  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  SkApplication *self = user_data;

  g_assert (SK_IS_APPLICATION (self));

  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "quit", quit_action_cb },
};

static void
sk_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  SkApplication *self = SK_APPLICATION (app);

  G_APPLICATION_CLASS (sk_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
}

static void
sk_application_activate (GApplication *app)
{
  SkApplication *self = SK_APPLICATION (app);
  GtkWindow *window;

  /* One window is enough until there is something to open twice. */
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (sk_window_new (self));

  gtk_window_present (window);
}

static void
sk_application_class_init (SkApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = sk_application_startup;
  app_class->activate = sk_application_activate;
}

static void
sk_application_init (SkApplication *self)
{
}
