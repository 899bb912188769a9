import pytest
from django.urls import reverse

from territories.models import EPCI, Commune


@pytest.fixture
def search(client, user):
    client.force_login(user)

    def run(query, **params):
        return client.get(reverse("territory_search"), {"q": query, **params}).json()["results"]

    return run


def test_an_epci_is_found_without_accents_or_case(search):
    results = search("montlucon", type="epci")
    assert results[0]["name"] == "CA Montluçon Communauté"
    assert results[0]["code"] == "200071082"


def test_several_words_in_any_order(search):
    names = [result["name"] for result in search("limagne plaine", type="epci")]
    assert names == ["CC Plaine Limagne"]


def test_a_commune_by_insee_code_or_siren(search):
    assert search("63240", type="commune")[0]["name"] == "Montpensier"
    assert search("216302406", type="commune")[0]["name"] == "Montpensier"
    assert search("200071082", type="epci")[0]["name"] == "CA Montluçon Communauté"


def test_the_largest_come_first_and_the_list_is_bounded(search):
    results = search("saint", type="commune")
    assert len(results) == 15
    populations = [Commune.objects.get(code=r["code"]).population for r in results]
    assert populations == sorted(populations, reverse=True)


def test_htmx_gets_the_suggestions_as_html(client, user):
    client.force_login(user)
    response = client.get(reverse("territory_search"), {"q": "montluçon"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "CA Montluçon Communauté" in html
    assert 'data-territory-choice="03185"' in html  # the commune of Montluçon itself
    assert 'data-territory-choice="200071082"' in html


def test_nothing_found_is_said(client, user):
    client.force_login(user)
    response = client.get(reverse("territory_search"), {"q": "zzzqqq"}, headers={"HX-Request": "true"})
    assert "Aucun territoire ne correspond" in response.content.decode()


def test_search_needs_a_login(client):
    response = client.get(reverse("territory_search"), {"q": "montlucon"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_search_keys_are_stored(db):
    assert EPCI.objects.get(siren="200071082").search_name == "ca montlucon communaute"
