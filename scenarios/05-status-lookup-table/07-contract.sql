-- Contract: the reference becomes a foreign key, and the text column goes: nothing has used it for
-- a window (status-text-unused).
alter table tickets add constraint tickets_status_fk foreign key (status_id) references ticket_statuses (id);
alter table tickets drop column status;
drop table backfill_progress;
