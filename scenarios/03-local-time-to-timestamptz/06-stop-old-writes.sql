-- Stop old writes: the reverse sync goes, and with it the last writer of occurred_at (the dual
-- write's function, dead since the read switch, too). The occurred-at-unused check then watches
-- that nothing uses it for a whole window before contract drops it.
drop trigger events_instant_reverse_sync on events;
drop function events_instant_reverse_sync(), events_instant_dual_write();
