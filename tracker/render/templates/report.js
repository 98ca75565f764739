(function () {
  "use strict";
  var dataEl = document.getElementById("report-data");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var byId = {};
  data.changes.forEach(function (c) { byId[c.id] = c; });
  var form = document.getElementById("filters");
  var tagSel = document.getElementById("f-tag");
  var roleSel = document.getElementById("f-role");
  var chapterSel = document.getElementById("f-chapter");
  var q = document.getElementById("f-q");
  var status = document.getElementById("status");
  var empty = document.getElementById("empty");
  var note = document.getElementById("editorial-note");
  var edBtn = document.getElementById("t-editorial");
  var sbsBtn = document.getElementById("t-sbs");
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.change"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.term-group"));
  var sevBoxes = Array.prototype.slice.call(form.querySelectorAll("input[name=sev]"));
  var texts = {};
  articles.forEach(function (a) { texts[a.id] = a.textContent.replace(/\s+/g, " ").toLowerCase(); });

  function sevBox(k) { return sevBoxes.filter(function (b) { return b.value === k; })[0]; }
  function checkedSevs() { return sevBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }); }
  function editorialShown() { var b = sevBox("none"); return !!(b && b.checked); }

  function matches(c, st) {
    if (st.sev.indexOf(c.severity) < 0) { return false; }
    if (st.tag && c.tags.indexOf(st.tag) < 0) { return false; }
    if (st.role && c.roles.indexOf(st.role) < 0) { return false; }
    if (st.chapter && c.section !== st.chapter) { return false; }
    if (st.q && texts[c.id].indexOf(st.q) < 0) { return false; }
    return true;
  }

  function state() {
    return { sev: checkedSevs(), tag: tagSel.value, role: roleSel.value, chapter: chapterSel.value, q: q.value.trim().toLowerCase() };
  }

  function apply(save) {
    var st = state();
    var shown = 0;
    articles.forEach(function (a) {
      var ok = matches(byId[a.id], st);
      a.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var total = articles.length;
    var parts = [];
    if (st.tag) { parts.push("tag " + st.tag); }
    if (st.role) { parts.push("role " + (data.roles[st.role] || st.role)); }
    if (st.chapter) { parts.push(st.chapter); }
    if (st.q) { parts.push("“" + q.value.trim() + "”"); }
    status.textContent = "Showing " + shown + " of " + total + " change" + (total === 1 ? "" : "s") + (parts.length ? " (" + parts.join(", ") + ")" : "");
    empty.hidden = shown !== 0 || total === 0;
    // Terminology-only groups: hidden when nothing in them matches; opened when a
    // filter the reader set (tag, role, search) matches something inside.
    groups.forEach(function (g) {
      var inside = Array.prototype.filter.call(g.querySelectorAll("article.change"), function (a) { return !a.hidden; }).length;
      g.hidden = inside === 0;
      if (inside && (st.tag || st.role || st.q)) { g.open = true; }
    });
    var ed = editorialShown();
    if (note) { note.hidden = false; }
    if (edBtn) {
      edBtn.setAttribute("aria-pressed", ed ? "true" : "false");
      edBtn.textContent = ed ? "Hide editorial changes" : "Show editorial changes";
    }
    if (save) { saveUrl(st); }
  }

  function saveUrl(st) {
    var p = new URLSearchParams();
    var def = sevBoxes.filter(function (b) { return b.value !== "none"; }).map(function (b) { return b.value; }).join(",");
    if (st.sev.join(",") !== def) { p.set("sev", st.sev.join(",")); }
    if (st.tag) { p.set("tag", st.tag); }
    if (st.role) { p.set("role", st.role); }
    if (st.chapter) { p.set("chapter", st.chapter); }
    if (q.value.trim()) { p.set("q", q.value.trim()); }
    var s = p.toString();
    try { history.replaceState(null, "", location.pathname + (s ? "?" + s : "") + location.hash); } catch (e) { /* file: URLs may refuse */ }
  }

  function loadUrl() {
    var p = new URLSearchParams(location.search);
    if (p.has("sev")) {
      var want = p.get("sev").split(",");
      sevBoxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
    }
    function pick(sel, val) {
      if (!val) { return; }
      for (var i = 0; i < sel.options.length; i++) { if (sel.options[i].value === val) { sel.value = val; return; } }
    }
    pick(tagSel, p.get("tag"));
    pick(roleSel, p.get("role"));
    pick(chapterSel, p.get("chapter"));
    if (p.get("q")) { q.value = p.get("q"); }
  }

  function reset() {
    form.reset();
    sevBoxes.forEach(function (b) { b.checked = b.value !== "none"; });
    apply(true);
  }

  function goToChanges() {
    var h = document.getElementById("changes");
    if (h && h.scrollIntoView) { h.scrollIntoView({ block: "start" }); }
  }

  // Make the change a link points at visible, whatever the filters say.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var a = id && document.getElementById(id);
    if (a && a.classList.contains("change") && a.parentNode && a.parentNode.tagName === "DETAILS") {
      a.parentNode.open = true;
      if (!a.hidden) { a.scrollIntoView({ block: "start" }); }
    }
    if (!a || !a.classList.contains("change") || !a.hidden) { return; }
    var c = byId[id];
    if (c.severity === "none") { sevBox("none").checked = true; }
    if (a.hidden) { apply(false); }
    if (a.hidden) { reset(); }
    a.scrollIntoView({ block: "start" });
  }

  form.addEventListener("change", function (e) {
    if (e.target === tagSel && tagSel.value === "EDITORIAL" && !editorialShown()) { sevBox("none").checked = true; }
    apply(true);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  var timer = null;
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { apply(true); }, 120); });
  document.getElementById("t-reset").addEventListener("click", reset);
  Array.prototype.forEach.call(document.querySelectorAll("[data-reset]"), function (b) { b.addEventListener("click", reset); });
  if (edBtn) {
    edBtn.addEventListener("click", function () { var b = sevBox("none"); b.checked = !b.checked; apply(true); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-tag]"), function (b) {
    b.addEventListener("click", function () {
      tagSel.value = b.getAttribute("data-filter-tag");
      if (tagSel.value === "EDITORIAL") { sevBox("none").checked = true; }
      apply(true); goToChanges();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-role]"), function (b) {
    b.addEventListener("click", function () { roleSel.value = b.getAttribute("data-filter-role"); apply(true); goToChanges(); });
  });

  function setSbs(a, on) {
    a.classList.toggle("sbs", on);
    var t = a.querySelector(".view-toggle");
    if (t) { t.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  articles.forEach(function (a) {
    var t = a.querySelector(".view-toggle");
    if (t) { t.addEventListener("click", function () { setSbs(a, !a.classList.contains("sbs")); }); }
    // Point from a tag to the words it rests on.
    Array.prototype.forEach.call(a.querySelectorAll(".tag[data-n]"), function (tag) {
      var n = tag.getAttribute("data-n");
      function light(on) {
        Array.prototype.forEach.call(a.querySelectorAll("mark.hl"), function (m) {
          if ((" " + m.getAttribute("data-tags") + " ").indexOf(" " + n + " ") >= 0) { m.classList.toggle("lit", on); }
        });
      }
      tag.addEventListener("mouseenter", function () { light(true); });
      tag.addEventListener("mouseleave", function () { light(false); });
    });
  });
  sbsBtn.addEventListener("click", function () {
    var on = sbsBtn.getAttribute("aria-pressed") !== "true";
    sbsBtn.setAttribute("aria-pressed", on ? "true" : "false");
    articles.forEach(function (a) { setSbs(a, on); });
  });

  // Print everything opened up; put it back afterwards.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { closed.forEach(function (d) { d.open = false; }); closed = []; });

  window.addEventListener("hashchange", reveal);
  loadUrl();
  apply(false);
  reveal();
  document.documentElement.classList.add("js");
}());
