-- The Customer 360 for PostgreSQL: timestamptz, date, boolean, jsonb;
-- money is bigint minor units.

CREATE TABLE users (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    capacity_arr BIGINT NOT NULL DEFAULT 0,
    disabled     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE attribute_defs (
    key        TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    type       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE accounts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id    TEXT UNIQUE,
    billing_id     TEXT UNIQUE,
    product_id     TEXT UNIQUE,
    name           TEXT NOT NULL,
    parent_id      BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    industry       TEXT NOT NULL DEFAULT '',
    employees      INTEGER NOT NULL DEFAULT 0,
    region         TEXT NOT NULL DEFAULT '',
    lifecycle      TEXT NOT NULL DEFAULT 'onboarding',
    tier           TEXT NOT NULL DEFAULT '',
    touch_model    TEXT NOT NULL DEFAULT '',
    csm_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    ae_id          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    sponsor_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    customer_since DATE,
    attributes     JSONB NOT NULL DEFAULT '{}',
    mrr            BIGINT NOT NULL DEFAULT 0,
    currency       TEXT NOT NULL DEFAULT 'USD',
    renewal_on     DATE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_name ON accounts (lower(name), id);
CREATE INDEX accounts_mrr ON accounts (mrr, id);
-- Lists sort missing renewal dates last in either direction, by these expressions.
CREATE INDEX accounts_renewal_asc ON accounts (COALESCE(renewal_on, DATE '9999-12-31'), id);
CREATE INDEX accounts_renewal_desc ON accounts (COALESCE(renewal_on, DATE '0001-01-01'), id);
-- Segment filters with the default sort (MRR, highest first).
CREATE INDEX accounts_tier ON accounts (tier, mrr, id);
CREATE INDEX accounts_touch ON accounts (touch_model, mrr, id);
CREATE INDEX accounts_lifecycle ON accounts (lifecycle, mrr, id);
CREATE INDEX accounts_parent ON accounts (parent_id);
CREATE INDEX accounts_csm ON accounts (csm_id);
CREATE INDEX accounts_ae ON accounts (ae_id);
CREATE INDEX accounts_sponsor ON accounts (sponsor_id);

CREATE TABLE contacts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    seniority   TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    roles       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active',
    left_on     DATE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id);
CREATE INDEX contacts_email ON contacts (email);

CREATE TABLE subscriptions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id      TEXT UNIQUE,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    product          TEXT NOT NULL,
    plan             TEXT NOT NULL DEFAULT '',
    quantity         INTEGER NOT NULL DEFAULT 0,
    mrr              BIGINT NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL DEFAULT 'USD',
    billing_period   TEXT NOT NULL DEFAULT 'monthly',
    start_on         DATE NOT NULL,
    end_on           DATE,
    status           TEXT NOT NULL,
    trial            BOOLEAN NOT NULL DEFAULT FALSE,
    auto_renew       BOOLEAN NOT NULL DEFAULT FALSE,
    discount_percent DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
-- Covers the roll-up of an account's live MRR by currency.
CREATE INDEX subscriptions_account ON subscriptions (account_id, status, trial, currency, mrr, end_on);

CREATE TABLE invoices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number      TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL DEFAULT 'USD',
    issued_on   DATE,
    due_on      DATE NOT NULL,
    paid_on     DATE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_account ON invoices (account_id);
CREATE INDEX invoices_unpaid ON invoices (due_on) WHERE paid_on IS NULL;

CREATE TABLE tickets (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id            TEXT UNIQUE,
    account_id             BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject                TEXT NOT NULL DEFAULT '',
    priority               TEXT NOT NULL DEFAULT 'medium',
    status                 TEXT NOT NULL DEFAULT 'open',
    opened_at              TIMESTAMPTZ NOT NULL,
    closed_at              TIMESTAMPTZ,
    first_response_minutes INTEGER,
    escalated              BOOLEAN NOT NULL DEFAULT FALSE,
    csat                   INTEGER,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX tickets_account ON tickets (account_id, opened_at);

CREATE TABLE surveys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id  TEXT UNIQUE,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id   BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,
    score        INTEGER NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    campaign     TEXT NOT NULL DEFAULT '',
    responded_at TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX surveys_account ON surveys (account_id, responded_at);
CREATE INDEX surveys_contact ON surveys (contact_id);

CREATE TABLE activities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    author_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    attendees   TEXT NOT NULL DEFAULT '[]',
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX activities_account ON activities (account_id, occurred_at);
CREATE INDEX activities_author ON activities (author_id);
