def test_health_reports_database_and_stations(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["stations"] == 397
    assert body["database"] in {"sqlite", "postgresql"}


def test_stations_lists_all_397_with_municipality_and_size_class(client):
    body = client.get("/api/stations").json()
    assert body["count"] == 397 == len(body["items"])
    codes = {s["code"] for s in body["items"]}
    assert {"UT", "ASD", "NA"} <= codes
    assert all(s["size_class"] in {"small", "medium", "large"} for s in body["items"])
    assert all(s["municipality"].startswith("GM") for s in body["items"])


def test_station_filters_combine(client):
    large = client.get("/api/stations", params={"size_class": "large"}).json()["items"]
    assert large and all(s["travellers_per_day"] > 25_000 for s in large)
    utrecht = client.get("/api/stations", params={"municipality": "GM0344"}).json()["items"]
    assert "UT" in {s["code"] for s in utrecht}
    assert all(s["municipality"] == "GM0344" for s in utrecht)
    both = client.get("/api/stations", params={"municipality": "Utrecht", "size_class": "large"})
    assert {s["code"] for s in both.json()["items"]} <= {s["code"] for s in utrecht}
    by_type = client.get("/api/stations", params={"type": "megastation"}).json()["items"]
    assert by_type and all(s["type"] == "megastation" for s in by_type)


def test_station_detail_has_neighbours_and_zones(client):
    body = client.get("/api/stations/UT").json()
    assert body["name"] == "Utrecht Centraal"
    assert body["size_class"] == "large"
    neighbours = {n["code"] for n in body["neighbours"]}
    assert len(neighbours) >= 4
    assert all(n["distance_km"] > 0 for n in body["neighbours"])
    assert "platform" in {z["code"] for z in body["zones"]}


def test_unknown_station_is_a_404_problem(client):
    response = client.get("/api/stations/NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 404
    assert "NOPE" in problem["detail"]


def test_invalid_filter_is_a_422_problem_naming_the_field(client):
    response = client.get("/api/stations", params={"size_class": "huge"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "size_class" in response.json()["detail"]


def test_network_is_geojson_with_stations_and_links(client):
    body = client.get("/api/network").json()
    assert body["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in body["features"]]
    assert kinds.count("station") == 397
    assert kinds.count("link") == 433


def test_openapi_document_describes_every_route(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/health", "/api/stations", "/api/stations/{code}", "/api/network"):
        assert path in paths
    for path, operations in paths.items():
        for op in operations.values():
            assert op.get("summary") or op.get("description"), f"{path} lacks a summary"


def test_reference_answers_carry_an_etag_and_honour_if_none_match(client):
    first = client.get("/api/stations", params={"size_class": "medium"})
    etag = first.headers["etag"]
    again = client.get(
        "/api/stations", params={"size_class": "medium"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = client.get("/api/stations", params={"size_class": "small"})
    assert other.headers["etag"] != etag
    assert other.json()["count"] + first.json()["count"] < 397
