-- Dual write: every change to orders is mirrored into the table the order belongs in now, and
-- removed from the other (a status change can move an order across the boundary).
create function orders_split_dual_write() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    delete from orders_active where id = old.id;
    delete from orders_archived where id = old.id;
  end if;
  if tg_op <> 'DELETE' then
    if order_is_archived(new.status, new.placed_at) then
      insert into orders_archived values (new.id, new.customer, new.status, new.placed_at, new.total);
    else
      insert into orders_active values (new.id, new.customer, new.status, new.placed_at, new.total);
    end if;
  end if;
  return null;
end
$$;

create trigger orders_split_dual_write after insert or update or delete on orders
  for each row execute function orders_split_dual_write();
