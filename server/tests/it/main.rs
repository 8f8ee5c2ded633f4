//! Every integration scenario, in one test binary: each starts Gatehouse
//! (`support::TestApp`: in this process, or the real binary where only a
//! process shows what is tested) against SQLite and, when
//! `GATEHOUSE_TEST_POSTGRES_URL` is set, PostgreSQL, and talks to it over
//! HTTP like the gateway backend or the dashboard does. One binary links the
//! server once instead of once per file.

#[macro_use]
mod support;

mod account_deletion;
mod account_senders;
mod accounts;
mod architecture;
mod backups;
mod dashboard;
#[cfg(unix)]
mod data_dir;
mod delivery;
mod delivery_health;
mod fallback_relay;
mod foundation;
mod graph_sendmail;
mod hardening;
mod invitation_context;
mod invitations;
mod load;
mod migrations;
mod oauth_relays;
mod openapi;
mod operations;
mod outbox_queue;
mod provisioning;
mod roles;
mod schema_parity;
mod second_pass;
mod services;
mod smtp;
mod storage_faults;
#[cfg(unix)]
mod supply_chain;
mod unsent_invitations;
