-- Tables the app's forms write (what no API knows). Created before every model build and before
-- every form write, so staging models can always read them. Changing a column here needs a fresh
-- data folder or an ALTER: CREATE ... IF NOT EXISTS never alters an existing table.
CREATE SCHEMA IF NOT EXISTS app;

-- An event created in the app ('app:…' ids), or the manager's edits to an imported one (same id
-- as the source's event; NULL columns keep the source's values). Deleting sets deleted_at (undo
-- clears it).
CREATE TABLE IF NOT EXISTS app.events (
    event_id VARCHAR PRIMARY KEY,
    title VARCHAR,
    format VARCHAR,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    timezone VARCHAR,
    place VARCHAR,
    channel_id VARCHAR,
    organisers VARCHAR,
    co_hosts VARCHAR,
    registration_target BIGINT,
    budget DECIMAL(14, 2),
    currency VARCHAR,
    status VARCHAR,
    backup_actions VARCHAR,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- People the app added (walk-ins); identity ids 'app:person:…'.
CREATE TABLE IF NOT EXISTS app.people (
    identity_id VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    email VARCHAR,
    phone VARCHAR,
    handle VARCHAR,
    created_at TIMESTAMP
);

-- Check-ins at the door: identity_id is any identity (a member id is one), or an app person.
CREATE TABLE IF NOT EXISTS app.event_attendance (
    event_id VARCHAR NOT NULL,
    identity_id VARCHAR NOT NULL,
    present BOOLEAN NOT NULL,
    checked_in_at TIMESTAMP,
    participant_role VARCHAR,
    updated_at TIMESTAMP,
    PRIMARY KEY (event_id, identity_id)
);

-- The follow-up checklist: one row per event and item the manager touched.
CREATE TABLE IF NOT EXISTS app.event_followups (
    event_id VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    owner VARCHAR,
    due_on DATE,
    done_on DATE,
    note VARCHAR,
    updated_at TIMESTAMP,
    PRIMARY KEY (event_id, item)
);

-- Feedback from a member or about an event.
CREATE TABLE IF NOT EXISTS app.feedback (
    feedback_id VARCHAR PRIMARY KEY,
    event_id VARCHAR,
    channel_id VARCHAR,
    identity_id VARCHAR,
    received_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    score INTEGER,
    text VARCHAR,
    created_at TIMESTAMP
);

-- Form entries already applied (an entry replayed from the inbox is applied once).
CREATE TABLE IF NOT EXISTS app.applied_entries (
    entry_id VARCHAR PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
);

-- Who changed what and when.
CREATE TABLE IF NOT EXISTS app.audit_log (
    entry_id VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    operation VARCHAR NOT NULL,
    row_key VARCHAR NOT NULL,
    changed_values VARCHAR
);
