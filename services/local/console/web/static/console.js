// The local console: polls /_console/api/state and draws it. Every value from the server goes
// into the page as text (textContent), never as markup: order data comes from hostile input.
// Emails are shown in a sandboxed frame without scripts.
"use strict";

const API = "/_console/api";
const POLL_MS = 1000;
let selected = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function age(seconds) {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

async function getJson(path, options = {}) {
  const response = await fetch(API + path, { cache: "no-store", ...options });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || `${response.status}`);
  return body;
}

function drawCounts(counts) {
  for (const node of document.querySelectorAll("[data-count]")) {
    node.textContent = String(counts[node.dataset.count] ?? "–");
  }
}

function drawOrders(orders) {
  const rows = orders.map((order) => {
    const status = el("td", { class: `status status-${order.status}` }, order.status);
    if (order.attention) status.append(" ", el("span", { class: "flag", title: order.attention }, "⚑"));
    for (const retry of order.retrying ?? []) {
      status.append(
        el("div", { class: "retrying" }, `↻ ${retry.function}: attempt ${retry.attempt}: ${retry.reason}`),
      );
    }
    const row = el(
      "tr",
      { "data-order-id": order.order_id, class: order.order_id === selected ? "selected" : null },
      el("td", {}, el("code", {}, order.short)),
      status,
      el("td", { class: "payment" }, order.payment ?? ""),
      el("td", {}, order.total),
      el("td", {}, age(order.age_seconds)),
    );
    row.addEventListener("click", () => select(order.order_id));
    return row;
  });
  document.querySelector("#orders tbody").replaceChildren(...rows);
}

function drawStuck(stuck) {
  const items = stuck.map((order) => {
    const item = el("li", { "data-order-id": order.order_id }, el("code", {}, order.short), ` ${order.status}: `, order.attention);
    item.addEventListener("click", () => select(order.order_id));
    return item;
  });
  document.querySelector("#stuck").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "none")]));
}

function drawQueues(queues) {
  const open = new Set([...document.querySelectorAll("#queues details[open]")].map((node) => node.dataset.messageId));
  const boxes = queues.map((queue) => {
    const title = el("div", {}, el("b", {}, queue.name), ` · ${queue.messages.length} message(s) `);
    if (queue.redrive && queue.messages.length) {
      const button = el("button", { type: "button", "data-redrive": queue.name }, `Redrive to ${queue.name}`);
      button.addEventListener("click", () => redrive(queue.name, button));
      title.append(button);
    }
    const messages = queue.messages.map((message) =>
      el(
        "details",
        { "data-message-id": message.message_id, open: open.has(message.message_id) ? "" : null },
        el("summary", {}, `${message.status ?? "?"} · order ${message.short ?? "?"} · ${message.message_id}`),
        el("pre", {}, JSON.stringify(message.body, null, 2)),
      ),
    );
    return el("div", { class: "queue", "data-queue": queue.name }, title, ...messages);
  });
  document.querySelector("#queues").replaceChildren(...boxes);
}

async function redrive(queue, button) {
  button.disabled = true;
  const result = document.querySelector("#redrive-result");
  try {
    const answer = await getJson(`/queues/${encodeURIComponent(queue)}/redrive`, {
      method: "POST",
      headers: { "X-Orderflow-Console": "1" },
    });
    result.textContent = `moved ${answer.moved} message(s) from ${queue}-dlq back to ${queue}`;
  } catch (error) {
    result.textContent = `redrive of ${queue} failed: ${error.message}`;
  }
  refresh();
}

function drawDetail(document_) {
  const order = document_.order;
  const $ = (selector) => document.querySelector(selector);
  $("#detail").hidden = false;
  $("#detail-id").textContent = `${order.short} (${order.order_id})`;
  const parts = [`${order.status}`, order.complete ? "complete" : "in progress", `total ${order.total_text}`];
  for (const key of ["invoice_number", "tracking_number", "carrier", "failure_reason"]) {
    if (order[key]) parts.push(`${key.replaceAll("_", " ")}: ${order[key]}`);
  }
  if (order.attention) parts.push(`⚑ needs attention: ${order.attention.reason}`);
  $("#detail-summary").textContent = parts.join(" · ");
  $("#timeline").replaceChildren(
    ...order.timeline.map((entry) => el("li", {}, el("code", {}, entry.at), ` ${entry.status}`)),
  );
  const payment = order.payment;
  $("#payment").textContent = payment
    ? `${payment.state}: held ${payment.amount_text}, captured ${payment.captured_text}` +
      (payment.failure_reason ? ` (${payment.failure_reason})` : "")
    : "not decided yet";
  $("#logs").textContent = document_.logs.map((log) => log.line).join("\n") || "none";
  if (document_.emails === null) return;
  const emails = document_.emails.map((mail) => {
    const frame = el("iframe", { class: "email", sandbox: "", title: mail.subject, referrerpolicy: "no-referrer" });
    if (mail.html) frame.srcdoc = mail.html;
    return el(
      "div",
      { class: "mail", "data-file": mail.file },
      el("p", {}, el("b", {}, mail.subject), ` to ${mail.to} · ${mail.date}`),
      mail.html ? frame : el("pre", {}, mail.text),
    );
  });
  $("#emails").replaceChildren(...(emails.length ? emails : [el("p", { class: "muted" }, "none yet")]));
}

let shownEmails = "";
async function select(orderId) {
  if (selected !== orderId) shownEmails = "";
  selected = orderId;
  try {
    const document_ = await getJson(`/orders/${encodeURIComponent(orderId)}`);
    if (selected !== orderId) return;
    const emailsKey = document_.emails.map((mail) => mail.file).join();
    if (emailsKey === shownEmails) document_.emails = null; // unchanged: keep the frames as they are
    else shownEmails = emailsKey;
    drawDetail(document_);
  } catch (error) {
    document.querySelector("#detail-summary").textContent = `could not load ${orderId}: ${error.message}`;
  }
}

function drawRelay(relay) {
  const banner = document.querySelector("#relay");
  banner.hidden = !relay;
  banner.textContent = relay ? `⚠ ${relay.text}` : "";
}

async function refresh() {
  try {
    const state = await getJson("/state");
    drawCounts(state.counts);
    drawOrders(state.orders);
    drawStuck(state.stuck);
    drawRelay(state.relay);
    drawQueues(state.queues);
    document.querySelector("#updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    if (selected) await select(selected);
  } catch (error) {
    document.querySelector("#updated").textContent = `the stack does not answer (${error.message})`;
  }
}

async function loop() {
  if (!document.hidden) await refresh();
  setTimeout(loop, POLL_MS);
}

loop();
