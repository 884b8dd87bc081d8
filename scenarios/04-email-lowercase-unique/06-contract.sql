-- Contract: build the unique index (the checks found any case duplicates before this point), and
-- the normalized address becomes the email.
drop trigger accounts_email_reverse_sync on accounts;
drop function accounts_email_reverse_sync(), accounts_email_dual_write(), accounts_resolve_emails(text[]);
create unique index accounts_email_unique on accounts (email_normalized);
drop index accounts_email_key;
alter table accounts drop column email;
alter table accounts rename column email_normalized to email;
drop table backfill_progress;
