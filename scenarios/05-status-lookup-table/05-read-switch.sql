-- Read switch: the application reads and writes status_id; old writes stop. A reverse sync
-- writes the code back into status for a rollback until contract.
drop trigger tickets_status_dual_write on tickets;

create function tickets_status_reverse_sync() returns trigger language plpgsql as $$
begin
  new.status := (select code from ticket_statuses where id = new.status_id);
  return new;
end
$$;

create trigger tickets_status_reverse_sync before insert or update of status_id on tickets
  for each row execute function tickets_status_reverse_sync();
