//! The `gatehouse` binary's transports over `gatehouse-core` (the storage and
//! services): `api` (the REST API, the door the dashboard's server
//! functions come through, the dashboard's files and `/metrics`), `cli`, and
//! `startup` with its `configuration` and `telemetry`.

pub mod api;
pub mod cli;
pub mod configuration;
pub mod startup;
pub mod telemetry;
