-- Dual write: every write of the wall-clock time or the zone recomputes the instant.
create function events_instant_dual_write() returns trigger language plpgsql as $$
begin
  new.occurred_at_tz := event_instant(new.occurred_at, new.time_zone);
  return new;
end
$$;

create trigger events_instant_dual_write before insert or update of occurred_at, time_zone on events
  for each row execute function events_instant_dual_write();
