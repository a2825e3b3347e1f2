// OpenCode Lookout plugin: forwards OpenCode's bus events to the local Lookout agent and
// runs the API calls the agent sends back through OpenCode's in-process client. It holds
// no state logic: the agent decides everything. Installed by `opencode-lookout install-plugin`.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { readFileSync } from "node:fs"

const ENDPOINT_FILE = process.env.OPENCODE_LOOKOUT_ENDPOINT_FILE || "__ENDPOINT_FILE__"
const hmac = (secret, msg) => createHmac("sha256", secret).update(msg).digest("hex")

export const OpencodeLookout = async (input) => {
  const client = input.client
  let ws = null
  let ready = false
  let delay = 500
  let stopped = false

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
    return { status, body: r.data !== undefined ? r.data : r.error !== undefined ? r.error : null }
  }

  // Events while disconnected are dropped: the agent resyncs over REST on every connect.
  const send = (obj) => {
    if (ws && ready && ws.readyState === 1) ws.send(JSON.stringify(obj))
  }

  const connect = () => {
    if (stopped) return
    const ep = endpoint()
    if (!ep || !ep.port || !ep.secret) return retry()
    const nonce = randomBytes(16).toString("hex")
    let socket
    try {
      socket = new WebSocket(`ws://127.0.0.1:${ep.port}/plugin`)
    } catch {
      return retry()
    }
    ws = socket
    socket.onmessage = async (m) => {
      let msg
      try {
        msg = JSON.parse(typeof m.data === "string" ? m.data : new TextDecoder().decode(m.data))
      } catch {
        return
      }
      if (msg.type === "challenge") {
        socket.send(JSON.stringify({
          type: "hello", proof: hmac(ep.secret, `plugin:${msg.nonce}`), nonce,
          pid: process.pid, directory: input.directory, worktree: input.worktree,
        }))
      } else if (msg.type === "welcome") {
        const want = Buffer.from(hmac(ep.secret, `agent:${nonce}`))
        const got = Buffer.from(String(msg.proof || ""))
        if (got.length !== want.length || !timingSafeEqual(got, want)) return socket.close()
        ready = true
        delay = 500
      } else if (msg.type === "call" && ready) {
        let out
        try {
          out = { type: "result", id: msg.id, ...(await call(msg)) }
        } catch (e) {
          out = { type: "result", id: msg.id, error: String((e && e.message) || e) }
        }
        if (socket.readyState === 1) socket.send(JSON.stringify(out))
      }
    }
    socket.onclose = () => {
      if (ws === socket) {
        ws = null
        ready = false
      }
      retry()
    }
    socket.onerror = () => {}
  }

  const retry = () => {
    if (stopped) return
    setTimeout(connect, delay)
    delay = Math.min(delay * 2, 5000)
  }

  connect()
  return {
    event: async ({ event }) => {
      if (event && event.type !== "server.heartbeat") send({ type: "event", event })
    },
  }
}
