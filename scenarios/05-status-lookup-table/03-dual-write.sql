-- Dual write: every write of status sets status_id.
create function tickets_status_dual_write() returns trigger language plpgsql as $$
begin
  new.status_id := ticket_status_id(new.status);
  return new;
end
$$;

create trigger tickets_status_dual_write before insert or update of status on tickets
  for each row execute function tickets_status_dual_write();
