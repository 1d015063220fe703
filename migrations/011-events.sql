-- SPDX-License-Identifier: GPL-3.0-or-later
-- Events, registrations, member proposals and weighted votes, and the events budget.

CREATE TABLE events (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title                 text NOT NULL CHECK (title <> '' AND length(title) <= 255),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  full_description      text NOT NULL DEFAULT '' CHECK (length(full_description) <= 20000),
  type                  text NOT NULL DEFAULT 'other' CHECK (type ~ '^[a-z_]{1,50}$'),
  -- Who may come: open (Insider+), vip (VIP+), elite (Elite+), inner_circle (invitation).
  level                 text NOT NULL CHECK (level IN ('open', 'vip', 'elite', 'inner_circle')),
  format                text NOT NULL CHECK (format IN ('free', 'paid', 'closed')),
  price_kopecks         bigint NOT NULL DEFAULT 0 CHECK (price_kopecks >= 0),
  starts_at             timestamptz NOT NULL,
  ends_at               timestamptz,
  location_business_id  uuid REFERENCES businesses (id),
  location_address      text NOT NULL DEFAULT '' CHECK (length(location_address) <= 500),
  capacity              integer CHECK (capacity > 0),       -- NULL: unlimited
  plus_one_allowed      boolean NOT NULL DEFAULT false,
  cover_image_url       text,
  program               jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(program) = 'array'),
  speakers              jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(speakers) = 'array'),
  what_to_bring         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(what_to_bring) = 'array'),
  organizer_type        text NOT NULL DEFAULT 'platform'
                        CHECK (organizer_type IN ('platform', 'business', 'member')),
  organizer_business_id uuid REFERENCES businesses (id),
  proposal_id           uuid,            -- event_proposals(id), foreign key below
  -- Money taken from the club's events budget for this event.
  budget_kopecks        bigint NOT NULL DEFAULT 0 CHECK (budget_kopecks >= 0),
  status                text NOT NULL DEFAULT 'scheduled'
                        CHECK (status IN ('draft', 'scheduled', 'cancelled', 'completed')),
  created_at            timestamptz NOT NULL DEFAULT now(),
  created_by            name NOT NULL DEFAULT session_user,
  CHECK (format <> 'free' OR price_kopecks = 0),
  CHECK (format <> 'paid' OR price_kopecks > 0),
  CHECK (ends_at IS NULL OR ends_at > starts_at),
  CHECK ((organizer_type = 'business') = (organizer_business_id IS NOT NULL))
);

CREATE INDEX events_starts_idx ON events (starts_at DESC);
CREATE INDEX events_location_idx ON events (location_business_id, starts_at);

CREATE TABLE event_registrations (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id             uuid NOT NULL REFERENCES events (id),
  member_id            uuid NOT NULL REFERENCES members (id),
  status               text NOT NULL DEFAULT 'confirmed'
                       CHECK (status IN ('confirmed', 'waitlist', 'cancelled', 'attended',
                                         'no_show')),
  -- Place in the waitlist (1 = next to be promoted) while status is 'waitlist'.
  waitlist_position    integer CHECK (waitlist_position > 0),
  plus_one             boolean NOT NULL DEFAULT false,
  dietary_restrictions text NOT NULL DEFAULT '' CHECK (length(dietary_restrictions) <= 500),
  -- Shown as a QR ticket; unguessable, made by the service.
  ticket_code          text NOT NULL UNIQUE CHECK (length(ticket_code) BETWEEN 8 AND 64),
  registered_at        timestamptz NOT NULL DEFAULT now(),
  cancelled_at         timestamptz,
  UNIQUE (event_id, member_id),
  CHECK ((status = 'waitlist') = (waitlist_position IS NOT NULL)),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

CREATE UNIQUE INDEX event_registrations_waitlist_idx
  ON event_registrations (event_id, waitlist_position) WHERE status = 'waitlist';
CREATE INDEX event_registrations_member_idx ON event_registrations (member_id, registered_at);

-- A +1 only where the event allows it.
CREATE FUNCTION event_registrations_check ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF NEW.plus_one AND NOT (SELECT plus_one_allowed FROM public.events WHERE id = NEW.event_id) THEN
    RAISE EXCEPTION 'this event does not allow a +1 guest' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER event_registrations_check
  BEFORE INSERT OR UPDATE OF plus_one, event_id ON event_registrations
  FOR EACH ROW EXECUTE FUNCTION event_registrations_check();

CREATE TABLE event_proposals (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  member_id             uuid NOT NULL REFERENCES members (id),
  title                 text NOT NULL CHECK (title <> '' AND length(title) <= 255),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  type                  text NOT NULL DEFAULT 'custom' CHECK (type ~ '^[a-z_]{1,50}$'),
  preferred_date        date,
  location_business_id  uuid REFERENCES businesses (id),
  location_preference   text NOT NULL DEFAULT '' CHECK (length(location_preference) <= 200),
  budget_per_person     bigint CHECK (budget_per_person >= 0),      -- kopecks
  max_participants      integer CHECK (max_participants > 0),
  program               jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(program) = 'array'),
  -- Who the event would be for (same levels as events).
  visibility            text NOT NULL DEFAULT 'open'
                        CHECK (visibility IN ('open', 'vip', 'elite', 'inner_circle')),
  voting_ends_at        timestamptz NOT NULL,
  status                text NOT NULL DEFAULT 'voting'
                        CHECK (status IN ('voting', 'offered', 'approved', 'rejected',
                                          'vetoed', 'realized')),
  event_id              uuid REFERENCES events (id),
  created_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (voting_ends_at > created_at),
  CHECK ((status = 'realized') = (event_id IS NOT NULL))
);

CREATE INDEX event_proposals_status_idx ON event_proposals (status, voting_ends_at);
CREATE INDEX event_proposals_member_idx ON event_proposals (member_id);

ALTER TABLE events ADD FOREIGN KEY (proposal_id) REFERENCES event_proposals (id);

-- One vote per member per proposal; the weight is fixed at voting time from her tier.
CREATE TABLE proposal_votes (
  proposal_id  uuid NOT NULL REFERENCES event_proposals (id),
  member_id    uuid NOT NULL REFERENCES members (id),
  vote         text NOT NULL CHECK (vote IN ('yes', 'no')),
  tier_at_vote text NOT NULL REFERENCES tiers (code),
  weight       integer NOT NULL CHECK (weight >= 0),
  veto         boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (proposal_id, member_id),
  -- A veto is a "no" (and only Inner Circle may cast it, checked by the trigger).
  CHECK (NOT veto OR vote = 'no')
);

-- The database, not the caller, decides the weight and the right to veto.
CREATE FUNCTION proposal_votes_weigh ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  t text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'a vote cannot be changed' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NOT EXISTS (SELECT FROM public.event_proposals
                  WHERE id = NEW.proposal_id AND status = 'voting' AND voting_ends_at > now()) THEN
    RAISE EXCEPTION 'voting on this proposal is closed' USING ERRCODE = 'check_violation';
  END IF;
  SELECT tier INTO t FROM public.members WHERE id = NEW.member_id AND deleted_at IS NULL;
  IF t IS NULL OR t = 'none' THEN
    RAISE EXCEPTION 'only members with a tier vote' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.veto AND t <> 'inner_circle' THEN
    RAISE EXCEPTION 'only Inner Circle members may veto' USING ERRCODE = 'check_violation';
  END IF;
  NEW.tier_at_vote := t;
  NEW.weight := public.rule_value('vote.weight.' || t, NULL, now());
  RETURN NEW;
END
$$;

CREATE TRIGGER proposal_votes_weigh
  BEFORE INSERT OR UPDATE ON proposal_votes
  FOR EACH ROW EXECUTE FUNCTION proposal_votes_weigh();

-- Events budget: every purchase's contribution (negative for refunds), one row per purchase.
CREATE TABLE events_budget_contributions (
  purchase_id    uuid PRIMARY KEY REFERENCES purchase_keys (id),
  business_id    uuid NOT NULL REFERENCES businesses (id),
  member_id      uuid REFERENCES members (id),
  amount_kopecks bigint NOT NULL CHECK (amount_kopecks <> 0),
  -- The month (club time zone, first day) it counts for.
  month          date NOT NULL CHECK (extract(day FROM month) = 1),
  contributed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_budget_contributions_month_idx ON events_budget_contributions (month);
CREATE INDEX events_budget_contributions_member_idx ON events_budget_contributions (member_id, month);

-- Monthly allocation of the collected budget to levels (shares are rules).
CREATE TABLE events_budget_allocations (
  month          date NOT NULL CHECK (extract(day FROM month) = 1),
  level          text NOT NULL CHECK (level IN ('open', 'vip', 'elite', 'reserve')),
  share_bp       integer NOT NULL CHECK (share_bp BETWEEN 0 AND 10000),
  amount_kopecks bigint NOT NULL CHECK (amount_kopecks >= 0),
  allocated_at   timestamptz NOT NULL DEFAULT now(),
  allocated_by   name NOT NULL DEFAULT session_user,
  PRIMARY KEY (month, level)
);

-- Money spent from a level's allocation on an event.
CREATE TABLE events_budget_spending (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid NOT NULL REFERENCES events (id),
  month          date NOT NULL CHECK (extract(day FROM month) = 1),
  level          text NOT NULL CHECK (level IN ('open', 'vip', 'elite', 'reserve')),
  amount_kopecks bigint NOT NULL CHECK (amount_kopecks > 0),
  note           text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  spent_at       timestamptz NOT NULL DEFAULT now(),
  spent_by       name NOT NULL DEFAULT session_user
);

CREATE INDEX events_budget_spending_month_idx ON events_budget_spending (month, level);
CREATE INDEX events_budget_spending_event_idx ON events_budget_spending (event_id);
