-- Covering indexes for the leader dashboard's figures (sqlstore/figures.go):
-- each figure is read from one index, in index order, without touching the
-- table or sorting, so that the dashboard stays fast at 100,000 accounts.

-- Books per CSM, by currency and lifecycle stage. It leads with csm_id, so
-- it also serves what accounts_csm did (the users foreign key, owner filters).
CREATE INDEX accounts_book ON accounts (csm_id, currency, lifecycle, mrr);
DROP INDEX accounts_csm;

-- The Pareto curve of MRR: counts by MRR band, and the top N, per currency.
CREATE INDEX accounts_currency_mrr ON accounts (currency, mrr);

-- Renewals due within a window, per currency.
CREATE INDEX accounts_currency_renewal ON accounts (currency, renewal_on, mrr);

-- Overdue invoices: the unpaid ones due before a day, with their currency,
-- amount and account, so that counting them reads no table rows. Same
-- leading column and condition as invoices_unpaid, which it replaces.
CREATE INDEX invoices_unpaid_due ON invoices (due_on, currency, amount, account_id) WHERE paid_on IS NULL;
DROP INDEX invoices_unpaid;

-- Statistics for the new indexes, so the planner weighs them at once.
ANALYZE accounts;
ANALYZE invoices;
