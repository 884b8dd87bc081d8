-- Read switch: the application now reads and writes first_name / last_name, and old writes stop:
-- the dual write goes, and a reverse sync keeps full_name in step (for a rollback) until contract.
drop trigger users_name_dual_write on users;

create function users_name_reverse_sync() returns trigger language plpgsql as $$
begin
  new.full_name := new.first_name || coalesce(' ' || new.last_name, '');
  return new;
end
$$;

create trigger users_name_reverse_sync before insert or update of first_name, last_name on users
  for each row execute function users_name_reverse_sync();
