//! Files in the config dir that hold secrets (the API token, the plugin secret, the TLS
//! key) or identity (the server id). Secrets are 0600, never logged, and refused when
//! group or others may read them; each is created by the agent's `run` only, so client
//! commands never invent a second one.

use anyhow::{bail, Context, Result};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
};

/// Shortest token accepted (characters): 32 base64url characters carry 192 bits.
pub const MIN_TOKEN_LEN: usize = 32;
/// Longest secret file read; they are one line.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// 32 random bytes, URL-safe base64 (256 bits, well above the 128 required).
pub fn random_token() -> Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// 16 random bytes as hex, for the server id.
pub fn random_id() -> Result<String> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A one-line token file: must exist (`run` creates it), be private and long enough.
pub fn load(path: &Path) -> Result<String> {
    match try_load(path)? {
        Some(token) => Ok(token),
        None => bail!(
            "{} does not exist yet: start the agent first (`opencode-lookout run`, or \
             `opencode-lookout install-service`), which creates it; if it is starting, try \
             again in a moment",
            path.display()
        ),
    }
}

/// Reads a token file, creating it with `make` when missing. Only `run` calls this, under
/// the agent lock; a racing creator still cannot replace it (the first file wins).
pub fn load_or_create(path: &Path, make: impl FnOnce() -> Result<String>) -> Result<String> {
    if let Some(token) = read_token(path)? {
        return Ok(token);
    }
    create_private(path, format!("{}\n", make()?).as_bytes())?;
    load(path)
}

/// Like `load_or_create` for a file that is not secret (the server id): no mode check.
pub fn load_or_create_public(path: &Path, make: impl FnOnce() -> Result<String>) -> Result<String> {
    match fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => bail!("{} is empty; delete it and start the agent again", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    create_private(path, format!("{}\n", make()?).as_bytes())?;
    Ok(fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .trim()
        .to_owned())
}

/// Like [`load`], `None` while the file does not exist.
pub fn try_load(path: &Path) -> Result<Option<String>> {
    read_token(path)
}

/// The trimmed content of a private token file; `None` when it does not exist.
fn read_token(path: &Path) -> Result<Option<String>> {
    let Some(bytes) = read_private(path)? else { return Ok(None) };
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    let token = text.trim();
    let n = token.chars().count();
    if n < MIN_TOKEN_LEN {
        bail!(
            "the token in {} has {n} characters; at least {MIN_TOKEN_LEN} are required. \
             Delete the file and start the agent to make a new one, then pair Home Assistant again",
            path.display()
        );
    }
    Ok(Some(token.to_owned()))
}

/// Reads a secret file, refusing one that is a symlink or that group or others may read.
/// `None` when it does not exist.
pub fn read_private(path: &Path) -> Result<Option<Vec<u8>>> {
    let mut file = match open_options_read().open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    check_private(path, &file.metadata()?)?;
    let mut out = Vec::new();
    (&mut file).take(MAX_SECRET_FILE).read_to_end(&mut out)?;
    Ok(Some(out))
}

fn open_options_read() -> fs::OpenOptions {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A symlink planted in place of a secret is refused (ELOOP), not followed.
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    opts
}

/// Refuses a secret file group or others may access.
fn check_private(path: &Path, meta: &fs::Metadata) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "{path} is accessible by group or others (mode {mode:04o}) and holds a secret. \
                 Fix it with `chmod 600 {path}`; if someone else may have read it, delete it and \
                 restart the agent to make a new one",
                path = path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

/// Writes a file readable only by its owner, atomically replacing any previous one: the
/// content goes to a fresh random name (`O_CREAT|O_EXCL|O_NOFOLLOW`, 0600) that is then
/// renamed over `path`. For secrets such as the TLS key and the plugin endpoint file.
pub fn write_private(path: &Path, content: impl AsRef<[u8]>) -> Result<()> {
    let tmp = write_temp(path, content.as_ref())?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
    })
}

/// Writes a private file only if `path` does not exist yet (a hard link never replaces
/// its target); returns whether this call created it.
pub fn create_private(path: &Path, content: &[u8]) -> Result<bool> {
    let tmp = write_temp(path, content)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// A new 0600 file next to `path` under a random name, holding `content`, synced.
fn write_temp(path: &Path, content: &[u8]) -> Result<PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("secret");
    let tmp = dir.join(format!(".{name}.{}.tmp", random_id()?));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = opts.open(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    let written = f.write_all(content).and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    Ok(tmp)
}

/// Creates the config dir owner-only, or takes group and others' access away from it:
/// the plugin socket and the secrets live there.
pub fn private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let meta = fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            bail!("the config dir {} is not a directory", dir.display());
        }
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot chmod 700 {}", dir.display()))?;
            tracing::info!(dir = %dir.display(), "config dir made owner-only (0700)");
        }
    }
    #[cfg(not(unix))]
    builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

/// HMAC-SHA256 of `message` under `secret`, hex: the plugin handshake's proofs.
pub fn proof(secret: &str, message: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    //! Secret files and proofs.
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ocl-secret-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        private_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn creates_private_files_once() {
        let dir = temp_dir("once");
        let path = dir.join("token");
        assert!(load(&path).unwrap_err().to_string().contains("start the agent first"));
        let a = load_or_create(&path, random_token).unwrap();
        let b = load_or_create(&path, || anyhow::bail!("must not be called")).unwrap();
        assert_eq!(a, b);
        assert_eq!(load(&path).unwrap(), a);
        assert!(a.len() >= 43);
        #[cfg(unix)]
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // A second creator loses and keeps the first value.
        assert!(!create_private(&path, b"other\n").unwrap());
        assert_eq!(load(&path).unwrap(), a);
        // No temp files left behind.
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["token"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn short_tokens_are_refused() {
        let dir = temp_dir("short");
        let path = dir.join("token");
        write_private(&path, "hunter2\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("has 7 characters; at least 32"), "{err}");
        let err = load_or_create(&path, random_token).unwrap_err().to_string();
        assert!(err.contains("at least 32"), "{err}");
        write_private(&path, "x".repeat(MIN_TOKEN_LEN)).unwrap();
        assert_eq!(load(&path).unwrap().len(), MIN_TOKEN_LEN);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn readable_secrets_and_symlinks_are_refused() {
        let dir = temp_dir("modes");
        let path = dir.join("token");
        let token = load_or_create(&path, random_token).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("mode 0644") && err.contains("chmod 600"), "{err}");
        // Refused, not silently repaired.
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        assert!(load_or_create(&path, random_token).is_err());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(load(&path).unwrap(), token);
        let link = dir.join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(load(&link).is_err(), "a symlinked secret was followed");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn proof_is_rfc4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
