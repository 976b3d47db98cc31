/* The national map: municipality boundaries as the base layer (no tiles), the rail links and
   every station as a circle marker sized and coloured by its size class. */
(function () {
  "use strict";
  var P = window.Perron;
  var el = document.getElementById("national-map");
  if (!el || !window.L) return;
  var text = P.json("map-i18n") || {};
  var status = document.getElementById("map-status");

  var map = L.map(el, {
    zoomControl: true, attributionControl: false, preferCanvas: false,
    minZoom: 6, maxZoom: 14, zoomSnap: 0.25
  });
  map.setView([52.15, 5.3], 7.5);
  // municipalities go in a pane of their own under the overlay pane, so that the rail links
  // and the stations (both in the overlay pane) are always drawn over them
  map.createPane("base").style.zIndex = 350;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(url + ": HTTP " + r.status);
        return r.json();
      });
  }

  var markers = [];  // { station, marker }
  var total = 0;

  function tooltip(s) {
    var travellers = P.formatNumber(s.travellers_per_day) + " " + text.travellers +
      (s.travellers_estimated ? " (" + text.estimated + ")" : "");
    return "<div class='station-tooltip'><strong>" + P.escape(s.name) + " <span class='muted'>" +
      P.escape(s.code) + "</span></strong>" + P.escape(travellers) + "</div>";
  }

  function selectedSizes() {
    var out = {};
    document.querySelectorAll("input[name=size_class]").forEach(function (cb) {
      out[cb.value] = cb.checked;
    });
    return out;
  }

  function normalise(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function matches(s, q) {
    if (!q) return true;
    return normalise(s.name).indexOf(q) !== -1 || s.code.toLowerCase() === q ||
      normalise(s.name_medium || "").indexOf(q) !== -1;
  }

  var search = document.getElementById("station-search");
  var results = document.getElementById("search-results");

  function update() {
    var sizes = selectedSizes();
    var q = normalise((search && search.value || "").trim());
    var shown = 0;
    var hits = [];
    markers.forEach(function (m) {
      var visible = sizes[m.station.size_class] !== false;
      var hit = visible && matches(m.station, q);
      if (visible && !map.hasLayer(m.marker)) m.marker.addTo(map);
      if (!visible && map.hasLayer(m.marker)) map.removeLayer(m.marker);
      var path = m.marker.getElement();
      if (path) path.classList.toggle("is-dimmed", visible && !hit);
      if (visible) shown += 1;
      if (q && hit) hits.push(m);
    });
    el.setAttribute("data-visible-count", String(shown));
    if (status) status.textContent = P.format(text.status, { shown: P.formatNumber(shown), total: P.formatNumber(total) });
    if (!results) return;
    results.innerHTML = "";
    if (!q) return;
    if (!hits.length) {
      var none = document.createElement("li");
      none.innerHTML = "<span class='muted'>" + P.escape(text.no_results) + "</span>";
      results.appendChild(none);
      return;
    }
    hits.slice(0, 8).forEach(function (m) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/stations/" + encodeURIComponent(m.station.code);
      a.innerHTML = "<span>" + P.escape(m.station.name) + "</span><span class='muted'>" + P.escape(m.station.code) + "</span>";
      a.addEventListener("mouseenter", function () { m.marker.openTooltip(); });
      a.addEventListener("mouseleave", function () { m.marker.closeTooltip(); });
      li.appendChild(a);
      results.appendChild(li);
    });
    if (hits.length <= 8) {
      var bounds = L.latLngBounds(hits.map(function (m) { return m.marker.getLatLng(); }));
      map.fitBounds(bounds.pad(0.5), { maxZoom: 11 });
    }
  }

  document.querySelectorAll("input[name=size_class]").forEach(function (cb) {
    cb.addEventListener("change", update);
  });
  if (search) {
    search.addEventListener("input", update);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var first = results && results.querySelector("a");
        if (first) window.location.href = first.getAttribute("href");
      }
    });
  }

  Promise.all([getJSON("/api/municipalities"), getJSON("/api/network"), getJSON("/api/stations")])
    .then(function (data) {
      var municipalities = data[0], network = data[1], stations = data[2].items;
      var base = L.geoJSON(municipalities, {
        pane: "base", interactive: false,
        style: { color: "#9aa9b9", weight: 0.7, fillColor: "#fbfcfd", fillOpacity: 1 }
      }).addTo(map);
      map.fitBounds(base.getBounds(), { padding: [10, 10] });
      map.setMaxBounds(base.getBounds().pad(0.3));

      var links = network.features.filter(function (f) { return f.properties.kind === "link"; });
      L.geoJSON({ type: "FeatureCollection", features: links }, {
        interactive: false,
        style: { color: "#6b7a8c", weight: 1.3, opacity: 0.8, className: "rail-link" }
      }).addTo(map);

      // draw small stations first so that large ones stay on top
      var order = { small: 0, medium: 1, large: 2 };
      stations.sort(function (a, b) { return order[a.size_class] - order[b.size_class]; });
      var counts = { small: 0, medium: 0, large: 0 };
      stations.forEach(function (s) {
        var style = P.sizeStyle[s.size_class] || P.sizeStyle.small;
        var marker = L.circleMarker([s.lat, s.lng], {
          radius: style.radius, fillColor: style.fillColor, fillOpacity: 0.92,
          color: "#ffffff", weight: 1.2,
          className: "station-marker station-marker--" + s.size_class
        });
        marker.bindTooltip(tooltip(s), { direction: "top", offset: [0, -style.radius] });
        marker.on("click", function () {
          window.location.href = "/stations/" + encodeURIComponent(s.code);
        });
        marker.addTo(map);
        var path = marker.getElement();
        if (path) {
          path.setAttribute("data-code", s.code);
          path.setAttribute("data-size-class", s.size_class);
        }
        counts[s.size_class] = (counts[s.size_class] || 0) + 1;
        markers.push({ station: s, marker: marker });
      });
      total = markers.length;
      Object.keys(counts).forEach(function (k) {
        var c = document.querySelector("[data-count-for='" + k + "']");
        if (c) c.textContent = P.formatNumber(counts[k]);
      });
      update();
      el.setAttribute("data-station-count", String(document.querySelectorAll("#national-map .station-marker").length));
    })
    .catch(function (err) {
      if (status) { status.textContent = text.error; status.classList.add("alert", "alert--error"); }
      el.setAttribute("data-error", String(err));
      el.setAttribute("data-station-count", "0");
    });
})();
