-- Expand: two tables that will replace orders. Finished orders (delivered or cancelled) placed
-- before 2024 are archived; everything else — including orders with no date or an unknown
-- status — stays active. The cut-off is a fixed date so a replay is deterministic.
create table orders_active (id bigint primary key, customer text, status text, placed_at timestamp, total numeric);
create table orders_archived (id bigint primary key, customer text, status text, placed_at timestamp, total numeric);

create table backfill_progress (job text primary key, last_id bigint not null);

create function order_is_archived(status text, placed_at timestamp) returns boolean language sql immutable as $$
  select coalesce(lower(btrim(status, E' \t\n\r\u000b\u000c\u00a0')) in ('delivered', 'cancelled') and placed_at < '2024-01-01', false)
$$;
