-- Stop old writes: the reverse sync goes, and with it the last writer of email; so do the dual
-- write's functions (dead since the read switch) and the lookup index on the old column (log-in
-- reads email_normalized now). The email-unused check then watches that nothing uses email for a
-- whole window before contract drops it.
drop trigger accounts_email_reverse_sync on accounts;
drop function accounts_email_reverse_sync(), accounts_email_dual_write(), accounts_resolve_emails(text[]);
drop index accounts_email_key;
