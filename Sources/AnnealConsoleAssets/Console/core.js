// The console's core: building DOM safely, calling the API as the signed-in user, signing in again
// when the session ends, routing between pages and polling for live views.
//
// Data never becomes markup: every value goes into the page as a text node or an attribute set
// with setAttribute (never innerHTML, never an on* attribute, never a javascript: URL).
"use strict";

const Anneal = (() => {
  // ---- DOM --------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (/^on/i.test(name)) throw new Error("event handlers are added with addEventListener");
      if (name === "class") node.setAttribute("class", value);
      else if (name === "href") node.setAttribute("href", safeHref(String(value)));
      else node.setAttribute(name, value === true ? "" : String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // Only the console's own routes and its download paths are ever linked.
  function safeHref(href) {
    return href.startsWith("#") || href.startsWith("/console/") ? href : "#";
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function button(label, onClick, attrs) {
    const node = el("button", Object.assign({ type: "button" }, attrs), label);
    node.addEventListener("click", onClick);
    return node;
  }

  function announce(text) {
    const region = document.getElementById("announce");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);
  }

  // ---- formatting -------------------------------------------------------------------------------
  function time(value) {
    if (value === undefined || value === null || value === "") return "—";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (isNaN(date.getTime())) return String(value);
    return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric",
                                            hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function seconds(value) {
    if (value === undefined || value === null) return "—";
    const s = Math.round(value);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function bytes(n) {
    if (n === undefined || n === null || isNaN(n)) return "—";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = Number(n), unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
  }

  function number(value, digits = 4) {
    if (value === undefined || value === null || value === "") return "—";
    const n = Number(value);
    return isFinite(n) ? String(Number(n.toPrecision(digits))) : String(value);
  }

  function money(value) {
    return value === undefined || value === null || !isFinite(value) ? "—" : `$${Number(value).toFixed(4)}`;
  }

  function statusBadge(status) {
    return el("span", { class: `badge status-${String(status || "unknown").toLowerCase()}` }, status || "Unknown");
  }

  // ---- errors -----------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code || `HTTP${status}`;
      const match = /not authorized to perform: (\S+)/.exec(this.message);
      this.action = match ? match[1] : null;
    }
    get denied() { return /AccessDenied/.test(this.code) || this.action !== null; }
    get unavailable() {
      return /UnknownOperation|InvalidAction|NotImplemented/.test(this.code) || this.status === 404;
    }
  }

  // A message a person can act on: which permission is missing, or what went wrong.
  function errorBox(error, what) {
    if (!(error instanceof ApiError)) {
      return el("div", { class: "error-box", role: "alert" }, `${what ? what + ": " : ""}${error.message || error}`);
    }
    if (error.denied) {
      return el("div", { class: "error-box denied", role: "alert" },
        el("strong", {}, "Access denied. "),
        error.action ? ["Your policies do not allow ", el("code", {}, error.action), `${what ? " (needed to " + what + ")" : ""}.`]
                     : `${what ? "You may not " + what + ". " : ""}`,
        el("div", { class: "detail" }, error.message));
    }
    if (error.unavailable) {
      return el("div", { class: "error-box unavailable", role: "alert" },
        el("strong", {}, "Not available on this server. "), `${what ? "Cannot " + what + ": " : ""}${error.message}`);
    }
    return el("div", { class: "error-box", role: "alert" }, `${what ? "Cannot " + what + ": " : ""}${error.code}: ${error.message}`);
  }

  // ---- session ----------------------------------------------------------------------------------
  let csrf = null;
  let identity = null;
  let signingIn = null;

  async function loadSession() {
    const reply = await fetch("/console/api/session", { credentials: "same-origin", cache: "no-store" });
    if (reply.status === 200) { setIdentity(await reply.json()); return true; }
    return false;
  }

  function setIdentity(value) {
    identity = value;
    csrf = value.CsrfToken;
    document.getElementById("who").textContent = `${value.User} · ${value.AccountId}`;
    document.getElementById("top").hidden = false;
  }

  // Shows the sign-in form over the page, which stays as it is underneath; resolves once signed in.
  // Every request that met an ended session waits on the same promise and is then sent again.
  function requireSignIn(reason) {
    if (signingIn) return signingIn;
    const layer = document.getElementById("sign-in-layer");
    document.getElementById("sign-in-reason").textContent = reason || "";
    document.getElementById("sign-in-error").textContent = "";
    layer.hidden = false;
    document.getElementById("main").setAttribute("aria-hidden", "true");
    document.getElementById("top").setAttribute("aria-hidden", "true");
    focusFirstSignInField();
    signingIn = new Promise((resolve) => { pendingSignIn = resolve; });
    return signingIn;
  }
  let pendingSignIn = null;

  function signInMethod() {
    return document.getElementById("method-password").checked ? "password" : "key";
  }

  function showSignInFields() {
    const password = signInMethod() === "password";
    document.getElementById("key-fields").hidden = password;
    document.getElementById("password-fields").hidden = !password;
  }

  function focusFirstSignInField() {
    document.getElementById(signInMethod() === "password" ? "user-name" : "access-key-id").focus();
  }

  async function submitSignIn(event) {
    event.preventDefault();
    const byPassword = signInMethod() === "password";
    const nameField = document.getElementById(byPassword ? "user-name" : "access-key-id");
    const secretField = document.getElementById(byPassword ? "password" : "secret-access-key");
    const errorField = document.getElementById("sign-in-error");
    const submit = document.getElementById("sign-in-submit");
    if (!nameField.value.trim() || !secretField.value) {
      errorField.textContent = byPassword ? "Enter your user name and password." : "Enter an access key ID and its secret access key.";
      (nameField.value.trim() ? secretField : nameField).focus();
      return;
    }
    submit.disabled = true;
    errorField.textContent = "";
    try {
      const reply = await fetch("/console/api/sign-in", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(byPassword ? { UserName: nameField.value.trim(), Password: secretField.value }
                                        : { AccessKeyId: nameField.value.trim(), SecretAccessKey: secretField.value }),
      });
      const body = await reply.json().catch(() => ({}));
      if (reply.status !== 200) {
        errorField.textContent = body.message || `Sign-in failed (HTTP ${reply.status}).`;
        secretField.value = "";
        secretField.focus();
        return;
      }
      secretField.value = "";
      setIdentity(body);
      document.getElementById("sign-in-layer").hidden = true;
      document.getElementById("main").removeAttribute("aria-hidden");
      document.getElementById("top").removeAttribute("aria-hidden");
      const resolve = pendingSignIn;
      signingIn = null;
      pendingSignIn = null;
      if (resolve) resolve();
      announce(`Signed in as ${body.User}`);
    } catch (error) {
      errorField.textContent = `Cannot reach the server: ${error.message}`;
    } finally {
      submit.disabled = false;
    }
  }

  async function signOut() {
    stopPage();
    try {
      await fetch("/console/api/sign-out", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf || "" } });
    } catch (_) { /* the cookie is cleared by the server; a failed call leaves the session to expire */ }
    csrf = null;
    identity = null;
    document.getElementById("top").hidden = true;
    clear(document.getElementById("main"));
    await requireSignIn("You have signed out.");
    route();
  }

  // ---- calls ------------------------------------------------------------------------------------
  async function send(url, init) {
    for (;;) {
      const headers = Object.assign({}, init.headers || {});
      if ((init.method || "GET") !== "GET") headers["X-CSRF-Token"] = csrf || "";
      const reply = await fetch(url, Object.assign({}, init, { headers, credentials: "same-origin", cache: "no-store" }));
      if (reply.status === 401) {
        const body = await reply.clone().json().catch(() => ({}));
        if (body.__type === "ConsoleSignInRequired") {
          await requireSignIn(body.message);
          continue;
        }
      }
      if (reply.status === 403) {
        const body = await reply.clone().json().catch(() => ({}));
        if (body.__type === "InvalidCsrfToken") { await loadSession(); continue; }
      }
      return reply;
    }
  }

  // A JSON-protocol operation (SageMaker, Logs, CloudWatch, capacity, audit) by its X-Amz-Target.
  async function call(target, input) {
    const reply = await send("/console/api/json", {
      method: "POST", headers: { "X-Console-Target": target, "Content-Type": "application/json" },
      body: JSON.stringify(input || {}),
    });
    const text = await reply.text();
    let body = {};
    try { body = text ? JSON.parse(text) : {}; } catch (_) { body = { message: text.slice(0, 300) }; }
    if (!reply.ok) {
      const code = String(body.__type || body.code || reply.status).split("#").pop();
      throw new ApiError(reply.status, code, body.message || body.Message);
    }
    return body;
  }

  const sagemaker = (operation, input) => call(`SageMaker.${operation}`, input);
  const logs = (operation, input) => call(`Logs_20140328.${operation}`, input);
  const cloudwatch = (operation, input) => call(`GraniteServiceVersion20100801.${operation}`, input);

  // A Query-protocol action (IAM); returns the reply's XML document.
  async function query(service, action, params) {
    const form = new URLSearchParams(Object.assign({ Action: action, Version: "2010-05-08" }, params || {}));
    const reply = await send(`/console/api/query/${service}`, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString(),
    });
    return xmlReply(reply);
  }

  async function xmlReply(reply) {
    const text = await reply.text();
    const doc = text ? new DOMParser().parseFromString(text, "application/xml") : null;
    if (!reply.ok) {
      const code = doc && doc.querySelector("Code") ? doc.querySelector("Code").textContent : String(reply.status);
      const message = doc && doc.querySelector("Message") ? doc.querySelector("Message").textContent : text.slice(0, 300);
      throw new ApiError(reply.status, code, message);
    }
    return doc;
  }

  function s3Path(bucket, key) {
    const parts = [bucket].concat(key ? key.split("/") : []);
    return "/console/api/s3/" + parts.map(encodeURIComponent).join("/");
  }

  async function s3(method, bucket, key, options = {}) {
    const search = options.query ? "?" + new URLSearchParams(options.query).toString() : "";
    const reply = await send(s3Path(bucket, key) + search, { method, body: options.body, headers: options.headers || {} });
    return xmlReply(reply);
  }

  function xmlText(node, name) {
    const found = node.getElementsByTagName(name)[0];
    return found ? found.textContent : "";
  }

  // ---- routing and live updates -----------------------------------------------------------------
  const routes = [];
  let timers = [];
  let generation = 0;

  function page(pattern, render) { routes.push({ pattern, render }); }

  function stopPage() {
    generation++;
    for (const timer of timers) clearTimeout(timer);
    timers = [];
  }

  // Runs `task` now and again `ms` after each run ends, for as long as the page is shown; a failed
  // run is shown by the task itself and does not stop the polling.
  function poll(task, ms) {
    const mine = generation;
    const run = async () => {
      if (mine !== generation) return;
      try { await task(); } catch (error) { console.warn(error); }
      if (mine !== generation) return;
      timers.push(setTimeout(run, document.hidden ? ms * 3 : ms));
    };
    return run();
  }

  function current() { const mine = generation; return () => mine === generation; }

  function parseHash() {
    const hash = location.hash.replace(/^#/, "") || "/jobs";
    const [path, search] = hash.split("?");
    return { path, params: new URLSearchParams(search || "") };
  }

  function go(path, params) {
    const search = params && [...params].length ? "?" + params.toString() : "";
    location.hash = "#" + path + search;
  }

  async function route() {
    if (!identity) return;
    stopPage();
    const { path, params } = parseHash();
    const main = clear(document.getElementById("main"));
    for (const link of document.querySelectorAll("#nav a")) {
      const active = path.startsWith("/" + link.dataset.section);
      if (active) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    for (const { pattern, render } of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      const args = match.slice(1).map(decodeURIComponent);
      try { await render(main, args, params); } catch (error) { main.appendChild(errorBox(error)); }
      return;
    }
    main.appendChild(el("h1", {}, "Not found"));
    main.appendChild(el("p", {}, "There is no console page at this address. ", el("a", { href: "#/jobs" }, "Training jobs")));
  }

  function table(columns, rows, options = {}) {
    const head = el("tr", {}, columns.map((column) => {
      if (!column.sort) return el("th", { scope: "col" }, column.label);
      const state = options.sort && options.sort.key === column.sort ? options.sort.order : null;
      const label = column.label + (state === "Ascending" ? " ▲" : state === "Descending" ? " ▼" : "");
      const th = el("th", { scope: "col", "aria-sort": state ? state.toLowerCase() : "none" });
      th.appendChild(button(label, () => options.onSort(column.sort), { class: "sort" }));
      return th;
    }));
    const body = el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((column) => el("td", {}, column.cell(row))))));
    const wrapper = el("div", { class: "table-wrap" },
      el("table", { class: options.class || "" }, options.caption ? el("caption", {}, options.caption) : null, el("thead", {}, head), body));
    if (!rows.length) wrapper.appendChild(el("p", { class: "empty" }, options.empty || "Nothing here yet."));
    return wrapper;
  }

  function definitionList(pairs) {
    return el("dl", { class: "facts" }, pairs.filter(Boolean).map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  }

  function section(title, ...children) {
    const id = "s-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    return el("section", { "aria-labelledby": id }, el("h2", { id }, title), children);
  }

  async function start() {
    document.getElementById("sign-in-form").addEventListener("submit", submitSignIn);
    for (const radio of document.querySelectorAll("#sign-in-form input[name=method]")) {
      radio.addEventListener("change", () => { showSignInFields(); focusFirstSignInField(); });
    }
    document.getElementById("sign-out").addEventListener("click", signOut);
    window.addEventListener("hashchange", route);
    if (!(await loadSession())) await requireSignIn("");
    route();
  }

  document.addEventListener("DOMContentLoaded", start);

  return { el, svg, clear, button, announce, time, seconds, bytes, number, money, statusBadge, ApiError, errorBox,
           call, sagemaker, logs, cloudwatch, query, s3, s3Path, xmlText, page, poll, current, go, parseHash, table,
           definitionList, section, get identity() { return identity; } };
})();
