-- Contract: orders goes; a view keeps ad-hoc queries over all orders working.
drop trigger orders_active_reverse_sync on orders_active;
drop trigger orders_archived_reverse_sync on orders_archived;
drop function orders_reverse_sync();
drop table orders;
create view orders_all as
  select *, false as archived from orders_active
  union all
  select *, true as archived from orders_archived;
drop table backfill_progress;
