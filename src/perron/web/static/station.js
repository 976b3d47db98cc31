/* The small map of a station page: the station, its neighbours and the links between them. */
(function () {
  "use strict";
  var P = window.Perron;
  var el = document.getElementById("station-map");
  var data = P.json("station-map-data");
  if (!el || !data || !window.L) return;
  var text = P.json("map-i18n") || {};
  var map = L.map(el, { attributionControl: false, scrollWheelZoom: false });
  var s = data.station;
  var here = L.latLng(s.lat, s.lng);
  var points = [here];

  // municipality outlines, the rest of the network and the other stations give context
  // without tiles; they are drawn in panes under the station's own links and markers
  map.createPane("base").style.zIndex = 350;
  map.createPane("context").style.zIndex = 360;
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
  }
  getJSON("/api/municipalities").then(function (geo) {
    if (!geo) return;
    L.geoJSON(geo, {
      pane: "base", interactive: false,
      style: { color: "#9aa9b9", weight: 0.7, fillColor: "#fbfcfd", fillOpacity: 1 }
    }).addTo(map);
  }).catch(function () {});
  getJSON("/api/network").then(function (net) {
    if (!net) return;
    L.geoJSON(net, {
      pane: "context", interactive: false,
      filter: function (f) { return f.properties.code !== s.code; },
      style: { color: "#b4bfcb", weight: 1.2 },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          pane: "context", radius: 3, color: "#fff", weight: 1, fillColor: "#9aa7b5", fillOpacity: 1,
          className: "context-station"
        });
      }
    }).addTo(map);
  }).catch(function () {});

  data.neighbours.forEach(function (n) {
    var there = L.latLng(n.lat, n.lng);
    points.push(there);
    L.polyline([here, there], { color: "#6b7a8c", weight: 2.5, opacity: 0.85 })
      .bindTooltip(P.formatNumber(n.distance_km, 1) + " km")
      .addTo(map);
    var style = P.sizeStyle[n.size_class] || P.sizeStyle.small;
    L.circleMarker(there, {
      radius: style.radius + 1, fillColor: style.fillColor, fillOpacity: 0.9, color: "#fff", weight: 1.5,
      className: "station-marker station-marker--neighbour"
    })
      .bindTooltip(P.escape(n.name) + " · " + P.formatNumber(n.distance_km, 1) + " km",
        { permanent: true, direction: "top", offset: [0, -6], className: "neighbour-label" })
      .on("click", function () { window.location.href = "/stations/" + encodeURIComponent(n.code); })
      .addTo(map);
  });
  var style = P.sizeStyle[s.size_class] || P.sizeStyle.small;
  L.circleMarker(here, {
    radius: style.radius + 4, fillColor: style.fillColor, fillOpacity: 1, color: "#123a63", weight: 3,
    className: "station-marker station-marker--current"
  }).bindTooltip("<strong>" + P.escape(s.name) + "</strong>", { permanent: true, direction: "right", offset: [10, 0] })
    .addTo(map);
  if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points).pad(0.25));
  } else {
    map.setView(here, 12);
  }
  el.setAttribute("data-neighbour-count", String(data.neighbours.length));
})();
