// first-trading-app dashboard. No framework, no CDN, no inline script.
// The token comes from this page's URL fragment (#token=...), is kept in
// sessionStorage for reloads, and goes out only as an Authorization header.
"use strict";

const ACTIONS = {
  "halt": "Halt trading? Working entries are cancelled; stops that protect positions stay.",
  "reduce-only": "Switch to reduce-only? Only exposure-reducing orders pass; entries are cancelled.",
  "cancel": "Cancel the bot's working entries? Stops that protect positions stay.",
  "flatten": "Flatten? Trading halts and every position of the bot's is closed at market.",
  "resume": "Resume trading? This clears the halt (the operator reset).",
};

const $ = (id) => document.getElementById(id);
let token = null;

function readToken() {
  const m = /(?:^|[#&])token=([A-Za-z0-9._~-]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("fta-token", m[1]);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("fta-token");
}

function authHeaders(extra) {
  return Object.assign({ "Authorization": "Bearer " + token }, extra || {});
}

function showError(text) {
  const e = $("error");
  e.hidden = !text;
  e.textContent = text || "";
}

function money(v) {
  if (v === null || v === undefined) return "–";
  const n = Number(v);
  return n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function signed(el, v) {
  el.textContent = money(v);
  el.classList.toggle("up", Number(v) > 0);
  el.classList.toggle("down", Number(v) < 0);
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "–" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function fillTable(id, rows, render) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell(tr, "none", "muted");
    td.colSpan = $(id).querySelectorAll("th").length;
    body.appendChild(tr);
    return;
  }
  for (const row of rows) {
    const tr = document.createElement("tr");
    render(tr, row);
    body.appendChild(tr);
  }
}

function riskBar(label, used, limit, text) {
  const div = document.createElement("div");
  div.className = "bar";
  const l = document.createElement("div");
  l.className = "label";
  const a = document.createElement("span");
  a.textContent = label;
  const b = document.createElement("span");
  b.textContent = text;
  l.append(a, b);
  const track = document.createElement("div");
  track.className = "track";
  const fill = document.createElement("div");
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  fill.className = "fill" + (share >= 1 ? " over" : share >= 0.75 ? " warn" : "");
  fill.style.width = (share * 100).toFixed(1) + "%";
  track.appendChild(fill);
  div.append(l, track);
  return div;
}

function render(s) {
  $("mode").textContent = s.mode || "…";
  $("account").textContent = s.account || "";
  const st = $("state");
  st.textContent = s.state;
  st.dataset.state = s.state;
  $("state-reason").textContent = s.state_reason || "";
  const link = $("link");
  link.textContent = s.connected ? "TWS connected" : "TWS link down";
  link.className = "pill " + (s.connected ? "ok" : "bad");
  $("updated").textContent = s.at ? "as of " + new Date(s.at).toLocaleTimeString() : "";

  signed($("pnl-net"), s.pnl.net);
  signed($("pnl-realized"), s.pnl.realized);
  signed($("pnl-unrealized"), s.pnl.unrealized);
  $("pnl-commissions").textContent = money(s.pnl.commissions);
  $("pnl-equity").textContent = money(s.pnl.equity);
  $("pnl-fills").textContent = String(s.pnl.fills);

  const r = s.risk;
  const bars = [
    riskBar("Daily loss", Number(r.daily_loss), Number(r.daily_loss_limit),
      money(r.daily_loss) + " / " + money(r.daily_loss_limit)),
    riskBar("Open orders", r.open_orders, r.max_open_orders, r.open_orders + " / " + r.max_open_orders),
    riskBar("Order rate (1 s)", r.orders_last_second, r.max_orders_per_second,
      r.orders_last_second + " / " + r.max_orders_per_second),
  ];
  for (const p of r.positions) {
    bars.push(riskBar("Position " + p.symbol, Number(p.notional), Number(p.limit),
      money(p.notional) + " / " + money(p.limit)));
  }
  $("risk-bars").replaceChildren(...bars);

  fillTable("positions", s.positions, (tr, p) => {
    tr.dataset.symbol = p.symbol;
    cell(tr, p.symbol);
    cell(tr, p.quantity, "num");
    cell(tr, money(p.average_cost), "num");
    cell(tr, money(p.last_price), "num");
    const u = cell(tr, money(p.unrealized_pnl), "num");
    u.classList.toggle("up", Number(p.unrealized_pnl) > 0);
    u.classList.toggle("down", Number(p.unrealized_pnl) < 0);
    cell(tr, p.managed ? "yes" : "left alone");
  });
  fillTable("orders", s.orders, (tr, o) => {
    cell(tr, o.order_ref);
    cell(tr, o.symbol);
    cell(tr, o.side);
    cell(tr, o.kind);
    cell(tr, o.quantity, "num");
    cell(tr, o.filled, "num");
    cell(tr, o.leg);
    cell(tr, o.state);
  });
  $("not-ours").textContent = s.not_ours.length === 0 ? "" :
    "Not ours, left alone: " + s.not_ours.map((o) =>
      "client " + o.client_id + " #" + o.order_id + " " + o.side + " " + o.quantity + " " + o.symbol).join(", ");
  fillTable("market", s.market_data, (tr, f) => {
    cell(tr, f.symbol);
    const st = cell(tr, f.state + (f.reason ? " — " + f.reason : ""));
    st.classList.toggle("down", f.state !== "streaming");
    cell(tr, f.lag_secs === null ? "–" : f.lag_secs + " s", "num");
  });
  if (s.pnl.fills !== lastFills) {
    lastFills = s.pnl.fills;
    loadTrades();
  }
  if (s.equity_curve.length !== lastCurveLength) {
    lastCurveLength = s.equity_curve.length;
    loadEquity();
  }
}

let lastCurveLength = -1;
let lastFills = -1;

async function loadEquity() {
  const r = await fetch("/api/equity.svg", { headers: authHeaders() });
  if (!r.ok) return;
  const doc = new DOMParser().parseFromString(await r.text(), "image/svg+xml");
  const svg = doc.documentElement;
  if (svg && svg.nodeName === "svg") $("equity").replaceChildren(document.importNode(svg, true));
}

async function loadDecisions() {
  const r = await fetch("/api/decisions?limit=15", { headers: authHeaders() });
  if (!r.ok) return;
  const body = await r.json();
  fillTable("decisions", body.decisions, (tr, d) => {
    cell(tr, new Date(d.at).toLocaleTimeString());
    cell(tr, d.symbol);
    cell(tr, d.side);
    cell(tr, d.quantity, "num");
    const c = cell(tr, d.approved ? "approved" : d.reason);
    c.classList.toggle("down", !d.approved);
  });
}

async function loadTrades() {
  const r = await fetch("/api/trades", { headers: authHeaders() });
  if (!r.ok) return;
  const body = await r.json();
  fillTable("trades", body.trades.slice(0, 50), (tr, t) => {
    cell(tr, new Date(t.time).toLocaleTimeString());
    cell(tr, t.symbol);
    cell(tr, t.side);
    cell(tr, t.quantity, "num");
    cell(tr, money(t.price), "num");
    cell(tr, t.commission === null ? "–" : money(t.commission), "num");
    cell(tr, t.order_ref || "not the bot's");
  });
}

// Server-sent events read with fetch (EventSource cannot send a header).
async function follow() {
  for (;;) {
    try {
      const r = await fetch("/api/events", { headers: authHeaders() });
      if (r.status === 401) { showError("The token was refused: open the URL run printed for this session."); return; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      showError(null);
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
          if (data) render(JSON.parse(data));
        }
      }
    } catch (e) {
      showError("Lost the bot (" + e.message + "); reconnecting…");
    }
    $("link").textContent = "bot unreachable";
    $("link").className = "pill bad";
    await new Promise((ok) => setTimeout(ok, 2000));
  }
}

function confirmThen(action) {
  const dialog = $("confirm");
  $("confirm-text").textContent = ACTIONS[action];
  dialog.dataset.action = action;
  dialog.showModal();
}

async function send(action) {
  const body = action === "resume" ? JSON.stringify({ confirm: "RESUME" }) : "{}";
  const r = await fetch("/api/" + action, {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }),
    body,
  });
  const answer = await r.json().catch(() => ({}));
  $("last-action").textContent = r.ok
    ? action + ": " + answer.detail
    : action + " failed: " + (answer.error || "HTTP " + r.status);
  loadDecisions();
}

function start() {
  token = readToken();
  if (!token) { $("no-token").hidden = false; return; }
  for (const b of document.querySelectorAll("button[data-action]")) {
    b.addEventListener("click", () => confirmThen(b.dataset.action));
  }
  $("confirm").addEventListener("close", () => {
    const dialog = $("confirm");
    if (dialog.returnValue === "ok") send(dialog.dataset.action);
  });
  follow();
  loadDecisions();
  setInterval(loadDecisions, 5000);
  setInterval(loadEquity, 60000);
}

document.addEventListener("DOMContentLoaded", start);
