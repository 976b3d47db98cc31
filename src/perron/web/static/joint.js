// The run page of a joint computation: a map of the joint counts per station and a chart of
// the national monthly totals per category group (only cells that were shown are summed).
(function () {
  const el = document.getElementById('joint-data');
  if (!el) return;
  const data = JSON.parse(el.textContent);
  const mapEl = document.getElementById('joint-map');
  if (mapEl && window.L) {
    const map = L.map(mapEl, { zoomSnap: 0.25 }).setView([52.2, 5.3], 7);
    map.createPane('base'); map.getPane('base').style.zIndex = 250;
    fetch('/api/municipalities').then((r) => r.json()).then((gj) => {
      const base = L.geoJSON(gj, { pane: 'base', interactive: false,
        style: { color: '#9aa9b9', weight: 0.7, fillColor: '#fbfcfd', fillOpacity: 1 } }).addTo(map);
      map.fitBounds(base.getBounds(), { padding: [10, 10] });
    }).catch(() => {});
    const max = Math.max(1, ...data.points.map((p) => p.count));
    data.points.forEach((p) => {
      const r = p.count ? 3 + 14 * Math.sqrt(p.count / max) : 3;
      L.circleMarker([p.lat, p.lng], {
        radius: r, fillColor: p.count ? '#c0392b' : '#c5ccd4', fillOpacity: 0.8, color: '#fff', weight: 1,
      }).bindTooltip(`${p.name}: ${p.count}` + (p.suppressed ? ` (+${p.suppressed} ${data.labels.suppressed})` : ''))
        .addTo(map);
    });
  }
  const chartEl = document.getElementById('joint-chart');
  if (chartEl && window.vegaEmbed && data.monthly.length) {
    vegaEmbed(chartEl, {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 'container', height: 220, data: { values: data.monthly },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: data.labels.month },
        y: { field: 'count', type: 'quantitative', title: data.labels.count },
        color: { field: 'group', type: 'nominal', title: data.labels.group },
        tooltip: [{ field: 'month' }, { field: 'group' }, { field: 'count' }],
      },
    }, { actions: false, renderer: 'svg' }).catch(() => {});
  }
})();
