-- Stop old writes: the reverse sync goes, and with it the last writer of status (the dual write's
-- function, dead since the read switch, too). The status-text-unused check then watches that
-- nothing uses the text column for a whole window before contract drops it.
drop trigger tickets_status_reverse_sync on tickets;
drop function tickets_status_reverse_sync(), tickets_status_dual_write();
