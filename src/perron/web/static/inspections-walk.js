// The walk form: works on a phone with a bad connection. A submitted walk goes into a queue in
// localStorage first and is sent from there; what cannot be sent now is sent when the browser is
// back online (or on the next try). Each walk carries a client reference, so a walk sent twice is
// stored once. Photos are reduced in the browser (canvas re-encode: no EXIF/GPS) before queueing.
(function () {
  'use strict';
  const KEY = 'perron.walkQueue.v1';
  const data = JSON.parse(document.getElementById('form-data').textContent);
  const L_ = data.labels;
  const form = document.getElementById('walk-form');
  const statusEl = document.getElementById('queue-status');
  const findingsEl = document.getElementById('findings');
  const tpl = document.getElementById('finding-tpl');

  const load = () => { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } };
  const save = (q) => localStorage.setItem(KEY, JSON.stringify(q));
  const ref = () => (window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(16).slice(2));

  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = 'notice' + (kind ? ' notice--' + kind : '');
  }

  function checklist() {
    const group = form.elements.group.value;
    const t = data.templates.find((x) => x.group === group);
    const box = document.getElementById('checklist');
    box.innerHTML = '';
    (t ? t.items : []).forEach((item) => {
      const row = document.createElement('div');
      row.className = 'check-row';
      const p = document.createElement('p');
      p.textContent = item[data.lang] || item.nl;
      row.appendChild(p);
      ['ok', 'issue', 'na'].forEach((a) => {
        const l = document.createElement('label');
        l.className = 'score-opt score-opt--wide';
        const i = document.createElement('input');
        i.type = 'radio'; i.name = 'check-' + item.code; i.value = a;
        const s = document.createElement('span'); s.textContent = L_[a];
        l.appendChild(i); l.appendChild(s); row.appendChild(l);
      });
      box.appendChild(row);
    });
  }

  function shrink(file) {
    // re-encode in the browser: only pixels survive (no EXIF, no GPS), at most 1280 px
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const s = Math.min(1, 1280 / Math.max(img.width, img.height));
        const c = document.createElement('canvas');
        c.width = Math.round(img.width * s); c.height = Math.round(img.height * s);
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(img.src);
        resolve(c.toDataURL('image/jpeg', 0.8));
      };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
  }

  function addFinding() {
    const node = tpl.content.firstElementChild.cloneNode(true);
    node.querySelector('[data-act=remove]').onclick = () => node.remove();
    node.querySelector('[data-act=locate]').onclick = () => {
      const where = node.querySelector('[data-k=where]');
      if (!navigator.geolocation) { where.textContent = '–'; return; }
      navigator.geolocation.getCurrentPosition((pos) => {
        node.dataset.lat = pos.coords.latitude.toFixed(6);
        node.dataset.lng = pos.coords.longitude.toFixed(6);
        where.textContent = node.dataset.lat + ', ' + node.dataset.lng;
      }, () => { where.textContent = '–'; }, { enableHighAccuracy: true, timeout: 10000 });
    };
    findingsEl.appendChild(node);
  }

  async function collect() {
    const f = form.elements;
    const scores = {};
    let feeling = null;
    form.querySelectorAll('input[type=radio][name^="score-"]:checked').forEach((i) => {
      const code = i.name.slice(6);
      if (code === 'feeling') feeling = Number(i.value); else scores[code] = Number(i.value);
    });
    const check = {};
    form.querySelectorAll('input[type=radio][name^="check-"]:checked').forEach((i) => { check[i.name.slice(6)] = i.value; });
    const findings = [];
    for (const node of findingsEl.querySelectorAll('.finding')) {
      const get = (k) => node.querySelector('[data-k=' + k + ']');
      const item = { kind: get('kind').value, zone: get('zone').value, severity: get('severity').value, description: get('description').value };
      if (node.dataset.lat) { item.lat = Number(node.dataset.lat); item.lng = Number(node.dataset.lng); }
      const file = get('photo').files[0];
      if (file) item.photo_data = await shrink(file);
      findings.push(item);
    }
    return {
      client_ref: ref(),
      station_code: f.station_code.value.trim().toUpperCase(),
      walked_on: f.walked_on.value,
      start_time: f.start_time.value,
      group: f.group.value,
      light: f.light.value || null,
      team: f.team.value.trim(),
      scores, feeling, checklist: check, notes: f.notes.value, findings,
    };
  }

  async function uploadPhoto(dataUrl) {
    const blob = await (await fetch(dataUrl)).blob();
    const body = new FormData();
    body.append('file', blob, 'photo.jpg');
    const r = await fetch('/api/inspections/photos', { method: 'POST', body, credentials: 'same-origin' });
    if (!r.ok) throw Object.assign(new Error('photo'), { status: r.status, body: await r.text() });
    return (await r.json()).id;
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      let q = load();
      for (const walk of q.slice()) {
        try {
          for (const f of walk.findings) {
            if (f.photo_data && !f.photo_id) { f.photo_id = await uploadPhoto(f.photo_data); delete f.photo_data; save(q); }
          }
          const r = await fetch('/api/inspections/walks', {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify(walk),
          });
          if (r.status >= 500) throw new Error('server ' + r.status);
          q = load().filter((w) => w.client_ref !== walk.client_ref);
          save(q);
          if (r.ok) {
            const out = await r.json();
            say(L_.sent + ' ', 'ok');
            const a = document.createElement('a');
            a.href = '/inspections/walks/' + out.id; a.textContent = L_.open; a.dataset.testid = 'sent-link';
            a.setAttribute('data-testid', 'sent-link');
            statusEl.appendChild(a);
          } else {
            let detail = r.status;
            try { const p = await r.json(); detail = p.detail || JSON.stringify(p); } catch (e) { /* keep status */ }
            say(L_.failed + ' ' + detail, 'error');
          }
        } catch (e) {
          if (e && e.status && e.status < 500) {
            q = load().filter((w) => w.client_ref !== walk.client_ref); save(q);
            say(L_.failed + ' ' + e.body, 'error');
          } else {
            say(L_.offline.replace('{n}', load().length), 'warn');
            break;
          }
        }
      }
    } finally {
      flushing = false;
    }
  }

  form.elements.group.addEventListener('change', checklist);
  document.getElementById('add-finding').onclick = addFinding;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const walk = await collect();
    const q = load(); q.push(walk); save(q);
    say(L_.queued, 'warn');
    window.scrollTo({ top: 0, behavior: 'smooth' });
    form.reset(); findingsEl.innerHTML = ''; checklist();
    flush();
  });
  window.addEventListener('online', flush);
  setInterval(() => { if (load().length) flush(); }, 15000);
  checklist();
  if (load().length) { say(L_.offline.replace('{n}', load().length), 'warn'); flush(); }
})();
