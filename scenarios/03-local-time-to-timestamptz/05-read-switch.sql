-- Read switch: the application reads and writes occurred_at_tz; old writes stop. A reverse sync
-- keeps the wall-clock column meaningful for a rollback until contract.
drop trigger events_instant_dual_write on events;

create function events_instant_reverse_sync() returns trigger language plpgsql as $$
begin
  new.occurred_at := new.occurred_at_tz at time zone event_zone(new.time_zone);
  return new;
end
$$;

create trigger events_instant_reverse_sync before insert or update of occurred_at_tz, time_zone on events
  for each row execute function events_instant_reverse_sync();
