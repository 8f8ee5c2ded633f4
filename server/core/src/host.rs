//! Host settings: facts about the instance, for host admins.

use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use shared::api::HostInfo;

pub fn host_info(state: &AppState, caller: &Caller) -> Result<HostInfo> {
    caller.require_host_admin()?;
    Ok(HostInfo {
        public_url: state.public_url.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: state.db.engine.name().to_owned(),
    })
}
