// The helpline operator's screen: keys for the common steps, a running timer, and the draft saved
// on the server as the operator types, so a closed tab or a dropped browser loses nothing.
(function () {
  "use strict";

  function typing(target) {
    if (target.isContentEditable) { return true; }
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") { return true; }
    if (target.tagName !== "INPUT") { return false; }
    return ["radio", "checkbox", "button", "submit"].indexOf(target.type) === -1;
  }

  // --- the timer -------------------------------------------------------------------------------
  var timer = document.getElementById("timer");
  if (timer) {
    var since = Date.parse(timer.getAttribute("data-since"));
    var tick = function () {
      var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var text = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
      timer.textContent = text;
    };
    tick();
    window.setInterval(tick, 1000);
  }

  // --- the draft -------------------------------------------------------------------------------
  var form = document.getElementById("contact-form");
  var status = document.getElementById("draft-status");
  var pending = null, saving = null, dirty = false, finishing = false;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("text-danger", !!failed);
    status.setAttribute("role", failed ? "alert" : "status");
  }

  function save(keepalive) {
    if (!form) { return Promise.resolve(); }
    pending = null;
    dirty = false;
    var body = new FormData(form);
    saving = fetch(form.getAttribute("data-draft-url"), {
      method: "POST", body: body, credentials: "same-origin", keepalive: !!keepalive,
      headers: {"X-CSRFToken": body.get("csrfmiddlewaretoken"), "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          form.querySelector("input[name=version]").value = data.version;
          say(status.getAttribute("data-saved") + " " + data.saved_at, false);
        } else {
          dirty = true;
          say(data.error || Object.keys(data.errors || {}).map(function (k) { return k + ": " + data.errors[k].join(" "); }).join("; "), true);
        }
      });
    }).catch(function () {
      dirty = true;
      say(status.getAttribute("data-offline"), true);
      pending = window.setTimeout(save, 5000);
    }).finally(function () { saving = null; });
    return saving;
  }

  if (form) {
    var changed = function () {
      dirty = true;
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(save, 700);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      if (pending) { window.clearTimeout(pending); pending = null; }
      if (saving) {
        // Finish after the draft in flight, with the version it returns.
        event.preventDefault();
        saving.then(function () { form.requestSubmit(); });
        return;
      }
      finishing = true;
    });
    // Leaving the page (closing the tab, following a link) sends what was typed last.
    window.addEventListener("pagehide", function () {
      if (dirty && !finishing) { save(true); }
    });
    // A link that carries the contact onwards (the warm referral) waits for the last draft.
    document.querySelectorAll("a[data-after-draft]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!pending && !saving && !dirty) { return; }
        event.preventDefault();
        (saving || Promise.resolve()).then(function () { return dirty || pending ? save() : null; })
          .then(function () { window.location.assign(link.href); });
      });
    });
    document.querySelectorAll("form:not(#contact-form)").forEach(function (other) {
      other.addEventListener("submit", function () { if (dirty) { save(true); } });
    });
  }

  // --- keys ------------------------------------------------------------------------------------
  var typeKeysNode = document.getElementById("type-keys");
  var typeKeys = typeKeysNode ? JSON.parse(typeKeysNode.textContent) : {};
  var keyTypes = {};
  Object.keys(typeKeys).forEach(function (type) { keyTypes[typeKeys[type]] = type; });
  var withData = ["self", "child", "adult"];

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.defaultPrevented) { return; }
    if (typing(event.target) && !event.altKey) { return; }
    var key = (event.key || "").toLowerCase();
    if (event.altKey && event.code && event.code.indexOf("Key") === 0) {
      key = event.code.slice(3).toLowerCase();  // Alt+letter gives another character on some layouts
    }
    if (event.code && event.code.indexOf("Key") === 0 && !event.altKey && /[^a-z0-9]/.test(key)) {
      key = event.code.slice(3).toLowerCase();  // a Russian keyboard layout: the same physical key
    }
    var type = keyTypes[key];
    if (form && type) {
      var radio = form.querySelector("input[name=type][value='" + type + "']");
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change", {bubbles: true}));
        if (withData.indexOf(type) === -1) {
          document.getElementById("finish").focus();  // a contact without data: Enter logs it
        } else {
          var first = form.querySelector("input[name=categories]");
          if (first) { first.focus(); }
        }
        return;
      }
    }
    var target = document.querySelector("[data-key='" + key + "']");
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
