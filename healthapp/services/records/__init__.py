"""Blood pressure, glucose, HbA1c and exercise entries: validate, classify, store, list,
edit, delete."""

from healthapp.services.records.entries import (
    KINDS,
    RecordKind,
    RecordPage,
    create_record,
    delete_record,
    edit_form,
    list_records,
    update_record,
)

__all__ = [
    "KINDS",
    "RecordKind",
    "RecordPage",
    "create_record",
    "delete_record",
    "edit_form",
    "list_records",
    "update_record",
]
