//! Part 6 of the benchmark, run only when asked (`--long[=MINUTES]`): a long day in a few
//! minutes. The real agent (default settings, so the session cap of 200 is reached) is fed
//! through the plugin link by 5 fake OpenCode processes at ~50 events/s over 500 sessions,
//! with 3 subscribed clients and a plugin reconnecting every 50 s. Most turns go to 20 hot
//! sessions, which grow long (hundreds of messages); the rest spread over 480 cold ones,
//! which come and go through the cap. Every 10 s it samples the agent's `VmRSS` and
//! `write_bytes` (`/proc/<pid>/io`: bytes the agent caused to be written to disk) and reports
//! the RSS slope after the warm-up, the bytes written per minute, and the store's size.

use super::{ev_assistant, ev_delta, ev_status, ev_tool, ev_user, session_info};
use super::{start_agent, Agent, Client, Pacer, Plugin, Report};
use anyhow::Result;
use serde_json::{json, Value};
use std::{
    path::Path,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};
use tokio::io::AsyncWriteExt;

const SESSIONS: usize = 500;
const HOT: usize = 20;
const PLUGINS: usize = 5;
const CLIENTS: usize = 3;
const RATE: f64 = 50.0;
const RECONNECT_EVERY: Duration = Duration::from_secs(50);
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Samples before this are the warm-up (the cap is reached in the fill, the store and the
/// allocator settle in the first minute).
const WARM_UP: Duration = Duration::from_secs(60);
/// Deltas streamed per assistant message.
const DELTAS: usize = 20;

/// Bytes the agent caused to be written to storage so far (`write_bytes`), if readable.
fn write_bytes(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines().find_map(|l| l.strip_prefix("write_bytes:")).and_then(|v| v.trim().parse().ok())
}

/// One turn of a session: a prompt, a streamed reply with a tool call, idle again.
fn turn(sid: &str, n: u64) -> Vec<Value> {
    let (mu, ma) = (format!("msg_{sid}_{n}u"), format!("msg_{sid}_{n}a"));
    let title = format!("Long day session {sid}: turn {n}");
    let mut evs = vec![
        json!({"type": "session.updated", "properties": {"sessionID": sid, "info": session_info(sid, &title)}}),
        ev_status(sid, "busy"),
        ev_user(sid, &mu),
        ev_assistant(sid, &ma, 1),
        ev_tool(sid, &ma, "running"),
    ];
    evs.extend((0..DELTAS).map(|_| ev_delta(sid, &ma)));
    evs.extend([
        ev_tool(sid, &ma, "completed"),
        ev_assistant(sid, &ma, 200 + n),
        ev_assistant(sid, &ma, 400 + n),
        ev_status(sid, "idle"),
        json!({"type": "session.idle", "properties": {"sessionID": sid}}),
    ]);
    evs
}

/// Least-squares slope of `(seconds, KiB)` samples, in KiB per minute.
fn slope_per_min(samples: &[(f64, f64)]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (mx, my) = samples.iter().fold((0.0, 0.0), |(x, y), s| (x + s.0 / n, y + s.1 / n));
    let (num, den) = samples
        .iter()
        .fold((0.0, 0.0), |(a, b), s| (a + (s.0 - mx) * (s.1 - my), b + (s.0 - mx).powi(2)));
    num / den * 60.0
}

/// A deterministic spread of turns: 80 % to the hot sessions, the rest over the cold ones.
struct Picker(u64);

impl Picker {
    fn next(&mut self) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let r = (self.0 >> 33) as usize;
        if r % 10 < 8 {
            (r / 10) % HOT
        } else {
            HOT + (r / 10) % (SESSIONS - HOT)
        }
    }
}

async fn close(plugin: Plugin) {
    let _ = plugin.writer.lock().await.shutdown().await;
}

pub async fn run(bin: &Path, rep: &mut Report, minutes: f64) -> Result<()> {
    eprintln!(
        "[6/6] long run: {minutes} min, {RATE} ev/s over {SESSIONS} sessions ({HOT} hot), \
         {PLUGINS} plugins reconnecting every {}s, {CLIENTS} clients",
        RECONNECT_EVERY.as_secs()
    );
    let agent = start_agent(bin, "long", &[]).await?;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Client::connect(&agent).await?);
    }
    let mut plugins = Vec::new();
    for p in 0..PLUGINS {
        plugins.push(Some(Plugin::connect(&agent, 7000 + p as u64).await?));
    }
    let sids: Vec<String> = (0..SESSIONS).map(|s| format!("ses_long{s:03}")).collect();
    let mut turns = vec![0u64; SESSIONS];
    // Fill: every session once, quickly, so the cap is reached before the measurement.
    let pacer = Pacer::new(1000.0);
    let mut sent = 0u64;
    for (s, sid) in sids.iter().enumerate() {
        let plugin = plugins[s % PLUGINS].as_mut().expect("connected");
        for ev in turn(sid, 0) {
            pacer.wait_for(sent).await;
            plugin.send(ev).await?;
            sent += 1;
        }
        turns[s] = 1;
    }
    let (rss0, _) = agent.rss_kb();
    let io0 = write_bytes(agent.pid);
    eprintln!("  filled {SESSIONS} sessions ({sent} events); VmRSS {rss0} KiB");

    let total = Duration::from_secs_f64(minutes * 60.0);
    let start = Instant::now();
    let pacer = Pacer::new(RATE);
    let mut steady = 0u64;
    let mut picker = Picker(42);
    let mut samples: Vec<(f64, u64, Option<u64>)> = Vec::new();
    let mut next_sample = SAMPLE_EVERY;
    let mut next_reconnect = RECONNECT_EVERY;
    let mut reconnects = 0usize;
    let mut messages = 0u64;
    while start.elapsed() < total {
        let s = picker.next();
        let p = s % PLUGINS;
        if plugins[p].is_none() {
            plugins[p] = Some(Plugin::connect(&agent, 7000 + p as u64).await?);
        }
        for ev in turn(&sids[s], turns[s]) {
            pacer.wait_for(steady).await;
            plugins[p].as_mut().expect("connected").send(ev).await?;
            steady += 1;
        }
        turns[s] += 1;
        messages += 2;
        let t = start.elapsed();
        if t >= next_reconnect {
            next_reconnect += RECONNECT_EVERY;
            let q = reconnects % PLUGINS;
            if let Some(old) = plugins[q].take() {
                close(old).await;
            }
            reconnects += 1;
            // Reconnected before its next turn; the gap lets the agent see the drop.
        }
        if t >= next_sample {
            next_sample += SAMPLE_EVERY;
            let (rss, _) = agent.rss_kb();
            samples.push((t.as_secs_f64(), rss, write_bytes(agent.pid)));
            for c in &clients {
                c.take();
            }
            if samples.len() % 6 == 0 {
                eprintln!("  {:>4.1} min: VmRSS {rss} KiB", t.as_secs_f64() / 60.0);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let after: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.0 >= WARM_UP.as_secs_f64())
        .map(|s| (s.0, s.1 as f64))
        .collect();
    let slope = slope_per_min(&after);
    let first = after.first().map_or(0.0, |s| s.1);
    let last = after.last().map_or(0.0, |s| s.1);
    let closed = clients.iter().filter(|c| c.closed.load(Ordering::SeqCst)).count();
    rep.row(
        &format!("agent VmRSS slope after warm-up, {minutes} min"),
        format!("{slope:.1} KiB/min"),
        "< 10 KiB/min",
        Some(slope < 10.0 && closed == 0),
    );
    let per_min: Vec<String> = samples
        .iter()
        .filter(|s| s.0 as u64 % 60 < SAMPLE_EVERY.as_secs())
        .map(|s| format!("{:.0}s {} KiB", s.0, s.1))
        .collect();
    rep.note(format!(
        "long run: {steady} events in {elapsed:.0} s ({:.1} ev/s) after a fill of {sent}, {messages} messages, \
         {SESSIONS} sessions ({HOT} hot; default cap 200), {reconnects} plugin reconnects, {CLIENTS} clients \
         ({closed} dropped); VmRSS after fill {rss0} KiB, after warm-up {first:.0} KiB, at the end {last:.0} KiB; \
         per minute: {}",
        steady as f64 / elapsed,
        per_min.join(", ")
    ));
    let store_kib = ["lookout.sqlite3", "lookout.sqlite3-wal"]
        .iter()
        .map(|f| std::fs::metadata(agent.dir.join(f)).map_or(0, |m| m.len()))
        .sum::<u64>()
        / 1024;
    match (io0, samples.last().and_then(|s| s.2)) {
        (Some(a), Some(b)) => {
            let kib = (b.saturating_sub(a)) as f64 / 1024.0;
            let rate = kib / (samples.last().map_or(1.0, |s| s.0) / 60.0);
            rep.row("agent disk writes, long run", format!("{rate:.0} KiB/min"), "-", None);
            rep.note(format!(
                "long run disk: {kib:.0} KiB written (/proc/<pid>/io write_bytes) in {:.0} s; \
                 store + WAL at the end {store_kib} KiB",
                samples.last().map_or(0.0, |s| s.0)
            ));
        }
        _ => rep.note(format!(
            "long run disk: /proc/<pid>/io not readable; store + WAL {store_kib} KiB"
        )),
    }
    drop(clients);
    for p in plugins.into_iter().flatten() {
        close(p).await;
    }
    Agent::stop(agent).await;
    Ok(())
}
