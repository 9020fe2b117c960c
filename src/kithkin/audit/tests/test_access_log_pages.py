from django.urls import reverse


def test_the_therapist_sees_who_looked_at_the_record(world, login):
    login(world.sam).get(reverse("client_detail", args=[world.carol.pk]))
    login(world.bob).get(reverse("client_detail", args=[world.carol.pk]))
    response = login(world.alice).get(reverse("client_access_log", args=[world.carol.pk]))
    assert response.status_code == 200
    rows = [(e.actor_username, e.outcome) for e in response.context["events"]]
    assert ("sam", "allowed") in rows
    assert ("bob", "denied") in rows


def test_the_client_sees_the_same_list_for_their_own_record_only(world, login):
    login(world.sam).get(reverse("client_detail", args=[world.carol.pk]))
    login(world.bob).get(reverse("client_detail", args=[world.dave.pk]))
    response = login(world.carol_login).get(reverse("portal_access_log"))
    assert response.status_code == 200
    names = {e.actor_username for e in response.context["events"]}
    assert "sam" in names
    assert "bob" not in names  # bob looked at dave, not carol


def test_outsiders_cannot_read_the_access_log(world, login):
    for outsider in (world.bob, world.adam, world.carol_login, world.mallory):
        assert (
            login(outsider).get(reverse("client_access_log", args=[world.carol.pk])).status_code
            == 404
        )
    assert login(world.alice).get(reverse("portal_access_log")).status_code == 403


def test_the_access_log_page_costs_the_same_queries_however_long_the_log(
    world, login, django_assert_max_num_queries
):
    alice = login(world.alice)
    url = reverse("client_access_log", args=[world.carol.pk])
    alice.get(url)
    for _ in range(30):
        alice.get(reverse("client_detail", args=[world.carol.pk]))
    with django_assert_max_num_queries(11):
        alice.get(url)
