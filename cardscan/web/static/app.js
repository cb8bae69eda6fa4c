// cardscan review app: keyboard-first behaviour for every page. No framework, no network
// beyond this app's own address; every change goes through the server, which validates it.
"use strict";

const TOKEN = document.querySelector('meta[name="cardscan-token"]').content;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Cardscan-Token": TOKEN },
    body: body === undefined ? "{}" : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { ok: false, error: response.statusText }; }
  return data;
}

function toast(text, bad) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.className = bad ? "bad" : "";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

function typing(event) {
  const t = event.target;
  return t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
    (t.tagName === "INPUT" && !t.readOnly));
}

// -- a list whose current item moves with j/k ------------------------------------------
function cursor(items, start) {
  let at = Math.max(0, Math.min(start || 0, items.length - 1));
  function show() {
    items.forEach((el, i) => el.classList.toggle("current", i === at));
    if (items[at]) { items[at].focus({ preventScroll: true }); items[at].scrollIntoView({ block: "nearest" }); }
  }
  show();
  return {
    get index() { return at; },
    get item() { return items[at]; },
    move(by) { if (items.length) { at = (at + by + items.length) % items.length; show(); } },
    set(i) { at = i; show(); },
  };
}

// -- everywhere ------------------------------------------------------------------------
let pendingG = false;
function globalKeys(event) {
  const help = document.getElementById("help");
  if (event.key === "?" && !typing(event)) { help.hidden = !help.hidden; event.preventDefault(); return true; }
  if (event.key === "Escape" && !help.hidden) { help.hidden = true; return true; }
  if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return false;
  if (pendingG) {
    pendingG = false;
    const to = { q: "/", d: "/duplicates", f: "/followup", c: "/desk" }[event.key];
    if (to) { location.href = to; return true; }
  }
  if (event.key === "g") { pendingG = true; return true; }
  return false;
}
document.querySelector('[data-action="help"]').addEventListener("click", () => {
  const help = document.getElementById("help");
  help.hidden = !help.hidden;
});

// -- the queue -------------------------------------------------------------------------
function queuePage() {
  const items = Array.from(document.querySelectorAll("#items .item"));
  const first = items.findIndex((el) => !el.classList.contains("checked"));
  const c = cursor(items, first < 0 ? 0 : first);
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    if (event.key === "j" || event.key === "ArrowDown") { c.move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { c.move(-1); event.preventDefault(); }
    else if (event.key === "Enter" && c.item) { location.href = c.item.dataset.href; }
  });
}

// -- one card --------------------------------------------------------------------------
function cardPage() {
  const page = document.querySelector(".cardpage");
  const contact = page.dataset.contact;
  const fields = Array.from(document.querySelectorAll(".field"));
  // Back from a save: the field saved. Opened afresh: the first flagged field, so `e`
  // edits the value that needs a look at once.
  const kept = sessionStorage.getItem("cardscan-field-" + contact);
  sessionStorage.removeItem("cardscan-field-" + contact);
  const flagged = fields.findIndex((f) => f.classList.contains("flagged"));
  const c = cursor(fields, kept !== null ? Number(kept) : Math.max(0, flagged));
  let scale = 1, x = 0, y = 0;
  const zoom = document.getElementById("zoom");

  for (const box of document.querySelectorAll(".wordbox")) {
    box.style.left = box.dataset.left + "%";
    box.style.top = box.dataset.top + "%";
    box.style.width = box.dataset.width + "%";
    box.style.height = box.dataset.height + "%";
  }
  function outline(field) {
    for (const box of document.querySelectorAll(".wordbox")) {
      box.hidden = !field || box.dataset.for !== field.dataset.box;
    }
  }
  function place() { if (zoom) zoom.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; }
  fields.forEach((f, i) => {
    f.addEventListener("mouseenter", () => outline(f));
    f.addEventListener("focusin", () => { outline(f); });
    f.addEventListener("click", () => c.set(i));
  });
  outline(c.item);
  const stage = document.getElementById("stage");
  if (stage) {
    let drag = null;
    stage.addEventListener("pointerdown", (e) => { drag = [e.clientX - x, e.clientY - y]; stage.setPointerCapture(e.pointerId); });
    stage.addEventListener("pointermove", (e) => { if (drag) { x = e.clientX - drag[0]; y = e.clientY - drag[1]; place(); } });
    stage.addEventListener("pointerup", () => { drag = null; });
    stage.addEventListener("wheel", (e) => { e.preventDefault(); scale = Math.max(1, Math.min(6, scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2))); place(); }, { passive: false });
  }

  function go(href) { if (href) location.href = href; }
  function reload(keep) {
    sessionStorage.setItem("cardscan-field-" + contact, String(keep));
    location.reload();
  }
  async function send(body, keep) {
    const reply = await post(`/api/contact/${contact}/edit`, body);
    if (!reply.ok) return reply;
    if (body.accept) {
      if (reply.next) go(reply.next); else location.href = "/";
    } else {
      reload(keep);
    }
    return reply;
  }
  function edit(field) {
    const input = field.querySelector("input");
    input.readOnly = false;
    input.focus();
    input.select();
  }
  async function save(field) {
    const input = field.querySelector("input");
    const error = field.querySelector(".error");
    const kind = field.dataset.kind;
    const value = input.value.trim();
    if (value === input.dataset.original.trim() && !field.classList.contains("adding")) {
      input.readOnly = true; field.focus(); return;
    }
    const body = { field: kind, after: value };
    if (field.dataset.key) body.before = field.dataset.key;
    if (kind === "email" || kind === "phone" || kind === "website") {
      if (!value && !field.dataset.key) { field.remove(); return; }
      if (!value) body.after = null;
    }
    // A number the server refused but could keep as printed: Enter again keeps it.
    if (kind === "phone" && field.dataset.printed === value) body.as_printed = true;
    const reply = await send(body, fields.indexOf(field));
    if (reply && !reply.ok) {
      if (reply.as_printed) field.dataset.printed = value; else delete field.dataset.printed;
      error.textContent = reply.error + (reply.as_printed ? " — press Enter again to keep it as printed" : "");
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
  function adding(kind) {
    const template = fields.find((f) => f.dataset.kind === kind) || fields[0];
    const field = template.cloneNode(true);
    field.dataset.key = "";
    field.dataset.kind = kind;
    field.classList.add("adding");
    field.querySelector("label").textContent = { email: "New e-mail", phone: "New phone", website: "New website" }[kind];
    const input = field.querySelector("input");
    input.value = ""; input.dataset.original = ""; input.name = kind; input.id = "new-" + kind;
    field.querySelector("label").htmlFor = input.id;
    for (const el of field.querySelectorAll(".meta, select")) el.remove();
    document.getElementById("fields").appendChild(field);
    fields.push(field);
    c.set(fields.length - 1);
    wire(field);
    edit(field);
  }
  function wire(field) {
    const input = field.querySelector("input");
    input.addEventListener("keydown", (e) => {
      if (input.readOnly) return;
      if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); save(field); }
      else if (e.key === "Escape") {
        e.preventDefault(); e.stopPropagation();
        if (field.classList.contains("adding")) { field.remove(); fields.splice(fields.indexOf(field), 1); c.set(0); return; }
        input.value = input.dataset.original; input.readOnly = true; field.focus();
      }
    });
    input.addEventListener("dblclick", () => edit(field));
    const select = field.querySelector("select.ptype");
    if (select) {
      select.addEventListener("change", () => send({ field: "phone", before: field.dataset.key, type: select.value }, fields.indexOf(field)));
      select.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); field.focus(); } });
    }
  }
  fields.forEach(wire);
  document.getElementById("fields").addEventListener("submit", (e) => e.preventDefault());

  const actions = {
    accept: () => send({ accept: true }, 0).then((r) => { if (r && !r.ok) toast(r.error, true); }),
    "add-email": () => adding("email"),
    "add-phone": () => adding("phone"),
    "add-website": () => adding("website"),
  };
  for (const button of document.querySelectorAll(".cardpage [data-action]")) {
    button.addEventListener("click", () => actions[button.dataset.action]());
  }
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    const k = event.key;
    const field = c.item;
    if (k === "j" || k === "ArrowDown" || (k === "Tab" && !event.shiftKey)) { c.move(1); outline(c.item); event.preventDefault(); }
    else if (k === "k" || k === "ArrowUp" || (k === "Tab" && event.shiftKey)) { c.move(-1); outline(c.item); event.preventDefault(); }
    else if ((k === "e" || k === "Enter") && field) { event.preventDefault(); edit(field); }
    else if (k === "a") { event.preventDefault(); actions.accept(); }
    else if (k === "A") { event.preventDefault(); adding("email"); }
    else if (k === "P") { event.preventDefault(); adding("phone"); }
    else if (k === "W") { event.preventDefault(); adding("website"); }
    else if (k === "x" && field && field.dataset.key) {
      event.preventDefault();
      send({ field: field.dataset.kind, before: field.dataset.key, after: null }, Math.max(0, c.index - 1))
        .then((r) => { if (r && !r.ok) toast(r.error, true); });
    }
    else if (k === "t" && field) { const s = field.querySelector("select.ptype"); if (s) { event.preventDefault(); s.focus(); } }
    else if (k === "n") { go(page.dataset.after); }
    else if (k === "p") { go(page.dataset.before); }
    else if (k === "c") { location.href = "/contact/" + contact; }
    else if (k === "z") { scale = Math.min(6, scale * 1.25); place(); }
    else if (k === "Z") { scale = Math.max(1, scale / 1.25); if (scale === 1) { x = 0; y = 0; } place(); }
    else if (k === "0") { scale = 1; x = 0; y = 0; place(); }
    else if (event.shiftKey && k.startsWith("Arrow")) {
      event.preventDefault();
      const step = 40;
      if (k === "ArrowLeft") x += step; if (k === "ArrowRight") x -= step;
      if (k === "ArrowUp") y += step; if (k === "ArrowDown") y -= step;
      place();
    }
  });
}

// -- a failed photo: type it in, or dismiss it -------------------------------------------
function failedPage() {
  const page = document.querySelector(".failedpage");
  const card = page.dataset.card;
  const form = document.getElementById("typein");
  const inputs = Array.from(form.querySelectorAll("input"));
  const img = document.getElementById("card-img");
  const zoom = document.getElementById("zoom");
  let scale = 1, x = 0, y = 0;
  function place() { if (zoom) zoom.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; }
  function noPhoto() {
    document.getElementById("stage").hidden = true;
    document.getElementById("no-photo").hidden = false;
  }
  if (img) {  // the server decoded it; should the file go meanwhile, say so all the same
    img.addEventListener("error", noPhoto);
    if (img.complete && img.naturalWidth === 0) noPhoto();
  }
  function go(href) { location.href = href || "/"; }
  function typeIn() { inputs[0].focus(); inputs[0].select(); }
  async function dismiss() {
    const reply = await post(`/api/failed/${card}/dismiss`);
    if (!reply.ok) { toast(reply.error, true); return; }
    sessionStorage.setItem("cardscan-said", `Photo dismissed: open it from the queue and press u to bring it back (or cardscan undo ${reply.audit}).`);
    go(reply.next);
  }
  async function restore() {
    const reply = await post(`/api/failed/${card}/restore`);
    if (!reply.ok) { toast(reply.error, true); return; }
    sessionStorage.setItem("cardscan-said", "Photo back in the queue.");
    location.reload();
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll(".error")) { el.hidden = true; el.textContent = ""; }
    for (const input of inputs) input.removeAttribute("aria-invalid");
    const body = Object.fromEntries(new FormData(form).entries());
    if (form.dataset.printed !== undefined && form.dataset.printed === body.phones) body.as_printed = true;
    const reply = await post(`/api/failed/${card}/type`, body);
    if (reply.ok) {
      sessionStorage.setItem("cardscan-said", `Contact saved and checked (cardscan undo ${reply.audit} puts the photo back).`);
      go(reply.next);
      return;
    }
    if (reply.as_printed) form.dataset.printed = body.phones; else delete form.dataset.printed;
    const problems = reply.problems || { name: reply.error };
    if (reply.as_printed) problems.phone += " — press Enter again to keep it as printed";
    let first = null;
    for (const [field, why] of Object.entries(problems)) {
      const box = form.querySelector(`[data-for="${field}"]`) || form.querySelector('[data-for="name"]');
      const error = box.querySelector(".error");
      error.textContent = why; error.hidden = false;
      const input = box.querySelector("input");
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    if (first) first.focus();
  });
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); document.activeElement.blur(); }
  });
  const actions = { type: typeIn, dismiss, restore };
  for (const button of document.querySelectorAll(".failedpage .actions [data-action]")) {
    button.addEventListener("click", () => actions[button.dataset.action]());
  }
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    const k = event.key;
    if (k === "i" || k === "e" || k === "Enter") { event.preventDefault(); typeIn(); }
    else if (k === "x" && !page.dataset.dismissed) { event.preventDefault(); dismiss(); }
    else if (k === "u" && page.dataset.dismissed) { event.preventDefault(); restore(); }
    else if (k === "n" && page.dataset.after) { go(page.dataset.after); }
    else if (k === "p" && page.dataset.before) { go(page.dataset.before); }
    else if (k === "z") { scale = Math.min(6, scale * 1.25); place(); }
    else if (k === "Z") { scale = Math.max(1, scale / 1.25); if (scale === 1) { x = 0; y = 0; } place(); }
    else if (k === "0") { scale = 1; x = 0; y = 0; place(); }
    else if (event.shiftKey && k.startsWith("Arrow")) {
      event.preventDefault();
      if (k === "ArrowLeft") x += 40; if (k === "ArrowRight") x -= 40;
      if (k === "ArrowUp") y += 40; if (k === "ArrowDown") y -= 40;
      place();
    }
  });
}

// -- duplicates ------------------------------------------------------------------------
function duplicatesPage() {
  const pairs = Array.from(document.querySelectorAll(".pair"));
  const c = cursor(pairs, 0);
  async function decide(pair, how) {
    const reply = await post(`/api/review/${pair.dataset.review}/${how}`);
    if (!reply.ok) { toast(reply.error, true); return; }
    sessionStorage.setItem("cardscan-said", reply.settled ? "Already one contact." : how === "merge" ? "Merged." : "Kept apart.");
    location.reload();
  }
  async function undo(id) {
    const reply = await post(`/api/undo/${id}`);
    if (!reply.ok) { toast(reply.error + (reply.hint ? " — " + reply.hint : ""), true); return; }
    sessionStorage.setItem("cardscan-said", "Undone: " + reply.summary);
    location.reload();
  }
  for (const b of document.querySelectorAll(".pair [data-action]")) {
    b.addEventListener("click", () => decide(b.closest(".pair"), b.dataset.action));
  }
  for (const b of document.querySelectorAll('#recent [data-action="undo"]')) {
    b.addEventListener("click", () => undo(b.dataset.audit));
  }
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    if (event.key === "j") c.move(1);
    else if (event.key === "k") c.move(-1);
    else if (event.key === "m" && c.item) decide(c.item, "merge");
    else if (event.key === "s" && c.item) decide(c.item, "apart");
    else if (event.key === "u") {
      const last = document.querySelector('#recent [data-action="undo"]');
      if (last) undo(last.dataset.audit); else toast("Nothing to undo.", true);
    }
  });
}

// -- a contact -------------------------------------------------------------------------
function contactPage() {
  const id = document.querySelector(".contact").dataset.contact;
  async function change(body) {
    const reply = await post(`/api/contact/${id}/notes`, body);
    if (reply.ok) location.reload(); else toast(reply.error, true);
  }
  document.getElementById("note-form").addEventListener("submit", (e) => {
    e.preventDefault(); change({ note: document.getElementById("note").value });
  });
  document.getElementById("tag-form").addEventListener("submit", (e) => {
    e.preventDefault(); change({ tags: document.getElementById("tag").value });
  });
  for (const b of document.querySelectorAll('[data-action="untag"]')) {
    b.addEventListener("click", () => change({ remove_tags: [b.dataset.tag] }));
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (globalKeys(event) || typing(event)) return;
    if (event.key === "N") { event.preventDefault(); document.getElementById("note").focus(); }
    else if (event.key === "T") { event.preventDefault(); document.getElementById("tag").focus(); }
  });
}

// -- follow-up -------------------------------------------------------------------------
function followupPage() {
  const tasks = Array.from(document.querySelectorAll(".task"));
  const c = cursor(tasks, 0);
  async function finish(task, how) {
    const reply = await post(`/api/task/${task.dataset.task}/${how}`);
    if (!reply.ok) { toast(reply.error, true); return; }
    location.reload();
  }
  async function copy(task) {
    const text = task.querySelector(".draft").value;
    try { await navigator.clipboard.writeText(text); toast("Draft copied."); }
    catch (e) { const area = task.querySelector(".draft"); area.select(); toast("Draft selected: press Ctrl+C."); }
  }
  for (const b of document.querySelectorAll(".task [data-action]")) {
    b.addEventListener("click", () => {
      const task = b.closest(".task");
      if (b.dataset.action === "copy") copy(task); else finish(task, b.dataset.action);
    });
  }
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    if (event.key === "j") c.move(1);
    else if (event.key === "k") c.move(-1);
    else if (event.key === "y" && c.item) copy(c.item);
    else if (event.key === "d" && c.item) finish(c.item, "done");
    else if (event.key === "s" && c.item) finish(c.item, "skip");
  });
}

// -- the check-in desk -----------------------------------------------------------------
function deskPage() {
  const search = document.getElementById("search");
  const list = document.getElementById("people");
  const arrivals = document.getElementById("arrivals");
  let people = [], at = 0, stream = null;
  function counts(stats) {
    for (const [k, v] of Object.entries(stats || {})) {
      const el = document.querySelector(`[data-stat="${k}"]`);
      if (el) el.textContent = v;
    }
  }
  function render() {
    list.replaceChildren(...people.map((p, i) => {
      const li = document.createElement("li");
      li.className = (i === at ? "current " : "") + (p.arrived ? "arrived" : "");
      li.textContent = `${p.name}${p.company ? " · " + p.company : ""}${p.email ? " · " + p.email : ""}`;
      if (p.arrived) { const s = document.createElement("span"); s.className = "badge ok"; s.textContent = "arrived " + p.arrived; li.append(" ", s); }
      li.addEventListener("click", () => { at = i; checkIn(); });
      return li;
    }));
  }
  let asked = 0;
  async function find() {
    const mine = ++asked;  // only the latest search's answer is shown
    const response = await fetch("/api/roster?q=" + encodeURIComponent(search.value), { credentials: "same-origin" });
    const data = await response.json();
    if (mine !== asked) return;
    people = data.people; at = 0; render(); counts(data.stats);
  }
  function said(p) {
    const li = document.createElement("li");
    const word = { arrived: "checked in", already: "was already checked in", "walk-in": "checked in as a walk-in" }[p.status] || p.status;
    li.textContent = `${p.at} ${p.name} ${word}${p.uncertain ? " (check the match in Duplicates)" : ""}`;
    arrivals.prepend(li);
    toast(li.textContent);
  }
  async function checkIn() {
    const p = people[at];
    if (!p) return;
    const reply = await post("/api/checkin", { id: p.id });
    if (!reply.ok) { toast(reply.error, true); return; }
    said(reply); counts(reply.stats); search.select(); find();
  }
  let timer = null;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 120); });
  search.addEventListener("keydown", (e) => {
    if (e.key === "/" && !search.value) { e.preventDefault(); return; }  // the "search" key itself
    if (e.key === "ArrowDown") { at = Math.min(people.length - 1, at + 1); render(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { at = Math.max(0, at - 1); render(); e.preventDefault(); }
    else if (e.key === "Enter") { e.preventDefault(); checkIn(); }
    else if (e.key === "Escape") { search.blur(); }
  });
  const walkin = document.getElementById("walkin");
  walkin.addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData(walkin);
    const reply = await post("/api/checkin", Object.fromEntries(form.entries()));
    if (!reply.ok) { toast(reply.error, true); return; }
    said(reply); counts(reply.stats); walkin.reset(); walkin.hidden = true; search.focus(); find();
  });
  walkin.addEventListener("keydown", (e) => { if (e.key === "Escape") { walkin.hidden = true; search.focus(); } });
  function showWalkin() { walkin.hidden = false; document.getElementById("walkin-name").focus(); }
  async function camera() {
    const box = document.getElementById("camera");
    if (stream) { stream.getTracks().forEach((t) => t.stop()); stream = null; box.hidden = true; return; }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: 1920 } });
    } catch (e) { toast("No camera: " + e.message, true); return; }
    document.getElementById("video").srcObject = stream;
    box.hidden = false;
  }
  async function shoot() {
    const video = document.getElementById("video");
    if (!stream) return;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", 0.92));
    toast("Reading the card…");
    const response = await fetch("/api/checkin/photo", {
      method: "POST", body: blob, credentials: "same-origin",
      headers: { "Content-Type": "image/jpeg", "X-Cardscan-Token": TOKEN },
    });
    const reply = await response.json();
    if (!reply.ok) { toast(reply.error, true); return; }
    reply.people.forEach(said); counts(reply.stats); find();
  }
  const actions = { walkin: showWalkin, camera, shoot };
  for (const b of document.querySelectorAll(".desk [data-action]")) {
    b.addEventListener("click", () => actions[b.dataset.action]());
  }
  document.addEventListener("keydown", (event) => {
    if (globalKeys(event) || typing(event)) return;
    if (event.key === "/") { event.preventDefault(); search.focus(); search.select(); }
    else if (event.key === "w") { event.preventDefault(); showWalkin(); }
    else if (event.key === "v") { event.preventDefault(); camera(); }
    else if (event.key === " " && stream) { event.preventDefault(); shoot(); }
  });
  search.focus();
  find();
}

const pages = { queue: queuePage, card: cardPage, failed: failedPage, duplicates: duplicatesPage, contact: contactPage, followup: followupPage, desk: deskPage };
// What the action that opened this page did (a dismissal, a merge), said once.
const saidBefore = sessionStorage.getItem("cardscan-said");
if (saidBefore) { sessionStorage.removeItem("cardscan-said"); toast(saidBefore); }
const start = pages[document.body.dataset.page];
if (start) start();
else document.addEventListener("keydown", globalKeys);
