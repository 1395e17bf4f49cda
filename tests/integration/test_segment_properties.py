"""Property: the compiled SQL and the pure-Python evaluation agree, on SQLite and PostgreSQL.

Hypothesis draws small sets of contacts (accents, case, empty and unset values, households,
partners) and queries over every operator; each query's SQL result must be exactly the set of
contacts the reference evaluator (audiences/segments/evaluate.py) says match.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from audiences.contacts.fields import register_fields
from audiences.contacts.model import FieldType
from audiences.segments.compiler import compile_query
from audiences.segments.evaluate import matches
from audiences.segments.syntax import (
    And,
    BareField,
    Comparison,
    InList,
    IsSet,
    Node,
    Not,
    Operator,
    Or,
)
from campaign.store.engine import Database
from campaign.store.tables import contact_partners, contacts, partners

REGISTRY: dict[str, FieldType] = {
    "age": FieldType.NUMBER,
    "vaccination_date": FieldType.DATE,
    "lives_alone": FieldType.BOOLEAN,
    "nickname": FieldType.TEXT,
}
NOW = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
SLUGS = ("ngo", "ocmw-gent")
TEXTS = (
    "Anna",
    "ANNA",
    "anna",
    "Zoë",
    "zoe",
    "Chloé",
    "Liège",
    "LIEGE",
    "liege",
    "Gent",
    "50%",
    "a_b",
    "İzmir",
    "",
    "é",
    "an",
)
NUMBERS = (0.0, 9.0, 64.5, 65.0, 70.0, -1.0)
DATES = ("2021-02-15", "2021-03-01", "2021-03-10", "2020-12-31")
TEXT_FIELDS = ("language", "first_name", "municipality", "email", "nickname")
ORDERINGS = (Operator.LT, Operator.LE, Operator.GT, Operator.GE, Operator.EQ, Operator.NE)

maybe_text = st.one_of(st.none(), st.sampled_from(TEXTS))
people = st.lists(
    st.fixed_dictionaries(
        {
            "language": st.sampled_from(("nl", "fr", "NL", "de")),
            "first_name": maybe_text,
            "municipality": maybe_text,
            "email": st.sampled_from((None, "", "a@example.org", "b@example.org")),
            "consent_sms": st.booleans(),
            "opted_out_sms": st.booleans(),
            "owner": st.sampled_from((None, *SLUGS)),
            "links": st.lists(st.sampled_from(SLUGS), unique=True, max_size=2),
            "attributes": st.fixed_dictionaries(
                {},
                optional={
                    "age": st.sampled_from((0, 9, 64.5, 65, 70, 100)),
                    "vaccination_date": st.sampled_from(DATES),
                    "lives_alone": st.booleans(),
                    "nickname": st.sampled_from(TEXTS),
                },
            ),
        }
    ),
    max_size=8,
)

text_leaf = st.one_of(
    st.builds(
        Comparison,
        st.sampled_from(TEXT_FIELDS),
        st.sampled_from((Operator.EQ, Operator.NE, Operator.CONTAINS)),
        st.sampled_from(TEXTS[:-3]),
    ),
    st.builds(
        InList,
        st.sampled_from(TEXT_FIELDS),
        st.lists(st.sampled_from(TEXTS[:-3]), min_size=1, max_size=3).map(tuple),
    ),
)
number_leaf = st.one_of(
    st.builds(Comparison, st.just("age"), st.sampled_from(ORDERINGS), st.sampled_from(NUMBERS)),
    st.builds(InList, st.just("age"), st.lists(st.sampled_from(NUMBERS), min_size=1).map(tuple)),
    st.builds(
        Comparison,
        st.just("vaccination_date"),
        st.sampled_from(ORDERINGS),
        st.sampled_from(DATES),
    ),
)
boolean_leaf = st.one_of(
    st.builds(BareField, st.sampled_from(("lives_alone", "consent_sms", "opted_out_sms"))),
    st.builds(
        Comparison,
        st.just("lives_alone"),
        st.sampled_from((Operator.EQ, Operator.NE)),
        st.sampled_from(("ja", "nee", "oui", "no")),
    ),
)
partner_leaf = st.one_of(
    st.builds(
        Comparison,
        st.just("partner"),
        st.sampled_from((Operator.EQ, Operator.NE, Operator.CONTAINS)),
        st.sampled_from((*SLUGS, "NGO", "gent", "other")),
    ),
    st.builds(InList, st.just("partner"), st.lists(st.sampled_from(SLUGS), min_size=1).map(tuple)),
)
is_set_leaf = st.builds(
    IsSet, st.sampled_from((*TEXT_FIELDS, *REGISTRY, "phone", "partner")), st.booleans()
)
queries: st.SearchStrategy[Node] = st.recursive(
    st.one_of(text_leaf, number_leaf, boolean_leaf, partner_leaf, is_set_leaf),
    lambda children: st.one_of(
        children.map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: And(tuple(ops))),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: Or(tuple(ops))),
    ),
    max_leaves=6,
)


async def _store(database: Database, drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace every contact with the drawn ones; return them as the evaluator sees them."""
    async with database.transaction() as session:
        await session.execute(delete(contact_partners))
        await session.execute(delete(contacts))
        await session.execute(delete(partners))
        await register_fields(session, REGISTRY)
        slug_ids = {slug: i for i, slug in enumerate(SLUGS, start=1)}
        await session.execute(
            insert(partners),
            [{"id": i, "slug": s, "name": s, "created_at": NOW} for s, i in slug_ids.items()],
        )
        seen = []
        for contact_id, person in enumerate(drawn, start=1):
            row = {k: person[k] for k in ("language", "first_name", "municipality", "email")}
            row |= {
                "id": contact_id,
                "time_zone": "Europe/Brussels",
                "attributes": person["attributes"],
                "consent_sms": person["consent_sms"],
                "opted_out_sms_at": NOW if person["opted_out_sms"] else None,
                "owner_partner_id": slug_ids[person["owner"]] if person["owner"] else None,
                "created_at": NOW,
                "updated_at": NOW,
            }
            await session.execute(insert(contacts).values(row))
            for slug in person["links"]:
                await session.execute(
                    insert(contact_partners).values(
                        contact_id=contact_id, partner_id=slug_ids[slug]
                    )
                )
            slugs = {person["owner"], *person["links"]} - {None}
            seen.append(person | row | {"partners": sorted(slugs)})
        return seen


async def _sql_ids(database: Database, node: Node) -> set[int]:
    async with database.read_session() as session:
        condition = compile_query(node, REGISTRY)
        return set((await session.execute(select(contacts.c.id).where(condition))).scalars())


@settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=people, nodes=st.lists(queries, min_size=1, max_size=4))
async def test_compiled_sql_agrees_with_the_pure_evaluator(
    database: Database, drawn: list[dict[str, Any]], nodes: list[Node]
) -> None:
    stored = await _store(database, drawn)
    for node in nodes:
        expected = {c["id"] for c in stored if matches(node, c, REGISTRY)}
        assert await _sql_ids(database, node) == expected, node
