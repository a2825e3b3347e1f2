//! The plugin link against the real agent binary: limits before trust (an oversized hello
//! costs no memory), and neither idle sockets nor another local user lock out Home
//! Assistant's API client or a real OpenCode process running the plugin.
#![cfg(target_os = "linux")]

mod common;

use common::{free_port, Client, Env, Opencode};
use serde_json::{json, Value};
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::UnixStream,
};

/// The socket named in the endpoint file the agent wrote.
fn socket_path(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(dir.join("plugin.json")).expect("endpoint file");
    let endpoint: Value = serde_json::from_str(&text).expect("endpoint JSON");
    PathBuf::from(endpoint["socket"].as_str().expect("the plugin link is a Unix socket"))
}

/// Resident memory of a process, in KiB.
fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_hello_is_refused_in_bounded_memory() {
    let env = Env::new("link-hello", 9);
    let (agent, _api) = env.start_agent(&[]);
    let pid = agent.child.id();
    let socket = socket_path(&env.lookout_dir);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = vm_rss_kib(pid);

    // Four peers at once, each sending an 8 MiB hello without a newline.
    let peers = (0..4).map(|_| {
        let socket = socket.clone();
        tokio::spawn(async move {
            let stream = UnixStream::connect(&socket).await.expect("connect");
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let challenge = lines.next_line().await.expect("read").expect("challenge");
            assert!(challenge.contains("\"challenge\""), "{challenge}");
            let writer = tokio::spawn(async move {
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..128 {
                    if write.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
            let started = Instant::now();
            let answer = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
                .await
                .expect("the agent neither answered nor closed");
            let end = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await;
            writer.abort();
            (answer.ok().flatten(), end, started.elapsed())
        })
    });
    for peer in peers {
        let (answer, end, took) = peer.await.expect("peer task");
        assert_eq!(
            answer.as_deref(),
            Some(r#"{"type":"refused","reason":"bad_hello"}"#),
            "after {took:?}"
        );
        assert!(matches!(end, Ok(Ok(None)) | Ok(Err(_))), "connection left open: {end:?}");
    }
    let after = vm_rss_kib(pid);
    let growth = after.saturating_sub(before);
    assert!(growth < 5 * 1024, "agent RSS grew by {growth} KiB ({before} -> {after})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_foreign_peers_lock_out_neither_home_assistant_nor_opencode() {
    let env = Env::new("link-lockout", 9);
    env.cli(&["install-plugin"]);
    let (agent, api) = env.start_agent(&[]);
    let pid = agent.child.id();
    // The usual desktop limit, which 1,024 idle sockets used to exhaust.
    let limited = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), "--nofile=1024:1024"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(limited, "prlimit failed");
    let socket = socket_path(&env.lookout_dir);
    assert_eq!(mode(&socket), 0o600, "plugin socket mode");
    assert_eq!(mode(&env.lookout_dir), 0o700, "config dir mode");

    // Another local user cannot even reach the socket (needs root to switch users).
    // A system Python: a per-user one (pyenv) is not executable by `nobody`.
    let python = Path::new("/usr/bin/python3");
    if is_root() && python.exists() {
        let script = "import socket, sys\n\
            ok, err = 0, None\n\
            held = []\n\
            for _ in range(1000):\n\
            \x20   s = socket.socket(socket.AF_UNIX)\n\
            \x20   try:\n\
            \x20       s.connect(sys.argv[1]); held.append(s); ok += 1\n\
            \x20   except OSError as e:\n\
            \x20       err = type(e).__name__\n\
            print(ok, err)\n";
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(python)
            .args(["-c", script])
            .arg(&socket)
            .current_dir("/")
            .output()
            .expect("setpriv runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), "0 PermissionError", "as nobody: {text} {out:?}");
    } else {
        eprintln!("not root or no /usr/bin/python3: no connection attempt as another user");
    }

    // The same user holding 1,000 idle connections: the agent closes all but a few at
    // once and the rest after the handshake timeout.
    let mut idle = Vec::new();
    for _ in 0..1000 {
        match std::os::unix::net::UnixStream::connect(&socket) {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connect {}: {e}", idle.len()),
        }
    }

    // Home Assistant's API client still gets in.
    let mut client = Client::connect(api, &env.pairing()).await;
    let r = client.command(json!({"type": "list_sessions"})).await;
    assert_eq!(r["ok"], true, "{r}");

    // So does a real OpenCode process with the plugin.
    let (_opencode, url) = env.start_opencode(free_port());
    Opencode::new(&url).list_sessions().await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let r = client.command(json!({"type": "list_sessions"})).await;
        let connected = r["result"]["instances"]
            .as_array()
            .is_some_and(|l| l.iter().any(|i| i["kind"] == "plugin" && i["connected"] == true));
        if connected {
            break;
        }
        assert!(Instant::now() < deadline, "the OpenCode plugin never connected: {r}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(idle);
}

/// OpenCode's runtime blocks for seconds while it starts (longer than the handshake
/// timeout): the real plugin, run by OpenCode's own Bun, must recover and connect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_reconnects_after_a_busy_start() {
    let env = Env::new("link-busy", 9);
    env.cli(&["install-plugin"]);
    let (_agent, api) = env.start_agent(&[]);
    let plugin = env.root.join("config/opencode/plugin/opencode-lookout.js");
    assert!(plugin.exists(), "install-plugin wrote no plugin");
    let harness = env.root.join("busy.mjs");
    let script = format!(
        "const m = await import({plugin:?})\n\
         const client = {{ _client: {{ request: async () => ({{ data: [], response: {{ status: 200 }} }}) }}, \
         app: {{ log: async () => {{}} }} }}\n\
         await m.OpencodeLookout({{ client, directory: \"/x\", worktree: \"/x\" }})\n\
         const t = Date.now(); while (Date.now() - t < 7000) {{}}\n\
         setTimeout(() => process.exit(0), 8000)\n"
    );
    std::fs::write(&harness, script).expect("harness");
    let mut bun = env.command(common::opencode_bin());
    bun.env("BUN_BE_BUN", "1").arg(&harness);
    let run = tokio::task::spawn_blocking(move || bun.output().expect("bun runs"));

    let mut client = Client::connect(api, &env.pairing()).await;
    let deadline = Instant::now() + Duration::from_secs(14);
    let connected = loop {
        let r = client.command(json!({"type": "list_sessions"})).await;
        let up = r["result"]["instances"]
            .as_array()
            .is_some_and(|l| l.iter().any(|i| i["kind"] == "plugin" && i["connected"] == true));
        if up || Instant::now() > deadline {
            break up;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let out = run.await.expect("bun task");
    assert!(
        out.status.success(),
        "the plugin's runtime failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(connected, "the plugin did not connect after its busy start");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
