-- Stop old writes: the reverse syncs go, and with them the last writer of orders (the dual
-- write's function, dead since the read switch, too). The orders-unused check then watches that
-- nothing reads, writes or depends on orders for a whole window before contract drops it.
drop trigger orders_active_reverse_sync on orders_active;
drop trigger orders_archived_reverse_sync on orders_archived;
drop function orders_reverse_sync(), orders_split_dual_write();
