-- Contract: build the unique index (the checks found any case duplicates before this point), and
-- the normalized address becomes the email: nothing has used the old column for a window (email-unused).
create unique index accounts_email_unique on accounts (email_normalized);
alter table accounts drop column email;
alter table accounts rename column email_normalized to email;
drop table backfill_progress;
