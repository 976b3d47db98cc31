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

  // nearby municipality outlines give the map some context without tiles
  fetch("/api/municipalities", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (geo) {
      if (!geo) return;
      var layer = L.geoJSON(geo, {
        style: { color: "#9aa9b9", weight: 0.7, fillColor: "#fbfcfd", fillOpacity: 1 },
        interactive: false
      }).addTo(map);
      layer.bringToBack();
    })
    .catch(function () {});

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
      .bindTooltip("<strong>" + P.escape(n.name) + "</strong> " + P.formatNumber(n.distance_km, 1) + " km",
        { direction: "top" })
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
