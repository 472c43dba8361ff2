"""The data migration creates one StateFacts row per state with five ranks each."""

import pytest

from tsdata.models import StateFacts, TopAgencyFacts


@pytest.mark.django_db
def test_state_facts_rows_exist_for_every_state() -> None:
    assert sorted(StateFacts.objects.values_list("state_key", flat=True)) == ["il", "md", "nc"]
    for facts in StateFacts.objects.all():
        ranks = list(
            TopAgencyFacts.objects.filter(state_facts=facts).values_list("rank", flat=True)
        )
        assert ranks == [1, 2, 3, 4, 5]
    assert TopAgencyFacts.objects.count() == 15
