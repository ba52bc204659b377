-- Tables the app's forms write (what no API knows). Created before every model build and before
-- every form write, so staging models can always read them. Changing a column here needs a fresh
-- data folder or an ALTER: CREATE ... IF NOT EXISTS never alters an existing table.
CREATE SCHEMA IF NOT EXISTS app;

-- Community settings (warehouse/community.py: time zone, level thresholds), one row per key.
-- Here so that models reading it (marts.member_levels) bind on a fresh warehouse too.
CREATE TABLE IF NOT EXISTS app.settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

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

-- A KPI's target for one calendar month or quarter (period_start: its first day). channel_id ''
-- is the whole community (a key column cannot be NULL). Removing sets target to NULL.
CREATE TABLE IF NOT EXISTS app.kpi_targets (
    kpi VARCHAR NOT NULL,
    period_kind VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    channel_id VARCHAR NOT NULL,
    target DOUBLE,
    set_by VARCHAR,
    set_at TIMESTAMP,
    PRIMARY KEY (kpi, period_kind, period_start, channel_id)
);

-- Partner organisations (warehouse/partners.py). Deleting sets deleted_at (undo clears it).
CREATE TABLE IF NOT EXISTS app.partners (
    partner_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    partner_type VARCHAR,
    stage VARCHAR,
    owner VARCHAR,
    contact VARCHAR,
    partner_offers VARCHAR,
    our_offer VARCHAR,
    note VARCHAR,
    stage_changed_at TIMESTAMP,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- Each move of a partner to a stage, for its timeline.
CREATE TABLE IF NOT EXISTS app.partner_stage_changes (
    partner_id VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    stage VARCHAR,
    note VARCHAR,
    PRIMARY KEY (partner_id, changed_at)
);

-- A contact with a partner (occurred_on: the community's local day), with its next step.
CREATE TABLE IF NOT EXISTS app.partner_interactions (
    interaction_id VARCHAR PRIMARY KEY,
    partner_id VARCHAR,
    occurred_on DATE,
    kind VARCHAR,
    summary VARCHAR,
    next_step VARCHAR,
    next_step_due DATE,
    next_step_done_on DATE,
    owner VARCHAR,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- What each side agreed to do, when, and where the signed document is.
CREATE TABLE IF NOT EXISTS app.partner_agreements (
    agreement_id VARCHAR PRIMARY KEY,
    partner_id VARCHAR,
    title VARCHAR,
    our_responsibilities VARCHAR,
    partner_responsibilities VARCHAR,
    signed_on DATE,
    starts_on DATE,
    ends_on DATE,
    document_url VARCHAR,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- A project done with one or more partners; starts_on/ends_on are local days of `timezone`.
CREATE TABLE IF NOT EXISTS app.joint_projects (
    project_id VARCHAR PRIMARY KEY,
    title VARCHAR,
    kind VARCHAR,
    partner_ids VARCHAR[],
    starts_on DATE,
    ends_on DATE,
    timezone VARCHAR,
    goal_metric VARCHAR,
    goal_target DECIMAL(18, 2),
    goal_unit VARCHAR,
    budget DECIMAL(14, 2),
    currency VARCHAR,
    description VARCHAR,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- A project's tracking codes: kind invite_link | utm | promo_code. Removing sets removed_at.
CREATE TABLE IF NOT EXISTS app.project_tracking_codes (
    project_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    added_at TIMESTAMP,
    removed_at TIMESTAMP,
    PRIMARY KEY (project_id, kind, code)
);

-- Results of a project entered by hand (leads, donations in a currency, items collected…).
CREATE TABLE IF NOT EXISTS app.project_outcomes (
    outcome_id VARCHAR PRIMARY KEY,
    project_id VARCHAR,
    metric VARCHAR,
    value DECIMAL(18, 2),
    unit VARCHAR,
    recorded_on DATE,
    note VARCHAR,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);

-- The partners co-hosting an event (any event: created in the app or imported).
CREATE TABLE IF NOT EXISTS app.event_partners (
    event_id VARCHAR PRIMARY KEY,
    partner_ids VARCHAR[],
    updated_at TIMESTAMP
);

-- Two members the manager merged into one (warehouse/members.py): core.identities gives every
-- account of merged_member_id the kept member's id. Undo sets undone_at; the row stays.
CREATE TABLE IF NOT EXISTS app.member_merges (
    merge_id VARCHAR PRIMARY KEY,
    kept_member_id VARCHAR NOT NULL,
    merged_member_id VARCHAR NOT NULL,
    merged_by VARCHAR,
    merged_at TIMESTAMP NOT NULL,
    undone_by VARCHAR,
    undone_at TIMESTAMP
);

-- The manager's edits to a member (core.members applies them): NULL keeps the platforms' value.
CREATE TABLE IF NOT EXISTS app.member_profiles (
    member_id VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    is_team BOOLEAN,
    is_bot BOOLEAN,
    notes VARCHAR,
    updated_by VARCHAR,
    updated_at TIMESTAMP
);

-- Tags the manager gave a member by hand (beside those member lists import). Removing sets
-- removed_at; adding it again clears it.
CREATE TABLE IF NOT EXISTS app.member_tags (
    member_id VARCHAR NOT NULL,
    tag VARCHAR NOT NULL,
    added_by VARCHAR,
    added_at TIMESTAMP,
    removed_at TIMESTAMP,
    PRIMARY KEY (member_id, tag)
);

-- A role a member holds for a time (warehouse/roles.py): started_on and ended_on are the
-- community's local days, ended_on the last day held (NULL: still held). The expected cadence is
-- cadence_count activities per cadence_per (week | month). member_id is the member id when the
-- role was assigned (an identity id, so it follows the person when accounts are linked later).
-- Removing sets deleted_at (undo clears it).
CREATE TABLE IF NOT EXISTS app.member_roles (
    role_id VARCHAR PRIMARY KEY,
    member_id VARCHAR,
    role VARCHAR,
    started_on DATE,
    ended_on DATE,
    cadence_count INTEGER,
    cadence_per VARCHAR,
    note VARCHAR,
    created_at TIMESTAMP,
    updated_by VARCHAR,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);
