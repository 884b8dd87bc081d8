-- Before the migration: when an event happened, as wall-clock time without a zone, plus the zone
-- the user was in (NULL for old rows, which were all recorded in Berlin).
create table events (
  id bigserial primary key,
  occurred_at timestamp,
  time_zone text
);
