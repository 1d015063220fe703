/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-window"

#include <locale.h>

#include "sk-application.h"
#include "sk-i18n.h"
#include "sk-window.h"

/* meson runs this twice: LANGUAGE=C and LANGUAGE=ru, with SVOIKRUG_LOCALEDIR at the built
 * catalogs. The Russian run fails if gettext does not really translate.
 */
static gboolean
expect_russian (void)
{
  const char *language = g_getenv ("LANGUAGE");

  return language != NULL && g_str_has_prefix (language, "ru");
}

static const char *
expected_title (void)
{
  return expect_russian () ? "Свой Круг Studio" : "Svoi Krug Studio";
}

/* GtkApplication closes the display when it shuts down, so the process runs the application
 * once, and the tests run inside its first activation.
 */
static SkApplication *test_app;

typedef struct
{
  SkWindow  *window;
  GSettings *settings;
} Fixture;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           int        *count)
{
  (*count)++;
}

/* Runs the main loop until *counter reaches value, for at most five seconds. */
static void
wait_for_count (const int *counter,
                int        value)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (*counter < value && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gint64 deadline;

  f->settings = g_settings_new (SK_APP_ID);
  g_settings_reset (f->settings, "window-width");
  g_settings_reset (f->settings, "window-height");

  /* What a launch does: SkApplication::activate opens and presents the window. */
  g_assert_null (gtk_application_get_active_window (GTK_APPLICATION (test_app)));
  g_application_activate (G_APPLICATION (test_app));

  f->window = SK_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (test_app)));
  g_assert_true (SK_IS_WINDOW (f->window));
  g_object_ref (f->window);

  /* Let the template go through a real layout before the checks. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (gtk_widget_get_width (GTK_WIDGET (f->window)) == 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), >, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->window);
  g_assert_null (gtk_application_get_active_window (GTK_APPLICATION (test_app)));

  g_assert_finalize_object (f->settings);
}

static void
test_window_title (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *title = NULL;

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, expected_title ());

  g_object_get (f->window, "title", &title, NULL);
  g_assert_cmpstr (title, ==, expected_title ());
}

static void
test_window_activate_twice (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GList) windows = NULL;

  /* A second launch raises the window that is there. */
  g_application_activate (G_APPLICATION (test_app));

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (test_app)));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (windows->data == (gpointer)f->window);
}

static void
test_window_pages (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *name = NULL;
  int notified = 0;

  g_assert_cmpstr (sk_window_get_visible_page_name (f->window), ==, "connection");
  g_object_get (f->window, "visible-page-name", &name, NULL);
  g_assert_cmpstr (name, ==, "connection");

  g_signal_connect (f->window, "notify::visible-page-name", G_CALLBACK (notify_cb), &notified);

  /* Notify only when the value changes. */
  sk_window_set_visible_page_name (f->window, "connection");
  g_assert_cmpint (notified, ==, 0);

  g_signal_handlers_disconnect_by_func (f->window, notify_cb, &notified);
}

static void
test_window_geometry (Fixture       *f,
                      gconstpointer  data)
{
  int width_notified = 0;
  int width;
  int height;

  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 1100);
  g_assert_cmpint (height, ==, 720);

  g_signal_connect (f->window, "notify::default-width", G_CALLBACK (notify_cb), &width_notified);

  /* Settings to window. */
  g_settings_set_int (f->settings, "window-width", 900);
  wait_for_count (&width_notified, 1);
  g_assert_cmpint (width_notified, ==, 1);
  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 900);

  /* Window to settings, which is what a resize by the user does. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 600);
  g_assert_cmpint (width_notified, ==, 2);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-width"), ==, 800);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-height"), ==, 600);
  g_assert_false (g_settings_get_boolean (f->settings, "window-maximized"));

  g_signal_handlers_disconnect_by_func (f->window, notify_cb, &width_notified);
}

static void
test_app_actions (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(GStrv) quit_accels = NULL;

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (test_app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (test_app), "about"));

  quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (test_app), "app.quit");
  g_assert_true (g_strv_contains ((const char * const *)quit_accels, "<Control>q"));
}

static void
test_app_about (Fixture       *f,
                gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwAboutWindow *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (test_app), "about", NULL);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (window))
        about = g_object_ref (ADW_ABOUT_WINDOW (window));
    }

  g_assert_nonnull (about);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (f->window));
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, expected_title ());
  g_assert_cmpstr (adw_about_window_get_version (about), ==, SK_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (about), ==, SK_APP_ID);

  if (expect_russian ())
    g_assert_cmpstr (adw_about_window_get_developer_name (about), ==, "Команда «Свой Круг»");
  else
    g_assert_cmpstr (adw_about_window_get_developer_name (about), ==, "The Svoi Krug Team");

  gtk_window_destroy (GTK_WINDOW (about));
  g_assert_finalize_object (about);
}

static void
activate_cb (SkApplication *app,
             int           *status)
{
  /* Run the tests in place of the first activation; each fixture activates on its own. When
   * they are done no window is left, and g_application_run() shuts the application down.
   */
  g_signal_handlers_disconnect_by_func (app, activate_cb, status);
  g_signal_stop_emission_by_name (app, "activate");

  *status = g_test_run ();
}

int
main (int   argc,
      char *argv[])
{
  int status = 1;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* gtk_test_init() forces en_US.UTF-8; the run's own locale decides the language here. */
  setlocale (LC_ALL, "");
  sk_i18n_init ();

  g_test_add ("/studio/window/title", Fixture, NULL,
              fixture_setup, test_window_title, fixture_teardown);
  g_test_add ("/studio/window/activate-twice", Fixture, NULL,
              fixture_setup, test_window_activate_twice, fixture_teardown);
  g_test_add ("/studio/window/pages", Fixture, NULL,
              fixture_setup, test_window_pages, fixture_teardown);
  g_test_add ("/studio/window/geometry", Fixture, NULL,
              fixture_setup, test_window_geometry, fixture_teardown);
  g_test_add ("/studio/app/actions", Fixture, NULL,
              fixture_setup, test_app_actions, fixture_teardown);
  g_test_add ("/studio/app/about", Fixture, NULL,
              fixture_setup, test_app_about, fixture_teardown);

  /* Non-unique: the English and the Russian run share one session bus and may overlap. */
  test_app = g_object_new (SK_TYPE_APPLICATION,
                           "application-id", SK_APP_ID,
                           "flags", G_APPLICATION_NON_UNIQUE,
                           NULL);
  g_signal_connect (test_app, "activate", G_CALLBACK (activate_cb), &status);

  g_assert_cmpint (g_application_run (G_APPLICATION (test_app), 0, NULL), ==, 0);
  g_assert_finalize_object (test_app);

  return status;
}
