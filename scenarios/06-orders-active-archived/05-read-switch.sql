-- Read switch: the application reads and writes orders_active / orders_archived; writes to
-- orders stop. Reverse syncs keep orders complete for a rollback until contract.
drop trigger orders_split_dual_write on orders;

-- How the application writes an order now: into the table it belongs in, out of the other.
create function order_write(p_id bigint, p_customer text, p_status text, p_placed_at timestamp, p_total numeric) returns void language plpgsql as $$
begin
  delete from orders_active where id = p_id;
  delete from orders_archived where id = p_id;
  if order_is_archived(p_status, p_placed_at) then
    insert into orders_archived values (p_id, p_customer, p_status, p_placed_at, p_total);
  else
    insert into orders_active values (p_id, p_customer, p_status, p_placed_at, p_total);
  end if;
end
$$;

create function orders_reverse_sync() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    delete from orders where id = old.id;
  end if;
  if tg_op <> 'DELETE' then
    insert into orders values (new.id, new.customer, new.status, new.placed_at, new.total);
  end if;
  return null;
end
$$;

create trigger orders_active_reverse_sync after insert or update or delete on orders_active
  for each row execute function orders_reverse_sync();
create trigger orders_archived_reverse_sync after insert or update or delete on orders_archived
  for each row execute function orders_reverse_sync();
