-- Expand: the instant as timestamptz.
alter table events add column occurred_at_tz timestamptz;

create table backfill_progress (job text primary key, last_id bigint not null);

-- The zone a row's wall-clock time was recorded in.
create function event_zone(time_zone text) returns text language sql immutable as $$
  select coalesce(time_zone, 'Europe/Berlin')
$$;

-- Wall clock → instant. Postgres's rules for the hard cases: a time inside a DST gap (02:30 on
-- the spring-forward night) is read with the offset in force before the gap, so it lands an hour
-- later on the clock (03:30); a time inside a DST overlap gets the offset after the transition.
create function event_instant(occurred_at timestamp, time_zone text) returns timestamptz language sql immutable as $$
  select occurred_at at time zone event_zone(time_zone)
$$;
