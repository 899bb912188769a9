"""How the documents name each kind of party, and sentences that list as many as there are."""

import pytest

from governance.wording import designate, enumerate_fr, parties_sentence


def party(kind, name, **details):
    return {"details": {"kind": kind, "name": name, **details}}


@pytest.mark.parametrize(
    ("details", "name", "represented"),
    [
        ({"kind": "caf", "name": "Caf du Puy-de-Dôme"}, "la Caf du Puy-de-Dôme", "représentée"),
        ({"kind": "msa", "name": "MSA Auvergne"}, "la MSA Auvergne", "représentée"),
        (
            {"kind": "departement", "name": "Conseil départemental du Puy-de-Dôme"},
            "le Département du Puy-de-Dôme",
            "représenté",
        ),
        (
            {"kind": "commune", "name": "Commune de Cournon-d'Auvergne"},
            "la commune de Cournon-d'Auvergne",
            "représentée",
        ),
        ({"kind": "commune", "name": "Commune d'Arconsat"}, "la commune d'Arconsat", "représentée"),
        ({"kind": "commune", "name": "Commune du Havre"}, "la commune du Havre", "représentée"),
        (
            {"kind": "epci", "name": "CC Plaine Limagne", "body": "Communauté de communes Plaine Limagne"},
            "la communauté de communes Plaine Limagne",
            "représentée",
        ),
        (
            {"kind": "epci", "name": "Clermont Auvergne Métropole", "body": "Clermont Auvergne Métropole"},
            "Clermont Auvergne Métropole",
            "représentée",
        ),
        ({"kind": "partner", "name": "Association Familles rurales"}, "Association Familles rurales", "représenté·e"),
    ],
)
def test_each_kind_of_party_is_named_with_its_article_and_gender(details, name, represented):
    designation = designate(details)
    assert designation.name == name
    assert designation.agree("représenté") == represented


def test_lists_agree_with_what_is_there():
    assert enumerate_fr([]) == ""
    assert enumerate_fr(["a"]) == "a"
    assert enumerate_fr(["a", "b"]) == "a et b"
    assert enumerate_fr(["a", "b", "c"]) == "a, b et c"
    assert (
        enumerate_fr(["l'EPCI", "les communes de A et de B", "la Caf"])
        == "l'EPCI, les communes de A et de B, et la Caf"
    )
    # A name with « et » in it is not a list.
    assert enumerate_fr(["la Caf", "la communauté de communes Entre Dore et Allier", "la MSA"]) == (
        "la Caf, la communauté de communes Entre Dore et Allier et la MSA"
    )


CAF = party("caf", "Caf de l'Allier")
EPCI = party("epci", "CA Montluçon Communauté", body="Communauté d'agglomération Montluçon Communauté")


@pytest.mark.parametrize(
    ("parties", "sentence"),
    [
        # A commune alone.
        (
            [party("commune", "Commune de Cournon-d'Auvergne"), CAF],
            "Entre la commune de Cournon-d'Auvergne et la Caf de l'Allier",
        ),
        # An EPCI where no commune signs.
        ([EPCI, CAF], "Entre la communauté d'agglomération Montluçon Communauté et la Caf de l'Allier"),
        # One commune signs with its EPCI.
        (
            [EPCI, party("commune", "Commune de Montluçon"), CAF],
            "Entre la communauté d'agglomération Montluçon Communauté, la commune de Montluçon et la Caf de l'Allier",
        ),
        # A few communes, a Département and an MSA.
        (
            [
                EPCI,
                party("commune", "Commune de Montluçon"),
                party("commune", "Commune d'Ainay-le-Château"),
                CAF,
                party("departement", "Conseil départemental de l'Allier"),
                party("msa", "MSA Auvergne"),
            ],
            "Entre la communauté d'agglomération Montluçon Communauté, les communes d'Ainay-le-Château et "
            "de Montluçon, la Caf de l'Allier, le Département de l'Allier, et la MSA Auvergne",
        ),
    ],
)
def test_the_cover_names_the_parties_that_sign(parties, sentence):
    assert parties_sentence(parties) == sentence
