-- Dual write: after any write of email, settle the groups of the old and the new address. An
-- AFTER trigger, because a change to one account can promote or demote others.
create function accounts_email_dual_write() returns trigger language plpgsql as $$
begin
  if tg_op <> 'DELETE' and email_key(new.email) is null then
    update accounts set email_normalized = null, duplicate_of = null
     where id = new.id and (email_normalized is not null or duplicate_of is not null);
  end if;
  perform accounts_resolve_emails(array_remove(array[
    case when tg_op <> 'INSERT' then email_key(old.email) end,
    case when tg_op <> 'DELETE' then email_key(new.email) end], null));
  return null;
end
$$;

create trigger accounts_email_dual_write after insert or update of email or delete on accounts
  for each row execute function accounts_email_dual_write();
