// The support agent's page. Every piece of text that comes from the server (and so from DNS
// records, directory fields, headers) is inserted with textContent: never innerHTML.
"use strict";

(function () {
  var $ = function (id) { return document.getElementById(id); };
  var lastBody = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function headers() {
    var h = { "Accept": "application/json", "Content-Type": "application/json" };
    var t = $("token").value.trim();
    if (t) { h["Authorization"] = "Bearer " + t; }
    return h;
  }

  function status(text) { $("status").textContent = text; }

  function errorText(resp, body) {
    try {
      var e = JSON.parse(body).error;
      if (e && e.message) {
        if (resp.status === 401) { $("token-box").open = true; }
        return "Error " + resp.status + ": " + e.message;
      }
    } catch (_) { /* not JSON */ }
    return "Error " + resp.status + " from the server.";
  }

  function evidenceList(ev) {
    var dl = el("dl", "evidence");
    var keys = ev && typeof ev === "object" && !Array.isArray(ev) ? Object.keys(ev) : null;
    if (!keys) {
      dl.appendChild(el("dt", null, "value"));
      dl.appendChild(el("dd", null, JSON.stringify(ev, null, 2)));
      return dl;
    }
    keys.forEach(function (k) {
      var v = ev[k];
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, typeof v === "string" ? v : JSON.stringify(v, null, 2)));
    });
    return dl;
  }

  function explanation(id, box) {
    // Loaded once, when the agent opens it.
    var loaded = false;
    box.addEventListener("toggle", function () {
      if (!box.open || loaded) { return; }
      loaded = true;
      var p = el("p", "help", "Loading…");
      box.appendChild(p);
      fetch("/v1/findings/" + encodeURIComponent(id), { headers: headers() })
        .then(function (r) { return r.json(); })
        .then(function (k) {
          if (!k || !k.id) { p.textContent = "No explanation for this id."; return; }
          p.textContent = k.what_it_means + " " + k.why_it_matters;
          var fix = el("p", "fix", k.how_to_fix);
          box.appendChild(fix);
        })
        .catch(function () { p.textContent = "Could not load the explanation."; });
    });
  }

  function render(r) {
    $("result-title").textContent = "Report for " + r.subject;
    var v = $("verdict");
    v.className = "verdict " + r.verdict;
    v.textContent = {
      "problem-found": "A problem was found.",
      "no-problem-found": "No problem found.",
      "inconclusive": "Inconclusive: some checks could not finish."
    }[r.verdict] || r.verdict;

    var cause = $("cause");
    clear(cause);
    var top = r.findings.length ? r.findings[0] : null;
    if (top && r.verdict === "problem-found") {
      cause.className = "cause";
      var p = el("p");
      p.appendChild(el("strong", null, "Most likely cause: "));
      p.appendChild(el("span", "cause-title", top.title + " "));
      p.appendChild(el("code", "id cause-id", top.id));
      cause.appendChild(p);
      cause.appendChild(el("p", null, top.detail));
    } else {
      cause.className = "cause none";
      cause.appendChild(el("p", null, r.verdict === "inconclusive"
        ? "No cause found yet, and some checks could not finish; see the checks below."
        : "Nothing checked explains the missing email. Ask the person to look in junk or spam and their admin in the quarantine, then resend and watch."));
    }

    var steps = $("steps");
    clear(steps);
    var seen = {};
    r.findings.forEach(function (f) {
      if (f.severity === "info" || !f.remedy || seen[f.remedy]) { return; }
      seen[f.remedy] = true;
      steps.appendChild(el("li", null, f.remedy));
    });
    $("steps-title").hidden = steps.children.length === 0;

    var list = $("findings");
    clear(list);
    r.findings.forEach(function (f) {
      var li = el("li", "finding");
      li.dataset.id = f.id;
      var h = el("p");
      h.appendChild(el("span", "sev " + f.severity, f.severity));
      h.appendChild(el("strong", null, f.title + " "));
      h.appendChild(el("code", "id finding-id", f.id));
      li.appendChild(h);
      li.appendChild(el("p", null, f.detail));
      if (f.remedy) { li.appendChild(el("p", "fix", f.remedy)); }
      if (f.evidence !== undefined && f.evidence !== null) {
        var d = el("details");
        d.appendChild(el("summary", null, "Evidence"));
        d.appendChild(evidenceList(f.evidence));
        li.appendChild(d);
      }
      var x = el("details");
      x.appendChild(el("summary", null, "What does " + f.id + " mean?"));
      explanation(f.id, x);
      li.appendChild(x);
      list.appendChild(li);
    });
    if (!r.findings.length) { list.appendChild(el("li", null, "No findings.")); }

    var tbody = $("checks").tBodies[0];
    clear(tbody);
    r.checks.forEach(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", null, c.name));
      tr.appendChild(el("td", null, c.status));
      tr.appendChild(el("td", null, c.detail));
      tbody.appendChild(tr);
    });
    $("stats").textContent = r.stats.dns_queries + " DNS queries, " + r.stats.duration_ms + " ms";
    $("result").hidden = false;
    $("result-title").focus();
  }

  function diagnose(ev) {
    ev.preventDefault();
    var email = $("email").value.trim();
    if (!email) { status("Type the address from the ticket first."); $("email").focus(); return; }
    var body = { email: email };
    var pasted = $("message").value;
    if (pasted.trim()) { body.message = pasted; }
    $("diagnose").disabled = true;
    $("copy-md").disabled = true;
    $("markdown-box").hidden = true;
    status("Checking " + email + (body.message ? " and the pasted message" : "") + "…");
    fetch("/v1/diagnose", { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (resp) {
        return resp.text().then(function (body) {
          if (!resp.ok) { throw new Error(errorText(resp, body)); }
          return JSON.parse(body);
        });
      })
      .then(function (r) {
        lastBody = body;
        render(r);
        $("copy-md").disabled = false;
        status("Done: " + r.findings.length + " findings.");
      })
      .catch(function (e) { status(e.message || "The request failed."); })
      .then(function () { $("diagnose").disabled = false; });
  }

  function copyMarkdown() {
    if (!lastBody) { return; }
    status("Preparing the Markdown…");
    fetch("/v1/diagnose.md", { method: "POST", headers: headers(), body: JSON.stringify(lastBody) })
      .then(function (resp) {
        return resp.text().then(function (body) {
          if (!resp.ok) { throw new Error(errorText(resp, body)); }
          return body;
        });
      })
      .then(function (md) {
        var ta = $("markdown");
        ta.value = md;
        $("markdown-box").hidden = false;
        var done = function () { status("Markdown copied to the clipboard."); };
        var fallback = function () { ta.focus(); ta.select(); status("Select the Markdown below and copy it."); };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(md).then(done, fallback);
        } else {
          fallback();
        }
      })
      .catch(function (e) { status(e.message || "The request failed."); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("ask").addEventListener("submit", diagnose);
    $("copy-md").addEventListener("click", copyMarkdown);
    $("email").focus();
  });
})();
