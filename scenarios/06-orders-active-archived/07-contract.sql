-- Contract: nothing has used orders for a window (orders-unused), so it goes; a view keeps ad-hoc
-- queries over all orders working.
drop table orders;
create view orders_all as
  select *, false as archived from orders_active
  union all
  select *, true as archived from orders_archived;
drop table backfill_progress;
