def test_home_renders_without_events(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Live events, run well." in response.data
    assert b"No events are on sale yet" in response.data

