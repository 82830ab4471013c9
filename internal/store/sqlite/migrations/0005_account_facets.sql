-- Industry and region lead an index each, so the lists that offer them as
-- choices (the accounts and portfolio filters, the account form's
-- suggestions) read their distinct values by seeking from one to the next
-- (sqlstore's distinctSeek) instead of reading every account: at 100,000
-- accounts that is a few dozen seeks instead of two full scans per page.
CREATE INDEX accounts_industry ON accounts (industry);
CREATE INDEX accounts_region ON accounts (region);
-- A CSM's portfolio: their renewals in a window, with currency and MRR
-- for the headline totals, read from the index alone.
CREATE INDEX accounts_csm_renewal ON accounts (csm_id, renewal_on, currency, mrr);
ANALYZE accounts;
