-- Contract: the reference becomes a foreign key, and the text column goes.
drop trigger tickets_status_reverse_sync on tickets;
drop function tickets_status_reverse_sync(), tickets_status_dual_write();
alter table tickets add constraint tickets_status_fk foreign key (status_id) references ticket_statuses (id);
alter table tickets drop column status;
drop table backfill_progress;
