/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-demo.h"

#include <math.h>
#include <string.h>

/*
 * Demo data shaped like the pilot (DESIGN.md "Demo data that looks like the pilot"): the five
 * partners, members who join over the period, about two purchases per member per month at an
 * average check near 3,500 RUB, cross-business journeys (Лисичкино → Миндаль and
 * Миндаль → Skinerica the strongest), some members gone quiet, events and proposals.
 *
 * Everything comes from one seed: each member draws from her own stream of a xoshiro256**
 * generator, so the same seed gives the same rows (ids included) whatever else changes, and
 * the rows are generated again for each table instead of being kept in memory.
 *
 * Medical partners' purchases carry only date, amount, 'medical_service' and the member:
 * there is nothing else to carry. No personal data is made: members have a random 32-byte
 * phone_hash (a stand-in for the HMAC, of no phone) and no member_personal row.
 *
 * Random draws use double precision for shapes (how often, how much); every amount is then a
 * whole number of kopecks and all money arithmetic (the events budget share) is integer.
 */

#define COPY_BUFFER_SIZE   (1 << 20)
#define DAY                86400
#define DAYS_PER_MONTH     30.44

/* Streams of the generator, one per kind of thing. */
enum
{
  STREAM_MEMBER_ID,
  STREAM_MEMBER,
  STREAM_UNMATCHED,
  STREAM_EVENT,
};

enum
{
  MINDAL,
  LISICHKINO,
  SKINERICA,
  STIM,
  MILLENIUM,
  N_PARTNERS
};

typedef struct
{
  const char *id;
  const char *name;
  const char *category;
  gboolean    is_medical;
  const char *address;
  /* Shapes of her purchases: mean check in rubles, rounding step in kopecks, visits per
   * month of a regular customer, share of club members who first come here, share of
   * visits booked in the app. */
  double      mean_check;
  gint64      round_to;
  double      monthly_rate;
  double      entry_weight;
  double      app_booking;
  /* Partner systems that send her sales, and how often each. */
  const char *systems[2];
  double      first_system_share;
} Partner;

static const Partner partners[N_PARTNERS] = {
  [MINDAL] = { "5c1d0000-0000-4000-8000-000000000001", "Миндаль", "beauty", FALSE,
               "ул. Миндальная, 12", 1400, 5000, 1.5, 0.47, 0.25,
               { "yclients", NULL }, 1.0 },
  [LISICHKINO] = { "5c1d0000-0000-4000-8000-000000000002", "Лисичкино", "gastronomy", FALSE,
                   "Гастромаркет, ул. Лесная, 3", 3700, 1, 1.9, 0.29, 0.0,
                   { "onec", "iiko" }, 0.7 },
  [SKINERICA] = { "5c1d0000-0000-4000-8000-000000000003", "Skinerica", "cosmetology", TRUE,
                  "пр. Мира, 40", 11000, 10000, 0.55, 0.10, 0.2,
                  { "onec", "bitrix24" }, 0.8 },
  [STIM] = { "5c1d0000-0000-4000-8000-000000000004", "Стим Центр", "dentistry", TRUE,
             "ул. Зубовская, 7", 16000, 10000, 0.27, 0.06, 0.25,
             { "amocrm", NULL }, 1.0 },
  [MILLENIUM] = { "5c1d0000-0000-4000-8000-000000000005", "Миллениум", "medicine", TRUE,
                  "ул. Здоровья, 1", 9000, 10000, 0.4, 0.08, 0.15,
                  { "renovatio", NULL }, 1.0 },
};

/* Where a member goes next, from the partner she knows last (rows) to one she does not know
 * yet (columns): Лисичкино → Миндаль and Миндаль → Skinerica are the strongest flows. */
static const double next_partner[N_PARTNERS][N_PARTNERS] = {
  [MINDAL]     = { 0, 3, 7, 1.5, 1.2 },
  [LISICHKINO] = { 9, 0, 2, 1, 2 },
  [SKINERICA]  = { 3, 1.5, 0, 1.5, 2 },
  [STIM]       = { 2, 1.5, 2, 0, 3 },
  [MILLENIUM]  = { 2, 1.5, 2, 3, 0 },
};

/* Cross-promos from → to (DESIGN.md step 5), as the partners would set them up. */
static const struct
{
  int         from;
  int         to;
  const char *title;
} cross_promos[] = {
  { LISICHKINO, MINDAL, "Купила в Лисичкино — бонус в Миндале" },
  { MINDAL, SKINERICA, "После Миндаля — уход в Skinerica" },
  { MILLENIUM, STIM, "Миллениум и Стим Центр: здоровье целиком" },
};
#define CROSS_WINDOW_DAYS 21

/* She comes back most to the partner she first knew; the others she visits now and then.
 * This keeps the north-star metric (two categories within 60 days) in the pilot's 20–30 %
 * and the salon's ecosystem revenue near its 19 %, while 40 % still buy in two or more
 * categories over the year. */
#define HOME_RATE          1.4
#define OTHER_RATE         0.35

/* How many partners a member ever visits: 1 for most, 3–5 for the club's regulars. */
static const double partner_count_weights[N_PARTNERS + 1] = { 0, 0.56, 0.03, 0.20, 0.12, 0.09 };

typedef enum
{
  VIA_NONE,
  VIA_PROMO,
  VIA_CROSS_BONUS,
  VIA_APP_BOOKING,
} Via;

static const char * const via_names[] = { "none", "promo", "cross_bonus", "app_booking" };

typedef struct
{
  double  t;            /* days since the start of the history */
  gint64  at;           /* Unix time */
  guint   day;
  guint8  partner;
  guint8  system;
  guint8  via;
  gint64  amount;       /* kopecks; negative for a refund */
  guint   number;       /* her purchase number, for the external id */
  int     refund_of;    /* index of the original in her list, or -1 */
  gboolean refunded;
  gboolean unmatched;
  guint8  id[16];
} Purchase;

typedef struct
{
  guint64 s[4];
} Rng;

typedef struct
{
  PGconn        *conn;
  const SkDemoOptions *options;
  SkDemoProgressFunc progress;
  gpointer       progress_data;

  guint          n_days;
  gint64        *day_start;        /* Unix time of each local midnight, n_days + 1 */
  char         (*day_month)[11];   /* "YYYY-MM-01" of each day */
  gint64         end;              /* Unix time the history ends (exclusive) */
  char           end_text[32];

  guint8       (*member_ids)[16];
  char          *integration_ids[N_PARTNERS][2];
  gint64         budget_bp;

  /* One member's plan, rebuilt for each table. */
  GArray        *purchases;
  double         join;
  double         last_seen;
  gboolean       referred;
  guint          referrer;
  gboolean       marketing;
  guint8         phone_hash[32];

  GString       *buffer;
  guint64        n_purchases;
} Demo;

/* ---- The generator: splitmix64 seeding xoshiro256** (Blackman & Vigna). ---- */

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *r)
{
  guint64 result = rotl (r->s[1] * 5, 7) * 9;
  guint64 t = r->s[1] << 17;

  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl (r->s[3], 45);
  return result;
}

static void
rng_init (Rng     *r,
          guint64  seed,
          guint64  stream,
          guint64  index)
{
  guint64 x = seed ^ (stream * G_GUINT64_CONSTANT (0xD1B54A32D192ED03)) ^
              (index * G_GUINT64_CONSTANT (0x8CB92BA72F3D8DD7));

  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&x);
}

/* Uniform in [0, 1). */
static double
rng_uniform (Rng *r)
{
  return (double) (rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

static guint
rng_below (Rng   *r,
           guint  n)
{
  return (guint) (rng_uniform (r) * n);
}

static double
rng_normal (Rng *r)
{
  double u = 1.0 - rng_uniform (r);
  double v = rng_uniform (r);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

static double
rng_exponential (Rng    *r,
                 double  mean)
{
  return -mean * log (1.0 - rng_uniform (r));
}

static guint
rng_weighted (Rng          *r,
              const double *weights,
              guint         n)
{
  double total = 0, x;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  x = rng_uniform (r) * total;
  for (guint i = 0; i < n; i++)
    {
      if (x < weights[i])
        return i;
      x -= weights[i];
    }
  return n - 1;
}

/* A purchase id that sorts in the order the rows are loaded (@kind, then @index, then
 * @number), with a random tail: the primary keys then grow at their right edge instead of
 * splitting pages all over, which is most of the load time. Still a version 4 shape. */
static void
rng_ordered_uuid (Rng    *r,
                  guint8  kind,
                  guint   index,
                  guint   number,
                  guint8  out[16])
{
  guint64 tail = rng_next (r);

  out[0] = kind;
  out[1] = (index >> 16) & 0xff;
  out[2] = (index >> 8) & 0xff;
  out[3] = index & 0xff;
  out[4] = (index >> 24) & 0xff;
  out[5] = (number >> 8) & 0xff;
  out[6] = 0x40 | ((number >> 16) & 0x0f);
  out[7] = number & 0xff;
  memcpy (out + 8, &tail, 8);
  out[8] = (out[8] & 0x3f) | 0x80;
}

/* A random (version 4 shaped) UUID. */
static void
rng_uuid (Rng    *r,
          guint8  out[16])
{
  guint64 a = rng_next (r), b = rng_next (r);

  memcpy (out, &a, 8);
  memcpy (out + 8, &b, 8);
  out[6] = (out[6] & 0x0f) | 0x40;
  out[8] = (out[8] & 0x3f) | 0x80;
}

/* ---- COPY text format. ---- */

static const char hex_digits[] = "0123456789abcdef";

static void
put_hex (GString      *s,
         const guint8 *data,
         gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      g_string_append_c (s, hex_digits[data[i] >> 4]);
      g_string_append_c (s, hex_digits[data[i] & 15]);
    }
}

static void
put_uuid (GString      *s,
          const guint8  id[16])
{
  put_hex (s, id, 4);
  g_string_append_c (s, '-');
  put_hex (s, id + 4, 2);
  g_string_append_c (s, '-');
  put_hex (s, id + 6, 2);
  g_string_append_c (s, '-');
  put_hex (s, id + 8, 2);
  g_string_append_c (s, '-');
  put_hex (s, id + 10, 6);
}

static void
put_bytea (GString      *s,
           const guint8 *data,
           gsize         length)
{
  g_string_append (s, "\\\\x");
  put_hex (s, data, length);
}

/* Unix time as "YYYY-MM-DD HH:MM:SS+00" (civil_from_days, H. Hinnant). */
static void
put_time (GString *s,
          gint64   t)
{
  gint64 days = t >= 0 ? t / DAY : (t - DAY + 1) / DAY;
  gint64 secs = t - days * DAY;
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 y = yoe + era * 400;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  gint64 d = doy - (153 * mp + 2) / 5 + 1;
  gint64 m = mp < 10 ? mp + 3 : mp - 9;

  if (m <= 2)
    y++;
  g_string_append_printf (s, "%04d-%02d-%02d %02d:%02d:%02d+00",
                          (int) y, (int) m, (int) d, (int) (secs / 3600),
                          (int) (secs / 60 % 60), (int) (secs % 60));
}

static void
put_int (GString *s,
         gint64   v)
{
  g_string_append_printf (s, "%" G_GINT64_FORMAT, v);
}

#define TAB(s)     g_string_append_c ((s), '\t')
#define NUL(s)     g_string_append ((s), "\\N")
#define EOL(s)     g_string_append_c ((s), '\n')

static gboolean
copy_begin (Demo        *demo,
            const char  *sql,
            GError     **error)
{
  g_autoptr(PGresult) result = PQexec (demo->conn, sql);

  if (PQresultStatus (result) != PGRES_COPY_IN)
    {
      sk_db_result_ok (result, sql, error);
      if (error != NULL && *error == NULL)
        g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "%s did not start a COPY", sql);
      return FALSE;
    }
  g_string_truncate (demo->buffer, 0);
  return TRUE;
}

static gboolean
copy_flush (Demo     *demo,
            gboolean  force,
            GError  **error)
{
  if (demo->buffer->len == 0 || (!force && demo->buffer->len < COPY_BUFFER_SIZE))
    return TRUE;

  if (PQputCopyData (demo->conn, demo->buffer->str, (int) demo->buffer->len) != 1)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "COPY failed: %s",
                   PQerrorMessage (demo->conn));
      return FALSE;
    }
  g_string_truncate (demo->buffer, 0);
  return TRUE;
}

static gboolean
copy_end (Demo        *demo,
          const char  *what,
          GError     **error)
{
  PGresult *result;
  gboolean ok = TRUE;

  if (!copy_flush (demo, TRUE, error))
    ok = FALSE;
  if (PQputCopyEnd (demo->conn, ok ? NULL : "aborted") != 1)
    {
      if (ok)
        g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "COPY failed: %s",
                     PQerrorMessage (demo->conn));
      ok = FALSE;
    }

  while ((result = PQgetResult (demo->conn)) != NULL)
    {
      if (ok && !sk_db_result_ok (result, what, error))
        ok = FALSE;
      PQclear (result);
    }
  return ok;
}

/* ---- Queries. ---- */

static PGresult *
query (Demo        *demo,
       const char  *what,
       const char  *sql,
       GError     **error,
       ...)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  const char *param;
  PGresult *result;
  va_list args;

  va_start (args, error);
  while ((param = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (params, (gpointer) param);
  va_end (args);

  result = PQexecParams (demo->conn, sql, (int) params->len, NULL,
                         (const char * const *) params->pdata, NULL, NULL, 0);
  if (!sk_db_result_ok (result, what, error))
    {
      PQclear (result);
      return NULL;
    }
  return result;
}

#define EXEC(demo, what, sql, error, ...) \
  G_STMT_START { \
    PGresult *r_ = query ((demo), (what), (sql), (error), __VA_ARGS__); \
    if (r_ == NULL) \
      return FALSE; \
    PQclear (r_); \
  } G_STMT_END

static char *
uuid_text (const guint8 id[16])
{
  GString *s = g_string_sized_new (37);

  put_uuid (s, id);
  return g_string_free (s, FALSE);
}

/* ---- The history's calendar, in the club's time zone. ---- */

static gboolean
build_calendar (Demo    *demo,
                GError **error)
{
  const SkDemoOptions *o = demo->options;
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (o->timezone);
  GDate first = o->until;
  GDate day;

  if (tz == NULL)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA, "unknown time zone %s", o->timezone);
      return FALSE;
    }

  /* From the day after the same date @months earlier up to @until, inclusive. */
  g_date_subtract_months (&first, o->months);
  g_date_add_days (&first, 1);
  demo->n_days = g_date_get_julian (&o->until) - g_date_get_julian (&first) + 1;
  demo->day_start = g_new (gint64, demo->n_days + 1);
  demo->day_month = g_malloc_n (demo->n_days + 1, sizeof *demo->day_month);

  day = first;
  for (guint i = 0; i <= demo->n_days; i++)
    {
      g_autoptr(GDateTime) midnight =
        g_date_time_new (tz, g_date_get_year (&day), g_date_get_month (&day),
                         g_date_get_day (&day), 0, 0, 0);

      demo->day_start[i] = g_date_time_to_unix (midnight);
      g_snprintf (demo->day_month[i], 11, "%04d-%02d-01", g_date_get_year (&day),
                  g_date_get_month (&day));
      g_date_add_days (&day, 1);
    }
  demo->end = demo->day_start[demo->n_days];
  {
    g_autoptr(GString) s = g_string_new (NULL);

    put_time (s, demo->end);
    g_strlcpy (demo->end_text, s->str, sizeof demo->end_text);
  }
  return TRUE;
}

static gint64
to_unix (Demo   *demo,
         double  t,
         guint  *day_out)
{
  guint day = (guint) t;
  double fraction = t - day;

  if (day >= demo->n_days)
    day = demo->n_days - 1;
  *day_out = day;
  /* Shops and clinics work 9:00–21:00. */
  return demo->day_start[day] + 9 * 3600 + (gint64) (fraction * 12 * 3600);
}

/* ---- One member's plan. ---- */

static gint64
draw_amount (Rng *r,
             int  partner)
{
  const Partner *p = &partners[partner];
  const double sigma = 0.55;
  double rubles = p->mean_check * exp (sigma * rng_normal (r) - sigma * sigma / 2);
  gint64 kopecks = (gint64) (rubles * 100);

  kopecks = (kopecks + p->round_to / 2) / p->round_to * p->round_to;
  return MAX (kopecks, 15000);
}

static int
compare_purchases (gconstpointer a,
                   gconstpointer b)
{
  const Purchase *pa = a, *pb = b;

  return pa->t < pb->t ? -1 : pa->t > pb->t;
}

static void
plan_member (Demo  *demo,
             guint  index)
{
  const double n_days = demo->n_days;
  GArray *list = demo->purchases;
  double last_at[N_PARTNERS];
  double unlock[N_PARTNERS];
  gboolean known[N_PARTNERS] = { FALSE, };
  double entry_weights[N_PARTNERS];
  double activity, active_end, t;
  guint n_known, wanted, n_refunds = 0, n = 0;
  int current, home;
  Rng r;

  rng_init (&r, demo->options->seed, STREAM_MEMBER, index);
  g_array_set_size (list, 0);

  /* Joining: a founding wave in the first month, then steady growth. */
  if (rng_uniform (&r) < 0.45)
    demo->join = rng_uniform (&r) * MIN (30.0, n_days);
  else
    demo->join = rng_uniform (&r) * MAX (1.0, n_days - 7);

  /* Some stop coming: not seen for the last 90 days or more. */
  active_end = n_days;
  if (rng_uniform (&r) < 0.07 && n_days - 90 - demo->join > 30)
    active_end = demo->join + 30 + rng_uniform (&r) * (n_days - 90 - demo->join - 30);

  activity = exp (0.45 * rng_normal (&r) - 0.45 * 0.45 / 2);

  /* Which partners, in which order, from when. */
  for (int p = 0; p < N_PARTNERS; p++)
    entry_weights[p] = partners[p].entry_weight;
  current = (int) rng_weighted (&r, entry_weights, N_PARTNERS);
  home = current;
  wanted = rng_weighted (&r, partner_count_weights, N_PARTNERS + 1);
  known[current] = TRUE;
  unlock[current] = demo->join;
  n_known = 1;
  t = demo->join;
  while (n_known < wanted)
    {
      double weights[N_PARTNERS];
      int next;

      for (int p = 0; p < N_PARTNERS; p++)
        weights[p] = known[p] ? 0 : next_partner[current][p];
      next = (int) rng_weighted (&r, weights, N_PARTNERS);
      t += 3 + rng_exponential (&r, 35);
      known[next] = TRUE;
      unlock[next] = t;
      current = next;
      n_known++;
    }

  /* Visits: her first at each partner, then a Poisson process at the partner's pace. */
  for (int p = 0; p < N_PARTNERS; p++)
    {
      double rate;

      if (!known[p] || unlock[p] >= active_end)
        continue;

      rate = partners[p].monthly_rate * activity * (0.6 + 0.8 * rng_uniform (&r)) *
             (p == home ? HOME_RATE : OTHER_RATE) / DAYS_PER_MONTH;
      for (double at = unlock[p]; at < active_end; at += rng_exponential (&r, 1 / rate))
        {
          Purchase purchase = { 0, };

          purchase.t = at;
          purchase.partner = (guint8) p;
          purchase.refund_of = -1;
          g_array_append_val (list, purchase);
        }
    }

  g_array_sort (list, compare_purchases);

  for (int p = 0; p < N_PARTNERS; p++)
    last_at[p] = -1000;

  for (guint i = 0; i < list->len; i++)
    {
      Purchase *purchase = &g_array_index (list, Purchase, i);
      const Partner *partner = &partners[purchase->partner];
      Via via = VIA_NONE;

      purchase->at = to_unix (demo, purchase->t, &purchase->day);
      purchase->amount = draw_amount (&r, purchase->partner);
      purchase->number = ++n;
      purchase->system = partner->systems[1] != NULL &&
                         rng_uniform (&r) >= partner->first_system_share;
      rng_ordered_uuid (&r, 0x10, index, purchase->number, purchase->id);

      for (guint c = 0; c < G_N_ELEMENTS (cross_promos); c++)
        if (cross_promos[c].to == purchase->partner &&
            purchase->t - last_at[cross_promos[c].from] <= CROSS_WINDOW_DAYS)
          via = VIA_CROSS_BONUS;
      if (via == VIA_NONE && rng_uniform (&r) < 0.02)
        via = VIA_PROMO;
      if (via == VIA_NONE && rng_uniform (&r) < partner->app_booking)
        via = VIA_APP_BOOKING;
      purchase->via = via;
      last_at[purchase->partner] = purchase->t;

      /* Now and then a refund within ten days. */
      if (rng_uniform (&r) < 0.004)
        n_refunds++;
    }

  /* Refunds are appended (they never change who came from where). */
  for (guint k = 0, n_sales = list->len; k < n_refunds && n_sales > 0; k++)
    {
      guint i = rng_below (&r, n_sales);
      Purchase *original = &g_array_index (list, Purchase, i);
      Purchase refund = *original;

      if (original->refunded)
        continue;
      original->refunded = TRUE;
      refund.t = original->t + 1 + rng_uniform (&r) * 9;
      if (refund.t >= n_days)
        continue;
      refund.at = to_unix (demo, refund.t, &refund.day);
      refund.amount = -original->amount;
      refund.refund_of = (int) i;
      refund.via = VIA_NONE;
      refund.number = ++n;
      rng_ordered_uuid (&r, 0x10, index, refund.number, refund.id);
      g_array_append_val (list, refund);
    }

  demo->last_seen = list->len > 0 ? g_array_index (list, Purchase, 0).t : demo->join;
  for (guint i = 0; i < list->len; i++)
    demo->last_seen = MAX (demo->last_seen, g_array_index (list, Purchase, i).t);
  demo->last_seen = MIN (demo->last_seen + rng_uniform (&r) * 2, n_days - 0.01);

  demo->referred = index > 0 && demo->join > 30 && rng_uniform (&r) < 0.15;
  demo->referrer = demo->referred ? rng_below (&r, index) : 0;
  demo->marketing = rng_uniform (&r) < 0.62;
  for (guint i = 0; i < 32; i += 8)
    {
      guint64 v = rng_next (&r);

      memcpy (demo->phone_hash + i, &v, 8);
    }
}

static void
put_external_id (GString        *s,
                 const Purchase *purchase,
                 guint           member)
{
  const Partner *p = &partners[purchase->partner];

  if (purchase->unmatched)
    g_string_append_printf (s, "%s:demo:u%08u", p->systems[purchase->system],
                            purchase->number);
  else
    g_string_append_printf (s, "%s:demo:m%08u-%04u", p->systems[purchase->system], member,
                            purchase->number);
}

static void
put_referral_code (GString *s,
                   guint    member)
{
  /* Unique, short, and not a count of members to the eye. */
  static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  guint64 x = (guint64) member * G_GUINT64_CONSTANT (0x9E3779B1) + 0x5EED;

  g_string_append (s, "SK");
  for (int i = 0; i < 7; i++)
    {
      g_string_append_c (s, alphabet[x & 31]);
      x >>= 5;
    }
  g_string_append_printf (s, "%u", member % 10);
}

/* ---- The tables, each one pass over the members. ---- */

typedef enum
{
  TABLE_MEMBERS,
  TABLE_CONSENTS,
  TABLE_REFERRALS,
  TABLE_PURCHASE_KEYS,
  TABLE_PURCHASES,
  TABLE_BUDGET,
  TABLE_CUSTOMERS,
} Table;

static const struct
{
  const char *stage;
  const char *copy;
} tables[] = {
  [TABLE_MEMBERS] = { "members",
    "COPY members (id, phone_hash, tier, tier_changed_at, joined_at, referral_code, "
    "referred_by, last_seen_at) FROM STDIN" },
  [TABLE_CONSENTS] = { "consents",
    "COPY member_consents (member_id, kind, version, given_at) FROM STDIN" },
  [TABLE_REFERRALS] = { "referrals",
    "COPY referrals (referred_id, referrer_id, code_used, created_at, qualified_at) FROM STDIN" },
  [TABLE_PURCHASE_KEYS] = { "purchase keys",
    "COPY purchase_keys (id, business_id, external_id, occurred_at, created_at) FROM STDIN" },
  [TABLE_PURCHASES] = { "purchases",
    "COPY purchases (id, occurred_at, business_id, member_id, customer_phone_hash, amount, "
    "original_purchase_id, category, source, involved_via, status, external_id, "
    "integration_id, recorded_at, recorded_by) FROM STDIN" },
  [TABLE_BUDGET] = { "events budget",
    "COPY events_budget_contributions (purchase_id, business_id, member_id, amount_kopecks, "
    "month, contributed_at) FROM STDIN" },
  [TABLE_CUSTOMERS] = { "customers",
    "COPY business_customers (business_id, member_id, first_purchase_at, last_purchase_at, "
    "purchases_count, spent_kopecks, source_business_id) FROM STDIN" },
};

static gint64
day_time (Demo   *demo,
          double  t)
{
  guint day;

  return to_unix (demo, t, &day);
}

static void
put_purchase_key (Demo           *demo,
                  const Purchase *p,
                  guint           member)
{
  GString *s = demo->buffer;

  put_uuid (s, p->id); TAB (s);
  g_string_append (s, partners[p->partner].id); TAB (s);
  put_external_id (s, p, member); TAB (s);
  put_time (s, p->at); TAB (s);
  /* Synced within the quarter of an hour. */
  put_time (s, MIN (p->at + 900, demo->end)); EOL (s);
}

static void
put_purchase (Demo           *demo,
              const Purchase *p,
              guint           member,
              const guint8   *member_id,
              const guint8   *phone_hash)
{
  GString *s = demo->buffer;
  const Partner *partner = &partners[p->partner];

  put_uuid (s, p->id); TAB (s);
  put_time (s, p->at); TAB (s);
  g_string_append (s, partner->id); TAB (s);
  if (member_id != NULL)
    put_uuid (s, member_id);
  else
    NUL (s);
  TAB (s);
  if (phone_hash != NULL)
    put_bytea (s, phone_hash, 32);
  else
    NUL (s);
  TAB (s);
  put_int (s, p->amount); TAB (s);
  if (p->refund_of >= 0)
    put_uuid (s, g_array_index (demo->purchases, Purchase, p->refund_of).id);
  else
    NUL (s);
  TAB (s);
  /* Medical secrecy: the category and nothing else. */
  g_string_append (s, partner->is_medical ? "medical_service" : partner->category); TAB (s);
  g_string_append (s, "partner"); TAB (s);
  g_string_append (s, via_names[p->via]); TAB (s);
  g_string_append (s, member_id != NULL ? "recorded" : "unmatched"); TAB (s);
  put_external_id (s, p, member); TAB (s);
  g_string_append (s, demo->integration_ids[p->partner][p->system]); TAB (s);
  put_time (s, MIN (p->at + 900, demo->end)); TAB (s);
  g_string_append (s, "seed-demo"); EOL (s);
}

static void
put_budget (Demo           *demo,
            const Purchase *p,
            const guint8   *member_id)
{
  GString *s = demo->buffer;
  gint64 product = p->amount * demo->budget_bp;
  /* Half up, refunds mirror purchases (STYLE.md "Money"). */
  gint64 share = (product >= 0 ? product + 5000 : product - 5000) / 10000;

  if (share == 0)
    return;
  put_uuid (s, p->id); TAB (s);
  g_string_append (s, partners[p->partner].id); TAB (s);
  put_uuid (s, member_id); TAB (s);
  put_int (s, share); TAB (s);
  g_string_append (s, demo->day_month[p->day]); TAB (s);
  put_time (s, MIN (p->at + 900, demo->end)); EOL (s);
}

static void
put_customers (Demo         *demo,
               const guint8 *member_id)
{
  GString *s = demo->buffer;
  GArray *list = demo->purchases;
  gint64 first[N_PARTNERS], last[N_PARTNERS], spent[N_PARTNERS];
  guint count[N_PARTNERS] = { 0, };
  int source[N_PARTNERS];
  gboolean seen[N_PARTNERS] = { FALSE, };
  int previous = -1;

  /* The list is in time order up to the appended refunds. */
  for (guint i = 0; i < list->len; i++)
    {
      const Purchase *p = &g_array_index (list, Purchase, i);
      int b = p->partner;

      if (p->amount < 0)
        {
          spent[b] += p->amount;
          continue;
        }
      if (!seen[b])
        {
          seen[b] = TRUE;
          first[b] = p->at;
          spent[b] = 0;
          source[b] = previous;
        }
      last[b] = p->at;
      count[b]++;
      spent[b] += p->amount;
      previous = b;
    }

  for (int b = 0; b < N_PARTNERS; b++)
    {
      if (!seen[b])
        continue;
      g_string_append (s, partners[b].id); TAB (s);
      put_uuid (s, member_id); TAB (s);
      put_time (s, first[b]); TAB (s);
      put_time (s, last[b]); TAB (s);
      put_int (s, count[b]); TAB (s);
      put_int (s, spent[b]); TAB (s);
      if (source[b] >= 0 && source[b] != b)
        g_string_append (s, partners[source[b]].id);
      else
        NUL (s);
      EOL (s);
    }
}

static void
put_member_rows (Demo  *demo,
                 Table  table,
                 guint  index)
{
  GString *s = demo->buffer;
  const guint8 *id = demo->member_ids[index];
  gint64 joined = day_time (demo, demo->join);
  GArray *list = demo->purchases;

  switch (table)
    {
    case TABLE_MEMBERS:
      put_uuid (s, id); TAB (s);
      put_bytea (s, demo->phone_hash, 32); TAB (s);
      g_string_append (s, "none"); TAB (s);
      put_time (s, joined); TAB (s);
      put_time (s, joined); TAB (s);
      put_referral_code (s, index); TAB (s);
      if (demo->referred)
        put_uuid (s, demo->member_ids[demo->referrer]);
      else
        NUL (s);
      TAB (s);
      put_time (s, day_time (demo, demo->last_seen)); EOL (s);
      break;

    case TABLE_CONSENTS:
      put_uuid (s, id);
      g_string_append (s, "\tpersonal_data\t2025-10\t");
      put_time (s, joined); EOL (s);
      if (demo->marketing)
        {
          put_uuid (s, id);
          g_string_append (s, "\tmarketing\t2025-10\t");
          put_time (s, joined); EOL (s);
        }
      break;

    case TABLE_REFERRALS:
      if (demo->referred)
        {
          put_uuid (s, id); TAB (s);
          put_uuid (s, demo->member_ids[demo->referrer]); TAB (s);
          put_referral_code (s, demo->referrer); TAB (s);
          put_time (s, joined); TAB (s);
          if (list->len > 0)
            put_time (s, g_array_index (list, Purchase, 0).at);
          else
            NUL (s);
          EOL (s);
        }
      break;

    case TABLE_PURCHASE_KEYS:
    case TABLE_PURCHASES:
    case TABLE_BUDGET:
      for (guint i = 0; i < list->len; i++)
        {
          const Purchase *p = &g_array_index (list, Purchase, i);

          if (table == TABLE_PURCHASE_KEYS)
            put_purchase_key (demo, p, index);
          else if (table == TABLE_PURCHASES)
            put_purchase (demo, p, index, id, NULL);
          else
            put_budget (demo, p, id);
        }
      break;

    case TABLE_CUSTOMERS:
      put_customers (demo, id);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Sales to customers who are not (yet) members: kept unmatched with their phone hash. */
static guint
n_unmatched (Demo *demo)
{
  return demo->options->members / 2;
}

static void
plan_unmatched (Demo     *demo,
                guint     index,
                Purchase *p,
                guint8    phone_hash[32])
{
  double weights[N_PARTNERS];
  Rng r;

  rng_init (&r, demo->options->seed, STREAM_UNMATCHED, index);
  for (int b = 0; b < N_PARTNERS; b++)
    weights[b] = partners[b].monthly_rate;
  memset (p, 0, sizeof *p);
  p->partner = (guint8) rng_weighted (&r, weights, N_PARTNERS);
  p->t = rng_uniform (&r) * demo->n_days;
  p->at = to_unix (demo, p->t, &p->day);
  p->amount = draw_amount (&r, p->partner);
  p->number = index;
  p->unmatched = TRUE;
  p->refund_of = -1;
  p->system = partners[p->partner].systems[1] != NULL &&
              rng_uniform (&r) >= partners[p->partner].first_system_share;
  rng_ordered_uuid (&r, 0x20, index, 0, p->id);
  for (guint i = 0; i < 32; i += 8)
    {
      guint64 v = rng_next (&r);

      memcpy (phone_hash + i, &v, 8);
    }
}

static gboolean
load_table (Demo     *demo,
            Table     table,
            GError  **error)
{
  guint members = demo->options->members;
  guint64 rows_before = demo->n_purchases;

  if (!copy_begin (demo, tables[table].copy, error))
    return FALSE;

  for (guint i = 0; i < members; i++)
    {
      plan_member (demo, i);
      if (table == TABLE_PURCHASES)
        demo->n_purchases += demo->purchases->len;
      put_member_rows (demo, table, i);
      if (!copy_flush (demo, FALSE, error))
        {
          copy_end (demo, tables[table].stage, NULL);
          return FALSE;
        }
      if (demo->progress != NULL && (i % 4096 == 4095 || i + 1 == members))
        demo->progress (tables[table].stage, i + 1, members, demo->progress_data);
    }

  if (table == TABLE_PURCHASE_KEYS || table == TABLE_PURCHASES)
    {
      for (guint u = 0; u < n_unmatched (demo); u++)
        {
          Purchase p;
          guint8 phone_hash[32];

          plan_unmatched (demo, u, &p, phone_hash);
          if (table == TABLE_PURCHASE_KEYS)
            put_purchase_key (demo, &p, u);
          else
            {
              put_purchase (demo, &p, u, NULL, phone_hash);
              demo->n_purchases++;
            }
          if (!copy_flush (demo, FALSE, error))
            {
              copy_end (demo, tables[table].stage, NULL);
              return FALSE;
            }
        }
    }

  if (table != TABLE_PURCHASES)
    demo->n_purchases = rows_before;
  return copy_end (demo, tables[table].stage, error);
}

/* ---- Before and after the bulk load. ---- */

static gboolean
check_empty (Demo     *demo,
             GError  **error)
{
  g_autoptr(PGresult) state = NULL;
  gboolean has_data, has_marker, has_ledger;

  state = query (demo, "checking for existing data",
                 "SELECT EXISTS (SELECT FROM members) OR EXISTS (SELECT FROM businesses) "
                 "       OR EXISTS (SELECT FROM purchase_keys),"
                 "       EXISTS (SELECT FROM club_settings WHERE key = 'demo.seed'),"
                 "       EXISTS (SELECT FROM bonus_ledger)",
                 error, NULL);
  if (state == NULL)
    return FALSE;

  has_data = g_str_equal (PQgetvalue (state, 0, 0), "t");
  has_marker = g_str_equal (PQgetvalue (state, 0, 1), "t");
  has_ledger = g_str_equal (PQgetvalue (state, 0, 2), "t");

  if (!has_data && !has_marker)
    return TRUE;

  if (!has_marker)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   "the database already holds club data that seed-demo did not make; "
                   "demo data goes only into an empty database");
      return FALSE;
    }

  if (!demo->options->replace)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   "the database already holds demo data; run seed-demo --replace to "
                   "replace it");
      return FALSE;
    }

  if (has_ledger)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   "the demo data has bonus ledger entries, which are append-only; "
                   "drop and re-create the database instead of --replace");
      return FALSE;
    }

  /* The ledger is empty, but its append-only trigger refuses even an empty TRUNCATE; the
   * replica role silences that trigger for this transaction only. CASCADE takes along the
   * tables later migrations hang on these (derived from the demo data too). */
  EXEC (demo, "removing the old demo data", "SET LOCAL session_replication_role = replica",
        error, NULL);
  EXEC (demo, "removing the old demo data",
        "TRUNCATE proposal_votes, event_registrations, events_budget_spending, "
        "events_budget_allocations, events_budget_contributions, events, event_proposals, "
        "tier_history, member_badges, member_consents, referrals, business_customers, "
        "purchases, purchase_keys, coupons, cross_promos, business_campaigns, sync_log, "
        "partner_integrations, partner_statements, member_devices, premium_subscriptions, "
        "notification_outbox, refresh_tokens, member_personal, bonus_ledger, bonus_balances, "
        "members RESTART IDENTITY CASCADE",
        error, NULL);
  EXEC (demo, "removing the old demo data", "SET LOCAL session_replication_role = origin",
        error, NULL);
  EXEC (demo, "removing the old demo data",
        "DELETE FROM businesses", error, NULL);
  EXEC (demo, "removing the old demo data",
        "DELETE FROM club_settings WHERE key = 'demo.seed'", error, NULL);
  return TRUE;
}

static gboolean
load_partners (Demo     *demo,
               GError  **error)
{
  /* The partners joined the club when the history starts. */
  const char *joined = demo->day_month[0];

  for (int b = 0; b < N_PARTNERS; b++)
    {
      const Partner *p = &partners[b];

      EXEC (demo, "adding the partners",
            "INSERT INTO businesses (id, name, category, is_medical, joined_on, status, city, "
            "address, time_zone, created_at) "
            "VALUES ($1, $2, $3, $4, $5, 'active', 'Пилотный город', $6, $7, $8)",
            error, p->id, p->name, p->category, p->is_medical ? "true" : "false", joined,
            p->address, demo->options->timezone, demo->day_month[0], NULL);

      for (int k = 0; k < 2 && p->systems[k] != NULL; k++)
        {
          g_autoptr(PGresult) result = NULL;

          result = query (demo, "adding the partners' integrations",
                          "INSERT INTO partner_integrations (business_id, system, account_id, "
                          "time_zone, created_at, created_by) "
                          "VALUES ($1, $2, 'demo', $3, $4, 'seed-demo') RETURNING id",
                          error, p->id, p->systems[k], demo->options->timezone,
                          demo->day_month[0], NULL);
          if (result == NULL)
            return FALSE;
          demo->integration_ids[b][k] = g_strdup (PQgetvalue (result, 0, 0));
        }
    }

  for (guint c = 0; c < G_N_ELEMENTS (cross_promos); c++)
    {
      g_autofree char *id = g_strdup_printf ("5c1d0000-0000-4000-8000-0000000001%02u", c);

      EXEC (demo, "adding the cross-promos",
            "INSERT INTO cross_promos (id, from_business_id, to_business_id, window_days, "
            "bonus_bp, title, valid_from, created_at, created_by) "
            "VALUES ($1, $2, $3, " G_STRINGIFY (CROSS_WINDOW_DAYS) ", "
            "rule_value('cross_bonus.rate', $3::uuid), $4, $5, $5, 'seed-demo')",
            error, id, partners[cross_promos[c].from].id, partners[cross_promos[c].to].id,
            cross_promos[c].title, demo->day_month[0], NULL);
    }

  return TRUE;
}

/* Tiers over the rolling window from the rules table (DESIGN.md "Tiers"), as the tier
 * recompute job will do it. */
static gboolean
compute_tiers (Demo     *demo,
               GError  **error)
{
  g_autoptr(PGresult) window = NULL;
  g_autofree char *months = g_strdup_printf ("%u", demo->options->months);
  const char *whole_history;

  /* Refunds fall inside the history too, so the customers table has every sum needed. */
  window = query (demo, "reading rules",
                  "SELECT rule_value('tier.window_months') >= $1::int", error, months, NULL);
  if (window == NULL)
    return FALSE;
  whole_history = PQgetvalue (window, 0, 0);
  EXEC (demo, "computing tiers",
        "WITH k AS ("
        "  SELECT rule_value('tier.window_months')::int AS window_months,"
        "         rule_value('tier.vip.min_spend') AS vip_spend,"
        "         rule_value('tier.vip.min_categories') AS vip_categories,"
        "         rule_value('tier.elite.min_spend') AS elite_spend,"
        "         rule_value('tier.elite.min_categories') AS elite_categories,"
        "         rule_value('tier.elite.top_share') AS elite_top_share,"
        "         rule_value('tier.inner_circle.min_spend') AS inner_spend,"
        "         rule_value('tier.inner_circle.min_categories') AS inner_categories),"
        " w AS ("
        "  SELECT p.member_id, sum(p.amount) AS spend,"
        "         count(DISTINCT b.category) FILTER (WHERE p.amount > 0) AS categories"
        "    FROM purchases p JOIN businesses b ON b.id = p.business_id, k"
        "   WHERE p.member_id IS NOT NULL AND NOT $2::boolean"
        "     AND p.occurred_at >= $1::timestamptz - make_interval(months => k.window_months)"
        "     AND p.occurred_at < $1::timestamptz"
        "   GROUP BY p.member_id"
        "  UNION ALL"
        /* The same from the customers table when the whole history is inside the window. */
        "  SELECT bc.member_id, sum(bc.spent_kopecks),"
        "         count(DISTINCT b.category) FILTER (WHERE bc.purchases_count > 0)"
        "    FROM business_customers bc JOIN businesses b ON b.id = bc.business_id"
        "   WHERE $2::boolean"
        "   GROUP BY bc.member_id),"
        " r AS ("
        "  SELECT w.*, rank() OVER (ORDER BY spend DESC) AS spend_rank,"
        "         count(*) FILTER (WHERE spend > 0) OVER () AS n_ranked"
        "    FROM w)"
        "UPDATE members m"
        "   SET tier = CASE"
        "       WHEN r.spend >= k.inner_spend AND r.categories >= k.inner_categories"
        "         THEN 'inner_circle'"
        "       WHEN (r.spend >= k.elite_spend AND r.categories >= k.elite_categories)"
        "         OR (r.spend > 0 AND r.spend_rank * 10000 <= r.n_ranked * k.elite_top_share)"
        "         THEN 'elite'"
        "       WHEN r.spend >= k.vip_spend AND r.categories >= k.vip_categories"
        "         THEN 'vip'"
        "       ELSE 'insider' END,"
        "       tier_changed_at = $1::timestamptz"
        "  FROM r, k"
        " WHERE m.id = r.member_id",
        error, demo->end_text, whole_history, NULL);

  EXEC (demo, "recording the tiers",
        "INSERT INTO tier_history (member_id, from_tier, to_tier, reason, changed_at, changed_by)"
        " SELECT id, 'none', tier, 'recompute', tier_changed_at, 'seed-demo'"
        "   FROM members WHERE tier <> 'none'",
        error, NULL);

  /* One badge per category visited (DESIGN.md "Badges"). */
  EXEC (demo, "awarding badges",
        "INSERT INTO member_badges (member_id, badge_code, awarded_at)"
        " SELECT bc.member_id, 'category:' || b.category, bc.first_purchase_at"
        "   FROM business_customers bc JOIN businesses b ON b.id = bc.business_id",
        error, NULL);
  return TRUE;
}

/* The monthly events budget: contributions allocated by the rules' shares, a few events a
 * month paid from it, and members' proposals with weighted votes. */
static const struct
{
  const char *level;
  const char *format;
  int         location;
  const char *title;
  const char *description;
} event_kinds[] = {
  { "open", "free", LISICHKINO, "Гастрономический вечер в Лисичкино",
    "Дегустация сезонных продуктов и знакомство участниц клуба" },
  { "vip", "paid", SKINERICA, "Мастер-класс Skinerica: уход за кожей по сезону",
    "Косметологи клиники рассказывают о домашнем уходе" },
  { "open", "free", MINDAL, "Бьюти-бранч в Миндале",
    "Завтрак и экспресс-образы от мастеров салона" },
  { "vip", "free", MILLENIUM, "Лекция Миллениума о женском здоровье",
    "Открытая лекция и ответы на вопросы" },
  { "elite", "closed", LISICHKINO, "Закрытый ужин Elite",
    "Ужин шефа для участниц статуса Elite" },
  { "vip", "free", STIM, "Вечер открытых дверей в Стим Центре",
    "Знакомство с клиникой и командой" },
};

static const char * const proposal_titles[] = {
  "Винный вечер с сомелье",
  "Утренняя йога в парке",
  "Книжный клуб: обсуждение новинок",
  "Мастер-класс по флористике",
  "Выезд на загородную ферму",
  "Кулинарный мастер-класс от шефа Лисичкино",
  "Фотосессия для участниц клуба",
  "Лекция о финансовой грамотности",
  "Танцевальный вечер",
  "Девичник в спа",
  "Экскурсия по городу с историком",
  "Арт-вечер: рисуем вместе",
};

static gboolean
load_events (Demo          *demo,
             SkDemoCounts  *counts,
             GError       **error)
{
  const SkDemoOptions *o = demo->options;
  guint n_events = 0;
  Rng r;
  int capacity_open = CLAMP ((int) (o->members * 0.08), 8, 400);
  int capacity_vip = CLAMP ((int) (o->members * 0.04), 6, 200);
  int capacity_elite = CLAMP ((int) (o->members * 0.015), 4, 60);
  g_autofree char *months = g_strdup_printf ("%u", o->months);
  g_autoptr(PGresult) count = NULL;

  rng_init (&r, o->seed, STREAM_EVENT, 0);

  /* Budget allocations per month from the contributions and the rules' shares. */
  EXEC (demo, "allocating the events budget",
        "INSERT INTO events_budget_allocations (month, level, share_bp, amount_kopecks, "
        "                                       allocated_at, allocated_by)"
        " SELECT c.month, l.level, l.share::int,"
        "        (sum(c.amount_kopecks) * l.share + 5000) / 10000,"
        "        (c.month + interval '1 month')::timestamptz, 'seed-demo'"
        "   FROM events_budget_contributions c,"
        "        LATERAL (VALUES ('open', rule_value('events_budget.allocation.open')),"
        "                        ('vip', rule_value('events_budget.allocation.vip')),"
        "                        ('elite', rule_value('events_budget.allocation.elite')),"
        "                        ('reserve', rule_value('events_budget.allocation.reserve')))"
        "          AS l (level, share)"
        "  WHERE c.month < date_trunc('month', $1::timestamptz AT TIME ZONE $2)::date"
        "  GROUP BY c.month, l.level, l.share"
        " HAVING sum(c.amount_kopecks) > 0",
        error, demo->end_text, o->timezone, NULL);

  /* Two or three events a month in the middle of it, and two ahead. */
  for (guint m = 0; m <= o->months; m++)
    {
      guint n_kinds = m < o->months ? ((m % 3 == 2) ? 3 : 2) : 2;

      for (guint k = 0; k < n_kinds; k++)
        {
          guint kind_index = k == 2 ? 4 : (m * 2 + k) % G_N_ELEMENTS (event_kinds);
          guint8 id[16];
          g_autofree char *id_text = NULL;
          g_autofree char *capacity = NULL;
          g_autofree char *month_offset = NULL;
          g_autofree char *day_offset = NULL;
          const char *level;
          int cap;

          if (kind_index == 4 && k != 2)
            kind_index = 0;
          level = event_kinds[kind_index].level;
          cap = g_str_equal (level, "open") ? capacity_open
                : g_str_equal (level, "vip") ? capacity_vip : capacity_elite;
          rng_uuid (&r, id);
          id_text = uuid_text (id);
          capacity = g_strdup_printf ("%d", cap);
          month_offset = g_strdup_printf ("%d", (int) o->months - (int) m);
          day_offset = g_strdup_printf ("%u", 8 + k * 9 + rng_below (&r, 4));

          EXEC (demo, "adding events",
                "INSERT INTO events (id, title, description, type, level, format, "
                "                    price_kopecks, starts_at, ends_at, location_business_id, "
                "                    capacity, plus_one_allowed, organizer_type, "
                "                    organizer_business_id, status, created_at, created_by)"
                " SELECT $1, $2, $3, 'meetup', $4, $5,"
                "        CASE WHEN $5 = 'paid' THEN 150000 ELSE 0 END,"
                "        s.at, s.at + interval '3 hours', $6, $7::int, $4 = 'open',"
                "        'business', $6, CASE WHEN s.at < $8::timestamptz THEN 'completed'"
                "                             ELSE 'scheduled' END,"
                "        least(s.at - interval '21 days', $8::timestamptz), 'seed-demo'"
                "   FROM (SELECT ((date_trunc('month', $8::timestamptz AT TIME ZONE $11)"
                "                  - make_interval(months => $9::int)"
                "                  + make_interval(days => $10::int) + interval '19 hours')"
                "                 AT TIME ZONE $11) AS at) s"
                "  WHERE s.at >= $8::timestamptz - make_interval(months => $12::int)",
                error, id_text, event_kinds[kind_index].title,
                event_kinds[kind_index].description, level, event_kinds[kind_index].format,
                partners[event_kinds[kind_index].location].id, capacity, demo->end_text,
                month_offset, day_offset, o->timezone, months, NULL);
          n_events++;
        }
    }

  /* Registrations by members of the event's level or above, in a seed-fixed order. */
  EXEC (demo, "registering members for events",
        "INSERT INTO event_registrations (event_id, member_id, status, plus_one, ticket_code, "
        "                                 registered_at)"
        " SELECT e.id, m.id,"
        "        CASE WHEN e.status = 'scheduled' THEN 'confirmed'"
        /* Not the hash that picked her (its smallest values): about one in nine. */
        "             WHEN get_byte(decode(md5('attended' || e.id::text || m.id::text), 'hex'), 0)"
        "                  < 28"
        "               THEN 'no_show' ELSE 'attended' END,"
        "        e.plus_one_allowed AND get_byte(decode(md5(m.id::text || e.id::text), 'hex'), 1) < 40,"
        "        substr(md5('ticket' || e.id::text || m.id::text), 1, 16),"
        "        e.starts_at - interval '10 days'"
        "   FROM events e"
        "   CROSS JOIN LATERAL ("
        "     SELECT mm.id FROM members mm JOIN tiers t ON t.code = mm.tier"
        "      WHERE t.rank >= CASE e.level WHEN 'open' THEN 1 WHEN 'vip' THEN 2"
        "                                   WHEN 'elite' THEN 3 ELSE 4 END"
        "        AND mm.joined_at < e.starts_at - interval '10 days'"
        "      ORDER BY md5(e.id::text || mm.id::text)"
        "      LIMIT e.capacity) m",
        error, NULL);

  /* Completed events are paid from their month's allocation for their level. */
  EXEC (demo, "paying events from the budget",
        "WITH e AS ("
        "  SELECT e.id, e.level, date_trunc('month', e.starts_at AT TIME ZONE $1)::date AS month,"
        "         count(*) OVER (PARTITION BY e.level,"
        "                        date_trunc('month', e.starts_at AT TIME ZONE $1)) AS n"
        "    FROM events e WHERE e.status = 'completed')"
        "UPDATE events SET budget_kopecks = a.amount_kopecks * 8 / 10 / e.n"
        "  FROM e JOIN events_budget_allocations a ON a.month = e.month AND a.level = e.level"
        " WHERE events.id = e.id",
        error, o->timezone, NULL);
  EXEC (demo, "paying events from the budget",
        "INSERT INTO events_budget_spending (event_id, month, level, amount_kopecks, note, "
        "                                    spent_at, spent_by)"
        " SELECT id, date_trunc('month', starts_at AT TIME ZONE $1)::date, level,"
        "        budget_kopecks, 'seed-demo', starts_at, 'seed-demo'"
        "   FROM events WHERE budget_kopecks > 0",
        error, o->timezone, NULL);

  count = query (demo, "counting events", "SELECT count(*) FROM events", error, NULL);
  if (count == NULL)
    return FALSE;
  counts->events = g_ascii_strtoull (PQgetvalue (count, 0, 0), NULL, 10);
  (void) n_events;
  return TRUE;
}

static gboolean
load_proposals (Demo          *demo,
                SkDemoCounts  *counts,
                GError       **error)
{
  const SkDemoOptions *o = demo->options;
  guint months = MIN (o->months, 3);
  guint n_votes = CLAMP (o->members / 12, 5, 400);
  g_autofree char *votes = g_strdup_printf ("%u", n_votes);
  g_autoptr(PGresult) count = NULL;
  Rng r;

  rng_init (&r, o->seed, STREAM_EVENT, 1);

  /* Three proposals in each of the last months and three open for voting now. While the
   * votes go in, voting is open (the trigger weighs each vote by the voter's tier); then each
   * proposal gets its real dates and outcome. */
  for (guint m = 0; m <= months; m++)
    for (guint k = 0; k < 3; k++)
      {
        guint8 id[16];
        g_autofree char *id_text = NULL;
        g_autofree char *days_before = NULL;
        g_autofree char *yes_share = NULL;
        const char *title = proposal_titles[rng_below (&r, G_N_ELEMENTS (proposal_titles))];
        g_autoptr(PGresult) proposer = NULL;

        rng_uuid (&r, id);
        id_text = uuid_text (id);
        days_before = g_strdup_printf ("%u", (months - m) * 30 + 5 + rng_below (&r, 10));
        yes_share = g_strdup_printf ("%u", 40 + rng_below (&r, 50));

        proposer = query (demo, "adding proposals",
                          "INSERT INTO event_proposals (id, member_id, title, description, type,"
                          "   preferred_date, location_business_id, budget_per_person,"
                          "   max_participants, visibility, voting_ends_at, status, created_at)"
                          " SELECT $1::uuid, m.id, $2, 'Предложение участницы клуба', 'custom',"
                          "        ($3::timestamptz + interval '30 days')::date, NULL,"
                          "        250000, 20, 'open', now() + interval '1 day', 'voting',"
                          "        $3::timestamptz - make_interval(days => $4::int)"
                          "   FROM members m"
                          "  WHERE m.tier IN ('vip', 'elite', 'inner_circle')"
                          "  ORDER BY md5($1::text || m.id::text) LIMIT 1"
                          " RETURNING id",
                          error, id_text, title, demo->end_text, days_before, NULL);
        if (proposer == NULL)
          return FALSE;
        if (PQntuples (proposer) == 0)
          continue;

        EXEC (demo, "adding votes",
              "INSERT INTO proposal_votes (proposal_id, member_id, vote, tier_at_vote, weight,"
              "                            created_at)"
              " SELECT p.id, m.id,"
              "        CASE WHEN get_byte(decode(md5(m.id::text || p.id::text), 'hex'), 0)"
              "                  < $3::int * 256 / 100 THEN 'yes' ELSE 'no' END,"
              "        'none', 0,"
              "        p.created_at + make_interval(hours => get_byte(decode(md5(p.id::text || m.id::text), 'hex'), 2))"
              "   FROM event_proposals p"
              "   CROSS JOIN LATERAL ("
              "     SELECT mm.id FROM members mm"
              "      WHERE mm.tier <> 'none' AND mm.id <> p.member_id"
              "      ORDER BY md5(p.id::text || mm.id::text) LIMIT $2::int) m"
              "  WHERE p.id = $1::uuid",
              error, id_text, votes, yes_share, NULL);
        counts->proposals++;
      }

  /* Real dates, then the outcome of closed voting: the month's top three by score are
   * offered to the admins, the rest rejected. */
  EXEC (demo, "closing the votes",
        "UPDATE event_proposals"
        "   SET voting_ends_at = created_at + make_interval(days => rule_value('proposal.voting_days')::int)",
        error, NULL);
  EXEC (demo, "closing the votes",
        "WITH s AS ("
        "  SELECT p.id, sum(CASE WHEN v.vote = 'yes' THEN v.weight ELSE -v.weight END) AS score,"
        "         date_trunc('month', p.voting_ends_at) AS month"
        "    FROM event_proposals p JOIN proposal_votes v ON v.proposal_id = p.id"
        "   WHERE p.voting_ends_at < $1::timestamptz"
        "   GROUP BY p.id),"
        " ranked AS (SELECT s.*, rank() OVER (PARTITION BY month ORDER BY score DESC, id) AS n FROM s)"
        "UPDATE event_proposals p"
        "   SET status = CASE WHEN ranked.score > 0 AND ranked.n <= rule_value('proposal.monthly_top')"
        "                     THEN 'offered' ELSE 'rejected' END"
        "  FROM ranked WHERE ranked.id = p.id",
        error, demo->end_text, NULL);

  count = query (demo, "counting votes", "SELECT count(*) FROM proposal_votes", error, NULL);
  if (count == NULL)
    return FALSE;
  counts->votes = g_ascii_strtoull (PQgetvalue (count, 0, 0), NULL, 10);
  return TRUE;
}

/* ---- Entry point. ---- */

void
sk_demo_options_init (SkDemoOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->members = SK_DEMO_DEFAULT_MEMBERS;
  options->months = SK_DEMO_DEFAULT_MONTHS;
  options->seed = SK_DEMO_DEFAULT_SEED;
  options->timezone = "Europe/Moscow";
  g_date_clear (&options->until, 1);
}

static void
demo_clear (Demo *demo)
{
  g_free (demo->day_start);
  g_free (demo->day_month);
  g_free (demo->member_ids);
  for (int b = 0; b < N_PARTNERS; b++)
    for (int k = 0; k < 2; k++)
      g_free (demo->integration_ids[b][k]);
  if (demo->purchases != NULL)
    g_array_unref (demo->purchases);
  if (demo->buffer != NULL)
    g_string_free (demo->buffer, TRUE);
}

static gboolean
load (Demo          *demo,
      SkDemoCounts  *counts,
      GError       **error)
{
  const SkDemoOptions *o = demo->options;
  g_autoptr(PGresult) rule = NULL;
  g_autoptr(PGresult) schema = NULL;
  g_autoptr(PGresult) superuser = NULL;
  gboolean deferred_indexes = FALSE;
  g_autofree char *budget_bp = NULL;
  g_autofree char *first_month = NULL;
  g_autofree char *last_month = NULL;
  g_autofree char *marker = NULL;
  char until_text[16];

  if (!build_calendar (demo, error))
    return FALSE;

  schema = query (demo, "checking the schema", "SELECT to_regclass('public.purchases') IS NULL",
                  error, NULL);
  if (schema == NULL)
    return FALSE;
  if (g_str_equal (PQgetvalue (schema, 0, 0), "t"))
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA,
                   "the database has no schema yet; run svoikrugd migrate first");
      return FALSE;
    }

  EXEC (demo, "starting the transaction", "BEGIN", error, NULL);
  EXEC (demo, "starting the transaction", "SET LOCAL client_min_messages = warning", error, NULL);
  EXEC (demo, "starting the transaction", "SET LOCAL synchronous_commit = off", error, NULL);
  EXEC (demo, "locking", "LOCK TABLE members, businesses IN EXCLUSIVE MODE", error, NULL);

  if (!check_empty (demo, error))
    return FALSE;

  /* Monthly partitions for the whole history (the DEFAULT one should stay empty). */
  first_month = g_strdup (demo->day_month[0]);
  last_month = g_strdup (demo->day_month[demo->n_days]);
  EXEC (demo, "creating partitions", "SELECT create_month_partitions('purchases', $1, $2)",
        error, first_month, last_month, NULL);

  rule = query (demo, "reading rules", "SELECT rule_value('events_budget.contribution')",
                error, NULL);
  if (rule == NULL)
    return FALSE;
  demo->budget_bp = g_ascii_strtoll (PQgetvalue (rule, 0, 0), NULL, 10);
  budget_bp = g_strdup (PQgetvalue (rule, 0, 0));

  if (!load_partners (demo, error))
    return FALSE;
  counts->businesses = N_PARTNERS;

  demo->member_ids = g_malloc_n (o->members, sizeof *demo->member_ids);
  for (guint i = 0; i < o->members; i++)
    {
      Rng r;

      rng_init (&r, o->seed, STREAM_MEMBER_ID, i);
      rng_uuid (&r, demo->member_ids[i]);
    }

  /* The generator makes consistent rows by construction, so a superuser skips the
   * foreign-key triggers for the bulk rows (most of the load time otherwise); the tests check
   * the references. Events and votes below go through the schema's triggers again. */
  superuser = query (demo, "checking the role", "SELECT current_setting('is_superuser')",
                     error, NULL);
  if (superuser == NULL)
    return FALSE;
  if (g_str_equal (PQgetvalue (superuser, 0, 0), "on"))
    {
      EXEC (demo, "loading", "SET LOCAL session_replication_role = replica", error, NULL);
      /* Building a secondary index once after the load is several times faster than
       * growing it row by row. The definitions come from the catalog, so the migrations
       * stay their only source. */
      EXEC (demo, "setting the indexes aside",
            "CREATE TEMP TABLE demo_deferred_indexes ON COMMIT DROP AS"
            " SELECT i.indexrelid::regclass::text AS name,"
            /* A partitioned table's index reads "ON ONLY": built that way it would stay
             * invalid, with no index on the partitions. */
            "        replace (pg_get_indexdef (i.indexrelid), ' ON ONLY ', ' ON ') AS definition"
            "   FROM pg_index i"
            "  WHERE i.indrelid = ANY ('{purchases, events_budget_contributions,"
            "                           business_customers}'::regclass[])"
            "    AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            error, NULL);
      EXEC (demo, "setting the indexes aside",
            "DO $$ DECLARE d record; BEGIN"
            "  FOR d IN SELECT name FROM demo_deferred_indexes LOOP"
            "    EXECUTE 'DROP INDEX ' || d.name;"
            "  END LOOP;"
            " END $$",
            error, NULL);
      deferred_indexes = TRUE;
    }

  for (Table t = TABLE_MEMBERS; t <= TABLE_CUSTOMERS; t++)
    if (t != TABLE_BUDGET && !load_table (demo, t, error))
      return FALSE;

  /* Each member purchase's share of the events budget (DESIGN.md step 7), rounded half up
   * with refunds mirroring purchases; done by the server from the rows just loaded, which is
   * faster than sending them again. */
  if (demo->progress != NULL)
    demo->progress (tables[TABLE_BUDGET].stage, 0, 1, demo->progress_data);
  EXEC (demo, "adding the events budget contributions", "SET LOCAL work_mem = '256MB'",
        error, NULL);
  EXEC (demo, "adding the events budget contributions",
        "INSERT INTO events_budget_contributions (purchase_id, business_id, member_id,"
        "                                         amount_kopecks, month, contributed_at)"
        " SELECT id, business_id, member_id, share,"
        "        date_trunc('month', occurred_at AT TIME ZONE $1)::date, recorded_at"
        "   FROM (SELECT p.*, (CASE WHEN p.amount >= 0 THEN p.amount * $2::bigint + 5000"
        "                           ELSE p.amount * $2::bigint - 5000 END) / 10000 AS share"
        "           FROM purchases p WHERE p.member_id IS NOT NULL) p"
        "  WHERE share <> 0"
        /* In the purchase ids' order, which is the members' order: the primary key then
         * grows at its right edge and each member's index entries go in together. */
        "  ORDER BY id",
        error, o->timezone, budget_bp, NULL);
  if (deferred_indexes)
    {
      if (demo->progress != NULL)
        demo->progress ("indexes", 0, 1, demo->progress_data);
      EXEC (demo, "building the indexes",
            "DO $$ DECLARE d record; BEGIN"
            "  FOR d IN SELECT definition FROM demo_deferred_indexes LOOP"
            "    EXECUTE d.definition;"
            "  END LOOP;"
            " END $$",
            error, NULL);
    }
  counts->members = o->members;
  counts->purchases = demo->n_purchases;

  if (demo->progress != NULL)
    demo->progress ("tiers and events", 0, 1, demo->progress_data);

  if (!compute_tiers (demo, error))
    return FALSE;
  if (g_str_equal (PQgetvalue (superuser, 0, 0), "on"))
    EXEC (demo, "loading", "SET LOCAL session_replication_role = origin", error, NULL);

  if (!load_events (demo, counts, error) ||
      !load_proposals (demo, counts, error))
    return FALSE;

  g_date_strftime (until_text, sizeof until_text, "%Y-%m-%d", &o->until);
  marker = g_strdup_printf ("seed=%" G_GUINT64_FORMAT " members=%u months=%u until=%s",
                            o->seed, o->members, o->months, until_text);
  EXEC (demo, "marking the demo data",
        "INSERT INTO club_settings (key, value) VALUES ('demo.seed', $1)", error, marker, NULL);

  if (demo->progress != NULL)
    demo->progress ("committing", 0, 1, demo->progress_data);
  EXEC (demo, "committing", "COMMIT", error, NULL);
  if (demo->progress != NULL)
    demo->progress ("committing", 1, 1, demo->progress_data);
  return TRUE;
}

/**
 * sk_demo_load:
 * @conn: a connection as the schema's owner (a superuser in development)
 * @options: what to generate; the same options give the same rows
 * @progress: (nullable): called now and then during long loads
 * @counts: (out) (optional): what was loaded
 *
 * Fills an empty, migrated database with demo data shaped like the pilot, in one transaction.
 * A database seeded before is refused unless @options->replace; a database holding data that
 * seed-demo did not make is always refused.
 */
gboolean
sk_demo_load (PGconn              *conn,
              const SkDemoOptions *options,
              SkDemoProgressFunc   progress,
              gpointer             user_data,
              SkDemoCounts        *counts,
              GError             **error)
{
  Demo demo = { 0, };
  SkDemoCounts local_counts = { 0, };
  gboolean ok;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (options->members >= 1 && options->members <= SK_DEMO_MAX_MEMBERS, FALSE);
  g_return_val_if_fail (options->months >= 1 && options->months <= SK_DEMO_MAX_MONTHS, FALSE);
  g_return_val_if_fail (g_date_valid (&options->until), FALSE);
  g_return_val_if_fail (options->timezone != NULL, FALSE);

  demo.conn = conn;
  demo.options = options;
  demo.progress = progress;
  demo.progress_data = user_data;
  demo.purchases = g_array_sized_new (FALSE, FALSE, sizeof (Purchase), 256);
  demo.buffer = g_string_sized_new (COPY_BUFFER_SIZE + 65536);

  ok = load (&demo, counts ? counts : &local_counts, error);
  if (!ok && PQtransactionStatus (conn) != PQTRANS_IDLE)
    {
      g_autoptr(PGresult) rollback = PQexec (conn, "ROLLBACK");
    }

  demo_clear (&demo);
  return ok;
}
