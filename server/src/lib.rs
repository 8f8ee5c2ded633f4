//! The `gatehouse` binary's transports over `gatehouse-core` (the storage and
//! services): `api` (the REST API, the door the dashboard's server
//! functions come through, the dashboard's files and `/metrics`), `cli` (with
//! `healthcheck`), and `startup` with its `configuration`, `telemetry` and
//! the `dashboard` it serves (built in, or from a folder).

pub mod api;
pub mod cli;
pub mod configuration;
pub mod dashboard;
pub mod healthcheck;
pub mod startup;
pub mod telemetry;
