//! Installing things outside the agent: the OpenCode plugin (embedded in the binary) and
//! a user service that starts the agent with the session.

use anyhow::{bail, Context, Result};
use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// The plugin source; `__ENDPOINT_FILE__` is replaced with the endpoint file's path.
const PLUGIN_JS: &str = include_str!("plugin.js");
/// File name inside OpenCode's plugin folder.
pub const PLUGIN_NAME: &str = "opencode-lookout.js";

/// OpenCode's global config dir: `$XDG_CONFIG_HOME/opencode`, else `~/.config/opencode`
/// (OpenCode uses XDG paths on every platform).
pub fn opencode_config_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("opencode"));
    }
    let home = dirs::home_dir().context("cannot find the home directory")?;
    Ok(home.join(".config").join("opencode"))
}

/// What `install-plugin` says instead of installing when OpenCode is 2.x.
pub const V2_NEEDS_NO_PLUGIN: &str = "\
OpenCode {version} needs no plugin: `opencode-lookout run` follows its background service,
which every TUI and the web UI use, so every session on this machine is seen already.
A plugin would only add `opencode --standalone` TUIs (they run a private, unregistered
server); OpenCode 2 does not load OpenCode 1 plugins, so none was written.
A foreground `opencode serve` is followed with `opencode-lookout run --opencode URL`.";

/// `opencode --version` of the `opencode` on PATH (`OPENCODE_LOOKOUT_OPENCODE_BIN`
/// overrides it), or `None` when it cannot be run.
pub fn opencode_version() -> Option<String> {
    let bin =
        std::env::var_os("OPENCODE_LOOKOUT_OPENCODE_BIN").unwrap_or_else(|| "opencode".into());
    let out = Command::new(bin).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The version is the last word of the first line (`2.0.22`, or `opencode 2.0.22`).
    let version = text.lines().next()?.split_whitespace().last()?.trim_start_matches('v');
    (out.status.success() && version.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| version.to_owned())
}

/// Whether a version is on the OpenCode 2 line (or later).
pub fn is_v2(version: &str) -> bool {
    version.split('.').next().and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m >= 2)
}

/// The plugin text for an agent whose config dir is `dir`.
pub fn plugin_source(dir: &Path) -> Result<String> {
    let endpoint = dir.join(crate::paths::PLUGIN_ENDPOINT);
    let path = serde_json::to_string(&endpoint.to_string_lossy())?;
    Ok(PLUGIN_JS.replace("\"__ENDPOINT_FILE__\"", &path))
}

/// Writes the plugin into OpenCode's `plugin/` folder (idempotent); returns its path.
pub fn install_plugin(dir: &Path) -> Result<PathBuf> {
    let folder = opencode_config_dir()?.join("plugin");
    fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    let path = folder.join(PLUGIN_NAME);
    let source = plugin_source(dir)?;
    if fs::read_to_string(&path).ok().as_deref() != Some(source.as_str()) {
        fs::write(&path, source).with_context(|| format!("cannot write {}", path.display()))?;
    }
    // OpenCode 1.18 loads both `plugin/` and `plugins/`; a second copy would connect twice.
    let twin = opencode_config_dir()?.join("plugins").join(PLUGIN_NAME);
    if twin.exists() {
        fs::remove_file(&twin).with_context(|| format!("cannot remove {}", twin.display()))?;
    }
    // No secret is made here: the agent's `run` creates it and the endpoint file, which
    // the plugin reads before every connection attempt.
    Ok(path)
}

/// Removes the plugin from both folders OpenCode reads; returns what was removed.
pub fn uninstall_plugin() -> Result<Option<PathBuf>> {
    let mut removed = None;
    for sub in ["plugin", "plugins"] {
        let path = opencode_config_dir()?.join(sub).join(PLUGIN_NAME);
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            removed = Some(path);
        }
    }
    Ok(removed)
}

/// The systemd user unit's name.
const UNIT: &str = "opencode-lookout.service";

/// Installs and starts a per-user service running `opencode-lookout run`. Fails (after
/// writing the file) when the service manager could not start it, saying how to.
pub fn install_service(dir: &Path) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let (path, text) = service_file(&exe, dir)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    let started = if cfg!(target_os = "macos") {
        run("launchctl", &["load", "-w", &path.to_string_lossy()])
    } else {
        run("systemctl", &["--user", "daemon-reload"])
            .and_then(|()| run("systemctl", &["--user", "enable", "--now", UNIT]))
    };
    if let Err(e) = started {
        let how = if cfg!(target_os = "macos") {
            format!("`launchctl load -w {}`", path.display())
        } else {
            format!(
                "`systemctl --user daemon-reload && systemctl --user enable --now {UNIT}` in \
                 your login session (on a machine without one, `loginctl enable-linger $USER` \
                 first)"
            )
        };
        bail!(
            "{e}, so the agent was not started. The service file is in place: start it with \
             {how}, or run the agent yourself with `opencode-lookout run`"
        );
    }
    if cfg!(target_os = "macos") {
        println!("the agent runs now and starts with your session (launchd dev.opencode-lookout)");
    } else {
        println!(
            "the agent runs now and starts with your session: `systemctl --user status {UNIT}`, \
             logs with `journalctl --user -u {UNIT}`"
        );
    }
    println!("pair Home Assistant with `opencode-lookout pair`");
    Ok(())
}

/// Stops and removes the per-user service. Fails (after removing the file) when the
/// service manager could not stop it, since the agent may still run.
pub fn uninstall_service() -> Result<()> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let (path, _) = service_file(&exe, Path::new("."))?;
    if !path.exists() {
        println!("no service file at {}", path.display());
        return Ok(());
    }
    let stopped = if cfg!(target_os = "macos") {
        run("launchctl", &["unload", "-w", &path.to_string_lossy()])
    } else {
        run("systemctl", &["--user", "disable", "--now", UNIT])
    };
    fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    println!("removed {}", path.display());
    if !cfg!(target_os = "macos") {
        // Only forgets the removed unit; a failure here leaves nothing running.
        let _ = run("systemctl", &["--user", "daemon-reload"]);
    }
    if let Err(e) = stopped {
        let how = if cfg!(target_os = "macos") {
            "`launchctl remove dev.opencode-lookout`".to_owned()
        } else {
            format!("`systemctl --user stop {UNIT}`")
        };
        bail!("{e}: if the agent still runs, stop it with {how}");
    }
    Ok(())
}

/// The service file's path and content for this platform.
pub fn service_file(exe: &Path, dir: &Path) -> Result<(PathBuf, String)> {
    let home = dirs::home_dir().context("cannot find the home directory")?;
    if cfg!(target_os = "macos") {
        let path = home.join("Library/LaunchAgents/dev.opencode-lookout.plist");
        return Ok((path, launchd_plist(exe, dir)?));
    }
    if cfg!(unix) {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        let path = base.join("systemd/user/opencode-lookout.service");
        return Ok((path, systemd_unit(exe, dir)?));
    }
    bail!("no service manager support on this platform; run `opencode-lookout run` yourself")
}

/// Characters a service manager would interpret inside a path (systemd expands `%` and
/// `$` and unescapes `\` even in quotes; a quote or a newline ends the value): refused.
const UNSAFE_IN_SERVICE: [char; 4] = ['"', '%', '$', '\\'];

/// The path as text, or an error naming the character the service file cannot carry.
fn service_path<'a>(what: &str, path: &'a Path) -> Result<std::borrow::Cow<'a, str>> {
    let text = path.to_string_lossy();
    if let Some(c) = text.chars().find(|c| UNSAFE_IN_SERVICE.contains(c) || c.is_control()) {
        bail!(
            "cannot write a service file for the {what} {text:?}: it contains {c:?}, which the \
             service manager would interpret. Use a path without `\"`, `%`, `$`, `\\` or \
             control characters (e.g. another --config-dir), or run `opencode-lookout run` yourself"
        );
    }
    Ok(text)
}

/// The systemd user unit running `exe --config-dir dir run`. It restarts on failure,
/// except when another agent (started by hand, say) holds the config dir: retrying could
/// not help. No network dependency: a user manager has no `network-online.target`, and the
/// agent listens on a wildcard address anyway.
pub fn systemd_unit(exe: &Path, dir: &Path) -> Result<String> {
    let (exe, dir) = (service_path("executable", exe)?, service_path("config dir", dir)?);
    let locked = crate::service::EXIT_ANOTHER_AGENT;
    Ok(format!(
        "[Unit]\nDescription=OpenCode Lookout agent\n\n\
         [Service]\nExecStart=\"{exe}\" --config-dir \"{dir}\" run\nRestart=on-failure\nRestartSec=3\n\
         RestartPreventExitStatus={locked}\n\n\
         [Install]\nWantedBy=default.target\n"
    ))
}

/// The launchd agent running `exe --config-dir dir run`; XML-escaped.
pub fn launchd_plist(exe: &Path, dir: &Path) -> Result<String> {
    let xml = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;")
    };
    let exe = xml(&service_path("executable", exe)?);
    let dir = xml(&service_path("config dir", dir)?);
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>dev.opencode-lookout</string>
  <key>ProgramArguments</key><array><string>{exe}</string><string>--config-dir</string><string>{dir}</string><string>run</string></array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
</dict></plist>
"#
    ))
}

/// Runs a service manager command, saying what it ran; the error says how it failed.
fn run(cmd: &str, args: &[&str]) -> Result<()> {
    let line = format!("{cmd} {}", args.join(" "));
    match Command::new(cmd).args(args).status() {
        Ok(s) if s.success() => {
            println!("ran {line}");
            Ok(())
        }
        Ok(s) => bail!("`{line}` failed ({s})"),
        Err(e) => bail!("could not run `{line}` ({e})"),
    }
}

#[cfg(test)]
mod tests {
    //! Service files with awkward paths.
    use super::*;

    #[test]
    fn service_files_refuse_interpreted_characters() {
        let exe = Path::new("/usr/bin/opencode-lookout");
        for bad in ["/a\"b", "/a%h", "/a$HOME", "/a\\b", "/a\nb", "/a\rb"] {
            let err = systemd_unit(exe, Path::new(bad)).unwrap_err().to_string();
            assert!(err.contains("cannot write a service file"), "{bad:?}: {err}");
            assert!(launchd_plist(exe, Path::new(bad)).is_err(), "{bad:?}");
            assert!(systemd_unit(Path::new(bad), Path::new("/ok")).is_err(), "exe {bad:?}");
        }
        let plist = launchd_plist(exe, Path::new("/Users/a&b/<x>'y")).unwrap();
        assert!(plist.contains("<string>/Users/a&amp;b/&lt;x&gt;&apos;y</string>"), "{plist}");
        let unit = systemd_unit(exe, Path::new("/home/a b/c's")).unwrap();
        assert!(unit.contains("--config-dir \"/home/a b/c's\" run"), "{unit}");
    }
}
