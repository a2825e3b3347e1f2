//! The real binary's install commands in a sandbox: `install-service` / `uninstall-service`
//! (systemd user unit, with a fake `systemctl` on PATH that records its arguments),
//! `install-plugin` / `uninstall-plugin` and `token`. HOME and XDG_CONFIG_HOME point into
//! a temp dir; nothing outside it is touched.
#![cfg(target_os = "linux")]

use std::{
    fs,
    io::{BufRead, BufReader},
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex, MutexGuard,
    },
};

const BIN: &str = env!("CARGO_BIN_EXE_opencode-lookout");
const UNIT: &str = "opencode-lookout.service";
const PLUGIN: &str = "opencode-lookout.js";

/// Tests run one at a time: a fake `systemctl` written while another test thread forks
/// could be inherited open for writing and fail to exec with ETXTBSY.
static SERIAL: Mutex<()> = Mutex::new(());

/// A temp dir with `home/`, `xdg/`, `bin/` (PATH) and `cfg/` (the agent's config dir).
struct Sandbox {
    root: PathBuf,
    _serial: MutexGuard<'static, ()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        static N: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let root = std::env::temp_dir().join(format!(
            "ocl-service-file-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&root);
        for sub in ["home", "xdg", "bin", "cfg"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        Sandbox { root, _serial: serial }
    }

    /// Starts the binary on config dir `cfg` with only PATH, HOME and XDG_CONFIG_HOME
    /// set, stdout and stderr piped.
    fn spawn_in(&self, cfg: &Path, args: &[&str]) -> Child {
        Command::new(BIN)
            .arg("--config-dir")
            .arg(cfg)
            .args(args)
            .env_clear()
            .env("PATH", self.root.join("bin"))
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    fn xdg(&self) -> PathBuf {
        self.root.join("xdg")
    }
    fn cfg(&self) -> PathBuf {
        self.root.join("cfg")
    }
    fn log(&self) -> PathBuf {
        self.root.join("systemctl.log")
    }

    /// Puts a fake `systemctl` on PATH that appends its arguments to `systemctl.log`
    /// and exits with `status`.
    fn fake_systemctl(&self, status: i32) {
        let path = self.root.join("bin/systemctl");
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexit {status}\n",
            self.log().display()
        );
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The arguments `systemctl` was called with, one call per entry.
    fn systemctl_calls(&self) -> Vec<String> {
        fs::read_to_string(self.log()).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// Runs the binary with only PATH, HOME and (if `xdg`) XDG_CONFIG_HOME set.
    fn run_env(&self, xdg: bool, args: &[&str]) -> String {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", self.root.join("bin"))
            .env("HOME", self.home())
            .current_dir(&self.root);
        if xdg {
            cmd.env("XDG_CONFIG_HOME", self.xdg());
        }
        let out: Output = cmd.output().expect("cannot run the agent binary");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?} failed ({}):\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Runs `opencode-lookout --config-dir <cfg> ARGS`, expecting it to fail; its stderr.
    fn run_err(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("cannot run the agent binary");
        assert!(
            !out.status.success(),
            "{args:?} succeeded: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `opencode-lookout --config-dir <cfg> ARGS` in the sandbox's environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--config-dir")
            .arg(self.cfg())
            .args(args)
            .env_clear()
            .env("PATH", self.root.join("bin"))
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg())
            .current_dir(&self.root);
        cmd
    }

    /// Starts `run` on free ports and waits until it listens; killed on drop.
    fn start_agent(&self) -> Agent {
        let mut child = self
            .command(&["run", "--listen", "127.0.0.1:0", "--no-mdns"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start the agent");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut agent = Agent(child);
        let line =
            BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("listening"));
        assert!(line.is_some(), "the agent exited: {:?}", agent.0.wait());
        agent
    }

    /// Runs `opencode-lookout --config-dir <cfg> ARGS` with XDG_CONFIG_HOME set.
    fn run(&self, args: &[&str]) -> String {
        let cfg = self.cfg();
        let mut all = vec!["--config-dir", cfg.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run_env(true, &all)
    }
}

/// A running agent, killed on drop.
struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn install_and_uninstall_service_with_systemd() {
    let sb = Sandbox::new();
    sb.fake_systemctl(0);
    let unit = sb.xdg().join("systemd/user").join(UNIT);

    let out = sb.run(&["install-service"]);
    assert!(out.contains(&format!("wrote {}", unit.display())), "{out}");
    assert!(out.contains(&format!("ran systemctl --user enable --now {UNIT}")), "{out}");
    assert!(out.contains("the agent runs now"), "{out}");
    assert!(out.contains(&format!("systemctl --user status {UNIT}")), "{out}");
    assert!(out.contains("opencode-lookout pair"), "{out}");
    let text = read(&unit);
    // The service runs this very binary (as the OS resolves it) with the config dir.
    let exe = fs::canonicalize(BIN).unwrap();
    let exec_start =
        format!("ExecStart=\"{}\" --config-dir \"{}\" run", exe.display(), sb.cfg().display());
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        exec_start.as_str(),
        "Restart=on-failure",
        // Another agent holding the config dir (exit 3) is not retried every 3 s.
        "RestartPreventExitStatus=3",
        "WantedBy=default.target",
        "[Service]",
    ] {
        assert!(lines.contains(&want), "unit file lacks {want:?}:\n{text}");
    }
    // A user manager has no network-online.target; `After=` alone would order nothing.
    assert!(!text.contains("network-online"), "{text}");
    assert_eq!(
        sb.systemctl_calls(),
        ["--user daemon-reload", format!("--user enable --now {UNIT}").as_str()],
        "systemctl calls of install-service"
    );

    // Installing again rewrites the same unit and re-enables it.
    sb.run(&["install-service"]);
    assert_eq!(read(&unit), text);
    assert_eq!(sb.systemctl_calls().len(), 4);

    let out = sb.run(&["uninstall-service"]);
    assert!(out.contains(&format!("removed {}", unit.display())), "{out}");
    assert!(!out.contains("start"), "uninstall-service talks of starting: {out}");
    assert!(!unit.exists(), "uninstall-service left {}", unit.display());
    assert_eq!(
        sb.systemctl_calls()[4..],
        [format!("--user disable --now {UNIT}"), "--user daemon-reload".to_owned()],
        "systemctl calls of uninstall-service"
    );

    // Nothing installed: says so, and still succeeds.
    let out = sb.run(&["uninstall-service"]);
    assert!(out.contains(&format!("no service file at {}", unit.display())), "{out}");
}

#[test]
fn service_file_defaults_to_home_config() {
    let sb = Sandbox::new();
    sb.fake_systemctl(0);
    let cfg = sb.cfg();
    sb.run_env(false, &["--config-dir", cfg.to_str().unwrap(), "install-service"]);
    let unit = sb.home().join(".config/systemd/user").join(UNIT);
    assert!(read(&unit).contains("\nWantedBy=default.target\n"));
    assert!(!sb.xdg().join("systemd").exists());
    sb.run_env(false, &["uninstall-service"]);
    assert!(!unit.exists());
}

#[test]
fn install_service_without_working_systemctl_fails_and_says_how_to_start() {
    let sb = Sandbox::new();
    let unit = sb.xdg().join("systemd/user").join(UNIT);
    // No systemctl on PATH at all, then one that fails (e.g. no user session bus).
    for status in [None, Some(1)] {
        if let Some(status) = status {
            sb.fake_systemctl(status);
        }
        let out = sb.command(&["install-service"]).output().expect("install-service");
        let (stdout, stderr) =
            (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{status:?}: exit 0 though systemctl failed: {stdout}");
        let why = if status.is_some() { "failed (exit status: 1)" } else { "could not run" };
        assert!(stderr.contains(why), "{status:?}: {stderr}");
        assert!(stderr.contains("the agent was not started"), "{status:?}: {stderr}");
        assert!(stderr.contains(&format!("systemctl --user enable --now {UNIT}")), "{stderr}");
        assert!(stderr.contains("`opencode-lookout run`"), "{stderr}");
        assert!(!stdout.contains("runs now"), "{stdout}");
        assert!(unit.exists(), "the unit is written all the same");
    }
    // Removing still removes, and says the agent may still run.
    let out = sb.command(&["uninstall-service"]).output().expect("uninstall-service");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit 0 though the service could not be stopped");
    assert!(stderr.contains(&format!("stop it with `systemctl --user stop {UNIT}`")), "{stderr}");
    assert!(!stderr.contains("start"), "{stderr}");
    assert!(!unit.exists());
    // Nothing installed: nothing to stop, and systemctl is not asked.
    let calls = sb.systemctl_calls().len();
    assert!(sb.run(&["uninstall-service"]).contains("no service file at"));
    assert_eq!(sb.systemctl_calls().len(), calls);
}

#[test]
fn a_second_agent_exits_with_its_own_status_so_the_unit_does_not_loop() {
    let sb = Sandbox::new();
    let _first = sb.start_agent();
    let out = sb
        .command(&["run", "--listen", "127.0.0.1:0", "--no-mdns"])
        .output()
        .expect("second agent");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another agent is already running"), "{stderr}");
    // The status the unit's RestartPreventExitStatus names.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // Any other failure keeps the ordinary status, which the unit restarts on.
    let bad = sb.command(&["run", "--listen", "not-an-address"]).output().expect("bad run");
    assert_eq!(bad.status.code(), Some(2), "clap's usage error");
    fs::write(sb.cfg().join("config.toml"), "bogus = 1\n").unwrap();
    let bad = sb.command(&["run"]).output().expect("bad config");
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn install_plugin_is_idempotent_and_removes_the_twin() {
    let sb = Sandbox::new();
    let opencode = sb.xdg().join("opencode");
    let plugin = opencode.join("plugin").join(PLUGIN);
    let twin = opencode.join("plugins").join(PLUGIN);
    fs::create_dir_all(twin.parent().unwrap()).unwrap();
    fs::write(&twin, "// stray older copy\n").unwrap();

    let out = sb.run(&["install-plugin"]);
    assert!(
        out.contains(&format!("installed the Lookout plugin at {}", plugin.display())),
        "{out}"
    );
    let first = read(&plugin);
    assert!(!twin.exists(), "install-plugin left the copy in plugins/");
    // The endpoint file's absolute path, as a JS string literal.
    let endpoint = sb.cfg().join("plugin.json");
    assert!(endpoint.is_absolute());
    let literal = serde_json::to_string(endpoint.to_str().unwrap()).unwrap();
    assert!(first.contains(&literal), "plugin lacks {literal}");
    assert!(!first.contains("__ENDPOINT_FILE__"));
    // Only the agent's `run` creates secrets; the plugin waits for the endpoint file.
    assert_eq!(fs::read_dir(sb.cfg()).unwrap().count(), 0, "install-plugin created files");

    sb.run(&["install-plugin"]);
    assert_eq!(read(&plugin), first, "second install changed the plugin");
    assert!(!twin.exists());

    let out = sb.run(&["uninstall-plugin"]);
    assert!(out.contains(&format!("removed {}", plugin.display())), "{out}");
    assert!(!plugin.exists());
    let out = sb.run(&["uninstall-plugin"]);
    assert!(out.contains("the Lookout plugin was not installed"), "{out}");

    // A copy left only in plugins/ is removed by uninstall too.
    fs::write(&twin, "// stray\n").unwrap();
    let out = sb.run(&["uninstall-plugin"]);
    assert!(out.contains(&format!("removed {}", twin.display())), "{out}");
    assert!(!twin.exists());
}

/// OpenCode 2 loads no OpenCode 1 plugin: on a machine whose `opencode` is 2.x,
/// `install-plugin` explains that none is needed and writes nothing; on 1.x it installs.
#[test]
fn install_plugin_on_opencode_2_writes_nothing_and_says_why() {
    let sb = Sandbox::new();
    let fake = |version: &str| {
        let path = sb.root.join("bin/opencode");
        fs::write(&path, format!("#!/bin/sh\necho {version}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    };
    let plugin = sb.xdg().join("opencode").join("plugin").join(PLUGIN);
    fake("2.0.22");
    let out = sb.run(&["install-plugin"]);
    assert!(out.contains("OpenCode 2.0.22 needs no plugin"), "{out}");
    assert!(out.contains("--standalone"), "says what a plugin would still cover: {out}");
    assert!(!plugin.exists(), "a V1 plugin was written for OpenCode 2");
    fake("1.18.33");
    let out = sb.run(&["install-plugin"]);
    assert!(out.contains("installed the Lookout plugin"), "{out}");
    assert!(plugin.exists());
}

#[test]
fn plugin_defaults_to_home_config() {
    let sb = Sandbox::new();
    let cfg = sb.cfg();
    sb.run_env(false, &["--config-dir", cfg.to_str().unwrap(), "install-plugin"]);
    let plugin = sb.home().join(".config/opencode/plugin").join(PLUGIN);
    assert!(plugin.exists());
    let out = sb.run_env(false, &["uninstall-plugin"]);
    assert!(out.contains("removed"), "{out}");
    assert!(!plugin.exists());
}

#[test]
fn token_is_created_by_the_agent_and_stays_private() {
    let sb = Sandbox::new();
    // Client commands never create the token: they send the user to the agent.
    let err = sb.run_err(&["token"]);
    assert!(err.contains("start the agent first"), "{err}");
    assert!(!sb.cfg().join("token").exists());

    let agent = sb.start_agent();
    let first = sb.run(&["token"]);
    let second = sb.run(&["token"]);
    drop(agent);
    assert_eq!(first, second, "token changed between calls");
    let token = first.trim();
    assert_eq!(first, format!("{token}\n"), "token output is one line");
    assert!(token.len() >= 43, "token too short: {} chars", token.len());
    assert!(
        token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "token is not URL-safe: {token}"
    );
    let file = sb.cfg().join("token");
    assert_eq!(read(&file).trim(), token);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&sb.cfg()), 0o700, "the config dir is not owner-only");
}

#[test]
fn install_service_refuses_paths_systemd_would_interpret() {
    let sb = Sandbox::new();
    sb.fake_systemctl(0);
    let unit = sb.xdg().join("systemd/user").join(UNIT);
    for name in ["q\"uote", "per%icent", "dol$HOME", "back\\slash", "new\nline"] {
        let cfg = sb.root.join(name);
        let out = Command::new(BIN)
            .arg("--config-dir")
            .arg(&cfg)
            .arg("install-service")
            .env_clear()
            .env("PATH", sb.root.join("bin"))
            .env("HOME", sb.home())
            .env("XDG_CONFIG_HOME", sb.xdg())
            .output()
            .expect("cannot run the agent binary");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "install-service accepted {name:?}");
        assert!(err.contains("cannot write a service file for the config dir"), "{name:?}: {err}");
        assert!(!unit.exists(), "a unit was written for {name:?}");
    }
    assert!(sb.systemctl_calls().is_empty());
}

#[test]
fn short_or_readable_tokens_are_refused_not_repaired() {
    let sb = Sandbox::new();
    let file = sb.cfg().join("token");
    fs::write(&file, "hunter2\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    for args in [&["token"][..], &["run", "--listen", "127.0.0.1:0", "--no-mdns"][..]] {
        let err = sb.run_err(args);
        assert!(err.contains("has 7 characters; at least 32 are required"), "{args:?}: {err}");
    }
    assert_eq!(read(&file), "hunter2\n", "the short token was replaced");

    let good = "A".repeat(43);
    fs::write(&file, format!("{good}\n")).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    for args in [&["token"][..], &["run", "--listen", "127.0.0.1:0", "--no-mdns"][..]] {
        let err = sb.run_err(args);
        assert!(err.contains("mode 0644") && err.contains("chmod 600"), "{args:?}: {err}");
    }
    assert_eq!(mode(&file), 0o644, "the token file was silently chmodded");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(sb.run(&["token"]).trim(), good);
}

#[test]
fn agent_and_cli_started_together_agree_on_one_token() {
    let sb = Sandbox::new();
    for round in 0..10 {
        let cfg = sb.root.join(format!("race-{round}"));
        let spawn = |args: &[&str]| sb.spawn_in(&cfg, args);
        let run_args = ["run", "--listen", "127.0.0.1:0", "--no-mdns"];
        let mut agents = [Agent(spawn(&run_args)), Agent(spawn(&run_args))];
        let clis: Vec<Child> = (0..3).map(|_| spawn(&["token"])).collect();
        // Exactly one agent runs; the other stops at the config dir's lock.
        let mut running = 0;
        for agent in &mut agents {
            let stdout = agent.0.stdout.take().expect("stdout");
            let line = BufReader::new(stdout).lines().map_while(Result::ok).next();
            if line.is_some_and(|l| l.contains("listening")) {
                running += 1;
            } else {
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(
                    agent.0.stderr.as_mut().expect("stderr"),
                    &mut err,
                );
                assert!(err.contains("another agent is already running"), "round {round}: {err}");
            }
        }
        assert_eq!(running, 1, "round {round}: {running} agents running");
        let token = read(&cfg.join("token")).trim().to_owned();
        assert!(token.len() >= 43);
        for cli in clis {
            let out = cli.wait_with_output().expect("cli");
            let (stdout, stderr) =
                (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            // None fails: a CLI that came first waits for the agent's token.
            assert!(out.status.success(), "round {round}: {stderr}");
            assert_eq!(stdout.trim(), token, "round {round}: the CLI saw another token");
        }
        drop(agents);
        // Nothing but the agent's files: no temp file left by a lost race.
        let mut names: Vec<String> = fs::read_dir(&cfg)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "agent.lock",
                "lookout.sqlite3",
                "lookout.sqlite3-shm",
                "lookout.sqlite3-wal",
                "plugin.json",
                "plugin.sock",
                "plugin_secret",
                "server_id",
                "tls.crt",
                "tls.key",
                "token"
            ],
            "round {round}"
        );
    }
}

#[test]
fn pair_and_token_started_with_the_agent_wait_for_its_files() {
    let sb = Sandbox::new();
    for round in 0..10 {
        let cfg = sb.root.join(format!("together-{round}"));
        let spawn = |args: &[&str]| sb.spawn_in(&cfg, args);
        // In the same instant, as right after `install-service`: the CLIs may run before
        // the agent has even taken its lock.
        let pair = spawn(&["pair"]);
        let token = spawn(&["token"]);
        let mut agent = Agent(spawn(&["run", "--listen", "127.0.0.1:0", "--no-mdns"]));
        let outs = [pair, token].map(|c| c.wait_with_output().expect("cli"));
        for out in &outs {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {stderr}");
        }
        let stdout = agent.0.stdout.take().expect("stdout");
        let line = BufReader::new(stdout).lines().map_while(Result::ok).next().unwrap_or_default();
        let fingerprint = line.split("fingerprint=").nth(1).expect("listening line").to_owned();
        let token = read(&cfg.join("token")).trim().to_owned();
        let pairing = String::from_utf8_lossy(&outs[0].stdout).trim().to_owned();
        assert_eq!(pairing, format!("lookout1:7420:{fingerprint}:{token}"), "round {round}");
        assert_eq!(String::from_utf8_lossy(&outs[1].stdout).trim(), token, "round {round}");
    }
}

#[test]
fn agent_logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let sb = Sandbox::new();
    let log = sb.root.join("agent.log");
    let mut child = sb
        .command(&["run", "--listen", "127.0.0.1:0", "--no-mdns"])
        .stdout(Stdio::piped())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .expect("agent");
    let stdout = child.stdout.take().expect("stdout");
    let agent = Agent(child);
    let listening =
        BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("listening"));
    drop(agent);
    assert!(listening);
    let text = read(&log);
    assert!(text.contains("INFO") && text.contains("running"), "{text}");
    assert!(!text.contains("\x1b["), "colour codes in a log file: {text:?}");
}
