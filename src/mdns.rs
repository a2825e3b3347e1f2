//! mDNS / DNS-SD advertisement of the API as `_opencode-lookout._tcp.local.` so Home
//! Assistant's zeroconf discovery finds the agent without an address being typed.

use anyhow::{Context, Result};
use mdns_sd::{ServiceDaemon, ServiceInfo};
use std::{collections::HashMap, time::Duration};

/// The DNS-SD service type.
pub const SERVICE_TYPE: &str = "_opencode-lookout._tcp.local.";

/// Length of the service name in [`SERVICE_TYPE`] without the leading `_`.
const SERVICE_NAME_LEN: u8 = 16;

/// A running advertisement; withdrawn on drop.
pub struct Advertisement {
    daemon: ServiceDaemon,
    fullname: String,
}

/// What the TXT records say.
pub struct Txt<'a> {
    pub server_id: &'a str,
    pub hostname: &'a str,
    pub port: u16,
}

/// Starts advertising on every interface (addresses follow interface changes).
pub fn advertise(txt: Txt<'_>) -> Result<Advertisement> {
    let daemon = ServiceDaemon::new().context("cannot start the mDNS responder")?;
    // "opencode-lookout" is 16 bytes, one over RFC 6763's 15; mdns-sd rejects the
    // registration (asynchronously, only logged) unless the limit is raised.
    // python-zeroconf, which Home Assistant uses, browses it fine (scripts/mdns-check).
    daemon
        .set_service_name_len_max(SERVICE_NAME_LEN)
        .context("cannot configure the mDNS responder")?;
    let props = HashMap::from([
        ("server_id".to_owned(), txt.server_id.to_owned()),
        ("hostname".to_owned(), txt.hostname.to_owned()),
        ("version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("schema".to_owned(), crate::protocol::SCHEMA.to_string()),
    ]);
    // The instance name must be unique on the LAN; the hostname plus a short id is.
    let short: String = txt.server_id.chars().take(6).collect();
    let instance = format!("{} ({short})", txt.hostname);
    let host = format!("{}.local.", txt.hostname.split('.').next().unwrap_or("opencode-lookout"));
    let info = ServiceInfo::new(SERVICE_TYPE, &instance, &host, "", txt.port, props)
        .context("invalid mDNS service description")?
        .enable_addr_auto();
    let fullname = info.get_fullname().to_owned();
    daemon.register(info).context("cannot register the mDNS service")?;
    tracing::info!(service = fullname, "advertising over mDNS");
    Ok(Advertisement { daemon, fullname })
}

impl Drop for Advertisement {
    fn drop(&mut self) {
        // The daemon thread sends the goodbye packets; wait (bounded) for it, since the
        // process usually exits right after this drop and would kill the thread first.
        const WAIT: Duration = Duration::from_secs(1);
        if let Ok(done) = self.daemon.unregister(&self.fullname) {
            let _ = done.recv_timeout(WAIT);
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(WAIT);
        }
    }
}
