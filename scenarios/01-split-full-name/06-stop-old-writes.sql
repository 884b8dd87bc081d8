-- Stop old writes: the reverse sync goes, and with it the last writer of full_name (the dual
-- write's function, dead since the read switch, too). A rollback to full_name is no longer kept
-- in step from here. The full-name-unused check then watches that nothing reads, writes or
-- depends on full_name for a whole window before contract drops it.
drop trigger users_name_reverse_sync on users;
drop function users_name_reverse_sync(), users_name_dual_write();
