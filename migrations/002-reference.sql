-- SPDX-License-Identifier: GPL-3.0-or-later
-- Reference data: categories, tiers, badges and club-wide settings.
--
-- "Enumerations" in this schema are text columns with a CHECK or a foreign key to a small
-- table, not CREATE TYPE ... AS ENUM: adding a value is then an ordinary forward migration
-- (ALTER TYPE ... ADD VALUE cannot be used in the transaction that adds it).

-- The nine club categories plus the anonymised one.
--
-- How a purchase at a medical partner is categorised (medical secrecy, brief "Врачебная
-- тайна"): the purchase row only ever says 'medical_service' — record_purchase() forces it for
-- every business with is_medical — so no service, procedure or speciality detail is stored
-- with a purchase. For tiers, badges and "new category" cashback the category that counts is
-- the BUSINESS's own category (businesses.category: dentistry, medicine or cosmetology), which
-- is public anyway (everyone knows what a dental clinic is). Rule, used everywhere:
--
--     counted category = businesses.category            (never 'medical_service')
--
-- 'medical_service' therefore has counts_for_tiers = false and can never be a business's
-- category; the view purchase_categories (007-purchases.sql) exposes the counted category.
CREATE TABLE categories (
  code             text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]{1,31}$'),
  name_ru          text NOT NULL CHECK (name_ru <> ''),
  name_en          text NOT NULL CHECK (name_en <> ''),
  counts_for_tiers boolean NOT NULL DEFAULT true,
  sort_order       smallint NOT NULL DEFAULT 0
);

COMMENT ON TABLE categories IS
  'Business categories. Tier counts use businesses.category; medical partners'' purchases are '
  'stored as medical_service (see 002-reference.sql).';

INSERT INTO categories (code, name_ru, name_en, counts_for_tiers, sort_order) VALUES
  ('beauty',          'Красота',               'Beauty',          true,  1),
  ('cosmetology',     'Косметология',          'Cosmetology',     true,  2),
  ('dentistry',       'Стоматология',          'Dentistry',       true,  3),
  ('medicine',        'Медицина',              'Medicine',        true,  4),
  ('gastronomy',      'Гастрономия',           'Gastronomy',      true,  5),
  ('floristry',       'Флористика',            'Floristry',       true,  6),
  ('optics',          'Оптика',                'Optics',          true,  7),
  ('home',            'Дом',                   'Home',            true,  8),
  ('legal',           'Юридические услуги',    'Legal services',  true,  9),
  ('medical_service', 'Медицинская услуга',    'Medical service', false, 100);

-- Tiers in rank order. 'none' is a registered member without a purchase yet (DESIGN.md:
-- Insider needs registration and at least one purchase).
CREATE TABLE tiers (
  code    text PRIMARY KEY,
  rank    smallint NOT NULL UNIQUE CHECK (rank >= 0),
  name_ru text NOT NULL,
  name_en text NOT NULL
);

INSERT INTO tiers (code, rank, name_ru, name_en) VALUES
  ('none',         0, 'Без статуса',  'No tier'),
  ('insider',      1, 'Insider',      'Insider'),
  ('vip',          2, 'VIP',          'VIP'),
  ('elite',        3, 'Elite',        'Elite'),
  ('inner_circle', 4, 'Inner Circle', 'Inner Circle');

-- Badges: one per counted category, plus the special ones. Thresholds live in rules.
CREATE TABLE badges (
  code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_:]{1,47}$'),
  category_code text UNIQUE REFERENCES categories (code),
  name_ru       text NOT NULL,
  name_en       text NOT NULL
);

INSERT INTO badges (code, category_code, name_ru, name_en)
SELECT 'category:' || code, code, name_ru, name_en
  FROM categories
 WHERE counts_for_tiers;

INSERT INTO badges (code, name_ru, name_en) VALUES
  ('first_comer',    'Первопроходец',  'First-comer'),
  ('friend_of_club', 'Друг клуба',     'Friend of the club'),
  ('party_goer',     'Тусовщица',      'Party-goer'),
  ('collector',      'Коллекционер',   'Collector'),
  ('investor',       'Инвестор',       'Investor');

-- Club-wide settings that are not numbers (numbers are versioned rules, 004-rules.sql).
CREATE TABLE club_settings (
  key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{1,63}$'),
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO club_settings (key, value) VALUES
  ('time_zone', 'Europe/Moscow'),
  ('currency', 'RUB');

-- The club's time zone, for business days and monthly budgets.
CREATE FUNCTION club_time_zone ()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT coalesce((SELECT value FROM public.club_settings WHERE key = 'time_zone'),
                  'Europe/Moscow')
$$;
