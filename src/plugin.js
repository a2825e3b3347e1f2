// OpenCode Lookout plugin: forwards OpenCode's bus events to the local Lookout agent and
// runs the API calls the agent sends back through OpenCode's in-process client. It holds
// no state logic: the agent decides everything. Installed by `opencode-lookout install-plugin`.
// The link is one JSON object per line over the agent's Unix socket (a loopback port where
// there are none), named in the endpoint file the agent writes; see docs/protocol.md.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { readFileSync } from "node:fs"
import net from "node:net"
import readline from "node:readline"

const ENDPOINT_FILE = process.env.OPENCODE_LOOKOUT_ENDPOINT_FILE || "__ENDPOINT_FILE__"
const hmac = (secret, msg) => createHmac("sha256", secret).update(msg).digest("hex")
const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 5000
// After the agent refused us (e.g. the secret was rotated), wait longer before retrying.
const RETRY_REFUSED_MS = 30000
// A link silent this long is dropped and redialled: the agent answers at once and pings
// every 10 s, but Bun may miss the close of a socket the agent shut while OpenCode was busy.
const SILENT_BEFORE_WELCOME_MS = 10000
const SILENT_AFTER_WELCOME_MS = 35000

export const OpencodeLookout = async (input) => {
  const client = input.client
  let sock = null
  let ready = false
  let delay = RETRY_MIN_MS

  const endpoint = () => {
    try {
      return JSON.parse(readFileSync(ENDPOINT_FILE, "utf8"))
    } catch {
      return null
    }
  }

  // Generic call into the in-process server; works in the TUI, which has no HTTP port.
  // `directory` scopes the call to the session's project (permissions are per project).
  const call = async (c) => {
    if (typeof c.path !== "string" || !c.path.startsWith("/") || c.path.startsWith("//")) {
      return { error: "invalid path" }
    }
    const u = new URL(c.path, "http://opencode.internal")
    const query = Object.fromEntries(u.searchParams)
    if (c.directory) query.directory = c.directory
    const opts = { method: c.method || "GET", url: u.pathname, query }
    if (c.body !== undefined && c.body !== null) opts.body = c.body
    const r = await client._client.request(opts)
    const status = r.response ? r.response.status : r.error !== undefined ? 500 : 200
    const out = { status, body: r.data !== undefined ? r.data : r.error !== undefined ? r.error : null }
    // OpenCode 1.15.x serves this client from a second instance of the directory, which
    // knows no pending request (404); its HTTP server, when it has one, is the right one.
    return status === 404 ? (await overHttp(u, query, opts)) || out : out
  }

  // The same call over OpenCode's own HTTP server; null when it has none (the TUI).
  const overHttp = async (u, query, opts) => {
    if (!input.serverUrl) return null
    try {
      const url = new URL(u.pathname, input.serverUrl)
      for (const [k, v] of Object.entries(query)) if (k !== "directory") url.searchParams.set(k, v)
      const headers = { "content-type": "application/json" }
      if (query.directory || input.directory) headers["x-opencode-directory"] = encodeURIComponent(query.directory || input.directory)
      const pw = process.env.OPENCODE_SERVER_PASSWORD
      if (pw) headers.authorization = "Basic " + Buffer.from(`${process.env.OPENCODE_SERVER_USERNAME || "opencode"}:${pw}`).toString("base64")
      const body = opts.body !== undefined ? JSON.stringify(opts.body) : undefined
      const r = await fetch(url, { method: opts.method, headers, body, signal: AbortSignal.timeout(10000) })
      const text = await r.text()
      let data = null
      try { data = text ? JSON.parse(text) : null } catch { data = text }
      return r.status === 404 ? null : { status: r.status, body: data }
    } catch {
      return null
    }
  }

  const write = (s, obj) => {
    if (!s.destroyed) s.write(JSON.stringify(obj) + "\n")
  }
  // Events while disconnected are dropped: the agent resyncs over REST on every connect.
  const send = (obj) => {
    if (sock && ready) write(sock, obj)
  }

  const connect = () => {
    const ep = endpoint()
    if (!ep || !ep.secret || !(ep.socket || ep.port)) return retry()
    const nonce = randomBytes(16).toString("hex")
    const s = ep.socket ? net.connect({ path: ep.socket }) : net.connect({ host: "127.0.0.1", port: ep.port })
    sock = s
    let watchdog = null
    const arm = () => {
      clearTimeout(watchdog)
      watchdog = setTimeout(() => s.destroy(), ready ? SILENT_AFTER_WELCOME_MS : SILENT_BEFORE_WELCOME_MS)
    }
    arm()
    const lines = readline.createInterface({ input: s, crlfDelay: Infinity })
    // readline re-emits the socket's errors; unhandled, one would escape into OpenCode.
    lines.on("error", () => {})
    lines.on("line", async (line) => {
      if (sock === s) arm()
      let msg
      try {
        msg = JSON.parse(line)
      } catch {
        return
      }
      if (msg.type === "challenge") {
        write(s, {
          type: "hello", proof: hmac(ep.secret, `plugin:${msg.nonce}`), nonce,
          pid: process.pid, directory: input.directory, worktree: input.worktree,
        })
      } else if (msg.type === "welcome") {
        const want = Buffer.from(hmac(ep.secret, `agent:${nonce}`))
        const got = Buffer.from(String(msg.proof || ""))
        if (got.length !== want.length || !timingSafeEqual(got, want)) return s.destroy()
        ready = true
        delay = RETRY_MIN_MS
        arm()
      } else if (msg.type === "refused") {
        const message = `the agent refused this plugin (${msg.reason}); retrying in ${RETRY_REFUSED_MS / 1000} s`
        Promise.resolve()
          .then(() => client.app.log({ body: { service: "opencode-lookout", level: "warn", message } }))
          .catch(() => {})
        delay = RETRY_REFUSED_MS
        s.destroy()
      } else if (msg.type === "ping") {
        write(s, { type: "pong" })
      } else if (msg.type === "call" && ready) {
        let out
        try {
          out = { type: "result", id: msg.id, ...(await call(msg)) }
        } catch (e) {
          out = { type: "result", id: msg.id, error: String((e && e.message) || e) }
        }
        write(s, out)
      }
    })
    s.on("end", () => s.destroy())
    s.on("close", () => {
      clearTimeout(watchdog)
      if (sock === s) {
        sock = null
        ready = false
      }
      retry()
    })
    s.on("error", () => {})
  }

  const retry = () => {
    setTimeout(connect, delay)
    delay = Math.min(delay * 2, RETRY_MAX_MS)
  }

  connect()
  return {
    event: async ({ event }) => {
      if (event && event.type !== "server.heartbeat") send({ type: "event", event })
    },
  }
}
