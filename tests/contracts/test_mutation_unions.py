"""Every mutation's result union lists every domain error its resolver can raise.

The errors are read from the code (`tests.contracts.raises`), the unions and the exception table
from the schema (`tests.contracts.union_completeness`): neither side is a list kept by hand. The
checker's own tests run it on small samples (`tests.contracts.union_samples`) to show that it
finds a missing error, follows each shape of raise, and fails on code it cannot follow.
"""

from collections.abc import Callable

import pytest

from app.domain.errors import (
    AlreadyExists,
    AuthConfigHasAccounts,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from app.domain.version_errors import InvalidTransition, VersionInBin
from app.domain.versions import InvalidVersion
from app.graphql.errors import (
    AlreadyExistsError,
    AuthConfigHasAccountsError,
    ConflictError,
    InvalidTransitionError,
    InvalidVersionError,
    NotFoundError,
)
from app.graphql.schema import schema
from tests.contracts.raises import RaiseAnalysis, UnresolvedCode
from tests.contracts.union_completeness import (
    Mutation,
    error_type_for,
    field_resolvers,
    find_gaps,
    handlers_of,
    mutations_of,
)
from tests.contracts.union_samples import mutations as samples
from tests.contracts.union_samples.services import Unmapped

# Errors a mutation may raise without listing them, each with the reason. A domain error that
# is deliberately handled elsewhere (turned into a top-level error, say) belongs here, keyed by
# (mutation, exception class name); an entry that no longer matches a gap fails the check.
ALLOWED: dict[tuple[str, str], str] = {}


def test_every_mutation_union_lists_every_error_its_resolver_can_raise() -> None:
    analysis = RaiseAnalysis(["app"], never_guessed=field_resolvers(schema))
    gaps, stale = find_gaps(mutations_of(schema), handlers_of(schema), analysis, ALLOWED)
    assert not gaps, "\n  ".join(["unions that miss errors:", *map(str, gaps)])
    assert not stale, f"allowances that match no gap any more: {stale}"


def test_the_check_covers_every_mutation_of_the_schema() -> None:
    graphql_mutations = schema._schema.mutation_type
    assert graphql_mutations is not None
    checked = mutations_of(schema)
    assert sorted(m.name for m in checked) == sorted(graphql_mutations.fields)
    # every mutation checks the caller's rights at least: an empty set would mean a blind spot
    analysis = RaiseAnalysis(["app"], never_guessed=field_resolvers(schema))
    assert all(analysis.raises(mutation.resolver) for mutation in checked)


# -- the checker's own tests, on samples ---------------------------------------------------

SAMPLE_PACKAGES = ["app", "tests.contracts.union_samples"]


def sample(resolver: Callable[..., object], *members: type) -> Mutation:
    return Mutation(resolver.__name__, resolver, f"{resolver.__name__}Result", frozenset(members))


def raised(resolver: Callable[..., object]) -> set[type]:
    return set(RaiseAnalysis(SAMPLE_PACKAGES).raises(resolver))


def gaps_of(*mutations: Mutation) -> list[tuple[str, type, type | None]]:
    gaps, _ = find_gaps(mutations, handlers_of(schema), RaiseAnalysis(SAMPLE_PACKAGES), {})
    return [(gap.mutation, gap.error, gap.error_type) for gap in gaps]


def test_a_union_that_misses_an_error_its_resolver_raises_is_reported() -> None:
    complete = sample(samples.create_thing, NotFoundError, AlreadyExistsError, ConflictError)
    assert gaps_of(complete) == []

    missing = sample(samples.create_thing, NotFoundError, AlreadyExistsError)
    gaps, _ = find_gaps([missing], handlers_of(schema), RaiseAnalysis(SAMPLE_PACKAGES), {})
    assert [(g.error, g.error_type) for g in gaps] == [(Conflict, ConflictError)]
    assert "create_thing can raise Conflict (ConflictError" in str(gaps[0])
    assert gaps[0].path[-1].startswith("tests.contracts.union_samples.services.create_thing")


def test_helpers_methods_and_returned_errors_are_followed_and_caught_errors_are_not() -> None:
    # raised by a helper, by a method of a typed parameter, and built by a helper; the
    # InvalidVersion that `version_or_none` catches does not escape
    assert raised(samples.create_thing) == {NotFound, AlreadyExists, Conflict}


def test_a_method_of_a_value_of_unknown_type_may_be_any_method_of_that_name() -> None:
    assert raised(samples.save_anything) == {AlreadyExists}


def test_nested_functions_are_read_with_the_function_around_them() -> None:
    assert raised(samples.count_names) == {NotFound}


def test_an_error_caught_and_raised_again_escapes() -> None:
    assert raised(samples.create_versioned_thing) == {InvalidVersion}
    assert gaps_of(sample(samples.create_versioned_thing)) == [
        ("create_versioned_thing", InvalidVersion, InvalidVersionError)
    ]


def test_an_error_no_handler_maps_is_reported() -> None:
    assert gaps_of(sample(samples.unmapped, NotFoundError)) == [("unmapped", Unmapped, None)]


@pytest.mark.parametrize(
    ("resolver", "reported"),
    [
        (samples.raise_picked, "raise picked_error(name)"),
        (samples.call_computed, "getattr(target, name)"),
    ],
)
def test_code_the_checker_cannot_follow_fails_the_check(
    resolver: Callable[..., object], reported: str
) -> None:
    with pytest.raises(UnresolvedCode, match="cannot tell what this code raises") as failed:
        RaiseAnalysis(SAMPLE_PACKAGES).raises(resolver)
    assert reported in str(failed.value)


def test_an_allowance_that_matches_no_gap_is_reported() -> None:
    complete = sample(samples.create_thing, NotFoundError, AlreadyExistsError, ConflictError)
    allowed = {("create_thing", "Conflict"): "no longer needed"}
    analysis = RaiseAnalysis(SAMPLE_PACKAGES)
    assert find_gaps([complete], handlers_of(schema), analysis, allowed) == (
        [],
        [("create_thing", "Conflict")],
    )


def test_an_error_becomes_the_type_of_its_nearest_handled_class() -> None:
    handlers = handlers_of(schema)
    assert error_type_for(VersionInBin, handlers) is InvalidTransitionError
    assert error_type_for(InvalidTransition, handlers) is InvalidTransitionError
    assert error_type_for(Unmapped, handlers) is None


def test_the_everyday_edits_raise_what_their_unions_list() -> None:
    # The check above covers them with every other mutation; this names what each one's code
    # can raise, so that a lock or a lookup that loses its error shows here by name.
    analysis = RaiseAnalysis(["app"], never_guessed=field_resolvers(schema))
    by_name = {mutation.name: mutation for mutation in mutations_of(schema)}
    expected = {
        "updateConnector": {NotFound, Forbidden, InvalidInput},
        "updateAuthConfig": {NotFound, Forbidden, InvalidInput, Conflict},
        "deleteAuthConfig": {NotFound, Forbidden, Conflict, AuthConfigHasAccounts},
        "unlinkAccount": {NotFound, Forbidden},
    }
    for name, errors in expected.items():
        mutation = by_name[name]
        assert set(analysis.raises(mutation.resolver)) == errors, name
        handlers = handlers_of(schema)
        assert {error_type_for(error, handlers) for error in errors} <= mutation.members, name
    assert error_type_for(AuthConfigHasAccounts, handlers_of(schema)) is AuthConfigHasAccountsError
