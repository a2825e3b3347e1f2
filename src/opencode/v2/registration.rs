//! Finding OpenCode 2's shared background service: the registration file it writes
//! (`$XDG_STATE_HOME/opencode/service.json`, else `~/.local/state/opencode/service.json`;
//! `service-<channel>.json` for channels other than `latest` and `next`) and the password,
//! from that file or else the CLI's `~/.config/opencode/service.json`.
//!
//! Only files owned by this user and writable by no one else are trusted: a registration
//! someone else planted would get this user's password sent to their server.

use std::path::{Path, PathBuf};

/// Where to look, for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The registration file the service writes.
    pub registration: PathBuf,
    /// The CLI-owned config that older builds kept the password in.
    pub config: PathBuf,
}

impl Paths {
    /// The paths for `channel` under the given state and config homes.
    pub fn new(state_home: &Path, config_home: &Path, channel: &str) -> Self {
        let name = match channel {
            "" | "latest" | "next" => "service.json".to_owned(),
            other => format!("service-{other}.json"),
        };
        Paths {
            registration: state_home.join("opencode").join(name),
            config: config_home.join("opencode").join("service.json"),
        }
    }

    /// The paths for `channel` from `XDG_STATE_HOME` / `XDG_CONFIG_HOME`, falling back to
    /// `~/.local/state` and `~/.config` (as OpenCode's own client does on every OS).
    pub fn from_env(channel: &str) -> Option<Self> {
        let home = dirs::home_dir();
        let xdg = |var: &str, fallback: &[&str]| {
            std::env::var_os(var).map(PathBuf::from).filter(|p| p.is_absolute()).or_else(|| {
                home.as_ref().map(|h| fallback.iter().fold(h.clone(), |p, s| p.join(s)))
            })
        };
        let state = xdg("XDG_STATE_HOME", &[".local", "state"])?;
        let config = xdg("XDG_CONFIG_HOME", &[".config"])?;
        Some(Paths::new(&state, &config, channel))
    }
}

/// A registered service.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    pub url: url::Url,
    pub pid: Option<u64>,
    pub version: Option<String>,
    /// Basic-auth password (user `opencode`), if any file holds one.
    pub password: Option<String>,
    /// The file the password came from, for error messages.
    pub password_from: Option<PathBuf>,
}

// By hand, so the password never reaches a log through `{:?}`.
impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("url", &self.url.as_str())
            .field("pid", &self.pid)
            .field("version", &self.version)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_from", &self.password_from)
            .finish()
    }
}

/// Why a registration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path} is not a registration OpenCode wrote: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path} is not trusted: {reason}")]
    Untrusted { path: PathBuf, reason: String },
}

/// Reads the registration; `Ok(None)` when no service is registered.
pub fn read(paths: &Paths) -> Result<Option<Registration>, RegistrationError> {
    let Some(reg) = read_json(&paths.registration)? else { return Ok(None) };
    let invalid = |reason: &str| RegistrationError::Invalid {
        path: paths.registration.clone(),
        reason: reason.to_owned(),
    };
    let url = reg.get("url").and_then(|u| u.as_str()).ok_or_else(|| invalid("no url"))?;
    let url = url::Url::parse(url).map_err(|e| invalid(&format!("bad url: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("the url is not http(s)"));
    }
    let text = |v: &serde_json::Value, k: &str| {
        v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let (mut password, mut password_from) = (text(&reg, "password"), None);
    if password.is_some() {
        password_from = Some(paths.registration.clone());
    } else if let Some(cfg) = read_json(&paths.config)? {
        password = text(&cfg, "password");
        password_from = password.as_ref().map(|_| paths.config.clone());
    }
    Ok(Some(Registration {
        url,
        pid: reg.get("pid").and_then(serde_json::Value::as_u64),
        version: text(&reg, "version"),
        password,
        password_from,
    }))
}

/// A JSON object from a trusted file; `Ok(None)` if the file does not exist.
fn read_json(path: &Path) -> Result<Option<serde_json::Value>, RegistrationError> {
    let unreadable = |e: std::io::Error| RegistrationError::Unreadable {
        path: path.into(),
        reason: e.to_string(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    trusted(path)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        RegistrationError::Invalid { path: path.into(), reason: format!("not JSON: {e}") }
    })?;
    if !value.is_object() {
        return Err(RegistrationError::Invalid {
            path: path.into(),
            reason: "not an object".into(),
        });
    }
    Ok(Some(value))
}

#[cfg(unix)]
fn trusted(path: &Path) -> Result<(), RegistrationError> {
    use std::os::unix::fs::MetadataExt;
    let untrusted = |reason: String| RegistrationError::Untrusted { path: path.into(), reason };
    let meta = std::fs::metadata(path).map_err(|e| untrusted(e.to_string()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(untrusted(format!("owned by uid {}, not {me}", meta.uid())));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(untrusted(format!("writable by others (mode {:o})", meta.mode() & 0o777)));
    }
    Ok(())
}

#[cfg(not(unix))]
fn trusted(_: &Path) -> Result<(), RegistrationError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Paths per channel, the password fallback, and files that are not trusted.
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("olk-reg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, body: &str, mode: u32) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn channels_name_their_file() {
        let p = Paths::new(Path::new("/s"), Path::new("/c"), "latest");
        assert_eq!(p.registration, Path::new("/s/opencode/service.json"));
        assert_eq!(p.config, Path::new("/c/opencode/service.json"));
        let beta = Paths::new(Path::new("/s"), Path::new("/c"), "beta");
        assert_eq!(beta.registration, Path::new("/s/opencode/service-beta.json"));
    }

    #[test]
    fn password_from_registration_then_config() {
        let dir = scratch("fallback");
        let paths = Paths::new(&dir.join("state"), &dir.join("config"), "latest");
        assert_eq!(read(&paths), Ok(None));
        write(&paths.registration, r#"{"url":"http://127.0.0.1:49374","pid":42}"#, 0o600);
        write(&paths.config, r#"{"password":"from-config"}"#, 0o600);
        let r = read(&paths).unwrap().unwrap();
        assert_eq!((r.pid, r.password.as_deref()), (Some(42), Some("from-config")));
        assert_eq!(r.password_from.as_deref(), Some(paths.config.as_path()));
        assert!(!format!("{r:?}").contains("from-config"), "Debug must not print the password");
        write(
            &paths.registration,
            r#"{"url":"http://127.0.0.1:1","pid":1,"password":"reg"}"#,
            0o600,
        );
        assert_eq!(read(&paths).unwrap().unwrap().password.as_deref(), Some("reg"));
    }

    #[test]
    fn rejects_bad_and_untrusted_files() {
        let dir = scratch("bad");
        let paths = Paths::new(&dir, &dir, "latest");
        write(&paths.registration, r#"{"url":"ftp://x"}"#, 0o600);
        assert!(matches!(read(&paths), Err(RegistrationError::Invalid { .. })));
        write(&paths.registration, "{", 0o600);
        assert!(matches!(read(&paths), Err(RegistrationError::Invalid { .. })));
        write(&paths.registration, r#"{"url":"http://127.0.0.1:1"}"#, 0o666);
        assert!(matches!(read(&paths), Err(RegistrationError::Untrusted { .. })));
    }
}
