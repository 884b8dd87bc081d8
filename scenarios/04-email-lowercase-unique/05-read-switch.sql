-- Read switch: log-in looks accounts up by email_normalized, and the application writes it
-- (refusing an address another account already holds). Old writes stop; a reverse sync keeps
-- email equal to the normalized address for a rollback.
drop trigger accounts_email_dual_write on accounts;

create function accounts_email_reverse_sync() returns trigger language plpgsql as $$
begin
  new.email := new.email_normalized;
  return new;
end
$$;

create trigger accounts_email_reverse_sync before insert or update of email_normalized on accounts
  for each row execute function accounts_email_reverse_sync();
