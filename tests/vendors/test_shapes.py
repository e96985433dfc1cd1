"""The shape checker itself: it must catch a changed key and a changed type."""

from tests.vendors.shapes import shape_differences

DOCUMENT = {
    "code": 200,
    "data": [
        {"id": "1", "connected_at": "2026-03-02T20:00:09+11:00", "duration": 12, "tags": []},
        {"id": "2", "connected_at": None, "duration": 0, "tags": []},
    ],
    "meta": {"next": None, "ok": True},
}


def test_the_same_shape_with_other_values_has_no_differences() -> None:
    same = {
        "code": 201,
        "data": [
            {"id": "9", "connected_at": None, "duration": 4.5, "tags": ["x"]},
            {"id": "8", "connected_at": "2026-01-01T00:00:00Z", "duration": 7, "tags": []},
        ],
        "meta": {"next": None, "ok": False},
    }
    assert shape_differences(DOCUMENT, same) == []
    assert shape_differences(DOCUMENT, {**same, "data": []}) == []  # nothing to compare


def test_a_renamed_key_is_one_missing_and_one_extra() -> None:
    changed = {**DOCUMENT, "meta": {"nextUri": None, "ok": True}}
    assert shape_differences(DOCUMENT, changed) == [
        "$.meta.next: missing",
        "$.meta.nextUri: not in the document",
    ]


def test_a_key_added_or_lost_inside_a_list_element_is_caught() -> None:
    row: dict[str, object] = {
        "id": "3",
        "connected_at": None,
        "duration": 1,
        "tags": [],
        "status": "answered",
    }
    assert shape_differences(DOCUMENT, {**DOCUMENT, "data": [row]}) == [
        "$.data[0].status: not in the document"
    ]
    lost = {"id": "3", "duration": 1, "tags": []}
    assert shape_differences(DOCUMENT, {**DOCUMENT, "data": [lost]}) == ["$.data[0].connected_at: missing"]


def test_a_changed_type_is_caught_at_any_depth() -> None:
    assert shape_differences(DOCUMENT, {**DOCUMENT, "code": "200"}) == [
        "$.code: string where the document has number"
    ]
    counted: dict[str, object] = {"id": 3, "connected_at": None, "duration": 1, "tags": []}
    assert shape_differences(DOCUMENT, {**DOCUMENT, "data": [counted]}) == [
        "$.data[0].id: number where the document has string"
    ]
    assert shape_differences(DOCUMENT, {**DOCUMENT, "meta": {"next": None, "ok": 1}}) == [
        "$.meta.ok: number where the document has boolean"
    ]
    assert shape_differences(DOCUMENT, {**DOCUMENT, "data": {}}) == [
        "$.data: object where the document has array"
    ]
