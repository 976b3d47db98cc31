"""The API (problem+json on bad input, 401/403/404, the photo upload) and the pages, Dutch first
and English on request, with the demo data loaded."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

WALK = {
    "station_code": "UT",
    "walked_on": "2026-03-01",
    "start_time": "22:00",
    "group": "women_night",
    "team": "ProRail, NS, reizigsters",
    "scores": {"lighting": 1, "people": 2},
    "feeling": 1,
    "checklist": {"sightlines": "issue"},
    "findings": [
        {"kind": "dark_corner", "zone": "platform", "severity": "high"},
        {"kind": "graffiti", "zone": "hall", "severity": "low"},
    ],
    "client_ref": "abc-1",
}


def test_api_requires_a_user(client):
    assert client.get("/api/inspections/walks").status_code == 401
    assert client.get("/api/recommendations").status_code == 401


def test_walk_action_and_close_through_the_api(web_client):
    r = web_client.post("/api/inspections/walks", json=WALK)
    assert r.status_code == 201, r.text
    walk = r.json()
    assert len(walk["findings"]) == 2
    again = web_client.post("/api/inspections/walks", json=WALK)  # a phone re-sending
    assert again.json()["id"] == walk["id"]
    platform, hall = walk["findings"]
    a = web_client.post(
        "/api/inspections/actions", json={"finding_id": platform["id"], "due_on": "2026-04-01"}
    ).json()
    assert a["owner_party"] == "prorail"
    refused = web_client.post(
        f"/api/inspections/actions/{a['id']}/status", json={"status": "closed"}
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "evidence"
    ok = web_client.post(
        f"/api/inspections/actions/{a['id']}/status",
        json={"status": "closed", "evidence": {"kind": "note", "note": "verlichting geplaatst"}},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "closed"
    ns_action = web_client.post(
        "/api/inspections/actions", json={"finding_id": hall["id"], "due_on": "2026-04-01"}
    ).json()
    forbidden = web_client.post(
        f"/api/inspections/actions/{ns_action['id']}/status",
        json={"status": "closed", "evidence": {"kind": "note", "note": "x"}},
    )
    assert forbidden.status_code == 403
    assert web_client.get("/api/inspections/actions/987654").status_code == 404
    overdue = web_client.get(
        "/api/inspections/actions", params={"overdue": True, "as_of": "2026-05-01"}
    )
    assert [x["id"] for x in overdue.json()] == [ns_action["id"]]


def test_bad_input_is_a_4xx_never_a_500(web_client):
    for body in (
        {**WALK, "client_ref": None, "station_code": "XXXX"},
        {**WALK, "client_ref": None, "scores": {"lighting": 9}},
        {**WALK, "client_ref": None, "start_time": "noon"},
        {**WALK, "client_ref": None, "findings": [{"kind": "x", "zone": "y", "severity": "high"}]},
        {**WALK, "client_ref": None, "team": "x" * 301},
    ):
        r = web_client.post("/api/inspections/walks", json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    assert web_client.get("/api/inspections/walks").json() == []


def test_photo_upload_strips_metadata(web_client):
    img = Image.new("RGB", (200, 100), (10, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    r = web_client.post(
        "/api/inspections/photos", files={"file": ("p.jpg", buf.getvalue(), "image/jpeg")}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["metadata_removed"] is True and "mensen" in body["warning"]["nl"]
    got = web_client.get(f"/api/inspections/photos/{body['id']}")
    assert got.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in got.content
    bad = web_client.post(
        "/api/inspections/photos", files={"file": ("p.txt", b"hello", "text/plain")}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "photo"


def test_pages_with_the_demo_data_in_dutch_and_english(web_client, settings):
    from perron.inspections.demo import prepare

    assert "recommendations" in prepare(settings)
    page = web_client.get("/inspections")
    assert page.status_code == 200
    assert "Stationsschouwen" in page.text and "synthetisch" in page.text
    assert "Station walk-throughs" in web_client.get("/inspections?lang=en").text
    ut = web_client.get("/inspections?station=UT")
    assert ut.status_code == 200 and 'data-testid="walks-compare"' in ut.text
    walks = web_client.get("/api/inspections/walks").json()
    walk = web_client.get(f"/inspections/walks/{walks[-1]['id']}")
    assert walk.status_code == 200 and 'id="walk-map"' in walk.text
    board = web_client.get("/inspections/actions?lang=nl")
    assert board.status_code == 200 and "is-overdue" in board.text
    assert "heropend" in board.text  # the demo's lamp, closed and found broken again
    recs = web_client.get("/recommendations", params={"as_of": date.today().isoformat()})
    assert recs.status_code == 200
    assert "OVV-VS-2024-1" in recs.text and "handmatig samengesteld" in recs.text
    assert 'data-overdue="true"' in recs.text  # the synthetic audit recommendation
    assert web_client.get("/recommendations/OVV-HZ-2025-1").status_code == 200
    assert web_client.get("/recommendations/NOPE").status_code == 404
    fragment = web_client.get("/inspections/stations/UT/fragment")
    assert fragment.status_code == 200 and 'data-testid="station-inspections"' in fragment.text
    assert web_client.get("/inspections/stations/ZZZ/fragment").status_code == 204
    form = web_client.get("/inspections/walk/new")
    assert form.status_code == 200 and "geen mensen" in form.text.lower()


def test_closing_from_the_action_page_needs_evidence(web_client):
    walk = web_client.post("/api/inspections/walks", json=WALK).json()
    fid = walk["findings"][0]["id"]
    r = web_client.post(
        f"/inspections/findings/{fid}/action", data={"due_on": "2026-06-01"}, follow_redirects=False
    )
    assert r.status_code == 303
    url = r.headers["location"]
    refused = web_client.post(url + "/status", data={"status": "closed"})
    assert refused.status_code == 400 and "needs evidence" in refused.text
    done = web_client.post(
        url + "/status",
        data={"status": "closed", "evidence_kind": "link", "evidence_url": "https://example.org/w"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Gesloten" in web_client.get(url).text
