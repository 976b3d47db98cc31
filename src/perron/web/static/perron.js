/* Perron: behaviour shared by every page. */
(function () {
  "use strict";

  // Optional sections (capability fragments on the station page): shown only when the
  // fragment answered with content; a 404, an error or a login redirect keeps them hidden.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var el = evt.detail.elt;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-optional-section")) return;
    var xhr = evt.detail.xhr;
    var redirected = xhr && xhr.responseURL && xhr.responseURL.indexOf("/login") !== -1;
    var ok = evt.detail.successful && !redirected && xhr && xhr.responseText.trim() !== "";
    if (!ok) {
      el.hidden = true;
      el.innerHTML = "";
      el.setAttribute("data-section-state", "absent");
    }
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    var el = evt.detail.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-optional-section")) return;
    if (el.innerHTML.trim() !== "" && el.getAttribute("data-section-state") !== "absent") {
      el.hidden = false;
      el.setAttribute("data-section-state", "loaded");
    }
  });

  // <select data-autosubmit>: submit the form on change (no inline handlers: see the CSP)
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });

  // Every form that posts carries the CSRF token of the page (templates add the field; this
  // covers a form that forgot it).
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!csrfToken || !form || (form.method || "").toLowerCase() !== "post") return;
    if (form.querySelector('input[name="csrf_token"]')) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf_token";
    input.value = csrfToken;
    form.appendChild(input);
  }, true);

  // Every script request to this site that changes something carries the token as a header.
  if (window.fetch && csrfToken) {
    var plainFetch = window.fetch.bind(window);
    window.fetch = function (input, init) {
      init = init || {};
      var method = (init.method || (input && input.method) || "GET").toUpperCase();
      var url = typeof input === "string" ? input : (input && input.url) || "";
      var sameSite = url.indexOf("//") === -1 || url.indexOf(window.location.origin + "/") === 0;
      if (method !== "GET" && method !== "HEAD" && sameSite) {
        var headers = new Headers(init.headers || (typeof input !== "string" && input && input.headers) || {});
        if (!headers.has("X-CSRF-Token")) headers.set("X-CSRF-Token", csrfToken);
        init = Object.assign({}, init, { headers: headers });
      }
      return plainFetch(input, init);
    };
  }

  window.Perron = {
    csrfToken: csrfToken,
    lang: document.body.getAttribute("data-lang") || "nl",
    formatNumber: function (value, digits) {
      var locale = this.lang === "en" ? "en-GB" : "nl-NL";
      return new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0
      }).format(value);
    },
    format: function (template, values) {
      return template.replace(/\{(\w+)\}/g, function (m, k) {
        return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m;
      });
    },
    json: function (id) {
      var el = document.getElementById(id);
      return el ? JSON.parse(el.textContent) : null;
    },
    sizeStyle: {
      small: { radius: 4, fillColor: "#3f86c6" },
      medium: { radius: 6.5, fillColor: "#f0a020" },
      large: { radius: 9, fillColor: "#c0283e" }
    },
    escape: function (s) {
      return String(s).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    }
  };
})();
