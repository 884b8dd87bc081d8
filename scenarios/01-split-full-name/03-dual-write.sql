-- Dual write: while the old application writes full_name, the new columns follow it.
create function users_name_dual_write() returns trigger language plpgsql as $$
begin
  new.first_name := name_first(new.full_name);
  new.last_name := name_last(new.full_name);
  return new;
end
$$;

create trigger users_name_dual_write before insert or update of full_name on users
  for each row execute function users_name_dual_write();
